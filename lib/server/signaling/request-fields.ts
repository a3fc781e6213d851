// Reading a client request's fields: each one checked for type and bounded in size, a bad one
// answered with an `error` reply (RequestError) instead of reaching the session state.
import { ErrorCode } from '../../error-code';

/** Largest `signal` data, bytes of UTF-8. */
export const MAX_SIGNAL_DATA_BYTES = 8 * 1024;
/** Largest `signalType`, characters. */
export const MAX_SIGNAL_TYPE_LENGTH = 128;
export const MAX_SDP_LENGTH = 256 * 1024;
const MAX_CANDIDATE_LENGTH = 4096;
export const MAX_NAME_LENGTH = 1024;
/** Largest message before `connect` (a token is at most 16 KiB), bytes. */
export const UNAUTHENTICATED_MESSAGE_BYTES = 32 * 1024;

/** A request refused with an `error` reply carrying `code`; the connection stays open. */
export class RequestError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

export type Fields = Record<string, unknown>;

export function str(req: Fields, name: string, { optional = false, max = Infinity } = {}): string | undefined {
  const value = req[name];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || value === '' && !optional) {
    throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, `${name} must be a non-empty string`);
  }
  if (value.length > max) throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, `${name} is longer than ${max}`);
  return value;
}

export function bool(req: Fields, name: string, fallback: boolean): boolean {
  const value = req[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, `${name} must be a boolean`);
  return value;
}

export function readCandidate(req: Fields): { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } {
  const candidate = str(req, 'candidate', { optional: true, max: MAX_CANDIDATE_LENGTH }) ?? '';
  const sdpMid = req['sdpMid'] ?? null;
  const sdpMLineIndex = req['sdpMLineIndex'] ?? null;
  if (sdpMid !== null && (typeof sdpMid !== 'string' || sdpMid.length > 64)) {
    throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'sdpMid must be a string or null');
  }
  if (sdpMLineIndex !== null && !(Number.isInteger(sdpMLineIndex) && (sdpMLineIndex as number) >= 0)) {
    throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'sdpMLineIndex must be a non-negative integer or null');
  }
  return { candidate, sdpMid: sdpMid as string | null, sdpMLineIndex: sdpMLineIndex as number | null };
}
