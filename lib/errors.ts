import { ErrorCode } from './error-code';

/** What every failing call of this package throws: the C API's code, its name, and a message. */
export class OtcError extends Error {
  readonly code: ErrorCode;
  readonly codeName: string;

  constructor(code: ErrorCode, message?: string) {
    const name = ErrorCode[code] ?? `OTC_ERROR_${code}`;
    super(message ? `${name}: ${message}` : name);
    this.name = 'OtcError';
    this.code = code;
    this.codeName = name;
  }
}

/** Throws an OtcError unless status is OTC_SUCCESS. */
export function check(status: number, message?: string): void {
  if (status !== ErrorCode.OTC_SUCCESS) throw new OtcError(status as ErrorCode, message);
}

/** Throws a TypeError naming the argument: argument mistakes are programming errors. */
export function requireType(ok: boolean, name: string, what: string): void {
  if (!ok) throw new TypeError(`${name} must be ${what}`);
}

/**
 * Runs a native call; an Error the addon threw with a numeric `code` (a status of the C API)
 * becomes an OtcError with that code. TypeErrors and anything else pass through.
 */
export function nativeCall<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'number' && !(error instanceof TypeError) && !(error instanceof OtcError)) {
      throw new OtcError(code as ErrorCode, (error as Error).message);
    }
    throw error;
  }
}
