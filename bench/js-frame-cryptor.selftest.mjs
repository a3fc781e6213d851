// Self-test of bench/js-frame-cryptor.mjs against every vector in test/vectors/*.json and the
// frame layout of docs/e2ee-frame-format.md. Run: node bench/js-frame-cryptor.selftest.mjs
// Last line: "N passed, N failed"; the exit status is non-zero on any failure.

import crypto from 'node:crypto';
import fs from 'node:fs';
import * as J from './js-frame-cryptor.mjs';

const VECTORS = new URL('../test/vectors/', import.meta.url);

let passed = 0;
let failed = 0;
const failures = [];

function check(cond, what) {
  if (cond) passed++;
  else {
    failed++;
    if (failures.length < 200) failures.push(what);
    console.error(`FAIL: ${what}`);
  }
  return !!cond;
}

function eq(a, b) {
  if (a === null || b === null || a === undefined || b === undefined) return false;
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

const hex = (h) => Buffer.from(h, 'hex');
const toHex = (b) => (b ? Buffer.from(b).toString('hex') : String(b));

// JSON.parse rounds integers above 2^53: quote the kid and ctr fields in the raw text first.
function loadVectors(name) {
  const raw = fs.readFileSync(new URL(name, VECTORS), 'utf8');
  const quoted = raw.replace(/("(?:kid|ctr)"\s*:\s*)(\d+)/g, '$1"$2"');
  const data = JSON.parse(quoted);
  const fix = (c) => {
    if (typeof c.kid === 'string') c.kid = BigInt(c.kid);
    if (typeof c.ctr === 'string') c.ctr = BigInt(c.ctr);
    return c;
  };
  for (const k of Object.keys(data)) data[k] = data[k].map(fix);
  return data;
}

function section(name) {
  console.log(`-- ${name}`);
}

// ---------------------------------------------------------------------------------------------
section('vector files');
const rfc = loadVectors('sframe-rfc9605.json');
const aead256 = loadVectors('aes256-ctr-hmac-aead.json');
const full256 = loadVectors('sframe-aes256-ctr-hmac.json');
check(rfc.header.length === 289, `289 header cases (got ${rfc.header.length})`);
check(rfc.aes_ctr_hmac.length === 3, 'RFC 9605: 3 AEAD cases');
check(rfc.sframe.length === 5, 'RFC 9605: 5 full cases');
check(aead256.aes_256_ctr_hmac.length === 3, 'AES-256: 3 AEAD cases');
check(full256.sframe_aes_256_ctr_hmac.length === 3, 'AES-256: 3 full cases');
check(rfc.header.some((h) => h.kid === 0xffffffffffffffffn && h.ctr === 0xffffffffffffffffn),
  'big integers read exactly (kid = ctr = 2^64-1 present)');

// ---------------------------------------------------------------------------------------------
section('HKDF');
{
  // RFC 5869 test cases 1 and 3 (SHA-256).
  const ikm = Buffer.alloc(22, 0x0b);
  let prk = J.hkdfExtract('sha256', hex('000102030405060708090a0b0c'), ikm);
  check(toHex(prk) === '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5', 'RFC 5869 case 1 PRK');
  check(toHex(J.hkdfExpand('sha256', prk, hex('f0f1f2f3f4f5f6f7f8f9'), 42)) ===
    '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865', 'RFC 5869 case 1 OKM');
  prk = J.hkdfExtract('sha256', Buffer.alloc(0), ikm);
  check(toHex(prk) === '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04', 'RFC 5869 case 3 PRK');
  check(toHex(J.hkdfExpand('sha256', prk, Buffer.alloc(0), 42)) ===
    '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8', 'RFC 5869 case 3 OKM');

  // crypto.hkdfSync is Extract-then-Expand with the same salt/info semantics: use it as a
  // second opinion on epoch_id and the ratchet (no published vectors exist for those).
  for (let i = 0; i < 20; i++) {
    const bk = crypto.randomBytes(i === 0 ? 16 : 32);
    const idRef = Buffer.from(crypto.hkdfSync('sha256', bk, Buffer.alloc(0), Buffer.from('otc-e2ee-v1 epoch'), 4)).readUInt32BE(0);
    const rRef = Buffer.from(crypto.hkdfSync('sha256', bk, Buffer.alloc(0), Buffer.from('otc-e2ee-v1 ratchet'), 32));
    check(J.epochId(bk) === idRef, `epochId matches hkdfSync (#${i})`);
    check(eq(J.ratchetKey(bk), rRef), `ratchetKey matches hkdfSync (#${i})`);
  }
  const bk = hex('000102030405060708090a0b0c0d0e0f');
  check(Number.isInteger(J.epochId(bk)) && J.epochId(bk) >= 0 && J.epochId(bk) <= 0xffffffff, 'epochId is a uint32');
  check(J.ratchetKey(bk).length === 32, 'ratchetKey is 32 bytes');
  check(!eq(J.ratchetKey(bk), J.ratchetKey(J.ratchetKey(bk))), 'ratchet moves');
}

// ---------------------------------------------------------------------------------------------
section('secret validation and PBKDF2');
{
  const ok = ['12345678', 'a'.repeat(256), 'пароль-секрет', '\u{1F600}'.repeat(8), '\u{1F600}'.repeat(256), 'ab\ud83d\ude00cdefg'];
  const bad = ['1234567', '', 'a'.repeat(257), '\u{1F600}'.repeat(7), '\u{1F600}'.repeat(257), 'abcd\u0000efgh',
    'abcdefg\ud800', 'abcdefg\udc00', '\udc00\ud800abcdefgh', 'abcdefghij\ud83d', 12345678, null, undefined];
  for (const s of ok) check(J.validateSecret(s) === true, `valid secret ${JSON.stringify(s).slice(0, 40)}`);
  for (const s of bad) check(J.validateSecret(s) === false, `invalid secret ${JSON.stringify(s)?.slice(0, 40)}`);
  // Raw UTF-8 bytes.
  check(J.validateSecret(Buffer.from('passw\u00f6rd', 'utf8')) === true, 'valid UTF-8 bytes');
  check(J.validateSecret(Buffer.from([0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0xff])) === false, 'invalid UTF-8 byte');
  check(J.validateSecret(Buffer.from([0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0xc0, 0xaf])) === false, 'overlong UTF-8');
  check(J.validateSecret(Buffer.from([0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0xed, 0xa0, 0x80])) === false, 'UTF-8 encoded surrogate');
  check(J.validateSecret(Buffer.from('abcdefg\u0000', 'utf8')) === false, 'NUL in bytes');

  let threw = null;
  try { J.deriveBaseKey('s', 'short'); } catch (e) { threw = e; }
  check(threw && threw.code === 'OTC_SESSION_INVALID_ENCRYPTION_SECRET', 'deriveBaseKey rejects an invalid secret');

  const sid = '1_MX4xMjM0NX5-session';
  const secret = 'correct horse battery staple';
  const k1 = J.deriveBaseKey(sid, secret);
  const k2 = await J.deriveBaseKeyAsync(sid, secret);
  // An independent PBKDF2 (RFC 8018 section 5.2, one block since dkLen = hLen = 32).
  const salt = Buffer.from('otc-e2ee-v1|' + sid, 'utf8');
  const pw = Buffer.from(secret, 'utf8');
  let u = crypto.createHmac('sha256', pw).update(salt).update(Buffer.from([0, 0, 0, 1])).digest();
  const t = Buffer.from(u);
  for (let i = 1; i < 100000; i++) {
    u = crypto.createHmac('sha256', pw).update(u).digest();
    for (let j = 0; j < 32; j++) t[j] ^= u[j];
  }
  check(k1.length === 32, 'base key is 32 bytes');
  check(eq(k1, k2), 'deriveBaseKey === deriveBaseKeyAsync');
  check(eq(k1, t), 'deriveBaseKey matches an independent PBKDF2');
  check(!eq(k1, J.deriveBaseKey(sid + 'x', secret)), 'different session => different key');
  let rejected = false;
  try { await J.deriveBaseKeyAsync(sid, 'abc'); } catch (e) { rejected = e.code === 'OTC_SESSION_INVALID_ENCRYPTION_SECRET'; }
  check(rejected, 'deriveBaseKeyAsync rejects an invalid secret');
}

// ---------------------------------------------------------------------------------------------
section('suites');
{
  const expect = {
    1: [16, 'sha256', 48, 12, 10, false], 2: [16, 'sha256', 48, 12, 8, false], 3: [16, 'sha256', 48, 12, 4, false],
    4: [null, 'sha256', 16, 12, 16, true], 5: [null, 'sha512', 32, 12, 16, true],
    6: [32, 'sha512', 96, 12, 10, false], 7: [32, 'sha512', 96, 12, 8, false], 8: [32, 'sha512', 96, 12, 4, false],
  };
  for (const [id, [nka, hash, nk, nn, nt, gcm]] of Object.entries(expect)) {
    const s = J.SUITES[id];
    check(s && s.id === Number(id) && s.nka === nka && s.hash === hash && s.nk === nk && s.nn === nn &&
      s.nt === nt && s.gcm === gcm, `suite ${id} parameters`);
  }
}

// ---------------------------------------------------------------------------------------------
section('headers (289 vectors)');
{
  for (const h of rfc.header) {
    const what = `header kid=${h.kid} ctr=${h.ctr}`;
    const enc = J.encodeHeader(h.kid, h.ctr);
    check(toHex(enc) === h.encoded, `${what}: encode (${toHex(enc)} vs ${h.encoded})`);
    const dec = J.decodeHeader(hex(h.encoded));
    check(dec && dec.kid === h.kid && dec.ctr === h.ctr && dec.size === h.encoded.length / 2, `${what}: decode`);
    // With trailing bytes the header still parses to the same size.
    const dec2 = J.decodeHeader(Buffer.concat([hex(h.encoded), hex('ffee')]));
    check(dec2 && dec2.kid === h.kid && dec2.ctr === h.ctr && dec2.size === h.encoded.length / 2, `${what}: decode with trailing bytes`);
    // Every truncation is rejected.
    let truncOk = true;
    for (let l = 0; l < h.encoded.length / 2; l++) if (J.decodeHeader(hex(h.encoded).subarray(0, l)) !== null) truncOk = false;
    check(truncOk, `${what}: truncations rejected`);
  }
  // Non-minimal encodings.
  const nonMinimal = ['8000', '8007', '0800', '0807', '900001', '9000ff', '0900ff', '09000f', '880000', 'f800000000000000ff00',
    '0f00ffffffffffffff', 'f0000000000000000001'];
  for (const n of nonMinimal) check(J.decodeHeader(hex(n)) === null, `non-minimal header ${n} rejected`);
  check(J.decodeHeader(hex('8008'))?.kid === 8n, 'extended kid 8 accepted');
  // Out-of-range encode arguments throw.
  for (const [k, c] of [[-1n, 0n], [0n, 1n << 64n], [1n << 64n, 0n]]) {
    let threw = false;
    try { J.encodeHeader(k, c); } catch { threw = true; }
    check(threw, `encodeHeader(${k}, ${c}) throws`);
  }
  // Random round trips.
  for (let i = 0; i < 2000; i++) {
    const kid = crypto.randomBytes(8).readBigUInt64BE(0) >> BigInt(crypto.randomInt(64));
    const ctr = crypto.randomBytes(8).readBigUInt64BE(0) >> BigInt(crypto.randomInt(64));
    const e = J.encodeHeader(kid, ctr);
    const d = J.decodeHeader(e);
    if (!(d && d.kid === kid && d.ctr === ctr && d.size === e.length && e.length <= 17)) {
      check(false, `random header round trip kid=${kid} ctr=${ctr}`);
    }
  }
  check(true, 'random header round trips');
}

// ---------------------------------------------------------------------------------------------
section('AEAD vectors (suites 1-3, 6-8)');
{
  for (const v of [...rfc.aes_ctr_hmac, ...aead256.aes_256_ctr_hmac]) {
    const s = J.SUITES[v.cipher_suite];
    const what = `AEAD suite ${v.cipher_suite}`;
    const key = hex(v.key);
    check(key.length === s.nk && toHex(key.subarray(0, s.nka)) === v.enc_key && toHex(key.subarray(s.nka)) === v.auth_key,
      `${what}: enc_key/auth_key split`);
    const ct = J.aeadSeal(v.cipher_suite, key, hex(v.nonce), hex(v.aad), hex(v.pt));
    check(toHex(ct) === v.ct, `${what}: seal (${toHex(ct)})`);
    check(ct.length === hex(v.pt).length + s.nt, `${what}: tag length ${s.nt}`);
    const pt = J.aeadOpen(v.cipher_suite, key, hex(v.nonce), hex(v.aad), hex(v.ct));
    check(toHex(pt) === v.pt, `${what}: open`);
    let flipsOk = true;
    const c = hex(v.ct);
    for (let bit = 0; bit < c.length * 8; bit++) {
      const m = Buffer.from(c);
      m[bit >> 3] ^= 1 << (bit & 7);
      if (J.aeadOpen(v.cipher_suite, key, hex(v.nonce), hex(v.aad), m) !== null) flipsOk = false;
    }
    check(flipsOk, `${what}: every bit flip of ct||tag rejected`);
    const a = hex(v.aad);
    a[0] ^= 1;
    check(J.aeadOpen(v.cipher_suite, key, hex(v.nonce), a, c) === null, `${what}: modified aad rejected`);
    const n = hex(v.nonce);
    n[11] ^= 1;
    check(J.aeadOpen(v.cipher_suite, key, n, hex(v.aad), c) === null, `${what}: modified nonce rejected`);
    let truncOk = true;
    for (let l = 0; l < c.length; l++) if (J.aeadOpen(v.cipher_suite, key, hex(v.nonce), hex(v.aad), c.subarray(0, l)) !== null) truncOk = false;
    check(truncOk, `${what}: truncations rejected`);
  }
}

// ---------------------------------------------------------------------------------------------
section('full SFrame vectors (suites 1-8)');
{
  const all = [...rfc.sframe, ...full256.sframe_aes_256_ctr_hmac];
  check(new Set(all.map((v) => v.cipher_suite)).size === 8, 'full cases cover suites 1-8');
  for (const v of all) {
    const what = `SFrame suite ${v.cipher_suite}`;
    const bk = hex(v.base_key);
    const labels = J.sframeLabels(v.cipher_suite, v.kid);
    check(toHex(labels.keyLabel) === v.sframe_key_label, `${what}: key label`);
    check(toHex(labels.saltLabel) === v.sframe_salt_label, `${what}: salt label`);
    const d = J.deriveSFrameKey(v.cipher_suite, bk, v.kid);
    check(toHex(d.secret) === v.sframe_secret, `${what}: sframe_secret`);
    check(toHex(d.key) === v.sframe_key, `${what}: sframe_key`);
    check(toHex(d.salt) === v.sframe_salt, `${what}: sframe_salt`);
    check(toHex(J.sframeNonce(d.salt, v.ctr)) === v.nonce, `${what}: nonce`);
    const header = J.encodeHeader(v.kid, v.ctr);
    check(toHex(Buffer.concat([header, hex(v.metadata)])) === v.aad, `${what}: aad = header || metadata`);
    const ct = J.sframeProtect(v.cipher_suite, bk, v.kid, v.ctr, hex(v.metadata), hex(v.pt));
    check(toHex(ct) === v.ct, `${what}: protect (${toHex(ct)})`);
    // The AEAD layer alone gives the same bytes after the header.
    const body = J.aeadSeal(v.cipher_suite, d.key, hex(v.nonce), hex(v.aad), hex(v.pt));
    check(toHex(Buffer.concat([header, body])) === v.ct, `${what}: aeadSeal with derived key`);
    const u = J.sframeUnprotect(v.cipher_suite, bk, hex(v.ct), hex(v.metadata));
    check(u && u.kid === v.kid && u.ctr === v.ctr && toHex(u.pt) === v.pt, `${what}: unprotect`);
    let flipsOk = true;
    const c = hex(v.ct);
    for (let bit = 0; bit < c.length * 8; bit++) {
      const m = Buffer.from(c);
      m[bit >> 3] ^= 1 << (bit & 7);
      if (J.sframeUnprotect(v.cipher_suite, bk, m, hex(v.metadata)) !== null) flipsOk = false;
    }
    check(flipsOk, `${what}: every bit flip rejected`);
    check(J.sframeUnprotect(v.cipher_suite, bk, hex(v.ct), Buffer.from('other')) === null, `${what}: other metadata rejected`);
    const wrong = Buffer.from(bk);
    wrong[0] ^= 1;
    check(J.sframeUnprotect(v.cipher_suite, wrong, hex(v.ct), hex(v.metadata)) === null, `${what}: other base key rejected`);
  }
}

// ---------------------------------------------------------------------------------------------
// Reference implementations, as plain as possible, for cross-checks.

function refEscape(prefix, body) {
  let z = 0;
  for (let i = prefix.length - 1; i >= 0 && prefix[i] === 0 && z < 2; i--) z++;
  const out = [];
  for (const b of body) {
    if (z >= 2 && b <= 3) { out.push(3); z = 0; }
    out.push(b);
    z = b === 0 ? z + 1 : 0;
  }
  return Buffer.from(out);
}

function refUnescape(prefix, body) {
  let z = 0;
  for (let i = prefix.length - 1; i >= 0 && prefix[i] === 0 && z < 2; i--) z++;
  const out = [];
  for (const b of body) {
    if (z >= 2 && b === 3) { z = 0; continue; }
    out.push(b);
    z = b === 0 ? z + 1 : 0;
  }
  return Buffer.from(out);
}

function refH264Prefix(f) {
  for (let i = 0; i + 3 < f.length; i++) {
    if (f[i] === 0 && f[i + 1] === 0 && f[i + 2] === 1) {
      const t = f[i + 3] & 0x1f;
      if (t === 1 || t === 5) return i + 7 <= f.length ? i + 7 : 0;
    }
  }
  return 0;
}

// A start code (00 00 00/01/02) with its third byte at index >= from.
function hasStartCodeFrom(buf, from) {
  for (let i = Math.max(0, from - 2); i + 2 < buf.length; i++) {
    if (i + 2 >= from && buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] <= 2) return true;
  }
  return false;
}

// Random bytes with many 00 00 0x patterns.
function zeroHeavy(n, density = 0.05) {
  const b = crypto.randomBytes(n);
  for (let i = 0; i + 2 < n; i++) {
    if (Math.random() < density) { b[i] = 0; b[i + 1] = 0; b[i + 2] = crypto.randomInt(5); i += 2; }
  }
  if (n > 0 && Math.random() < 0.3) b[n - 1] = 0;
  if (n > 1 && Math.random() < 0.2) b[n - 2] = 0;
  return b;
}

// ---------------------------------------------------------------------------------------------
section('H.264 escaping');
{
  const cases = [
    ['', '000000', '00000300'],
    ['', '00000000', '0000030000'],
    ['', '000001', '00000301'],
    ['', '000003', '00000303'],
    ['', '000004', '000004'],
    ['0000', '01', '0301'],
    ['00', '0001', '000301'],
    ['0100', '00', '00'],
    ['00', '00', '00'],
    ['0000', '04', '04'],
    ['0000', '', ''],
    ['', '0000000000000000', '0000030000030000030000'],
  ];
  for (const [p, b, e] of cases) {
    check(toHex(J.h264Escape(hex(p), hex(b))) === e, `escape P=${p} body=${b} -> ${e} (got ${toHex(J.h264Escape(hex(p), hex(b)))})`);
    check(toHex(J.h264Unescape(hex(p), hex(e))) === b, `unescape P=${p} ${e} -> ${b}`);
  }
  check(toHex(J.h264Unescape(hex(''), hex('00000303'))) === '000003', 'unescape resets the zero count after a removed 03');
  check(toHex(J.h264Unescape(hex(''), hex('0000030003'))) === '00000003', 'unescape: 00 00 03 00 03 keeps the second 03');
  check(toHex(J.h264Unescape(hex(''), hex('000003000003'))) === '00000000', 'unescape: two emulation prevention bytes');
  check(toHex(J.h264Unescape(hex('0000'), hex('0303'))) === '03', 'unescape continues the zero count of P');
  let ok = true;
  for (let i = 0; i < 3000 && ok; i++) {
    const p = zeroHeavy(crypto.randomInt(0, 6), 0.3);
    const b = zeroHeavy(crypto.randomInt(0, 300), crypto.randomInt(2) ? 0.3 : 0.02);
    const e = J.h264Escape(p, b);
    if (!eq(e, refEscape(p, b))) { ok = false; check(false, `escape matches reference P=${toHex(p)} B=${toHex(b)}`); }
    if (!eq(J.h264Unescape(p, e), b)) { ok = false; check(false, `unescape(escape) P=${toHex(p)} B=${toHex(b)}`); }
    const full = Buffer.concat([p, e]);
    if (hasStartCodeFrom(full, p.length)) { ok = false; check(false, `no start code in escaped part P=${toHex(p)} B=${toHex(b)}`); }
    const junk = zeroHeavy(crypto.randomInt(0, 200), 0.3);
    if (!eq(J.h264Unescape(p, junk), refUnescape(p, junk))) { ok = false; check(false, `unescape matches reference on ${toHex(junk)}`); }
  }
  check(ok, 'escape/unescape: 3000 random cases against the reference');
  const big = zeroHeavy(100000, 0.01);
  check(eq(J.h264Unescape(hex('00'), J.h264Escape(hex('00'), big)), big), 'escape round trip, 100 kB');
  check(eq(J.h264Escape(hex('00'), big), refEscape(hex('00'), big)), 'escape matches reference, 100 kB');
}

// ---------------------------------------------------------------------------------------------
section('clear prefix');
{
  const r = (n, first) => { const b = crypto.randomBytes(n); if (n) b[0] = first; return b; };
  for (const c of ['opus', 'VP9', 'AV1']) for (const n of [0, 1, 5, 100]) check(J.clearPrefixLength(c, r(n, 0)) === 0, `${c}: no prefix (${n})`);
  for (const n of [0, 1, 2, 3, 4, 9, 10, 11, 100]) {
    check(J.clearPrefixLength('VP8', r(n, 0x10)) === Math.min(n, 10), `vp8 key frame prefix, length ${n}`);
    check(J.clearPrefixLength('VP8', r(n, 0x11)) === Math.min(n, 3), `vp8 delta frame prefix, length ${n}`);
  }
  const h = (s) => J.clearPrefixLength('H264', hex(s));
  check(h('0000000165aabbcc') === 8, 'h264: 4-byte start code, IDR');
  check(h('00000165aabbcc') === 7, 'h264: 3-byte start code, IDR');
  check(h('00000141aabbccdd') === 7, 'h264: non-IDR slice');
  check(h('00000165aabb') === 0, 'h264: only 2 bytes after the header => no prefix');
  check(h('000001') === 0 && h('') === 0 && h('00') === 0, 'h264: degenerate frames');
  check(h('0000000167aaaa0000000168bb00000165112233') === 20, 'h264: SPS, PPS, IDR');
  check(h('0000000167aaaa0000000168bb') === 0, 'h264: no slice => no prefix');
  check(h('0000000167aaaa0000016511') === 0, 'h264: first slice too short => none at all');
  check(h('0000000167aaaa000001651122') === 0, 'h264: first slice with 2 bytes after the header => none');
  check(h('0000000167aaaa00000165112200') === 14, 'h264: first slice with exactly 3 bytes after the header');
  check(h('aabb00000109f000000165010203ff') === 14, 'h264: bytes before the first start code are kept');
  check(h('000001e5010203') === 7 && h('00000166010203') === 0, 'h264: type from the low 5 bits');
  for (let i = 0; i < 2000; i++) {
    const f = zeroHeavy(crypto.randomInt(0, 40), 0.2);
    for (let j = 0; j < f.length; j++) if (f[j] === 1 && Math.random() < 0.5 && j + 1 < f.length) f[j + 1] = crypto.randomInt(2) ? 0x65 : 0x41;
    if (J.clearPrefixLength('H264', f) !== refH264Prefix(f)) { check(false, `h264 prefix vs reference on ${toHex(f)}`); break; }
  }
  check(true, 'h264 prefix: random frames against the reference');
  let threw = false;
  try { J.clearPrefixLength('vp10', Buffer.alloc(3)); } catch { threw = true; }
  check(threw, 'unknown codec throws');
}

// ---------------------------------------------------------------------------------------------
// Frame builders.

function nal(type, body, fourByte = true) {
  return Buffer.concat([Buffer.from(fourByte ? [0, 0, 0, 1] : [0, 0, 1]), Buffer.of(0x60 | type), body]);
}

// Emulation-prevented random payload (as a real encoder emits), optionally with raw 00 00 0x.
function rbspLike(n, raw) {
  const b = zeroHeavy(n, 0.03);
  return raw ? b : refEscape(Buffer.alloc(0), b).subarray(0, n);
}

// An H.264 access unit: AUD, SPS, PPS, then a slice, then maybe a second slice; cut to `size`.
function h264Frame(size, { key = true, fourByte = true, rawSliceBody = true, pEndsInZeros = false } = {}) {
  const parts = [nal(9, hex('f0')), nal(7, Buffer.concat([hex('42c01f'), rbspLike(9, false)])), nal(8, rbspLike(4, false))];
  const head = Buffer.concat(key ? parts : [parts[0]]);
  const sliceLen = Math.max(8, size - head.length);
  const body = rbspLike(sliceLen, rawSliceBody);
  if (pEndsInZeros && body.length >= 3) { body[1] = 0; body[2] = 0; }
  const slice = nal(key ? 5 : 1, body, fourByte);
  return Buffer.concat([head, slice]).subarray(0, size);
}

// A frame that starts right with a slice (so that even tiny frames have one).
function h264SliceOnly(size, key = true) {
  return Buffer.concat([hex('000001'), Buffer.of(key ? 0x65 : 0x41), zeroHeavy(Math.max(0, size), 0.05)]).subarray(0, size);
}

function vp8Frame(size, key) {
  const f = crypto.randomBytes(size);
  if (size) f[0] = key ? f[0] & 0xfe : f[0] | 1;
  return f;
}

function frameFor(codec, size, variant = 0) {
  switch (codec) {
    case 'VP8': return vp8Frame(size, variant % 2 === 0);
    case 'H264':
      switch (variant % 5) {
        case 0: return h264Frame(size);
        case 1: return h264Frame(size, { key: false, fourByte: false });
        case 2: return h264SliceOnly(size, true);
        case 3: return h264Frame(size, { pEndsInZeros: true });
        default: return h264Frame(size, { rawSliceBody: false });
      }
    default: return zeroHeavy(size, variant % 2 ? 0.05 : 0);
  }
}

const SIZES = [0, 1, 2, 3, 9, 10, 11, 100, 1200, 50000];
const SUITE_IDS = [1, 2, 3, 4, 5, 6, 7, 8];

// Independent parse of a sealed frame with the SFrame primitives (no JsFrameCryptor code).
function independentOpen(suite, baseKey, sealed, codec) {
  const s = J.SUITES[suite];
  let p, data;
  if (codec === 'H264') {
    p = refH264Prefix(sealed);
    data = Buffer.concat([sealed.subarray(0, p), refUnescape(sealed.subarray(0, p), sealed.subarray(p))]);
  } else data = sealed;
  const hl = data[data.length - 1];
  const header = data.subarray(data.length - 1 - hl, data.length - 1);
  const h = J.decodeHeader(header);
  if (!h || h.size !== hl) return null;
  const flen = data.length - 1 - hl - s.nt;
  if (flen < 0) return null;
  if (codec === 'VP8') p = flen === 0 ? 0 : Math.min(flen, (data[0] & 1) === 0 ? 10 : 3);
  else if (codec !== 'H264') p = 0;
  const { key, salt } = J.deriveSFrameKey(suite, baseKey, h.kid);
  const P = data.subarray(0, p);
  const b = J.aeadOpen(suite, key, J.sframeNonce(salt, h.ctr), Buffer.concat([header, P]), data.subarray(p, flen + s.nt));
  return b ? { kid: h.kid, ctr: h.ctr, frame: Buffer.concat([P, b]), p } : null;
}

// ---------------------------------------------------------------------------------------------
section('round trips: every codec x suite x size');
{
  const baseKey = crypto.randomBytes(32);
  for (const suite of SUITE_IDS) {
    for (const codec of J.CODECS) {
      const variants = codec === 'H264' ? 5 : 2;
      const tx = new J.JsFrameCryptor({ baseKey, suite });
      const rx = new J.JsFrameCryptor({ baseKey, suite });
      const s = J.SUITES[suite];
      let expectedCtr = 0n;
      for (const size of SIZES) {
        for (let v = 0; v < variants; v++) {
          const what = `${codec} suite ${suite} size ${size} variant ${v}`;
          const f = frameFor(codec, size, v);
          check(f.length === size, `${what}: built frame has the right size`);
          const p = J.clearPrefixLength(codec, f);
          const sealed = tx.seal(f, codec, v % 2 === 0);
          check(eq(sealed.subarray(0, p), f.subarray(0, p)), `${what}: prefix in the clear`);
          const ind = independentOpen(suite, baseKey, sealed, codec);
          check(ind && eq(ind.frame, f) && ind.ctr === expectedCtr && ind.kid === tx.kid && ind.p === p,
            `${what}: independent parse (kid, ctr=${expectedCtr}, P=${p})`);
          check(tx.kid === BigInt(J.epochId(baseKey)) * 2n ** 32n + BigInt(tx.senderId), `${what}: KID = epoch * 2^32 + sender`);
          if (codec === 'H264') {
            check(J.clearPrefixLength('H264', sealed) === p, `${what}: receiver finds the same P`);
            check(!hasStartCodeFrom(sealed, p), `${what}: no start code after P`);
          } else {
            const hl = J.encodeHeader(tx.kid, expectedCtr).length;
            check(sealed.length === size + s.nt + hl + 1, `${what}: sealed length`);
          }
          const r = rx.open(sealed, codec);
          check(r.outcome === 'decrypted' && eq(r.frame, f), `${what}: open (${r.outcome})`);
          const r2 = rx.open(sealed, codec);
          check(r2.outcome === 'replay' && r2.frame === null, `${what}: replay rejected (${r2.outcome})`);
          expectedCtr++;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
section('bit flips and truncations');
{
  const baseKey = crypto.randomBytes(32);
  const small = {
    opus: () => crypto.randomBytes(6),
    VP9: () => crypto.randomBytes(6),
    AV1: () => crypto.randomBytes(6),
    VP8: () => vp8Frame(14, true),
    VP8delta: () => vp8Frame(6, false),
    H264: () => Buffer.concat([hex('0000000167640c'), hex('0000000168ee'), hex('00000165'), hex('880000'), hex('0000010203')]),
    H264noslice: () => hex('00000001670000010000000168ee00000300'),
  };
  for (const suite of SUITE_IDS) {
    for (const [name, make] of Object.entries(small)) {
      const codec = name.replace(/delta|noslice/, '');
      const tx = new J.JsFrameCryptor({ baseKey, suite });
      const rx = new J.JsFrameCryptor({ baseKey, suite });
      const f = make();
      const sealed = tx.seal(f, codec, true);
      const what = `${name} suite ${suite}`;
      let flipsOk = true;
      const outcomes = new Set();
      for (let bit = 0; bit < sealed.length * 8; bit++) {
        const m = Buffer.from(sealed);
        m[bit >> 3] ^= 1 << (bit & 7);
        const r = rx.open(m, codec);
        outcomes.add(r.outcome);
        if (r.outcome === 'decrypted' || r.frame !== null) { flipsOk = false; console.error(`  flip ${bit} of ${toHex(sealed)} accepted`); }
      }
      check(flipsOk, `${what}: all ${sealed.length * 8} single-bit flips rejected (${[...outcomes].join(', ')})`);
      let truncOk = true;
      for (let l = 0; l < sealed.length; l++) {
        if (rx.open(sealed.subarray(0, l), codec).outcome === 'decrypted') truncOk = false;
        if (rx.open(sealed.subarray(sealed.length - l), codec).outcome === 'decrypted') truncOk = false;
      }
      check(truncOk, `${what}: truncations (front and back) rejected`);
      check(rx.open(Buffer.concat([sealed, hex('00')]), codec).outcome !== 'decrypted', `${what}: appended byte rejected`);
      check(rx.open(Buffer.concat([hex('00'), sealed]), codec).outcome !== 'decrypted', `${what}: prepended byte rejected`);
      const r = rx.open(sealed, codec);
      check(r.outcome === 'decrypted' && eq(r.frame, f), `${what}: original still opens after the tampered copies`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
section('outcomes, replay window');
{
  const baseKey = crypto.randomBytes(32);
  const tx = new J.JsFrameCryptor({ baseKey });
  check(tx.suite.id === 6, 'default suite is 6');
  check(tx.ctr === 0n, 'CTR starts at 0');
  const frames = [];
  for (let i = 0; i < 300; i++) frames.push(tx.seal(crypto.randomBytes(20), 'opus', false));
  check(tx.ctr === 300n, 'CTR grows by one per sealed frame');
  check(J.decodeHeader(frames[299].subarray(frames[299].length - 1 - frames[299][frames[299].length - 1], -1))?.ctr === 299n,
    'trailer carries CTR 299');

  let rx = new J.JsFrameCryptor({ baseKey });
  check(rx.open(frames[299], 'opus').outcome === 'decrypted', 'newest frame decrypts');
  check(rx.open(frames[44], 'opus').outcome === 'decrypted', 'frame 255 behind the newest is inside the window');
  check(rx.open(frames[43], 'opus').outcome === 'replay', 'frame 256 behind the newest is older than the window');
  check(rx.open(frames[0], 'opus').outcome === 'replay', 'frame 0 is older than the window');
  check(rx.open(frames[200], 'opus').outcome === 'decrypted', 'out-of-order frame in the window decrypts');
  check(rx.open(frames[200], 'opus').outcome === 'replay', 'and only once');
  check(rx.open(frames[299], 'opus').outcome === 'replay', 'newest again is a replay');
  check(rx.open(frames[298], 'opus').outcome === 'decrypted', 'frame just below the newest decrypts');

  rx = new J.JsFrameCryptor({ baseKey });
  let inOrder = true;
  for (let i = 0; i < 300; i++) if (rx.open(frames[i], 'opus').outcome !== 'decrypted') inOrder = false;
  check(inOrder, '300 frames in order decrypt');
  let allReplay = true;
  for (let i = 0; i < 300; i++) if (rx.open(frames[i], 'opus').outcome !== 'replay') allReplay = false;
  check(allReplay, 'and all of them replay afterwards');

  // Replay state only changes after a valid tag.
  rx = new J.JsFrameCryptor({ baseKey });
  const forged = Buffer.from(frames[5]);
  forged[0] ^= 0x80;
  check(rx.open(forged, 'opus').outcome === 'integrity-failure', 'forged frame: integrity failure');
  check(rx.open(frames[5], 'opus').outcome === 'decrypted', 'the genuine frame still decrypts afterwards');
  // A forged frame far ahead in CTR must not move the window.
  const other = new J.JsFrameCryptor({ baseKey, senderId: tx.senderId });
  other.sendCtr = 1000n; // internal field: jump the counter
  const ahead = Buffer.from(other.seal(crypto.randomBytes(20), 'opus'));
  ahead[3] ^= 1;
  check(rx.open(ahead, 'opus').outcome === 'integrity-failure', 'forged far-ahead frame: integrity failure');
  check(rx.open(frames[6], 'opus').outcome === 'decrypted', 'window not moved by a forged frame');

  // Mismatch: other key, garbage, not a sealed frame.
  const stranger = new J.JsFrameCryptor({ baseKey: crypto.randomBytes(32) });
  check(stranger.open(frames[7], 'opus').outcome === 'mismatch', 'other base key: mismatch');
  check(rx.open(Buffer.alloc(0), 'opus').outcome === 'mismatch', 'empty frame: mismatch');
  check(rx.open(hex('00'), 'opus').outcome === 'mismatch', 'length byte 0: mismatch');
  check(rx.open(Buffer.concat([crypto.randomBytes(30), hex('12')]), 'opus').outcome === 'mismatch', 'length byte 18: mismatch');
  check(rx.open(hex('0000000000000000000000000001'), 'opus').outcome === 'mismatch', 'unknown KID 0: mismatch');
  let garbage = true;
  for (let i = 0; i < 500; i++) {
    const g = crypto.randomBytes(crypto.randomInt(0, 200));
    const o = rx.open(g, ['opus', 'VP8', 'H264'][i % 3]).outcome;
    if (o !== 'mismatch') garbage = false;
  }
  check(garbage, 'random garbage: mismatch');
  // Non-minimal header in the trailer.
  const good = tx.seal(crypto.randomBytes(12), 'opus');
  const hl = good[good.length - 1];
  const h = J.decodeHeader(good.subarray(good.length - 1 - hl, good.length - 1));
  check(h && h.kid === tx.kid, 'trailer header parses to the sender KID');
  const wrongLen = Buffer.from(good);
  wrongLen[wrongLen.length - 1] = hl + 1;
  check(rx.open(wrongLen, 'opus').outcome === 'mismatch', 'length byte not matching the header: mismatch');
  // Suite confusion.
  const rx1 = new J.JsFrameCryptor({ baseKey, suite: 1 });
  check(rx1.open(frames[9], 'opus').outcome === 'integrity-failure', 'other suite, same key: integrity failure');
  // Codec confusion (a VP8 key frame opened as opus has another P, thus another aad).
  const vtx = new J.JsFrameCryptor({ baseKey });
  const v = vtx.seal(vp8Frame(40, true), 'VP8', true);
  check(new J.JsFrameCryptor({ baseKey }).open(v, 'opus').outcome === 'integrity-failure', 'vp8 frame opened as opus: integrity failure');
  check(rx.open(frames[5], 'opus').outcome === 'replay', 'replay after the forged copies');
  check(rx.stats.decrypted > 0 && rx.stats.mismatch > 0 && rx.stats.replay > 0 && rx.stats['integrity-failure'] > 0, 'outcome counters');

  // Sender id: random when absent, as given otherwise.
  const ids = new Set();
  for (let i = 0; i < 16; i++) ids.add(new J.JsFrameCryptor({ baseKey }).senderId);
  check(ids.size > 1, 'random sender ids');
  check(new J.JsFrameCryptor({ baseKey, senderId: 0xffffffff }).kid === BigInt(J.epochId(baseKey)) * 2n ** 32n + 0xffffffffn, 'explicit sender id');
  let threw = false;
  try { new J.JsFrameCryptor({ baseKey, senderId: 2 ** 32 }); } catch { threw = true; }
  check(threw, 'sender id above 32 bits rejected');
  // Two sender ids under one epoch: independent counters, independent replay windows.
  const a = new J.JsFrameCryptor({ baseKey, senderId: 1 });
  const b = new J.JsFrameCryptor({ baseKey, senderId: 2 });
  const rxab = new J.JsFrameCryptor({ baseKey });
  const fa = a.seal(crypto.randomBytes(10), 'opus');
  const fb = b.seal(crypto.randomBytes(10), 'opus');
  check(rxab.open(fa, 'opus').outcome === 'decrypted' && rxab.open(fb, 'opus').outcome === 'decrypted', 'two senders, CTR 0 each');
}

// ---------------------------------------------------------------------------------------------
section('ratchet');
{
  const baseKey = crypto.randomBytes(32);
  for (const steps of [1, 2, 7, 8, 9, 10]) {
    const tx = new J.JsFrameCryptor({ baseKey });
    const rx = new J.JsFrameCryptor({ baseKey });
    const before = tx.seal(crypto.randomBytes(50), 'VP8', true);
    for (let i = 0; i < steps; i++) tx.ratchet();
    check(tx.ctr === 0n, `ratchet ${steps}: CTR restarts at 0 for the new KID`);
    let k = baseKey;
    for (let i = 0; i < steps; i++) k = J.ratchetKey(k);
    check(tx.epochId === J.epochId(k), `ratchet ${steps}: sender epoch id`);
    const f = vp8Frame(50, true);
    const sealed = tx.seal(f, 'VP8', true);
    const r = rx.open(sealed, 'VP8');
    if (steps <= 8) {
      check(r.outcome === 'decrypted' && eq(r.frame, f), `ratchet ${steps}: receiver follows (${r.outcome})`);
      check(rx.open(before, 'VP8').outcome === 'decrypted', `ratchet ${steps}: old epoch still opens in the grace period`);
    } else {
      check(r.outcome === 'mismatch', `ratchet ${steps}: receiver does not follow (${r.outcome})`);
    }
  }
  // Following repeatedly: 8 steps, then 8 more from the adopted epoch.
  {
    const tx = new J.JsFrameCryptor({ baseKey });
    const rx = new J.JsFrameCryptor({ baseKey });
    let ok = true;
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 8; i++) tx.ratchet();
      const f = crypto.randomBytes(30);
      if (rx.open(tx.seal(f, 'opus'), 'opus').outcome !== 'decrypted') ok = false;
    }
    check(ok, 'receiver follows 4 x 8 ratchet steps, one hop at a time');
  }
  // A forged frame under a ratchetable epoch is an integrity failure and does not adopt it.
  {
    const tx = new J.JsFrameCryptor({ baseKey });
    const rx = new J.JsFrameCryptor({ baseKey });
    for (let i = 0; i < 8; i++) tx.ratchet();
    const sealed = tx.seal(crypto.randomBytes(30), 'opus');
    const bad = Buffer.from(sealed);
    bad[0] ^= 1;
    check(rx.open(bad, 'opus').outcome === 'integrity-failure', 'forged frame under a ratchetable epoch: integrity failure');
    check(!rx.epochs.has(tx.epochId), 'ratchetable epoch not adopted on a bad tag');
    check(rx.open(sealed, 'opus').outcome === 'decrypted', 'the genuine frame is then followed');
    check(rx.epochs.has(tx.epochId), 'and its epoch adopted');
  }
  // Grace period: keys of an epoch that is no longer current are erased after 10 s (fake clock).
  {
    let t = 1000;
    const now = () => t;
    const e0 = J.epochId(baseKey);
    const tx = new J.JsFrameCryptor({ baseKey, now });
    const rx = new J.JsFrameCryptor({ baseKey, now });
    const old = [0, 1, 2, 3].map(() => tx.seal(crypto.randomBytes(30), 'opus'));
    check(rx.open(old[0], 'opus').outcome === 'decrypted', 'grace: old epoch frame');
    tx.ratchet();
    check(tx.epochs.get(e0)?.retireAt === 11000, 'grace: the sender retires its old epoch for 10 s');
    check(rx.open(tx.seal(crypto.randomBytes(30), 'opus'), 'opus').outcome === 'decrypted', 'grace: new epoch followed');
    // rx still seals under e0, so e0 is still current for it.
    check(rx.epochs.get(e0)?.retireAt === null, 'grace: an epoch the cryptor still seals with is kept');
    t += 5000;
    rx.ratchet(); // now rx moves on too: e0 is retired at t + 10 s
    t += 9999;
    check(rx.open(old[1], 'opus').outcome === 'decrypted', 'grace: old epoch still opens at 9.999 s');
    t += 1;
    check(rx.open(old[2], 'opus').outcome === 'mismatch', 'grace: old epoch erased at 10 s');
    check(!rx.epochs.has(e0), 'grace: old epoch keys dropped');
    check(rx.open(tx.seal(crypto.randomBytes(30), 'opus'), 'opus').outcome === 'decrypted', 'grace: current epoch unaffected');
    // A pure receiver that follows a ratchet retires the epoch it ratcheted from.
    t = 50000;
    const tx2 = new J.JsFrameCryptor({ baseKey, now });
    const rx2 = new J.JsFrameCryptor({ baseKey, now });
    rx2.setBaseKey(crypto.randomBytes(32)); // rx2 seals under another epoch; e0 is now only a receive epoch (retired at 60000)
    check(rx2.open(tx2.seal(crypto.randomBytes(30), 'opus'), 'opus').outcome === 'decrypted', 'grace: receive-only epoch opens');
    t = 59999;
    check(rx2.open(tx2.seal(crypto.randomBytes(30), 'opus'), 'opus').outcome === 'decrypted', 'grace: receive-only epoch opens at 9.999 s');
    t = 60000;
    check(rx2.open(tx2.seal(crypto.randomBytes(30), 'opus'), 'opus').outcome === 'mismatch', 'grace: receive-only epoch erased at 10 s');
  }
  // A receive-only cryptor follows a ratchet and retires the epoch it came from.
  {
    let t = 0;
    const now = () => t;
    const tx = new J.JsFrameCryptor({ baseKey, now });
    const rx = new J.JsFrameCryptor({ baseKey: crypto.randomBytes(32), now });
    rx._addEpoch(Buffer.from(baseKey)); // holds e0 as a receive epoch only
    const old = tx.seal(crypto.randomBytes(30), 'opus');
    tx.ratchet();
    tx.ratchet();
    check(rx.open(tx.seal(crypto.randomBytes(30), 'opus'), 'opus').outcome === 'decrypted', 'receive-only: follows 2 steps');
    check(rx.epochs.get(J.epochId(baseKey))?.retireAt === 10000, 'receive-only: source epoch retired for 10 s');
    t = 9999;
    check(rx.open(old, 'opus').outcome === 'decrypted', 'receive-only: source epoch opens within the grace period');
  }
  // A new base key (new secret) behaves like a new epoch.
  {
    const tx = new J.JsFrameCryptor({ baseKey });
    const k2 = crypto.randomBytes(32);
    const rx = new J.JsFrameCryptor({ baseKey: k2 });
    check(rx.open(tx.seal(crypto.randomBytes(30), 'opus'), 'opus').outcome === 'mismatch', 'different secret: mismatch');
    tx.setBaseKey(k2);
    check(rx.open(tx.seal(crypto.randomBytes(30), 'opus'), 'opus').outcome === 'decrypted', 'same secret after setBaseKey: decrypted');
    check(tx.ctr === 1n, 'setBaseKey: new KID, CTR from 0');
    // Back to the first secret: same KID again, so the CTR must continue, not restart at 0.
    const c0 = new J.JsFrameCryptor({ baseKey, senderId: 7 });
    for (let i = 0; i < 5; i++) c0.seal(crypto.randomBytes(5), 'opus');
    c0.setBaseKey(k2);
    c0.seal(crypto.randomBytes(5), 'opus');
    c0.setBaseKey(baseKey);
    check(c0.ctr === 5n, `secret A -> B -> A: CTR continues under the old KID (${c0.ctr})`);
    const back = c0.seal(crypto.randomBytes(5), 'opus');
    const hl = back[back.length - 1];
    check(J.decodeHeader(back.subarray(back.length - 1 - hl, back.length - 1))?.ctr === 5n, 'secret A -> B -> A: no (KID, CTR) reuse');
  }
}

// ---------------------------------------------------------------------------------------------
section('H.264 details');
{
  const baseKey = crypto.randomBytes(32);
  // P ending in 00 00 and a ciphertext starting with a small byte: the boundary is escaped.
  let boundary = 0;
  for (let i = 0; i < 400; i++) {
    const tx = new J.JsFrameCryptor({ baseKey });
    const rx = new J.JsFrameCryptor({ baseKey });
    const f = Buffer.concat([hex('0000000167640c0000000168ee00000165880000'), zeroHeavy(40, 0.2)]);
    const s = tx.seal(f, 'H264', true);
    if (s[20] === 3) boundary++;
    if (hasStartCodeFrom(s, 20)) check(false, `start code across the boundary ${toHex(s)}`);
    const r = rx.open(s, 'H264');
    if (!(r.outcome === 'decrypted' && eq(r.frame, f))) check(false, `boundary frame round trip ${toHex(s)}`);
  }
  check(boundary > 0, `escaping across the P boundary exercised (${boundary} times)`);
  // Sender id 0: the KID ends in 00 00 00 00, so the trailer itself needs escaping.
  {
    const tx0 = new J.JsFrameCryptor({ baseKey, senderId: 0 });
    const rx0 = new J.JsFrameCryptor({ baseKey });
    let escaped = 0;
    let ok = true;
    for (let i = 0; i < 600; i++) {
      const f = h264Frame(crypto.randomInt(30, 200), { key: i % 2 === 0 });
      const s = tx0.seal(f, 'H264', true);
      const p = J.clearPrefixLength('H264', f);
      const plain = f.length + tx0.suite.nt + J.encodeHeader(tx0.kid, tx0.ctr - 1n).length + 1;
      if (s.length > plain) escaped++;
      if (hasStartCodeFrom(s, p)) ok = false;
      const r = rx0.open(s, 'H264');
      if (!(r.outcome === 'decrypted' && eq(r.frame, f))) ok = false;
    }
    check(ok, 'sender id 0: 600 H.264 frames round trip, no start code');
    check(escaped >= 500, `sender id 0: trailer escaped (${escaped} of 600 frames grew)`);
  }
  // Frames with no slice are sealed and escaped whole.
  const tx = new J.JsFrameCryptor({ baseKey });
  const f = hex('0000000167640c0000000168ee');
  const s = tx.seal(f, 'H264', true);
  check(!hasStartCodeFrom(s, 0), 'slice-less frame: no start code left');
  check(new J.JsFrameCryptor({ baseKey }).open(s, 'H264').outcome === 'decrypted', 'slice-less frame opens');
  // An H.264 frame opened as another codec, and the reverse, fails.
  const v = tx.seal(h264Frame(300), 'H264', true);
  check(new J.JsFrameCryptor({ baseKey }).open(v, 'opus').outcome !== 'decrypted', 'h264 frame opened as opus is rejected');
}

// ---------------------------------------------------------------------------------------------
if (failures.length) {
  console.log(`first failures:\n  ${failures.slice(0, 20).join('\n  ')}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
