// Keys of the frame format (docs/e2ee-frame-format.md) on WebCrypto: the base key from the secret
// (section 1.2), epoch ids and the ratchet (section 2, HKDF-SHA-256 always), the SFrame key
// schedule (RFC 9605 section 4.4.2), and the per-KID keys imported once for the AEAD.
import type { Suite } from './suites';
import { type Key, be64, concat, subtle, utf8 } from './webcrypto';

export const PBKDF2_ITERATIONS = 100_000;

/** base_key = PBKDF2-HMAC-SHA256(UTF-8(secret), "otc-e2ee-v1|" || UTF-8(session id), 100000, 32). */
export async function deriveBaseKey(sessionId: string, secretUtf8: Uint8Array): Promise<Uint8Array> {
  const password = await subtle().importKey('raw', secretUtf8, 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle().deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: utf8(`otc-e2ee-v1|${sessionId}`), iterations: PBKDF2_ITERATIONS }, password, 256);
  return new Uint8Array(bits);
}

async function hmac(hash: Suite['hash'], key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', key.length ? key : new Uint8Array(hash === 'SHA-512' ? 64 : 32),
    { name: 'HMAC', hash }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, data));
}

/** HKDF-Extract(salt, IKM) (RFC 5869); an empty salt is HashLen zero bytes. */
export function hkdfExtract(hash: Suite['hash'], salt: Uint8Array, ikm: Uint8Array): Promise<Uint8Array> {
  return hmac(hash, salt, ikm);
}

/** HKDF-Expand(PRK, info, L). */
export async function hkdfExpand(hash: Suite['hash'], prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, filled = 0; filled < length; i++) {
    t = await hmac(hash, prk, concat(t, info, Uint8Array.of(i)));
    out.set(t.subarray(0, Math.min(t.length, length - filled)), filled);
    filled += t.length;
  }
  return out;
}

/** epoch_id = BE-int(HKDF-Expand(HKDF-Extract("", base_key), "otc-e2ee-v1 epoch", 4)). */
export async function epochId(baseKey: Uint8Array): Promise<number> {
  const prk = await hkdfExtract('SHA-256', new Uint8Array(0), baseKey);
  const bytes = await hkdfExpand('SHA-256', prk, utf8('otc-e2ee-v1 epoch'), 4);
  return new DataView(bytes.buffer).getUint32(0);
}

/** The next base key of the ratchet. */
export async function ratchetKey(baseKey: Uint8Array): Promise<Uint8Array> {
  const prk = await hkdfExtract('SHA-256', new Uint8Array(0), baseKey);
  return hkdfExpand('SHA-256', prk, utf8('otc-e2ee-v1 ratchet'), 32);
}

function label(prefix: string, kid: bigint, suiteId: number): Uint8Array {
  const suite = new Uint8Array(2);
  new DataView(suite.buffer).setUint16(0, suiteId);
  return concat(utf8(prefix), be64(kid), suite);
}

/** RFC 9605 key schedule for one KID: sframe_key and sframe_salt. */
export async function deriveSFrameKey(suite: Suite, baseKey: Uint8Array, kid: bigint): Promise<{ key: Uint8Array; salt: Uint8Array }> {
  const secret = await hkdfExtract(suite.hash, new Uint8Array(0), baseKey);
  const key = await hkdfExpand(suite.hash, secret, label('SFrame 1.0 Secret key ', kid, suite.id), suite.nk);
  const salt = await hkdfExpand(suite.hash, secret, label('SFrame 1.0 Secret salt ', kid, suite.id), suite.nn);
  secret.fill(0);
  return { key, salt };
}

/** An SFrame key imported for the AEAD: AES-GCM, or AES-CTR (enc_key) + HMAC (auth_key). */
export interface AeadKeys {
  suite: Suite;
  gcm?: Key;
  enc?: Key;
  auth?: Key;
}

export async function importAeadKeys(suite: Suite, key: Uint8Array): Promise<AeadKeys> {
  if (key.length !== suite.nk) throw new RangeError(`the key must be ${suite.nk} bytes for suite ${suite.id}`);
  if (suite.gcm) return { suite, gcm: await subtle().importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']) };
  const nka = suite.nka!;
  return {
    suite,
    enc: await subtle().importKey('raw', key.subarray(0, nka), 'AES-CTR', false, ['encrypt', 'decrypt']),
    auth: await subtle().importKey('raw', key.subarray(nka), { name: 'HMAC', hash: suite.hash }, false, ['sign']),
  };
}
