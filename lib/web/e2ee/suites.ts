// Cipher suites of RFC 9605 (docs/e2ee-frame-format.md section 3.1): sizes and algorithms by id.

export interface Suite {
  id: number;
  name: string;
  /** AES key bytes of the CTR suites (the rest of the SFrame key is the HMAC key); null for GCM. */
  nka: number | null;
  hash: 'SHA-256' | 'SHA-512';
  /** SFrame key, nonce and tag bytes. */
  nk: number;
  nn: number;
  nt: number;
  gcm: boolean;
}

const SUITES: readonly Suite[] = [
  { id: 1, name: 'AES_128_CTR_HMAC_SHA256_80', nka: 16, hash: 'SHA-256', nk: 48, nn: 12, nt: 10, gcm: false },
  { id: 2, name: 'AES_128_CTR_HMAC_SHA256_64', nka: 16, hash: 'SHA-256', nk: 48, nn: 12, nt: 8, gcm: false },
  { id: 3, name: 'AES_128_CTR_HMAC_SHA256_32', nka: 16, hash: 'SHA-256', nk: 48, nn: 12, nt: 4, gcm: false },
  { id: 4, name: 'AES_128_GCM_SHA256_128', nka: null, hash: 'SHA-256', nk: 16, nn: 12, nt: 16, gcm: true },
  { id: 5, name: 'AES_256_GCM_SHA512_128', nka: null, hash: 'SHA-512', nk: 32, nn: 12, nt: 16, gcm: true },
  { id: 6, name: 'AES_256_CTR_HMAC_SHA512_80', nka: 32, hash: 'SHA-512', nk: 96, nn: 12, nt: 10, gcm: false },
  { id: 7, name: 'AES_256_CTR_HMAC_SHA512_64', nka: 32, hash: 'SHA-512', nk: 96, nn: 12, nt: 8, gcm: false },
  { id: 8, name: 'AES_256_CTR_HMAC_SHA512_32', nka: 32, hash: 'SHA-512', nk: 96, nn: 12, nt: 4, gcm: false },
];

export const DEFAULT_SUITE_ID = 6;

export function findSuite(id: number): Suite | undefined {
  return SUITES.find((s) => s.id === id);
}
