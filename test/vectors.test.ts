// Every case of the published SFrame vectors (test/vectors/) through the TypeScript API:
// header encoding, the suites' AEAD alone, and the full key schedule + protect/unprotect.
import test from 'ava';
import * as otc from '../lib/index';
import { EXPECTED_COUNTS, type FullVector, hex, loadVectors, parseWithBigIntFields } from './helpers/vectors';

const vectors = loadVectors();

function toHex(value: Uint8Array | null | undefined): string {
  return value ? Buffer.from(value).toString('hex') : String(value);
}

test('the vector loader reads kid/ctr above 2^53 exactly, where JSON.parse would round them', (t) => {
  const text = '{"header":[{"kid": 18446744073709551615, "ctr":9007199254740993}]}';
  const parsed = parseWithBigIntFields(text) as { header: Array<{ kid: string; ctr: string }> };
  t.is(BigInt(parsed.header[0]!.kid), 18446744073709551615n);
  t.is(BigInt(parsed.header[0]!.ctr), 9007199254740993n);
  t.true(vectors.header.some((v) => v.kid === (1n << 64n) - 1n), 'no header case with kid 2^64-1');
  t.true(vectors.header.some((v) => v.ctr > 1n << 53n && v.ctr % 2n === 1n), 'no odd ctr above 2^53 (rounding would hide it)');
});

test('the three vector files hold 289 header, 6 AEAD and 8 full SFrame cases', (t) => {
  t.is(vectors.header.length, EXPECTED_COUNTS.header);
  t.is(vectors.aead.length, EXPECTED_COUNTS.aead);
  t.is(vectors.full.length, EXPECTED_COUNTS.full);
  t.deepEqual([...new Set(vectors.aead.map((v) => v.cipher_suite))].sort(), [1, 2, 3, 6, 7, 8]);
  t.deepEqual([...new Set(vectors.full.map((v) => v.cipher_suite))].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('sframe.encodeHeader produces the encoding of all 289 header vectors', (t) => {
  const failures: string[] = [];
  for (const [i, v] of vectors.header.entries()) {
    try {
      const got = otc.sframe.encodeHeader(v.kid, v.ctr);
      if (toHex(got) !== v.encoded) failures.push(`#${i} kid=${v.kid} ctr=${v.ctr}: got ${toHex(got)}, want ${v.encoded}`);
    } catch (error) {
      failures.push(`#${i} kid=${v.kid} ctr=${v.ctr}: threw ${String(error)}`);
    }
  }
  t.deepEqual(failures, []);
});

test('sframe.decodeHeader reads kid, ctr and size of all 289 header vectors, with and without bytes after them', (t) => {
  const failures: string[] = [];
  for (const [i, v] of vectors.header.entries()) {
    const encoded = hex(v.encoded);
    for (const input of [encoded, Buffer.concat([encoded, Buffer.from([0xff, 0x00, 0x01])])]) {
      try {
        const got = otc.sframe.decodeHeader(input);
        if (got.kid !== v.kid || got.ctr !== v.ctr || got.size !== encoded.length) {
          failures.push(`#${i} ${toHex(input)}: got kid=${got.kid} ctr=${got.ctr} size=${got.size}, want kid=${v.kid} ctr=${v.ctr} size=${encoded.length}`);
        }
      } catch (error) {
        failures.push(`#${i} ${toHex(input)}: threw ${String(error)}`);
      }
    }
  }
  t.deepEqual(failures, []);
});

test('sframe.aeadSeal and aeadOpen match all 6 AEAD vectors (suites 1-3 and 6-8) and refuse altered inputs', (t) => {
  const failures: string[] = [];
  for (const [i, v] of vectors.aead.entries()) {
    const where = `AEAD #${i} suite ${v.cipher_suite}`;
    const suite = v.cipher_suite as otc.Suite;
    const key = hex(v.key);
    const nonce = hex(v.nonce);
    const aad = hex(v.aad);
    const pt = hex(v.pt);
    const ct = hex(v.ct);
    if (toHex(Buffer.concat([hex(v.enc_key), hex(v.auth_key)])) !== v.key) failures.push(`${where}: key != enc_key || auth_key in the file`);
    try {
      const sealed = otc.sframe.aeadSeal(suite, key, nonce, aad, pt);
      if (toHex(sealed) !== v.ct) failures.push(`${where}: seal gave ${toHex(sealed)}, want ${v.ct}`);
      const opened = otc.sframe.aeadOpen(suite, key, nonce, aad, ct);
      if (toHex(opened) !== v.pt) failures.push(`${where}: open gave ${toHex(opened)}, want ${v.pt}`);
      const badTag = Buffer.from(ct);
      badTag[badTag.length - 1]! ^= 0x01;
      if (otc.sframe.aeadOpen(suite, key, nonce, aad, badTag) !== null) failures.push(`${where}: opened with a changed tag`);
      const badCt = Buffer.from(ct);
      badCt[0]! ^= 0x80;
      if (otc.sframe.aeadOpen(suite, key, nonce, aad, badCt) !== null) failures.push(`${where}: opened with a changed ciphertext`);
      const badAad = Buffer.from(aad);
      badAad[0]! ^= 0x01;
      if (otc.sframe.aeadOpen(suite, key, nonce, badAad, ct) !== null) failures.push(`${where}: opened with a changed aad`);
      const badNonce = Buffer.from(nonce);
      badNonce[11]! ^= 0x01;
      if (otc.sframe.aeadOpen(suite, key, badNonce, aad, ct) !== null) failures.push(`${where}: opened with a changed nonce`);
    } catch (error) {
      failures.push(`${where}: threw ${String(error)}`);
    }
  }
  t.deepEqual(failures, []);
});

function checkFull(v: FullVector, i: number): string[] {
  const failures: string[] = [];
  const where = `full #${i} suite ${v.cipher_suite} kid=${v.kid} ctr=${v.ctr}`;
  const suite = v.cipher_suite as otc.Suite;
  const baseKey = hex(v.base_key);
  const metadata = hex(v.metadata);
  const ct = hex(v.ct);
  try {
    const { key, salt } = otc.sframe.deriveKey(suite, baseKey, v.kid);
    if (toHex(key) !== v.sframe_key) failures.push(`${where}: sframe_key ${toHex(key)}, want ${v.sframe_key}`);
    if (toHex(salt) !== v.sframe_salt) failures.push(`${where}: sframe_salt ${toHex(salt)}, want ${v.sframe_salt}`);

    // nonce = salt XOR BE(CTR, Nn) and aad = header || metadata, as the vector states them.
    const nonce = Buffer.from(salt);
    const ctrBytes = Buffer.alloc(8);
    ctrBytes.writeBigUInt64BE(v.ctr);
    for (let b = 0; b < 8; b++) nonce[nonce.length - 8 + b]! ^= ctrBytes[b]!;
    if (toHex(nonce) !== v.nonce) failures.push(`${where}: nonce ${toHex(nonce)}, want ${v.nonce}`);
    const header = otc.sframe.encodeHeader(v.kid, v.ctr);
    if (toHex(Buffer.concat([header, metadata])) !== v.aad) failures.push(`${where}: header || metadata != aad`);
    if (toHex(ct.subarray(0, header.length)) !== toHex(header)) failures.push(`${where}: ct does not start with the header`);

    const protectedFrame = otc.sframe.protect(suite, baseKey, v.kid, v.ctr, metadata, hex(v.pt));
    if (toHex(protectedFrame) !== v.ct) failures.push(`${where}: protect gave ${toHex(protectedFrame)}, want ${v.ct}`);

    const opened = otc.sframe.unprotect(suite, baseKey, metadata, ct);
    if (!opened) failures.push(`${where}: unprotect refused the vector's ct`);
    else {
      if (toHex(opened.pt) !== v.pt) failures.push(`${where}: unprotect gave pt ${toHex(opened.pt)}, want ${v.pt}`);
      if (opened.kid !== v.kid || opened.ctr !== v.ctr) failures.push(`${where}: unprotect gave kid=${opened.kid} ctr=${opened.ctr}`);
    }

    // The AEAD alone, with the vector's key, nonce and aad, gives the same body.
    const body = otc.sframe.aeadSeal(suite, hex(v.sframe_key), hex(v.nonce), hex(v.aad), hex(v.pt));
    if (toHex(body) !== toHex(ct.subarray(header.length))) failures.push(`${where}: aeadSeal with the vector's key and nonce differs from ct`);

    const badMetadata = Buffer.from(metadata);
    badMetadata[0]! ^= 0x01;
    if (otc.sframe.unprotect(suite, baseKey, badMetadata, ct) !== null) failures.push(`${where}: unprotect accepted other metadata`);
    const badCt = Buffer.from(ct);
    badCt[badCt.length - 1]! ^= 0x01;
    if (otc.sframe.unprotect(suite, baseKey, metadata, badCt) !== null) failures.push(`${where}: unprotect accepted a changed tag`);
    const otherKey = Buffer.from(baseKey);
    otherKey[0]! ^= 0x01;
    if (otc.sframe.unprotect(suite, otherKey, metadata, ct) !== null) failures.push(`${where}: unprotect accepted another base key`);
  } catch (error) {
    failures.push(`${where}: threw ${String(error)}`);
  }
  return failures;
}

test('sframe.deriveKey, protect and unprotect match all 8 full SFrame vectors (suites 1-8)', (t) => {
  const failures = vectors.full.flatMap((v, i) => checkFull(v, i));
  t.deepEqual(failures, []);
});
