import { native, type NativeFrameCryptor } from './binding';
import type { FrameCryptorStats } from './native-types';
import { ErrorCode } from './error-code';
import { OtcError, check, requireType } from './errors';
import { type Codec, type CryptorEvent, type Outcome, DEFAULT_SUITE, MAX_FRAME_SIZE, Suite, codecNumber, isSuite } from './e2ee-types';
import { type Secret, isSecretType, validateSecret } from './secret';

export interface FrameCryptorOptions {
  /** The session id: part of the key derivation, so sessions never share keys. */
  sessionId: string;
  secret: Secret;
  /** Every participant of a session must use the same suite. */
  suite?: Suite;
  /** How long superseded epochs stay usable for receiving (default 10 000 ms). */
  gracePeriodMs?: number;
}

export interface SealOptions {
  codec: Codec;
  /** Informational for VP8 (the frame's own key-frame bit decides its clear prefix). */
  keyFrame?: boolean;
}

export interface OpenOptions {
  codec: Codec;
}

export interface OpenResult {
  outcome: Outcome;
  /** The plain frame when outcome is 'decrypted', else null: no undecrypted byte is handed on. */
  frame: Buffer | null;
  /** Set on the frame that starts or ends an episode. */
  event: CryptorEvent | null;
}

export type { FrameCryptorStats } from './native-types';

const SECRET_RULES = 'the secret must be 8 to 256 characters of valid Unicode without NUL';

function codecArg(codec: unknown): number {
  const value = codecNumber(codec);
  requireType(value !== undefined, 'codec', "one of 'opus', 'VP8', 'VP9', 'AV1', 'H264'");
  return value as number;
}

function bytesArg(value: unknown, name: string): Uint8Array {
  requireType(value instanceof Uint8Array, name, 'a Uint8Array or Buffer');
  return value as Uint8Array;
}

/**
 * The frame format for one sending track and any number of received ones: seals encoded frames
 * before they leave, opens received ones and says what became of each.
 *
 * Create it with `await FrameCryptor.create(...)`: the key derivation (PBKDF2, ~40 ms) runs on
 * libuv's thread pool, never on the event loop. seal/open are synchronous and take microseconds.
 */
export class FrameCryptor {
  #native: NativeFrameCryptor | null;

  private constructor(handle: NativeFrameCryptor) {
    this.#native = handle;
  }

  /** Rejects with an OtcError (OTC_SESSION_INVALID_ENCRYPTION_SECRET, ...) or a TypeError. */
  static async create(options: FrameCryptorOptions): Promise<FrameCryptor> {
    requireType(typeof options === 'object' && options !== null, 'options', 'an object');
    const { sessionId, secret, suite = DEFAULT_SUITE, gracePeriodMs = 0 } = options;
    requireType(typeof sessionId === 'string' && sessionId.length > 0, 'sessionId', 'a non-empty string');
    requireType(isSecretType(secret), 'secret', 'a string or a Uint8Array');
    requireType(Number.isInteger(suite), 'suite', 'a Suite (an integer)');
    if (!isSuite(suite)) throw new OtcError(ErrorCode.OTC_E2EE_UNSUPPORTED_SUITE, `no cipher suite ${String(suite)}`);
    requireType(Number.isInteger(gracePeriodMs) && gracePeriodMs >= 0 && gracePeriodMs <= 2 ** 31 - 1,
      'gracePeriodMs', 'a whole number of milliseconds');
    const valid = validateSecret(secret);
    if (valid !== ErrorCode.OTC_SUCCESS) throw new OtcError(valid, SECRET_RULES);
    const result = await native.NativeFrameCryptor.create(sessionId, secret, suite, gracePeriodMs);
    if (typeof result === 'number') throw new OtcError(result);
    return new FrameCryptor(result);
  }

  #live(): NativeFrameCryptor {
    if (!this.#native || this.#native.isClosed()) throw new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the FrameCryptor is deleted');
    return this.#native;
  }

  /** Seals one encoded frame (at most 16 MiB). Throws OtcError on a deleted cryptor or too large a frame. */
  seal(frame: Uint8Array, options: SealOptions): Buffer {
    const handle = this.#live();
    bytesArg(frame, 'frame');
    requireType(typeof options === 'object' && options !== null, 'options', 'an object');
    const codec = codecArg(options.codec);
    if (frame.byteLength > MAX_FRAME_SIZE) throw new OtcError(ErrorCode.OTC_E2EE_FRAME_TOO_LARGE, `${frame.byteLength} bytes > ${MAX_FRAME_SIZE}`);
    const result = handle.seal(codec, options.keyFrame === true, frame);
    if (!Buffer.isBuffer(result)) {
      check(result.status);
      throw new OtcError(ErrorCode.OTC_PUBLISHER_ENCRYPTION_INTERNAL_ERROR);
    }
    return result;
  }

  /** Opens one received frame. A frame that is not decrypted is not an error: see `outcome`. */
  open(sealed: Uint8Array, options: OpenOptions): OpenResult {
    const handle = this.#live();
    bytesArg(sealed, 'sealed');
    requireType(typeof options === 'object' && options !== null, 'options', 'an object');
    const codec = codecArg(options.codec);
    const result = handle.open(codec, sealed);
    check(result.status);
    return { outcome: result.outcome ?? 'mismatch', frame: result.frame ?? null, event: result.event ?? null };
  }

  /**
   * Replaces the secret: new frames use the new epoch at once; frames of the old one still open
   * during the grace period. Asynchronous (the derivation runs on libuv's thread pool), so it
   * follows the rule for asynchronous operations: resolves once the new key is in use, rejects
   * with an OtcError, OTC_SESSION_INVALID_ENCRYPTION_SECRET (6004) for a secret that breaks the
   * rules (the previous secret stays), as create() does.
   */
  async setSecret(secret: Secret): Promise<void> {
    const handle = this.#live();
    requireType(isSecretType(secret), 'secret', 'a string or a Uint8Array');
    const valid = validateSecret(secret);
    if (valid !== ErrorCode.OTC_SUCCESS) throw new OtcError(valid, SECRET_RULES);
    check(await handle.setSecret(secret));
  }

  /** Moves the sender one ratchet step forward (forward secrecy); receivers follow by themselves. */
  ratchet(): ErrorCode {
    return this.#live().ratchet() as ErrorCode;
  }

  stats(): FrameCryptorStats {
    const result = this.#live().stats();
    if ('framesSealed' in result) return result;
    check(result.status);
    throw new OtcError(ErrorCode.OTC_E2EE_CRYPTO_FAILURE);
  }

  /** Wipes the keys now and frees the cryptor (otc_frame_cryptor_delete). Further calls throw OTC_E2EE_DELETED. Idempotent. */
  delete(): void {
    this.#native?.close();
    this.#native = null;
  }

  /** delete(), for `using cryptor = await FrameCryptor.create(...)`: nothing to end gracefully. */
  [Symbol.dispose](): void {
    this.delete();
  }

  /** Whether delete() was called. */
  get deleted(): boolean {
    return this.#native === null || this.#native.isClosed();
  }
}
