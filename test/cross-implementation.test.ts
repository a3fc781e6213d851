// The C++ core (otc.FrameCryptor, otc.sframe) against the independent pure-JS implementation
// (bench/js-frame-cryptor.mjs): same key schedule, and frames that travel both ways for every
// codec, suite and frame size, ratchets included.
import * as crypto from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import { ALL_SUITES, FRAME_SIZES, LARGE_FRAME, type TestFrame, framesFor, makeFrame, sameBytes, suiteName, uniqueSessionId } from './helpers/frames';
import { type JsFrameCryptor, type JsReference, loadJsReference } from './helpers/js-reference';

const SECRET = 'cross implementation secret';
let jsPromise: Promise<JsReference> | undefined;
const js = (): Promise<JsReference> => (jsPromise ??= loadJsReference());

const SIZES_WITHOUT_LARGE = FRAME_SIZES.filter((n) => n !== LARGE_FRAME);

// Frames per codec, built once: every size below 4 MB for every suite, and 4 MB once per codec
// (in the default suite).
const smallFrames = new Map<otc.Codec, TestFrame[]>();
function framesOf(codec: otc.Codec, suite: otc.Suite): TestFrame[] {
  let list = smallFrames.get(codec);
  if (!list) {
    list = framesFor(codec, SIZES_WITHOUT_LARGE);
    smallFrames.set(codec, list);
  }
  return suite === otc.DEFAULT_SUITE ? [...list, makeFrame(codec, codec === 'VP8' ? 'vp8-key' : codec === 'H264' ? 'h264-idr' : 'random', LARGE_FRAME)] : list;
}

async function setup(tag: string, suite: otc.Suite, secret = SECRET): Promise<{ sessionId: string; baseKey: Buffer; cpp: otc.FrameCryptor; ref: JsFrameCryptor; J: JsReference }> {
  const J = await js();
  const sessionId = uniqueSessionId(tag);
  const baseKey = await otc.sframe.deriveBaseKey(sessionId, secret);
  const cpp = await otc.FrameCryptor.create({ sessionId, secret, suite });
  const ref = new J.JsFrameCryptor({ baseKey, suite });
  return { sessionId, baseKey, cpp, ref, J };
}

const SECRETS: Array<string | Uint8Array> = [
  'password',
  SECRET,
  'pässwörd-ünïcödé',
  '😀😁😂🤣😃😄😅😆',
  '日本語のパスワードです',
  'x'.repeat(256),
  '😀'.repeat(256),
  Buffer.from('bytes as a secret', 'utf8'),
  Buffer.from('€uro €uro €uro', 'utf8'),
];

test('base keys (PBKDF2), epoch ids and ratchet chains agree between the C++ core and the JS reference', async (t) => {
  const J = await js();
  for (const sessionId of ['s', 'session-1', '2_MX40NTk5NzU3Mn5-MTY', 'sessión ☃']) {
    for (const secret of SECRETS) {
      const cppKey = await otc.sframe.deriveBaseKey(sessionId, secret);
      const jsKey = J.deriveBaseKey(sessionId, secret);
      const label = `${sessionId} / ${typeof secret === 'string' ? secret.slice(0, 20) : `bytes ${Buffer.from(secret).toString('hex').slice(0, 20)}`}`;
      t.is(cppKey.toString('hex'), jsKey.toString('hex'), `base key of ${label}`);
      t.is(cppKey.length, 32);
      // The formula of docs/e2ee-frame-format.md, straight from node:crypto, settles any disagreement.
      const password = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
      const expected = crypto.pbkdf2Sync(password, Buffer.from(`otc-e2ee-v1|${sessionId}`, 'utf8'), 100000, 32, 'sha256');
      t.is(cppKey.toString('hex'), expected.toString('hex'), `base key of ${label} vs the formula`);
    }
  }
  let cppChain = await otc.sframe.deriveBaseKey('chain', SECRET);
  let jsChain = J.deriveBaseKey('chain', SECRET);
  for (let step = 0; step <= 12; step++) {
    t.is(otc.sframe.epochId(cppChain), J.epochId(jsChain), `epoch id at ratchet step ${step}`);
    t.is(otc.sframe.epochId(cppChain), J.epochId(cppChain), `epoch id at ratchet step ${step}, same key`);
    cppChain = otc.sframe.ratchetKey(cppChain);
    jsChain = J.ratchetKey(jsChain);
    t.is(cppChain.toString('hex'), jsChain.toString('hex'), `ratchet key after step ${step + 1}`);
  }
  for (let i = 0; i < 20; i++) {
    const key = crypto.randomBytes(32);
    t.is(otc.sframe.epochId(key), J.epochId(key));
    t.is(otc.sframe.ratchetKey(key).toString('hex'), J.ratchetKey(key).toString('hex'));
  }
});

test('the SFrame key schedule, protect and unprotect agree for every suite and KIDs across the 64-bit range', async (t) => {
  const J = await js();
  const kids = [0n, 1n, 7n, 8n, 255n, 256n, 0xdeadbeefn, (0x12345678n << 32n) | 0x9abcdef0n, (1n << 53n) + 1n, (1n << 64n) - 1n];
  for (const suite of ALL_SUITES) {
    const baseKey = crypto.randomBytes(32);
    for (const kid of kids) {
      const a = otc.sframe.deriveKey(suite, baseKey, kid);
      const b = J.deriveSFrameKey(suite, baseKey, kid);
      t.is(a.key.toString('hex'), b.key.toString('hex'), `key, suite ${suite}, kid ${kid}`);
      t.is(a.salt.toString('hex'), b.salt.toString('hex'), `salt, suite ${suite}, kid ${kid}`);
      const ctr = kid ^ 0x5555n;
      const metadata = crypto.randomBytes(Number(kid % 20n));
      const pt = crypto.randomBytes(Number(kid % 300n));
      const fromCpp = otc.sframe.protect(suite, baseKey, kid, ctr, metadata, pt);
      const fromJs = J.sframeProtect(suite, baseKey, kid, ctr, metadata, pt);
      t.is(fromCpp.toString('hex'), fromJs.toString('hex'), `protect, suite ${suite}, kid ${kid}`);
      t.true(sameBytes(J.sframeUnprotect(suite, baseKey, fromCpp, metadata)?.pt, pt));
      t.true(sameBytes(otc.sframe.unprotect(suite, baseKey, metadata, fromJs)?.pt, pt));
    }
  }
});

function interop(t: ExecutionContext, from: 'cpp' | 'js', sender: { seal(f: TestFrame): Buffer }, receiver: { open(s: Buffer, codec: otc.Codec): { outcome: otc.Outcome; frame: Buffer | null } }, frames: TestFrame[]): void {
  const problems: string[] = [];
  for (const f of frames) {
    const sealed = sender.seal(f);
    const r = receiver.open(sealed, f.codec);
    if (r.outcome !== 'decrypted' || !sameBytes(r.frame, f.data)) {
      problems.push(`${from} -> ${from === 'cpp' ? 'js' : 'cpp'}, ${f.label}: ${r.outcome}${r.outcome === 'decrypted' ? ' but different bytes' : ''}`);
    }
  }
  t.deepEqual(problems, []);
}

for (const suite of ALL_SUITES) {
  test(`C++ -> JS and JS -> C++ frames decrypt, ${suiteName(suite)}, every codec and size${suite === otc.DEFAULT_SUITE ? ' (4 MB included)' : ''}`, async (t) => {
    const { cpp, ref } = await setup(`x${suite}`, suite);
    const frames = otc.CODECS.flatMap((codec) => framesOf(codec, suite));
    interop(t, 'cpp', { seal: (f) => cpp.seal(f.data, { codec: f.codec, keyFrame: f.keyFrame }) }, { open: (s, codec) => ref.open(s, codec) }, frames);
    interop(t, 'js', { seal: (f) => ref.seal(f.data, f.codec, f.keyFrame) }, { open: (s, codec) => cpp.open(s, { codec }) }, frames);
    t.is(cpp.stats().framesDecrypted, frames.length);
    t.is(cpp.stats().framesSealed, frames.length);
    t.is(cpp.stats().currentEpochId, ref.epochId);
  });
}

for (const steps of [1, 8, 9]) {
  test(`a JS sender that ratchets ${steps} step(s) is ${steps <= 8 ? '' : 'not '}followed by the C++ receiver`, async (t) => {
    const { baseKey, cpp, ref, J } = await setup(`jsr${steps}`, otc.DEFAULT_SUITE);
    const frame = makeFrame('H264', 'h264-idr', 500);
    t.is(cpp.open(ref.seal(frame.data, 'H264', true), { codec: 'H264' }).outcome, 'decrypted');
    for (let i = 0; i < steps; i++) ref.ratchet();
    let key = baseKey;
    for (let i = 0; i < steps; i++) key = J.ratchetKey(key);
    t.is(ref.epochId, otc.sframe.epochId(key));
    const result = cpp.open(ref.seal(frame.data, 'H264', true), { codec: 'H264' });
    if (steps <= 8) {
      t.is(result.outcome, 'decrypted');
      t.true(sameBytes(result.frame, frame.data));
      t.is(cpp.stats().ratchetsFollowed, 1);
      t.is(cpp.stats().currentEpochId, ref.epochId);
    } else {
      t.is(result.outcome, 'mismatch');
      t.is(cpp.stats().ratchetsFollowed, 0);
      t.is(cpp.stats().currentEpochId, otc.sframe.epochId(baseKey));
    }
  });

  test(`a C++ sender that ratchets ${steps} step(s) is ${steps <= 8 ? '' : 'not '}followed by the JS receiver`, async (t) => {
    const { baseKey, cpp, ref } = await setup(`cppr${steps}`, otc.DEFAULT_SUITE);
    const frame = makeFrame('VP8', 'vp8-key', 500);
    t.is(ref.open(cpp.seal(frame.data, { codec: 'VP8', keyFrame: true }), 'VP8').outcome, 'decrypted');
    for (let i = 0; i < steps; i++) t.is(cpp.ratchet(), otc.ErrorCode.OTC_SUCCESS);
    let key = baseKey;
    for (let i = 0; i < steps; i++) key = otc.sframe.ratchetKey(key);
    t.is(cpp.stats().currentEpochId, otc.sframe.epochId(key));
    const result = ref.open(cpp.seal(frame.data, { codec: 'VP8', keyFrame: true }), 'VP8');
    if (steps <= 8) {
      t.is(result.outcome, 'decrypted');
      t.true(sameBytes(result.frame, frame.data));
    } else {
      t.is(result.outcome, 'mismatch');
    }
    // The JS receiver still sends under its own epoch, which the C++ sender holds in its grace period.
    t.is(cpp.open(ref.seal(frame.data, 'VP8', true), { codec: 'VP8' }).outcome, 'decrypted');
  });
}

test('a new secret on both sides (JS setBaseKey, C++ setSecret) keeps frames flowing both ways', async (t) => {
  const { sessionId, cpp, ref } = await setup('newsecret', otc.DEFAULT_SUITE);
  const next = 'the next secret of the call';
  ref.setBaseKey(await otc.sframe.deriveBaseKey(sessionId, next));
  await cpp.setSecret(next);
  t.is(cpp.stats().currentEpochId, ref.epochId);
  for (const codec of otc.CODECS) {
    const frame = makeFrame(codec, codec === 'H264' ? 'h264-non-idr' : codec === 'VP8' ? 'vp8-delta' : 'random', 777);
    const a = cpp.open(ref.seal(frame.data, codec), { codec });
    t.is(a.outcome, 'decrypted', `js -> cpp ${codec}`);
    const b = ref.open(cpp.seal(frame.data, { codec }), codec);
    t.is(b.outcome, 'decrypted', `cpp -> js ${codec}`);
    t.true(sameBytes(a.frame, frame.data) && sameBytes(b.frame, frame.data));
  }
});
