// FrameCryptor (the C++ core behind the TypeScript API): round trips for every codec, suite and
// frame size, tampering, truncation, replay, secret mismatch and recovery, ratchet, grace period,
// counters across secret changes, and stats.
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import {
  ALL_SUITES, FRAME_SIZES, TAG_SIZE, type TestFrame, framesFor, makeFrame, sameBytes, sleep, suiteName, uniqueSessionId,
} from './helpers/frames';
import { clearPrefixLength, hasStartCodeEmulation, readTrailer } from './helpers/trailer';

const SECRET_A = 'correct horse battery staple';
const SECRET_B = 'another secret entirely';

interface Pair {
  sessionId: string;
  sender: otc.FrameCryptor;
  receiver: otc.FrameCryptor;
}

async function pair(tag: string, options: Partial<otc.FrameCryptorOptions> = {}, receiverOptions: Partial<otc.FrameCryptorOptions> = {}): Promise<Pair> {
  const sessionId = options.sessionId ?? uniqueSessionId(tag);
  const base = { sessionId, secret: SECRET_A, ...options };
  const [sender, receiver] = await Promise.all([
    otc.FrameCryptor.create(base),
    otc.FrameCryptor.create({ ...base, ...receiverOptions }),
  ]);
  return { sessionId, sender, receiver };
}

async function baseKeyOf(sessionId: string, secret: string): Promise<Buffer> {
  return otc.sframe.deriveBaseKey(sessionId, secret);
}

function ratchetN(baseKey: Buffer, steps: number): Buffer {
  let key = baseKey;
  for (let i = 0; i < steps; i++) key = otc.sframe.ratchetKey(key);
  return key;
}

// Frames are generated once per codec and reused by every suite (4 MB frames are costly to build).
const framesByCodec = new Map<otc.Codec, TestFrame[]>();
function frames(codec: otc.Codec): TestFrame[] {
  let list = framesByCodec.get(codec);
  if (!list) {
    list = framesFor(codec, FRAME_SIZES);
    framesByCodec.set(codec, list);
  }
  return list;
}

const SMALL_SIZES = [0, 1, 3, 11, 48] as const;

for (const suite of ALL_SUITES) {
  test(`round trip, ${suiteName(suite)}: every codec and frame size from 0 B to 4 MB decrypts to the same bytes`, async (t) => {
    const { sender, receiver } = await pair(`rt${suite}`, { suite });
    const nt = TAG_SIZE[suite];
    const epoch = sender.stats().currentEpochId;
    const senderId = sender.stats().senderId;
    const problems: string[] = [];
    let count = 0;
    let bytes = 0;
    for (const codec of otc.CODECS) {
      for (const f of frames(codec)) {
        const sealed = sender.seal(f.data, { codec, keyFrame: f.keyFrame });
        const ctr = BigInt(count);
        count += 1;
        bytes += f.data.length;
        const p = clearPrefixLength(codec, f.data);
        if (!sameBytes(sealed.subarray(0, p), f.data.subarray(0, p))) problems.push(`${f.label}: clear prefix of ${p} B not kept`);
        if (f.data.length - p >= 32 && sameBytes(sealed.subarray(p, p + 32), f.data.subarray(p, p + 32))) problems.push(`${f.label}: body left in clear`);
        const trailer = readTrailer(sealed, codec);
        if (trailer.epochId !== epoch || trailer.senderId !== senderId || trailer.ctr !== ctr) {
          problems.push(`${f.label}: trailer epoch=${trailer.epochId} sender=${trailer.senderId} ctr=${trailer.ctr}, want ${epoch}/${senderId}/${ctr}`);
        }
        const expectedLength = f.data.length + nt + trailer.headerLength + 1;
        if (codec === 'H264') {
          if (trailer.unescaped.length !== expectedLength) problems.push(`${f.label}: unescaped sealed length ${trailer.unescaped.length}, want ${expectedLength}`);
          if (hasStartCodeEmulation(sealed, p)) problems.push(`${f.label}: 00 00 0x (x<=2) after the clear prefix of the sealed frame`);
        } else if (sealed.length !== expectedLength) {
          problems.push(`${f.label}: sealed length ${sealed.length}, want ${expectedLength}`);
        }
        const result = receiver.open(sealed, { codec });
        if (result.outcome !== 'decrypted' || result.event !== null || !sameBytes(result.frame, f.data)) {
          problems.push(`${f.label}: outcome ${result.outcome}, event ${result.event}, frame ${result.frame ? (sameBytes(result.frame, f.data) ? 'equal' : 'different') : 'null'}`);
        }
      }
    }
    t.deepEqual(problems, []);
    const s = sender.stats();
    const r = receiver.stats();
    t.is(s.framesSealed, count);
    t.is(s.bytesSealed, bytes);
    t.is(r.framesDecrypted, count);
    t.is(r.bytesOpened, bytes);
    t.is(r.framesMismatch + r.framesIntegrityFailure + r.framesReplay, 0);
    sender.delete();
    receiver.delete();
  });
}

function rejectedOutcome(outcome: otc.Outcome): boolean {
  return outcome === 'mismatch' || outcome === 'integrity-failure';
}

for (const suite of ALL_SUITES) {
  test(`every single-bit flip of a sealed frame is refused, ${suiteName(suite)}, every codec, small frames`, async (t) => {
    const { sender, receiver } = await pair(`flip${suite}`, { suite });
    const problems: string[] = [];
    let flips = 0;
    for (const codec of otc.CODECS) {
      for (const f of framesFor(codec, SMALL_SIZES)) {
        const sealed = sender.seal(f.data, { codec, keyFrame: f.keyFrame });
        for (let bit = 0; bit < sealed.length * 8; bit++) {
          const altered = Buffer.from(sealed);
          altered[bit >> 3]! ^= 1 << (bit & 7);
          const r = receiver.open(altered, { codec });
          flips += 1;
          if (!rejectedOutcome(r.outcome) || r.frame !== null) problems.push(`${f.label} bit ${bit}: ${r.outcome}`);
        }
        // The flips changed nothing: the untouched frame still opens.
        const r = receiver.open(sealed, { codec });
        if (r.outcome !== 'decrypted' || !sameBytes(r.frame, f.data)) problems.push(`${f.label}: the original gave ${r.outcome} after the flips`);
      }
    }
    t.deepEqual(problems, []);
    const stats = receiver.stats();
    t.is(stats.framesMismatch + stats.framesIntegrityFailure, flips);
    t.true(stats.framesIntegrityFailure > 0, 'no flip reached the tag check');
  });
}

test('every truncation of a sealed frame, from the end or from the front, is refused (every codec, default and GCM suites)', async (t) => {
  const problems: string[] = [];
  for (const suite of [otc.DEFAULT_SUITE, otc.Suite.AES_128_GCM_SHA256_128, otc.Suite.AES_256_CTR_HMAC_SHA512_32]) {
    const { sender, receiver } = await pair(`trunc${suite}`, { suite });
    for (const codec of otc.CODECS) {
      for (const f of framesFor(codec, [0, 1, 11, 48, 300])) {
        const sealed = sender.seal(f.data, { codec, keyFrame: f.keyFrame });
        for (let n = 0; n < sealed.length; n++) {
          const tail = receiver.open(sealed.subarray(0, n), { codec });
          if (!rejectedOutcome(tail.outcome) || tail.frame !== null) problems.push(`${suite} ${f.label}: first ${n} B gave ${tail.outcome}`);
          const head = receiver.open(sealed.subarray(sealed.length - n), { codec });
          if (!rejectedOutcome(head.outcome) || head.frame !== null) problems.push(`${suite} ${f.label}: last ${n} B gave ${head.outcome}`);
        }
        const whole = receiver.open(sealed, { codec });
        if (whole.outcome !== 'decrypted') problems.push(`${suite} ${f.label}: untruncated frame gave ${whole.outcome}`);
      }
    }
  }
  t.deepEqual(problems, []);
});

test('a frame opened twice is a replay; frames out of order within the window decrypt; every re-sent one is a replay', async (t) => {
  const { sender, receiver } = await pair('replay');
  const frame = makeFrame('VP8', 'vp8-key', 200);
  const first = sender.seal(frame.data, { codec: 'VP8', keyFrame: true });
  t.is(receiver.open(first, { codec: 'VP8' }).outcome, 'decrypted');
  const again = receiver.open(first, { codec: 'VP8' });
  t.is(again.outcome, 'replay');
  t.is(again.frame, null);

  const later: Buffer[] = [];
  for (let i = 0; i < 100; i++) later.push(sender.seal(makeFrame('opus', 'random', 50).data, { codec: 'opus' }));
  const reversed = [...later].reverse().map((s) => receiver.open(s, { codec: 'opus' }).outcome);
  t.deepEqual(reversed, new Array<otc.Outcome>(100).fill('decrypted'));
  const replays = later.map((s) => receiver.open(s, { codec: 'opus' }).outcome);
  t.deepEqual(replays, new Array<otc.Outcome>(100).fill('replay'));
  t.is(receiver.open(first, { codec: 'VP8' }).outcome, 'replay');
  const stats = receiver.stats();
  t.is(stats.framesDecrypted, 101);
  t.is(stats.framesReplay, 102);
});

test("a receiver with the wrong secret gets 'mismatch' with event 'mismatch' on the 3rd frame only, then setSecret(right) gives 'decrypted' with event 'match'", async (t) => {
  const sessionId = uniqueSessionId('mismatch');
  const sender = await otc.FrameCryptor.create({ sessionId, secret: SECRET_A });
  const receiver = await otc.FrameCryptor.create({ sessionId, secret: SECRET_B });
  const results = [];
  for (let i = 0; i < 6; i++) results.push(receiver.open(sender.seal(makeFrame('VP9', 'random', 120).data, { codec: 'VP9' }), { codec: 'VP9' }));
  t.deepEqual(results.map((r) => r.outcome), ['mismatch', 'mismatch', 'mismatch', 'mismatch', 'mismatch', 'mismatch']);
  t.deepEqual(results.map((r) => r.event), [null, null, 'mismatch', null, null, null]);
  t.true(results.every((r) => r.frame === null));
  t.true(receiver.stats().inMismatch);
  t.is(receiver.stats().mismatchEpisodes, 1);

  await receiver.setSecret(SECRET_A);
  const frame = makeFrame('VP9', 'random', 120).data;
  const recovered = receiver.open(sender.seal(frame, { codec: 'VP9' }), { codec: 'VP9' });
  t.is(recovered.outcome, 'decrypted');
  t.is(recovered.event, 'match');
  t.true(sameBytes(recovered.frame, frame));
  const next = receiver.open(sender.seal(frame, { codec: 'VP9' }), { codec: 'VP9' });
  t.is(next.outcome, 'decrypted');
  t.is(next.event, null);
  const stats = receiver.stats();
  t.false(stats.inMismatch);
  t.is(stats.framesMismatch, 6);
  t.is(stats.framesDecrypted, 2);
  t.is(stats.mismatchEpisodes, 1);
});

async function ratchetScenario(t: ExecutionContext, steps: number): Promise<void> {
  const { sessionId, sender, receiver } = await pair(`ratchet${steps}`);
  const baseKey = await baseKeyOf(sessionId, SECRET_A);
  const epoch0 = otc.sframe.epochId(baseKey);
  t.is(sender.stats().currentEpochId, epoch0);
  const before = sender.seal(makeFrame('AV1', 'random', 64).data, { codec: 'AV1' });
  for (let i = 0; i < steps; i++) t.is(sender.ratchet(), otc.ErrorCode.OTC_SUCCESS);
  const epochN = otc.sframe.epochId(ratchetN(baseKey, steps));
  t.is(sender.stats().currentEpochId, epochN);
  const frame = makeFrame('AV1', 'random', 64).data;
  const sealed = sender.seal(frame, { codec: 'AV1' });
  t.is(readTrailer(sealed, 'AV1').epochId, epochN);
  const result = receiver.open(sealed, { codec: 'AV1' });
  if (steps <= 8) {
    t.is(result.outcome, 'decrypted');
    t.true(sameBytes(result.frame, frame));
    t.is(receiver.stats().ratchetsFollowed, 1);
    t.is(receiver.stats().currentEpochId, epochN);
    // A frame of the old epoch still opens during the grace period.
    t.is(receiver.open(before, { codec: 'AV1' }).outcome, 'decrypted');
    // The receiver now sends under the new epoch too.
    t.is(readTrailer(receiver.seal(frame, { codec: 'AV1' }), 'AV1').epochId, epochN);
  } else {
    t.is(result.outcome, 'mismatch');
    t.is(result.frame, null);
    t.is(receiver.stats().ratchetsFollowed, 0);
    t.is(receiver.stats().currentEpochId, epoch0);
    t.is(receiver.open(before, { codec: 'AV1' }).outcome, 'decrypted');
  }
}

test('a receiver follows a sender that ratcheted 1 step', (t) => ratchetScenario(t, 1));
test('a receiver follows a sender that ratcheted 8 steps', (t) => ratchetScenario(t, 8));
test('a receiver does not follow a sender that ratcheted 9 steps', (t) => ratchetScenario(t, 9));

// Timing-sensitive (a 100 ms grace): serial tests run before the CPU-heavy concurrent ones.
test.serial('with gracePeriodMs 100, 150 ms after a ratchet the old epoch is erased and its frames give mismatch', async (t) => {
  const { sender, receiver } = await pair('grace-ratchet', {}, { gracePeriodMs: 100 });
  const old = [0, 1, 2].map(() => sender.seal(makeFrame('opus', 'random', 80).data, { codec: 'opus' }));
  sender.ratchet();
  t.is(receiver.open(sender.seal(makeFrame('opus', 'random', 80).data, { codec: 'opus' }), { codec: 'opus' }).outcome, 'decrypted');
  t.is(receiver.stats().epochsHeld, 2);
  t.is(receiver.open(old[0]!, { codec: 'opus' }).outcome, 'decrypted');
  await sleep(150);
  t.is(receiver.stats().epochsHeld, 1);
  t.is(receiver.open(old[1]!, { codec: 'opus' }).outcome, 'mismatch');
  t.is(receiver.open(old[2]!, { codec: 'opus' }).outcome, 'mismatch');
  t.is(receiver.open(sender.seal(makeFrame('opus', 'random', 80).data, { codec: 'opus' }), { codec: 'opus' }).outcome, 'decrypted');
});

test.serial('with gracePeriodMs 100, 150 ms after setSecret the previous secret\'s epoch is erased and its frames give mismatch', async (t) => {
  const { sender, receiver } = await pair('grace-secret', {}, { gracePeriodMs: 100 });
  const old = [0, 1].map(() => sender.seal(makeFrame('VP8', 'vp8-delta', 80).data, { codec: 'VP8' }));
  t.is(receiver.stats().epochsHeld, 1);
  await receiver.setSecret(SECRET_B);
  t.is(receiver.stats().epochsHeld, 2);
  t.is(receiver.open(old[0]!, { codec: 'VP8' }).outcome, 'decrypted');
  await sleep(150);
  t.is(receiver.stats().epochsHeld, 1);
  t.is(receiver.open(old[1]!, { codec: 'VP8' }).outcome, 'mismatch');
});

test('secrets A -> B -> A never reuse a (KID, CTR) pair, and CTR runs on per KID', async (t) => {
  const sessionId = uniqueSessionId('aba');
  const sender = await otc.FrameCryptor.create({ sessionId, secret: SECRET_A });
  const receiverA = await otc.FrameCryptor.create({ sessionId, secret: SECRET_A });
  const receiverB = await otc.FrameCryptor.create({ sessionId, secret: SECRET_B });
  const seen = new Set<string>();
  const batches: Array<Array<{ kid: bigint; ctr: bigint }>> = [];
  const sealBatch = (receiver: otc.FrameCryptor): void => {
    const batch: Array<{ kid: bigint; ctr: bigint }> = [];
    for (const codec of otc.CODECS) {
      const f = makeFrame(codec, codec === 'H264' ? 'h264-idr' : codec === 'VP8' ? 'vp8-key' : 'random', 60);
      const sealed = sender.seal(f.data, { codec, keyFrame: f.keyFrame });
      const trailer = readTrailer(sealed, codec);
      batch.push({ kid: trailer.kid, ctr: trailer.ctr });
      seen.add(`${trailer.kid}:${trailer.ctr}`);
      t.is(receiver.open(sealed, { codec }).outcome, 'decrypted', `${codec} frame did not open`);
    }
    batches.push(batch);
  };
  sealBatch(receiverA);
  await sender.setSecret(SECRET_B);
  sealBatch(receiverB);
  await sender.setSecret(SECRET_A);
  sealBatch(receiverA);
  t.is(seen.size, 15, 'a (KID, CTR) pair was used twice');
  const [a1, b, a2] = batches as [typeof batches[0], typeof batches[0], typeof batches[0]];
  t.true(a2.every((x) => x.kid === a1[0]!.kid), 'secret A again must give the same KID');
  t.true(b.every((x) => x.kid !== a1[0]!.kid));
  t.deepEqual(a1.map((x) => x.ctr), [0n, 1n, 2n, 3n, 4n]);
  t.deepEqual(b.map((x) => x.ctr), [0n, 1n, 2n, 3n, 4n]);
  t.deepEqual(a2.map((x) => x.ctr), [5n, 6n, 7n, 8n, 9n]);
});

test('stats count every outcome, byte, episode and identify the epoch and sender id', async (t) => {
  const { sessionId, sender, receiver } = await pair('stats');
  const epoch = otc.sframe.epochId(await baseKeyOf(sessionId, SECRET_A));
  const initial = sender.stats();
  t.like(initial, {
    framesSealed: 0, bytesSealed: 0, framesDecrypted: 0, framesMismatch: 0, framesIntegrityFailure: 0, framesReplay: 0,
    bytesOpened: 0, mismatchEpisodes: 0, integrityEpisodes: 0, ratchetsFollowed: 0, currentEpochId: epoch, epochsHeld: 1, inMismatch: false,
  });
  t.true(Number.isInteger(initial.senderId) && initial.senderId >= 0 && initial.senderId <= 0xffffffff);
  t.not(initial.senderId, receiver.stats().senderId, 'two cryptors drew the same random sender id');

  const sizes = [0, 10, 333, 1200];
  const sealed = sizes.map((n) => sender.seal(makeFrame('H264', 'h264-idr', n).data, { codec: 'H264', keyFrame: true }));
  t.is(readTrailer(sealed[2]!, 'H264').senderId, initial.senderId);
  for (const s of sealed) t.is(receiver.open(s, { codec: 'H264' }).outcome, 'decrypted');
  t.is(receiver.open(sealed[1]!, { codec: 'H264' }).outcome, 'replay');
  // Two frames that are no sealed frames at all.
  t.is(receiver.open(Buffer.alloc(0), { codec: 'H264' }).outcome, 'mismatch');
  t.is(receiver.open(Buffer.from([1, 2, 3, 0xff]), { codec: 'opus' }).outcome, 'mismatch');
  // Three tampered frames in a row: one integrity episode.
  const events: Array<otc.CryptorEvent | null> = [];
  for (let i = 0; i < 3; i++) {
    const tampered = sender.seal(makeFrame('opus', 'random', 40).data, { codec: 'opus' });
    tampered[5]! ^= 0x10;
    const r = receiver.open(tampered, { codec: 'opus' });
    t.is(r.outcome, 'integrity-failure');
    events.push(r.event);
  }
  t.is(events.filter((e) => e === 'integrity-failure').length, 1);
  t.like(sender.stats(), { framesSealed: 7, bytesSealed: sizes.reduce((a, b) => a + b, 0) + 120 });
  t.like(receiver.stats(), {
    framesSealed: 0, framesDecrypted: 4, bytesOpened: sizes.reduce((a, b) => a + b, 0), framesReplay: 1, framesMismatch: 2,
    framesIntegrityFailure: 3, integrityEpisodes: 1, mismatchEpisodes: 0, ratchetsFollowed: 0, currentEpochId: epoch, epochsHeld: 1, inMismatch: false,
  });
});
