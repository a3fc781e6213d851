// The browser client's frame format (lib/web/e2ee, WebCrypto) run by Node's WebCrypto: every
// published vector, and frames that travel both ways between it and the C++ core for every codec
// and suite, with the receive outcomes (mismatch, integrity failure, replay) and ratchets.
import test from 'ava';
import * as otc from '../lib/index';
import { aeadOpen, aeadSeal } from '../lib/web/e2ee/aead';
import { decodeHeader, encodeHeader } from '../lib/web/e2ee/header';
import { deriveSFrameKey, epochId, hkdfExtract, importAeadKeys, ratchetKey } from '../lib/web/e2ee/keys';
import { findSuite } from '../lib/web/e2ee/suites';
import { InvalidSecretError, WebFrameCryptor } from '../lib/web/e2ee/frame-cryptor';
import { ALL_SUITES, type TestFrame, framesFor, sameBytes, suiteName, uniqueSessionId } from './helpers/frames';
import { hex, loadVectors } from './helpers/vectors';

const vectors = loadVectors();
const SECRET = 'browser and core share this secret';
const SIZES = [0, 1, 2, 3, 9, 10, 11, 100, 1200, 50_000];

const toHex = (bytes: Uint8Array | null | undefined): string => (bytes ? Buffer.from(bytes).toString('hex') : 'null');

test('headers: all 289 vectors encode and decode', (t) => {
  let checked = 0;
  for (const v of vectors.header) {
    t.is(toHex(encodeHeader(v.kid, v.ctr)), v.encoded, `encode ${v.kid}/${v.ctr}`);
    const decoded = decodeHeader(Buffer.concat([hex(v.encoded), Buffer.from([0xaa, 0xbb])]));
    t.deepEqual(decoded, { kid: v.kid, ctr: v.ctr, size: v.encoded.length / 2 });
    checked++;
  }
  t.is(checked, 289);
  t.is(decodeHeader(Uint8Array.of(0x80)), undefined, 'cut short');
  t.is(decodeHeader(Uint8Array.of(0x80, 0x05)), undefined, 'an extended value below 8');
});

test('AEAD: all 6 vectors seal to their ciphertext and open; altered tags are refused', async (t) => {
  for (const v of vectors.aead) {
    const suite = findSuite(v.cipher_suite)!;
    const keys = await importAeadKeys(suite, hex(v.key));
    const sealed = await aeadSeal(keys, hex(v.nonce), hex(v.aad), hex(v.pt));
    t.is(toHex(sealed), v.ct, `suite ${v.cipher_suite} seal`);
    t.is(toHex(await aeadOpen(keys, hex(v.nonce), hex(v.aad), hex(v.ct))), v.pt, `suite ${v.cipher_suite} open`);
    const altered = Uint8Array.from(hex(v.ct));
    altered[altered.length - 1]! ^= 1;
    t.is(await aeadOpen(keys, hex(v.nonce), hex(v.aad), altered), undefined, `suite ${v.cipher_suite} altered tag`);
  }
});

test('the key schedule and protect: all 8 full SFrame vectors (suites 1-8)', async (t) => {
  for (const v of vectors.full) {
    const suite = findSuite(v.cipher_suite)!;
    t.is(toHex(await hkdfExtract(suite.hash, new Uint8Array(0), hex(v.base_key))), v.sframe_secret, `suite ${v.cipher_suite} secret`);
    const { key, salt } = await deriveSFrameKey(suite, hex(v.base_key), v.kid);
    t.is(toHex(key), v.sframe_key);
    t.is(toHex(salt), v.sframe_salt);
    const header = encodeHeader(v.kid, v.ctr);
    const keys = await importAeadKeys(suite, key);
    const body = await aeadSeal(keys, hex(v.nonce), hex(v.aad), hex(v.pt));
    t.is(toHex(header) + toHex(body), v.ct, `suite ${v.cipher_suite} protect`);
    t.is(toHex(await aeadOpen(keys, hex(v.nonce), hex(v.aad), body)), v.pt);
  }
});

test('base keys, epoch ids and the ratchet agree with the C++ core; bad secrets are refused', async (t) => {
  for (const [sessionId, secret] of [['s', 'password'], ['sessión ☃', '😀😁😂🤣😃😄😅😆'], ['x', Buffer.from('bytes as a secret')]] as const) {
    const web = await WebFrameCryptor.baseKey(sessionId, secret);
    const cpp = await otc.sframe.deriveBaseKey(sessionId, secret);
    t.is(toHex(web), toHex(cpp));
    let a: Uint8Array = web;
    let b: Uint8Array = cpp;
    for (let step = 0; step < 4; step++) {
      t.is(await epochId(a), otc.sframe.epochId(b));
      a = await ratchetKey(a);
      b = otc.sframe.ratchetKey(b);
      t.is(toHex(a), toHex(b));
    }
  }
  for (const bad of ['short', 'x'.repeat(257), 'nul\u0000inside!', 'lone \ud800 surrogate', Uint8Array.of(0xc0, 0x80, 65, 65, 65, 65, 65, 65, 65)]) {
    await t.throwsAsync(WebFrameCryptor.create('s', bad), { instanceOf: InvalidSecretError });
  }
});

for (const suite of ALL_SUITES) {
  test(`${suiteName(suite)}: frames of every codec travel both ways between the browser module and the C++ core`, async (t) => {
    const sessionId = uniqueSessionId(`web-${suite}`);
    const web = await WebFrameCryptor.create(sessionId, SECRET, { suite });
    const cpp = await otc.FrameCryptor.create({ sessionId, secret: SECRET, suite });
    t.teardown(() => { cpp.delete(); void web.delete(); });
    const failures: string[] = [];
    for (const codec of otc.CODECS) {
      const frames: TestFrame[] = framesFor(codec, SIZES);
      for (const frame of frames) {
        const fromWeb = await web.seal(frame.data, codec);
        const openedByCpp = cpp.open(fromWeb, { codec });
        if (openedByCpp.outcome !== 'decrypted' || !sameBytes(openedByCpp.frame, frame.data)) failures.push(`web -> core: ${frame.label}: ${openedByCpp.outcome}`);
        const fromCpp = cpp.seal(frame.data, { codec, keyFrame: frame.keyFrame });
        const openedByWeb = await web.open(fromCpp, codec);
        if (openedByWeb.outcome !== 'decrypted' || !sameBytes(openedByWeb.frame, frame.data)) failures.push(`core -> web: ${frame.label}: ${openedByWeb.outcome}`);
      }
    }
    t.deepEqual(failures, []);
  });
}

test('receive outcomes as the core reports them: mismatch, integrity failure, replay; ratchets followed both ways', async (t) => {
  const sessionId = uniqueSessionId('web-outcomes');
  const web = await WebFrameCryptor.create(sessionId, SECRET);
  const cpp = await otc.FrameCryptor.create({ sessionId, secret: SECRET });
  const stranger = await WebFrameCryptor.create(sessionId, 'another secret entirely');
  t.teardown(() => { cpp.delete(); void web.delete(); void stranger.delete(); });
  const frame = framesFor('VP8', [1200])[0]!.data;

  const sealed = cpp.seal(frame, { codec: 'VP8' });
  t.is((await stranger.open(sealed, 'VP8')).outcome, 'mismatch');
  const flipped = Uint8Array.from(sealed);
  flipped[20]! ^= 0x40;
  t.is((await web.open(flipped, 'VP8')).outcome, 'integrity-failure');
  t.is((await web.open(sealed, 'VP8')).outcome, 'decrypted');
  t.deepEqual(await web.open(sealed, 'VP8'), { outcome: 'replay', frame: null });
  t.is((await web.open(Uint8Array.of(), 'opus')).outcome, 'mismatch');

  // The core ratchets 3 times: the browser follows; the browser ratchets: the core follows.
  for (let i = 0; i < 3; i++) t.is(cpp.ratchet(), otc.ErrorCode.OTC_SUCCESS);
  const opened = await web.open(cpp.seal(frame, { codec: 'VP8' }), 'VP8');
  t.is(opened.outcome, 'decrypted');
  await web.ratchet();
  await web.ratchet();
  const back = cpp.open(await web.seal(frame, 'VP8'), { codec: 'VP8' });
  t.is(back.outcome, 'decrypted');
  t.true(sameBytes(back.frame, frame));
});

test('the browser\'s sending follows a ratchet it opened (frame format 7.4): its frames still open at the ratcheting core after its grace period', async (t) => {
  const sessionId = uniqueSessionId('web-follows');
  const web = await WebFrameCryptor.create(sessionId, SECRET);
  const cpp = await otc.FrameCryptor.create({ sessionId, secret: SECRET, gracePeriodMs: 200 });
  const ahead = await WebFrameCryptor.create(sessionId, SECRET);
  t.teardown(() => { cpp.delete(); void web.delete(); void ahead.delete(); });
  const frame = framesFor('VP8', [1200])[0]!.data;
  const before = web.epochId;

  t.is(cpp.ratchet(), otc.ErrorCode.OTC_SUCCESS);
  await ahead.ratchet(); // the epoch one step along the same chain, computed independently
  t.is((await web.open(cpp.seal(frame, { codec: 'VP8' }), 'VP8')).outcome, 'decrypted');
  t.not(web.epochId, before);
  t.is(web.epochId, ahead.epochId, 'the browser seals under the epoch it followed');

  // The core erases its old epoch once the grace period is over: frames the browser seals now open there.
  await new Promise((resolve) => setTimeout(resolve, 400));
  const back = cpp.open(await web.seal(frame, 'VP8'), { codec: 'VP8' });
  t.is(back.outcome, 'decrypted');
  t.true(sameBytes(back.frame, frame));
});

test('an adopted step of a superseded secret does not take over sending', async (t) => {
  const sessionId = uniqueSessionId('web-superseded');
  const web = await WebFrameCryptor.create(sessionId, SECRET);
  const oldSender = await WebFrameCryptor.create(sessionId, SECRET);
  t.teardown(() => { void web.delete(); void oldSender.delete(); });
  const frame = framesFor('VP8', [300])[0]!.data;
  await web.setBaseKey(await WebFrameCryptor.baseKey(sessionId, 'the next secret of the session'));
  const current = web.epochId;
  await oldSender.ratchet(); // still on the first secret, one step along
  t.is((await web.open(await oldSender.seal(frame, 'VP8'), 'VP8')).outcome, 'decrypted');
  t.is(web.epochId, current, 'still sealing under the new secret');
});
