import { native, type NativeSession } from './binding';
import { ErrorCode } from './error-code';
import { OtcError, requireType } from './errors';
import { type Secret, isSecretType, validateSecret } from './secret';
import { TypedEmitter } from './typed-emitter';

export interface SessionEvents {
  /** The key of the secret last set is derived and in use; epochId is its SFrame epoch. */
  encryptionKeyReady: [epochId: number];
  error: [error: OtcError];
}

/**
 * A session, as `otc_session` in the C API. This release holds a session's identity and its
 * end-to-end encryption secret; connecting, publishing and subscribing build on it.
 */
export class Session extends TypedEmitter<SessionEvents> {
  #native: NativeSession | null;
  // The addon holds this only weakly (so an unreferenced Session can be collected): keep it here.
  readonly #onEvent = (name: string, ...args: unknown[]): void => this.#onNative(name, args);
  readonly apiKey: string;
  readonly sessionId: string;

  constructor(apiKey: string, sessionId: string) {
    super();
    requireType(typeof apiKey === 'string' && apiKey.length > 0, 'apiKey', 'a non-empty string');
    requireType(typeof sessionId === 'string' && sessionId.length > 0, 'sessionId', 'a non-empty string');
    this.apiKey = apiKey;
    this.sessionId = sessionId;
    this.#native = new native.NativeSession(apiKey, sessionId, this.#onEvent);
  }

  #onNative(name: string, args: unknown[]): void {
    if (name === 'encryptionKeyReady') {
      this.emit('encryptionKeyReady', args[0] as number);
    } else if (name === 'error') {
      const error = new OtcError(args[0] as ErrorCode, args[1] as string);
      // Like EventEmitter's 'error', but never throws from a native callback: unheard errors
      // are reported as warnings.
      if (this.listenerCount('error') > 0) this.emit('error', error);
      else process.emitWarning(error.message, 'OtcSessionWarning');
    }
  }

  #live(): NativeSession {
    if (!this.#native) throw new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the session is deleted');
    return this.#native;
  }

  /**
   * Sets the end-to-end encryption secret. Returns OTC_SUCCESS at once (the key is derived on a
   * native thread; 'encryptionKeyReady' follows), or OTC_SESSION_INVALID_ENCRYPTION_SECRET when
   * the secret breaks the rules, in which case the previous secret stays in use.
   */
  setEncryptionSecret(secret: Secret): ErrorCode {
    const handle = this.#live();
    if (!isSecretType(secret)) return ErrorCode.OTC_SESSION_INVALID_ENCRYPTION_SECRET;
    const valid = validateSecret(secret);
    if (valid !== ErrorCode.OTC_SUCCESS) return valid;
    return handle.setEncryptionSecret(secret) as ErrorCode;
  }

  /** The epoch id of the key in use, or null while none is derived yet. */
  get encryptionEpoch(): number | null {
    return this.#live().getEncryptionEpoch();
  }

  get hasEncryptionSecret(): boolean {
    return this.#live().hasEncryptionSecret();
  }

  /** Resolves when the key of the secret last set is in use. */
  async encryptionKeyReady(): Promise<number> {
    this.#live();
    return new Promise<number>((resolve) => this.once('encryptionKeyReady', resolve));
  }

  /** Wipes the session's keys and frees it; idempotent. Further calls throw OTC_E2EE_DELETED. */
  delete(): void {
    this.#native?.delete();
    this.#native = null;
  }

  get deleted(): boolean {
    return this.#native === null;
  }
}
