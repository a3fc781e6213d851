// A pure-JavaScript implementation of the E2EE frame format, version 1
// (docs/e2ee-frame-format.md), on node:crypto only.
//
// It exists for two reasons:
//   1. bench/cryptor measures it as "what a pure-JS cryptor costs";
//   2. tests use it as a second, independent implementation that cross-checks the C++ core.
// It follows the spec to the byte. It is written independently of the C++ core: do not "fix" it
// to agree with the core without checking the spec and the vectors in test/vectors/.
//
// Conventions: every byte string is returned as a Buffer; inputs may be any Uint8Array.
// KID and CTR are BigInt (64-bit unsigned). Functions that check untrusted input
// (decodeHeader, aeadOpen, sframeUnprotect) return null on failure; functions given invalid
// arguments by the caller throw.

import crypto from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// Small helpers

const EMPTY = Buffer.alloc(0);
const U64_MAX = (1n << 64n) - 1n;
const U32 = 2n ** 32n;

function toBuffer(u8, what = 'argument') {
  if (Buffer.isBuffer(u8)) return u8;
  if (u8 instanceof Uint8Array) return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  if (ArrayBuffer.isView(u8)) return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  if (u8 instanceof ArrayBuffer) return Buffer.from(u8);
  throw new TypeError(`${what} must be a Uint8Array`);
}

function toU64(x, what) {
  let v;
  if (typeof x === 'bigint') v = x;
  else if (typeof x === 'number' && Number.isSafeInteger(x)) v = BigInt(x);
  else throw new TypeError(`${what} must be a BigInt (or a safe integer number)`);
  if (v < 0n || v > U64_MAX) throw new RangeError(`${what} out of the 64-bit unsigned range`);
  return v;
}

function be64(v) {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(v, 0);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Section 1: the encryption secret

const utf8Fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * True when `secret` is valid UTF-8, holds no NUL and is 8..256 Unicode code points long.
 * A JS string is valid UTF-8 unless it contains a lone (unpaired) surrogate. A Uint8Array is
 * taken as raw UTF-8 bytes and must decode strictly (no overlong forms, no encoded surrogates).
 */
export function validateSecret(secret) {
  let s;
  if (typeof secret === 'string') s = secret;
  else if (secret instanceof Uint8Array) {
    try { s = utf8Fatal.decode(secret); } catch { return false; }
  } else return false;
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d < 0xdc00 || d > 0xdfff) return false; // lone high surrogate
      i++; // a pair is one code point
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false; // lone low surrogate
    }
    if (++count > 256) return false;
  }
  return count >= 8;
}

export const PBKDF2_ITERATIONS = 100000;
export const BASE_KEY_LENGTH = 32;

function pbkdf2Inputs(sessionId, secret) {
  if (typeof sessionId !== 'string') throw new TypeError('sessionId must be a string');
  if (!validateSecret(secret)) {
    const e = new TypeError('invalid encryption secret');
    e.code = 'OTC_SESSION_INVALID_ENCRYPTION_SECRET';
    throw e;
  }
  const password = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  const salt = Buffer.concat([Buffer.from('otc-e2ee-v1|', 'utf8'), Buffer.from(sessionId, 'utf8')]);
  return { password, salt };
}

/**
 * base_key = PBKDF2-HMAC-SHA256(UTF-8(secret), "otc-e2ee-v1|" || UTF-8(session_id), 100000, 32).
 * Synchronous: blocks for ~30-50 ms. The product never runs it on the Node main thread
 * (docs/e2ee-frame-format.md section 1.2); this variant is for tests and benchmarks. Use
 * deriveBaseKeyAsync otherwise.
 */
export function deriveBaseKey(sessionId, secret) {
  const { password, salt } = pbkdf2Inputs(sessionId, secret);
  return crypto.pbkdf2Sync(password, salt, PBKDF2_ITERATIONS, BASE_KEY_LENGTH, 'sha256');
}

/** Same as deriveBaseKey, on the libuv thread pool. Resolves to a Buffer. */
export function deriveBaseKeyAsync(sessionId, secret) {
  return new Promise((resolve, reject) => {
    let inputs;
    try { inputs = pbkdf2Inputs(sessionId, secret); } catch (e) { reject(e); return; }
    crypto.pbkdf2(inputs.password, inputs.salt, PBKDF2_ITERATIONS, BASE_KEY_LENGTH, 'sha256',
      (err, key) => (err ? reject(err) : resolve(key)));
  });
}

// ---------------------------------------------------------------------------------------------
// HKDF (RFC 5869), written out as Extract and Expand so that each half can be checked against
// the SFrame vectors (sframe_secret is the Extract output).

/** HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM); an empty salt is HashLen zero bytes. */
export function hkdfExtract(hash, salt, ikm) {
  const hashLen = hash === 'sha512' ? 64 : 32;
  const key = salt && salt.length ? toBuffer(salt) : Buffer.alloc(hashLen);
  return crypto.createHmac(hash, key).update(toBuffer(ikm)).digest();
}

/** HKDF-Expand(PRK, info, L). */
export function hkdfExpand(hash, prk, info, length) {
  const hashLen = hash === 'sha512' ? 64 : 32;
  if (length > 255 * hashLen) throw new RangeError('HKDF-Expand: length too large');
  const out = Buffer.allocUnsafe(length);
  let t = EMPTY;
  let filled = 0;
  for (let i = 1; filled < length; i++) {
    t = crypto.createHmac(hash, prk).update(t).update(info).update(Buffer.of(i)).digest();
    filled += t.copy(out, filled, 0, Math.min(t.length, length - filled));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Section 2: epochs and ratchet (always HKDF-SHA-256, whatever the suite)

const EPOCH_INFO = Buffer.from('otc-e2ee-v1 epoch', 'utf8');
const RATCHET_INFO = Buffer.from('otc-e2ee-v1 ratchet', 'utf8');

function checkBaseKey(baseKey) {
  const b = toBuffer(baseKey, 'baseKey');
  if (b.length === 0) throw new RangeError('baseKey must not be empty');
  return b;
}

/** epoch_id = BE-int(HKDF-Expand(HKDF-Extract("", base_key), "otc-e2ee-v1 epoch", 4)). */
export function epochId(baseKey) {
  const prk = hkdfExtract('sha256', EMPTY, checkBaseKey(baseKey));
  return hkdfExpand('sha256', prk, EPOCH_INFO, 4).readUInt32BE(0);
}

/** next base key = HKDF-Expand(HKDF-Extract("", base_key), "otc-e2ee-v1 ratchet", 32). */
export function ratchetKey(baseKey) {
  const prk = hkdfExtract('sha256', EMPTY, checkBaseKey(baseKey));
  return hkdfExpand('sha256', prk, RATCHET_INFO, 32);
}

// ---------------------------------------------------------------------------------------------
// Section 3: SFrame suites, header, key schedule, AEAD

function suiteEntry(id, name, nka, hash, nk, nn, nt, gcm) {
  let cipher;
  if (gcm) cipher = nk === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
  else cipher = nka === 16 ? 'aes-128-ctr' : 'aes-256-ctr';
  return Object.freeze({ id, name, nka, hash, nk, nn, nt, gcm, cipher });
}

/** Cipher suites by id. nka is null for the GCM suites. */
export const SUITES = Object.freeze({
  1: suiteEntry(1, 'AES_128_CTR_HMAC_SHA256_80', 16, 'sha256', 48, 12, 10, false),
  2: suiteEntry(2, 'AES_128_CTR_HMAC_SHA256_64', 16, 'sha256', 48, 12, 8, false),
  3: suiteEntry(3, 'AES_128_CTR_HMAC_SHA256_32', 16, 'sha256', 48, 12, 4, false),
  4: suiteEntry(4, 'AES_128_GCM_SHA256_128', null, 'sha256', 16, 12, 16, true),
  5: suiteEntry(5, 'AES_256_GCM_SHA512_128', null, 'sha512', 32, 12, 16, true),
  6: suiteEntry(6, 'AES_256_CTR_HMAC_SHA512_80', 32, 'sha512', 96, 12, 10, false),
  7: suiteEntry(7, 'AES_256_CTR_HMAC_SHA512_64', 32, 'sha512', 96, 12, 8, false),
  8: suiteEntry(8, 'AES_256_CTR_HMAC_SHA512_32', 32, 'sha512', 96, 12, 4, false),
});

export const DEFAULT_SUITE = 6;

function getSuite(suite) {
  const s = typeof suite === 'object' && suite !== null ? SUITES[suite.id] : SUITES[suite];
  if (!s) throw new RangeError(`unknown cipher suite ${suite && suite.id !== undefined ? suite.id : suite}`);
  return s;
}

/**
 * RFC 9605 section 4.3 header: config byte X|K(3)|Y|C(3), then KID, then CTR, each in the
 * minimal number of big-endian bytes; a value below 8 is carried inline in the config byte.
 */
export function encodeHeader(kid, ctr) {
  kid = toU64(kid, 'kid');
  ctr = toU64(ctr, 'ctr');
  const kb = be64(kid);
  const cb = be64(ctr);
  let ks = 8; // index of the first significant byte
  let cs = 8;
  if (kid >= 8n) { ks = 0; while (kb[ks] === 0) ks++; }
  if (ctr >= 8n) { cs = 0; while (cb[cs] === 0) cs++; }
  const kl = 8 - ks;
  const cl = 8 - cs;
  const out = Buffer.allocUnsafe(1 + kl + cl);
  out[0] = (kl === 0 ? kb[7] << 4 : 0x80 | ((kl - 1) << 4)) | (cl === 0 ? cb[7] : 0x08 | (cl - 1));
  kb.copy(out, 1, ks);
  cb.copy(out, 1 + kl, cs);
  return out;
}

function readBE(buf, off, len) {
  let v = 0n;
  for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(buf[off + i]);
  return v;
}

/**
 * Parses a header at the start of `buf` (which may hold more bytes after it).
 * Returns { kid, ctr, size } or null when the header is truncated or not minimally encoded
 * (an extended value below 8, or an extended value with a leading zero byte).
 */
export function decodeHeader(buf) {
  buf = toBuffer(buf, 'buf');
  if (buf.length < 1) return null;
  const config = buf[0];
  let off = 1;
  let kid, ctr;
  if (config & 0x80) {
    const kl = ((config >> 4) & 7) + 1;
    if (buf.length < off + kl) return null;
    if (buf[off] === 0) return null; // leading zero: not minimal
    kid = readBE(buf, off, kl);
    if (kid < 8n) return null; // should have been inline
    off += kl;
  } else {
    kid = BigInt((config >> 4) & 7);
  }
  if (config & 0x08) {
    const cl = (config & 7) + 1;
    if (buf.length < off + cl) return null;
    if (buf[off] === 0) return null;
    ctr = readBE(buf, off, cl);
    if (ctr < 8n) return null;
    off += cl;
  } else {
    ctr = BigInt(config & 7);
  }
  return { kid, ctr, size: off };
}

const KEY_LABEL = Buffer.from('SFrame 1.0 Secret key ', 'utf8');
const SALT_LABEL = Buffer.from('SFrame 1.0 Secret salt ', 'utf8');

function label(prefix, kid, suiteId) {
  const b = Buffer.allocUnsafe(prefix.length + 10);
  prefix.copy(b, 0);
  b.writeBigUInt64BE(kid, prefix.length);
  b.writeUInt16BE(suiteId, prefix.length + 8);
  return b;
}

/** The HKDF-Expand info strings of RFC 9605 section 4.4.2 (exported for vector checks). */
export function sframeLabels(suite, kid) {
  const s = getSuite(suite);
  kid = toU64(kid, 'kid');
  return { keyLabel: label(KEY_LABEL, kid, s.id), saltLabel: label(SALT_LABEL, kid, s.id) };
}

/** RFC 9605 section 4.4.2 key schedule for one KID. Returns { key, salt, secret }. */
export function deriveSFrameKey(suite, baseKey, kid) {
  const s = getSuite(suite);
  kid = toU64(kid, 'kid');
  const secret = hkdfExtract(s.hash, EMPTY, checkBaseKey(baseKey));
  const key = hkdfExpand(s.hash, secret, label(KEY_LABEL, kid, s.id), s.nk);
  const salt = hkdfExpand(s.hash, secret, label(SALT_LABEL, kid, s.id), s.nn);
  return { key, salt, secret };
}

/** nonce = sframe_salt XOR BE(CTR, Nn). */
export function sframeNonce(salt, ctr) {
  ctr = toU64(ctr, 'ctr');
  const n = Buffer.from(toBuffer(salt, 'salt'));
  const c = be64(ctr);
  for (let i = 0; i < 8; i++) n[n.length - 8 + i] ^= c[i];
  return n;
}

// Prepared key material for one (suite, key): KeyObjects, so that the per-frame cost does not
// include importing the keys.
function prepareKey(s, key) {
  key = toBuffer(key, 'key');
  if (key.length !== s.nk) throw new RangeError(`key must be ${s.nk} bytes for suite ${s.id}`);
  if (s.gcm) return { s, gcmKey: crypto.createSecretKey(Buffer.from(key)) };
  return {
    s,
    encKey: crypto.createSecretKey(Buffer.from(key.subarray(0, s.nka))),
    authKey: crypto.createSecretKey(Buffer.from(key.subarray(s.nka))),
  };
}

function ctrIv(nonce) { // initial counter block nonce || 00000000
  const iv = Buffer.alloc(16);
  nonce.copy(iv, 0);
  return iv;
}

// tag = truncate(HMAC(auth_key, BE(len(aad),8) || BE(len(ct),8) || BE(Nt,8) || nonce || aad || ct), Nt)
// `aadParts` is an array of buffers whose concatenation is the aad.
function ctrTag(pk, nonce, aadParts, ct) {
  const s = pk.s;
  let aadLen = 0;
  for (const p of aadParts) aadLen += p.length;
  const lens = Buffer.allocUnsafe(24);
  lens.writeBigUInt64BE(BigInt(aadLen), 0);
  lens.writeBigUInt64BE(BigInt(ct.length), 8);
  lens.writeBigUInt64BE(BigInt(s.nt), 16);
  const h = crypto.createHmac(s.hash, pk.authKey).update(lens).update(nonce);
  for (const p of aadParts) h.update(p);
  h.update(ct);
  return h.digest().subarray(0, s.nt);
}

function sealPrepared(pk, nonce, aadParts, pt) {
  const s = pk.s;
  if (s.gcm) {
    const c = crypto.createCipheriv(s.cipher, pk.gcmKey, nonce, { authTagLength: 16 });
    c.setAAD(aadParts.length === 1 ? aadParts[0] : Buffer.concat(aadParts));
    const ct = c.update(pt);
    const fin = c.final();
    return Buffer.concat([ct, fin, c.getAuthTag()]);
  }
  const c = crypto.createCipheriv(s.cipher, pk.encKey, ctrIv(nonce));
  const ct = Buffer.concat([c.update(pt), c.final()]);
  const tag = ctrTag(pk, nonce, aadParts, ct);
  return Buffer.concat([ct, tag], ct.length + s.nt);
}

function openPrepared(pk, nonce, aadParts, ctAndTag) {
  const s = pk.s;
  if (ctAndTag.length < s.nt) return null;
  const ct = ctAndTag.subarray(0, ctAndTag.length - s.nt);
  const tag = ctAndTag.subarray(ctAndTag.length - s.nt);
  if (s.gcm) {
    const d = crypto.createDecipheriv(s.cipher, pk.gcmKey, nonce, { authTagLength: 16 });
    d.setAAD(aadParts.length === 1 ? aadParts[0] : Buffer.concat(aadParts));
    d.setAuthTag(tag);
    const pt = d.update(ct);
    try {
      const fin = d.final(); // throws when the tag does not verify
      return fin.length ? Buffer.concat([pt, fin]) : pt;
    } catch {
      pt.fill(0);
      return null;
    }
  }
  // Encrypt-then-MAC: check the tag, in constant time, before decrypting anything.
  const expected = ctrTag(pk, nonce, aadParts, ct);
  if (!crypto.timingSafeEqual(expected, tag)) return null;
  const d = crypto.createDecipheriv(s.cipher, pk.encKey, ctrIv(nonce));
  return Buffer.concat([d.update(ct), d.final()]);
}

function checkNonce(s, nonce) {
  nonce = toBuffer(nonce, 'nonce');
  if (nonce.length !== s.nn) throw new RangeError(`nonce must be ${s.nn} bytes`);
  return nonce;
}

/** RFC 9605 section 4.5 AEAD.Encrypt: returns ct || tag. */
export function aeadSeal(suite, key, nonce, aad, pt) {
  const s = getSuite(suite);
  return sealPrepared(prepareKey(s, key), checkNonce(s, nonce), [toBuffer(aad, 'aad')], toBuffer(pt, 'pt'));
}

/** RFC 9605 section 4.5 AEAD.Decrypt: returns the plaintext, or null when the tag is invalid. */
export function aeadOpen(suite, key, nonce, aad, ctAndTag) {
  const s = getSuite(suite);
  return openPrepared(prepareKey(s, key), checkNonce(s, nonce), [toBuffer(aad, 'aad')], toBuffer(ctAndTag, 'ct'));
}

/** RFC 9605 layout: header || ct || tag, with aad = header || metadata. */
export function sframeProtect(suite, baseKey, kid, ctr, metadata, pt) {
  const s = getSuite(suite);
  kid = toU64(kid, 'kid');
  ctr = toU64(ctr, 'ctr');
  const { key, salt } = deriveSFrameKey(s, baseKey, kid);
  const header = encodeHeader(kid, ctr);
  const body = sealPrepared(prepareKey(s, key), sframeNonce(salt, ctr),
    [header, toBuffer(metadata ?? EMPTY, 'metadata')], toBuffer(pt, 'pt'));
  return Buffer.concat([header, body]);
}

/**
 * Inverse of sframeProtect. `baseKey` is a Uint8Array, or a function kid => baseKey|null for
 * callers holding several keys. Returns { kid, ctr, pt } or null.
 */
export function sframeUnprotect(suite, baseKey, data, metadata) {
  const s = getSuite(suite);
  data = toBuffer(data, 'data');
  const h = decodeHeader(data);
  if (!h) return null;
  const bk = typeof baseKey === 'function' ? baseKey(h.kid) : baseKey;
  if (!bk) return null;
  const { key, salt } = deriveSFrameKey(s, bk, h.kid);
  const pt = openPrepared(prepareKey(s, key), sframeNonce(salt, h.ctr),
    [data.subarray(0, h.size), toBuffer(metadata ?? EMPTY, 'metadata')], data.subarray(h.size));
  return pt ? { kid: h.kid, ctr: h.ctr, pt } : null;
}

// ---------------------------------------------------------------------------------------------
// Section 5: the clear prefix

export const CODECS = Object.freeze(['opus', 'VP8', 'VP9', 'AV1', 'H264']);
const START_CODE = Buffer.from([0, 0, 1]);

/**
 * H.264: every byte before the first slice NAL unit (type 1 or 5, after a 3- or 4-byte start
 * code), its header byte and the 3 bytes after it; 0 when there is no slice NAL unit or fewer
 * than 3 bytes follow the header of the first one. (A 4-byte start code 00 00 00 01 ends with
 * the 3-byte one, so searching for 00 00 01 finds both.)
 */
function h264PrefixLength(buf, length = buf.length) {
  let from = 0;
  for (;;) {
    const i = buf.indexOf(START_CODE, from);
    if (i < 0 || i + 3 >= length) return 0; // no (complete) NAL unit header after it
    const type = buf[i + 3] & 0x1f;
    if (type === 1 || type === 5) return i + 3 + 1 + 3 <= length ? i + 3 + 1 + 3 : 0;
    from = i + 3;
  }
}

/**
 * Length of the clear prefix of a frame `frame` (section 5). `length` (default frame.length) is
 * the length of the original frame: a receiver passes len(F) computed from the trailer while
 * `frame` holds the sealed bytes, whose first bytes are P.
 */
export function clearPrefixLength(codec, frame, length) {
  const buf = toBuffer(frame, 'frame');
  const n = length === undefined ? buf.length : length;
  switch (codec) {
    case 'opus':
    case 'VP9':
    case 'AV1':
      return 0;
    case 'VP8':
      if (n === 0) return 0;
      return Math.min(n, (buf[0] & 1) === 0 ? 10 : 3);
    case 'H264':
      return h264PrefixLength(buf, n);
    default:
      throw new RangeError(`unknown codec ${codec}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Section 4: H.264 emulation prevention across the P | rest boundary

function trailingZeros(prefix) {
  let z = 0;
  for (let i = prefix.length - 1; i >= 0 && z < 2 && prefix[i] === 0; i--) z++;
  return z;
}

/**
 * Escapes `body` as the continuation of `prefix`: inserts 0x03 before every byte <= 0x03 that
 * follows two 0x00 bytes (zeros at the end of `prefix` count). Returns the escaped body only.
 */
export function h264Escape(prefix, body) {
  prefix = toBuffer(prefix ?? EMPTY, 'prefix');
  body = toBuffer(body, 'body');
  const n = body.length;
  const z0 = trailingZeros(prefix);
  // First pass: count insertions. Only runs of zeros matter, so jump from zero to zero.
  let inserts = 0;
  {
    let z = z0;
    let i = 0;
    while (i < n) {
      if (z === 0) {
        const j = body.indexOf(0, i);
        if (j < 0) break;
        i = j + 1;
        z = 1;
        continue;
      }
      const b = body[i++];
      if (z >= 2 && b <= 3) { inserts++; z = b === 0 ? 1 : 0; continue; }
      z = b === 0 ? z + 1 : 0;
    }
  }
  if (inserts === 0) return Buffer.from(body);
  const out = Buffer.allocUnsafe(n + inserts);
  let o = 0;
  let z = z0;
  let i = 0;
  while (i < n) {
    if (z === 0) {
      let j = body.indexOf(0, i);
      if (j < 0) j = n;
      o += body.copy(out, o, i, j);
      if (j === n) break;
      out[o++] = 0;
      i = j + 1;
      z = 1;
      continue;
    }
    const b = body[i++];
    if (z >= 2 && b <= 3) { out[o++] = 3; z = 0; }
    out[o++] = b;
    z = b === 0 ? z + 1 : 0;
  }
  return out;
}

/**
 * Inverse of h264Escape: removes every 0x03 that follows two 0x00 bytes (zeros at the end of
 * `prefix` count) and resets the zero count after it, as H.264 does. Returns the body only.
 */
export function h264Unescape(prefix, escaped) {
  prefix = toBuffer(prefix ?? EMPTY, 'prefix');
  escaped = toBuffer(escaped, 'escaped');
  const n = escaped.length;
  const out = Buffer.allocUnsafe(n);
  let o = 0;
  let z = trailingZeros(prefix);
  let i = 0;
  while (i < n) {
    if (z === 0) {
      let j = escaped.indexOf(0, i);
      if (j < 0) j = n;
      o += escaped.copy(out, o, i, j);
      if (j === n) break;
      out[o++] = 0;
      i = j + 1;
      z = 1;
      continue;
    }
    const b = escaped[i++];
    if (z >= 2 && b === 3) { z = 0; continue; } // emulation prevention byte: drop it
    out[o++] = b;
    z = b === 0 ? z + 1 : 0;
  }
  return o === n ? out : out.subarray(0, o);
}

// ---------------------------------------------------------------------------------------------
// The frame cryptor (sections 2, 4, 6, 7)

export const REPLAY_WINDOW = 256;
export const RATCHET_LOOKAHEAD = 8;
export const DEFAULT_GRACE_MS = 10000;
const MAX_HEADER = 17;

// Sliding replay window over the last REPLAY_WINDOW counters of one KID.
class ReplayWindow {
  constructor() {
    this.top = -1n; // highest CTR accepted so far
    this.bits = new Uint8Array(REPLAY_WINDOW); // slot ctr % 256 set when that ctr was accepted
  }

  // true when ctr must be rejected as a replay
  check(ctr) {
    if (ctr > this.top) return false;
    if (this.top - ctr >= BigInt(REPLAY_WINDOW)) return true; // older than the window
    return this.bits[Number(ctr % 256n)] === 1;
  }

  accept(ctr) {
    if (ctr > this.top) {
      const ahead = ctr - this.top;
      if (ahead >= BigInt(REPLAY_WINDOW)) this.bits.fill(0);
      else for (let c = this.top + 1n; c < ctr; c++) this.bits[Number(c % 256n)] = 0;
      this.top = ctr;
    }
    this.bits[Number(ctr % 256n)] = 1;
  }
}

export class JsFrameCryptor {
  /**
   * @param {object} opts
   * @param {Uint8Array} opts.baseKey   the session's current base key (section 1.2)
   * @param {number} [opts.suite=6]     cipher suite id
   * @param {number} [opts.senderId]    32-bit sender id; random (CSPRNG) when absent
   * @param {number} [opts.graceMs=10000] how long keys of non-current epochs are kept
   * @param {() => number} [opts.now=Date.now] clock, for tests
   */
  constructor({ baseKey, suite = DEFAULT_SUITE, senderId, graceMs = DEFAULT_GRACE_MS, now } = {}) {
    this.suite = getSuite(suite);
    if (senderId === undefined) senderId = crypto.randomBytes(4).readUInt32BE(0);
    if (!Number.isInteger(senderId) || senderId < 0 || senderId > 0xffffffff) {
      throw new RangeError('senderId must be a 32-bit unsigned integer');
    }
    this.senderId = senderId;
    this.graceMs = graceMs;
    this.now = now ?? Date.now;
    this.epochs = new Map(); // epoch id -> { id, baseKey, retireAt }
    this.kids = new Map(); // KID (BigInt) -> { pk, salt, replay, epoch } (keys cached per KID)
    // Next CTR of every KID this cryptor has sealed under. CTR is per KID: a sender that comes
    // back to a base key it used before (secret A -> B -> A) has the same KID again and must not
    // restart at 0, or (KID, CTR) pairs, i.e. nonces, would repeat.
    this.sendCtrs = new Map();
    this.lookahead = null; // lazily built: epoch id -> { baseKey, steps, from }
    this.stats = { decrypted: 0, mismatch: 0, 'integrity-failure': 0, replay: 0 };
    this._setSendingEpoch(this._addEpoch(Buffer.from(checkBaseKey(baseKey))));
  }

  /** The sender's current epoch id. */
  get epochId() { return this.sending.id; }

  /** The sender's current KID. */
  get kid() { return this.sendKid; }

  /** The CTR the next sealed frame will carry. */
  get ctr() { return this.sendCtr; }

  _addEpoch(baseKey) {
    const id = epochId(baseKey);
    let e = this.epochs.get(id);
    if (e && (e.baseKey.length !== baseKey.length || !crypto.timingSafeEqual(e.baseKey, baseKey))) {
      // Two different base keys with the same 32-bit epoch id (chance 2^-32 per pair): the
      // newer one wins, and the keys cached for the older one go.
      this._dropEpochKeys(id);
      e.baseKey.fill(0);
      e = null;
    }
    if (!e) {
      e = { id, baseKey, retireAt: null };
      this.epochs.set(id, e);
      this.lookahead = null;
    } else {
      e.retireAt = null;
    }
    return e;
  }

  _setSendingEpoch(e) {
    const old = this.sending;
    if (old) this.sendCtrs.set(this.sendKid, this.sendCtr);
    this.sending = e;
    e.retireAt = null;
    this.sendKid = BigInt(e.id) * U32 + BigInt(this.senderId);
    this.sendCtr = this.sendCtrs.get(this.sendKid) ?? 0n; // CTR is per KID, from 0
    this.sendEntry = this._entryFor(this.sendKid, e.baseKey);
    if (old && old !== e) this._retire(old);
  }

  _retire(e) {
    if (e === this.sending) return;
    if (e.retireAt === null) e.retireAt = this.now() + this.graceMs;
  }

  _expire() {
    const t = this.now();
    for (const [id, e] of this.epochs) {
      if (e.retireAt !== null && e.retireAt <= t) {
        this.epochs.delete(id);
        e.baseKey.fill(0);
        this._dropEpochKeys(id);
        this.lookahead = null;
      }
    }
  }

  _dropEpochKeys(id) {
    for (const [kid, k] of this.kids) {
      if (k.epoch === id) { k.salt.fill(0); this.kids.delete(kid); }
    }
  }

  _entryFor(kid, baseKey) {
    const { key, salt } = deriveSFrameKey(this.suite, baseKey, kid);
    const pk = prepareKey(this.suite, key);
    key.fill(0);
    return { pk, salt, replay: new ReplayWindow(), epoch: Number(kid >> 32n) };
  }

  /** Moves the sender to the next epoch (section 7.2); the old one is kept for the grace period. */
  ratchet() {
    this._setSendingEpoch(this._addEpoch(ratchetKey(this.sending.baseKey)));
  }

  /** Switches the sender to a new base key (a new secret); the old epoch is kept for the grace period. */
  setBaseKey(baseKey) {
    this._setSendingEpoch(this._addEpoch(Buffer.from(checkBaseKey(baseKey))));
  }

  _buildLookahead() {
    const map = new Map();
    for (const e of this.epochs.values()) {
      let k = e.baseKey;
      for (let steps = 1; steps <= RATCHET_LOOKAHEAD; steps++) {
        k = ratchetKey(k);
        const id = epochId(k);
        if (this.epochs.has(id)) continue; // already held
        const prev = map.get(id);
        if (!prev || prev.steps > steps) map.set(id, { baseKey: k, steps, from: e });
      }
    }
    this.lookahead = map;
    return map;
  }

  _nonce(salt, ctr) {
    // nonce = salt XOR BE(CTR, Nn); CTR is 64-bit, so only the last 8 bytes change.
    const n = Buffer.from(salt);
    const c = be64(ctr);
    const o = n.length - 8;
    for (let i = 0; i < 8; i++) n[o + i] ^= c[i];
    return n;
  }

  /**
   * Seals one encoded frame. `keyFrame` is informational: the VP8 prefix is decided by the
   * frame's own key-frame bit (bit 0 of byte 0), which is all the receiver can see.
   * Returns P || AEAD(key, nonce, H || P, B) || H || BE(len(H), 1), escaped for H.264.
   */
  seal(frame, codec, keyFrame) { // eslint-disable-line no-unused-vars
    const f = toBuffer(frame, 'frame');
    if (this.sendCtr > U64_MAX) throw new RangeError('CTR exhausted for this KID; ratchet first');
    const p = clearPrefixLength(codec, f);
    const ctr = this.sendCtr;
    const kid = this.sendKid;
    const entry = this.sendEntry;
    const header = encodeHeader(kid, ctr);
    const prefix = f.subarray(0, p);
    const sealedBody = sealPrepared(entry.pk, this._nonce(entry.salt, ctr), [header, prefix], f.subarray(p));
    this.sendCtr = ctr + 1n;
    const tail = Buffer.concat([sealedBody, header, Buffer.of(header.length)]);
    const rest = codec === 'H264' ? h264Escape(prefix, tail) : tail;
    return Buffer.concat([prefix, rest], p + rest.length);
  }

  _result(outcome, frame = null) {
    this.stats[outcome]++;
    return { outcome, frame };
  }

  /**
   * Opens one sealed frame. Returns { outcome, frame } with outcome one of 'decrypted',
   * 'mismatch', 'integrity-failure', 'replay'; frame is P || B when decrypted, else null.
   */
  open(sealed, codec) {
    const buf = toBuffer(sealed, 'sealed');
    if (!CODECS.includes(codec)) throw new RangeError(`unknown codec ${codec}`);
    this._expire();
    const s = this.suite;

    // 1. The bytes after P, unescaped for H.264 (P found on the sealed bytes, section 4.3).
    let p = -1;
    let data = buf;
    if (codec === 'H264') {
      p = h264PrefixLength(buf);
      const rest = h264Unescape(buf.subarray(0, p), buf.subarray(p));
      data = Buffer.concat([buf.subarray(0, p), rest], p + rest.length);
    }

    // 2. Trailer: length byte, then the header just before it.
    const n = data.length;
    if (n < 1) return this._result('mismatch');
    const hl = data[n - 1];
    if (hl < 1 || hl > MAX_HEADER || n < 1 + hl + s.nt) return this._result('mismatch');
    const header = data.subarray(n - 1 - hl, n - 1);
    const h = decodeHeader(header);
    if (!h || h.size !== hl) return this._result('mismatch');
    const frameLen = n - 1 - hl - s.nt; // len(F)

    // 3. P by the prefix rule applied to a frame of length len(F).
    if (codec !== 'H264') p = clearPrefixLength(codec, data, frameLen);
    else if (p > frameLen) return this._result('mismatch');

    // 4. Key for the KID: cached, from a held epoch, or from up to 8 ratchet steps of one.
    const { kid, ctr } = h;
    let entry = this.kids.get(kid);
    let adopt = null;
    let fresh = false;
    if (!entry) {
      const eid = Number(kid >> 32n);
      let bk;
      const e = this.epochs.get(eid);
      if (e) bk = e.baseKey;
      else {
        const la = (this.lookahead ?? this._buildLookahead()).get(eid);
        if (!la) return this._result('mismatch');
        bk = la.baseKey;
        adopt = la;
      }
      entry = this._entryFor(kid, bk);
      fresh = true;
    }

    // 5. Tag (constant time, before decryption), then the replay check.
    const prefix = data.subarray(0, p);
    const body = openPrepared(entry.pk, this._nonce(entry.salt, ctr), [header, prefix],
      data.subarray(p, frameLen + s.nt));
    if (!body) return this._result('integrity-failure');
    if (entry.replay.check(ctr)) { body.fill(0); return this._result('replay'); }

    // 6. Valid and new: update state only now.
    entry.replay.accept(ctr);
    if (fresh) {
      if (adopt) {
        const e = this._addEpoch(Buffer.from(adopt.baseKey));
        this._retire(adopt.from);
        entry.epoch = e.id;
      }
      this.kids.set(kid, entry);
    }
    return this._result('decrypted', Buffer.concat([prefix, body], p + body.length));
  }
}
