// Raw SFrame (RFC 9605 layout: header || ciphertext || tag) with caller-given keys and counters.
// For interoperability tools and the published test vectors; applications use FrameCryptor.
import { native, type NativeStatus } from './binding';
import { ErrorCode } from './error-code';
import { OtcError, check, requireType } from './errors';
import { type Secret, isSecretType, validateSecret } from './secret';
import { type Suite, isSuite } from './e2ee-types';

function bytes(value: unknown, name: string): Uint8Array {
  requireType(value instanceof Uint8Array, name, 'a Uint8Array or Buffer');
  return value as Uint8Array;
}

function u64(value: unknown, name: string): bigint {
  requireType(typeof value === 'bigint' && value >= 0n && value < 1n << 64n, name, 'a bigint in 0..2^64-1');
  return value as bigint;
}

function suiteArg(value: unknown): number {
  requireType(Number.isInteger(value), 'suite', 'a Suite (an integer)');
  if (!isSuite(value)) throw new OtcError(ErrorCode.OTC_E2EE_UNSUPPORTED_SUITE, `no cipher suite ${String(value)}`);
  return value;
}

function unwrap<T extends NativeStatus, K extends keyof T>(result: T, key: K): NonNullable<T[K]> {
  check(result.status);
  const value = result[key];
  if (value === undefined || value === null) throw new OtcError(ErrorCode.OTC_E2EE_CRYPTO_FAILURE);
  return value as NonNullable<T[K]>;
}

export function encodeHeader(kid: bigint, ctr: bigint): Buffer {
  return unwrap(native.sframeHeaderEncode(u64(kid, 'kid'), u64(ctr, 'ctr')), 'header');
}

/** Parses the header at the start of bytes; throws OTC_E2EE_MALFORMED on truncated or non-minimal ones. */
export function decodeHeader(data: Uint8Array): { kid: bigint; ctr: bigint; size: number } {
  const r = native.sframeHeaderDecode(bytes(data, 'bytes'));
  check(r.status, 'not a valid SFrame header');
  return { kid: r.kid as bigint, ctr: r.ctr as bigint, size: r.size as number };
}

/** The suite's AEAD alone: key is the Nk-byte sframe_key, output ciphertext || tag. */
export function aeadSeal(suite: Suite, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Buffer {
  return unwrap(native.sframeAeadSeal(suiteArg(suite), bytes(key, 'key'), bytes(nonce, 'nonce'), bytes(aad, 'aad'), bytes(pt, 'pt')), 'out');
}

/** null when the tag does not verify. */
export function aeadOpen(suite: Suite, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Buffer | null {
  const r = native.sframeAeadOpen(suiteArg(suite), bytes(key, 'key'), bytes(nonce, 'nonce'), bytes(aad, 'aad'), bytes(ct, 'ct'));
  if (r.status === ErrorCode.OTC_E2EE_AUTHENTICATION_FAILED) return null;
  return unwrap(r, 'out');
}

/** RFC 9605 section 4.4.2: sframe_key and sframe_salt of one KID. */
export function deriveKey(suite: Suite, baseKey: Uint8Array, kid: bigint): { key: Buffer; salt: Buffer } {
  const r = native.sframeDeriveKey(suiteArg(suite), bytes(baseKey, 'baseKey'), u64(kid, 'kid'));
  return { key: unwrap(r, 'key'), salt: unwrap(r, 'salt') };
}

export function protect(suite: Suite, baseKey: Uint8Array, kid: bigint, ctr: bigint, metadata: Uint8Array, pt: Uint8Array): Buffer {
  return unwrap(native.sframeProtect(suiteArg(suite), bytes(baseKey, 'baseKey'), u64(kid, 'kid'), u64(ctr, 'ctr'), bytes(metadata, 'metadata'), bytes(pt, 'pt')), 'out');
}

/** null when the tag does not verify; throws OTC_E2EE_MALFORMED when there is no valid header. */
export function unprotect(suite: Suite, baseKey: Uint8Array, metadata: Uint8Array, ct: Uint8Array): { pt: Buffer; kid: bigint; ctr: bigint } | null {
  const r = native.sframeUnprotect(suiteArg(suite), bytes(baseKey, 'baseKey'), bytes(metadata, 'metadata'), bytes(ct, 'ct'));
  if (r.status === ErrorCode.OTC_E2EE_AUTHENTICATION_FAILED) return null;
  return { pt: unwrap(r, 'out'), kid: unwrap(r, 'kid'), ctr: unwrap(r, 'ctr') };
}

/** base_key = PBKDF2-HMAC-SHA256(secret, "otc-e2ee-v1|" + sessionId, 100000, 32), off the event loop. */
export async function deriveBaseKey(sessionId: string, secret: Secret): Promise<Buffer> {
  requireType(typeof sessionId === 'string' && sessionId.length > 0, 'sessionId', 'a non-empty string');
  requireType(isSecretType(secret), 'secret', 'a string or a Uint8Array');
  check(validateSecret(secret));
  return unwrap(await native.deriveBaseKey(sessionId, secret), 'key');
}

export function epochId(baseKey: Uint8Array): number {
  return unwrap(native.epochId(bytes(baseKey, 'baseKey')), 'epochId');
}

export function ratchetKey(baseKey: Uint8Array): Buffer {
  return unwrap(native.ratchetKey(bytes(baseKey, 'baseKey')), 'key');
}
