// The parts of WebCrypto the frame format uses, typed here so that this folder compiles for
// browsers (RTCRtpScriptTransform workers) and for Node (globalThis.crypto) alike.

/** An opaque WebCrypto key. */
export type Key = { readonly type: string };

type Algorithm = string | { name: string; [field: string]: unknown };
type Bytes = Uint8Array;

export interface Subtle {
  importKey(format: 'raw', key: Bytes, algorithm: Algorithm, extractable: boolean, usages: string[]): Promise<Key>;
  sign(algorithm: Algorithm, key: Key, data: Bytes): Promise<ArrayBuffer>;
  encrypt(algorithm: Algorithm, key: Key, data: Bytes): Promise<ArrayBuffer>;
  decrypt(algorithm: Algorithm, key: Key, data: Bytes): Promise<ArrayBuffer>;
  deriveBits(algorithm: Algorithm, key: Key, length: number): Promise<ArrayBuffer>;
}

export function subtle(): Subtle {
  const crypto = (globalThis as { crypto?: { subtle?: Subtle } }).crypto;
  if (!crypto?.subtle) throw new Error('WebCrypto (crypto.subtle) is not available: a secure context (https or localhost) is needed');
  return crypto.subtle;
}

export function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  (globalThis as unknown as { crypto: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto.getRandomValues(bytes);
  return bytes;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function be64(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value);
  return out;
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Compares in time that depends only on the lengths. */
export function equalConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
