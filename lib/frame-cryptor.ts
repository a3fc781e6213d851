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

/** What openInto() wrote: the plain frame is out's first `size` bytes. */
export interface OpenIntoResult {
  outcome: Outcome;
  /** Bytes of the plain frame at the start of out: 0 unless outcome is 'decrypted'. */
  size: number;
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

// The C enums' order (otc_e2ee_outcome, otc_e2ee_event), as openInto packs them.
const OUTCOMES: readonly Outcome[] = ['decrypted', 'mismatch', 'integrity-failure', 'replay'];
const EVENTS: readonly (CryptorEvent | null)[] = [null, 'mismatch', 'match', 'integrity-failure'];

// otc_frame_cryptor_max_sealed_size, here so that seal() needs no extra call into the addon: the
// largest tag (16) and header (17) plus the header's length byte; H.264 escaping at worst adds
// half again and 2 (test/frame-cryptor-into.test.ts holds this to the C function).
const TRAILER_MAX = 16 + 17 + 1;
const H264 = 4;

function maxSealedSize(codec: number, plainSize: number): number {
  const unescaped = plainSize + TRAILER_MAX;
  return codec === H264 ? unescaped + Math.floor(unescaped / 2) + 2 : unescaped;
}

// The C API needs out and in apart; views of one ArrayBuffer may overlap.
function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteLength > 0 && b.byteLength > 0 &&
    a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

function outArg(out: unknown, input: Uint8Array, inputName: string, need: number, what: string): Uint8Array {
  const value = bytesArg(out, 'out');
  if (value.byteLength < need) {
    throw new OtcError(ErrorCode.OTC_E2EE_BUFFER_TOO_SMALL, `out has ${value.byteLength} bytes; ${what} needs ${need}`);
  }
  if (overlaps(value, input)) throw new OtcError(ErrorCode.OTC_E2EE_INVALID_PARAMETER, `out must not overlap ${inputName}`);
  return value;
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

  // Only delete() closes the handle from this side; a shutdown that closes it underneath shows
  // as OTC_E2EE_DELETED from the call itself (#fail), so no isClosed() crossing per frame.
  #live(): NativeFrameCryptor {
    if (!this.#native) throw new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the FrameCryptor is deleted');
    return this.#native;
  }

  #fail(status: number): never {
    if (status === ErrorCode.OTC_E2EE_DELETED) throw new OtcError(status, 'the FrameCryptor is deleted');
    check(status);
    throw new OtcError(ErrorCode.OTC_E2EE_CRYPTO_FAILURE);
  }

  // The checks of seal and sealInto; the codec's number.
  static #sealCodec(frame: unknown, options: SealOptions): number {
    const input = bytesArg(frame, 'frame');
    requireType(typeof options === 'object' && options !== null, 'options', 'an object');
    const codec = codecArg(options.codec);
    if (input.byteLength > MAX_FRAME_SIZE) throw new OtcError(ErrorCode.OTC_E2EE_FRAME_TOO_LARGE, `${input.byteLength} bytes > ${MAX_FRAME_SIZE}`);
    return codec;
  }

  /**
   * Bytes `out` needs for sealInto() of a frame of plainSize bytes: the worst case, so a buffer
   * of maxSealedSize(largest frame) serves every frame of that codec.
   */
  static maxSealedSize(plainSize: number, codec: Codec): number {
    requireType(Number.isInteger(plainSize) && plainSize >= 0, 'plainSize', 'a whole number of bytes');
    return maxSealedSize(codecArg(codec), plainSize);
  }

  /** Seals one encoded frame (at most 16 MiB). Throws OtcError on a deleted cryptor or too large a frame. */
  seal(frame: Uint8Array, options: SealOptions): Buffer {
    const handle = this.#live();
    const codec = FrameCryptor.#sealCodec(frame, options);
    const input = frame;
    // Unfilled (the cryptor writes every byte handed on); from Node's pool for small frames.
    const out = Buffer.allocUnsafe(maxSealedSize(codec, input.byteLength));
    const size = handle.sealInto(codec, options.keyFrame === true, input, out);
    if (size < 0) this.#fail(-size);
    return out.subarray(0, size);
  }

  /**
   * seal() into the caller's buffer: returns the bytes written at the start of out. out needs
   * FrameCryptor.maxSealedSize(frame.byteLength, codec) bytes (else OTC_E2EE_BUFFER_TOO_SMALL)
   * and must not overlap frame (else OTC_E2EE_INVALID_PARAMETER). Nothing is allocated per call.
   */
  sealInto(frame: Uint8Array, out: Uint8Array, options: SealOptions): number {
    const handle = this.#live();
    const codec = FrameCryptor.#sealCodec(frame, options);
    const input = frame;
    const target = outArg(out, input, 'frame', maxSealedSize(codec, input.byteLength), `sealing ${input.byteLength} bytes`);
    const size = handle.sealInto(codec, options.keyFrame === true, input, target);
    if (size < 0) this.#fail(-size);
    return size;
  }

  /** Opens one received frame. A frame that is not decrypted is not an error: see `outcome`. */
  open(sealed: Uint8Array, options: OpenOptions): OpenResult {
    const handle = this.#live();
    const input = bytesArg(sealed, 'sealed');
    requireType(typeof options === 'object' && options !== null, 'options', 'an object');
    const codec = codecArg(options.codec);
    const out = Buffer.allocUnsafe(input.byteLength);
    const packed = handle.openInto(codec, input, out);
    if (packed < 0) this.#fail(-packed);
    const outcome = OUTCOMES[packed & 3] as Outcome;
    return {
      outcome,
      frame: outcome === 'decrypted' ? out.subarray(0, packed >>> 4) : null,
      event: EVENTS[(packed >>> 2) & 3] ?? null,
    };
  }

  /**
   * open() into the caller's buffer: the plain frame is out's first `size` bytes when outcome is
   * 'decrypted'. out needs sealed.byteLength bytes (else OTC_E2EE_BUFFER_TOO_SMALL) and must not
   * overlap sealed (else OTC_E2EE_INVALID_PARAMETER). On any other outcome out holds no
   * plaintext (the cryptor wipes what it decrypted of a replay) but may hold bytes of the
   * sealed frame: read only `size` bytes. Nothing is allocated per call but the small result.
   */
  openInto(sealed: Uint8Array, out: Uint8Array, options: OpenOptions): OpenIntoResult {
    const handle = this.#live();
    const input = bytesArg(sealed, 'sealed');
    requireType(typeof options === 'object' && options !== null, 'options', 'an object');
    const codec = codecArg(options.codec);
    const target = outArg(out, input, 'sealed', input.byteLength, `opening ${input.byteLength} bytes`);
    const packed = handle.openInto(codec, input, target);
    if (packed < 0) this.#fail(-packed);
    return { outcome: OUTCOMES[packed & 3] as Outcome, size: packed >>> 4, event: EVENTS[(packed >>> 2) & 3] ?? null };
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
