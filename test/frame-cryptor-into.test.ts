// FrameCryptor.sealInto/openInto: the variants that write into the caller's buffer. Round trips
// with one reused buffer, the same bytes as seal/open, the size rule held to the C function,
// an out too small or overlapping the input refused with a clear OtcError (and by the addon
// itself when called bare), a wrong secret reported as open() reports it, and a deleted cryptor.
import test from 'ava';
import * as otc from '../lib/index';
import { native } from '../lib/binding';
import { framesFor, sameBytes, uniqueSessionId } from './helpers/frames';

const SECRET = 'correct horse battery staple';
const SIZES = [0, 1, 3, 11, 100, 1200, 50_000] as const;
const CODEC_NUMBER: Record<otc.Codec, number> = { opus: 0, VP8: 1, VP9: 2, AV1: 3, H264: 4 };

async function pair(tag: string, receiverSecret = SECRET): Promise<[otc.FrameCryptor, otc.FrameCryptor]> {
  const sessionId = uniqueSessionId(tag);
  return Promise.all([
    otc.FrameCryptor.create({ sessionId, secret: SECRET }),
    otc.FrameCryptor.create({ sessionId, secret: receiverSecret }),
  ]);
}

function throwsCode(t: import('ava').ExecutionContext, fn: () => unknown, code: otc.ErrorCode, pattern: RegExp): void {
  const error = t.throws(fn, { instanceOf: otc.OtcError });
  t.is(error?.code, code);
  t.regex(error?.message ?? '', pattern);
}

test('sealInto/openInto round trip every codec and frame kind through one reused buffer each', async (t) => {
  const [sender, receiver] = await pair('into-round-trip');
  const sealedBuffer = Buffer.alloc(otc.FrameCryptor.maxSealedSize(50_000, 'H264'));
  const plainBuffer = new Uint8Array(sealedBuffer.byteLength);
  for (const codec of otc.CODECS) {
    for (const frame of framesFor(codec, SIZES)) {
      const size = sender.sealInto(frame.data, sealedBuffer, { codec, keyFrame: frame.keyFrame });
      t.true(size > frame.data.byteLength && size <= otc.FrameCryptor.maxSealedSize(frame.data.byteLength, codec), frame.label);
      const sealed = sealedBuffer.subarray(0, size);
      const result = receiver.openInto(sealed, plainBuffer, { codec });
      t.deepEqual({ outcome: result.outcome, event: result.event }, { outcome: 'decrypted', event: null }, frame.label);
      t.is(result.size, frame.data.byteLength, frame.label);
      t.true(sameBytes(plainBuffer.subarray(0, result.size), frame.data), frame.label);
    }
  }
  sender.delete();
  receiver.delete();
});

test('the variants interoperate and write what seal/open return: openInto the bytes of open, sealInto a frame of seal\'s shape', async (t) => {
  const sessionId = uniqueSessionId('into-identical');
  const [sender, receiver, twin] = await Promise.all([0, 1, 2].map(() => otc.FrameCryptor.create({ sessionId, secret: SECRET })));
  for (const codec of otc.CODECS) {
    for (const frame of framesFor(codec, [1, 100, 1200])) {
      // Two receivers of one secret open the same sealed frame: the buffers hold the same bytes.
      const sealed = sender.seal(frame.data, { codec, keyFrame: frame.keyFrame });
      const opened = receiver.open(sealed, { codec });
      const out = Buffer.alloc(sealed.byteLength + 7, 0xee);
      const into = twin.openInto(sealed, out, { codec });
      t.is(opened.outcome, 'decrypted', frame.label);
      t.deepEqual({ outcome: into.outcome, event: into.event }, { outcome: opened.outcome, event: opened.event }, frame.label);
      t.true(sameBytes(out.subarray(0, into.size), opened.frame as Buffer), frame.label);
      t.true(out.subarray(sealed.byteLength).every((byte) => byte === 0xee), `${frame.label}: nothing written past the input's size`);

      // sealInto from the same sender: the next counter, so the same length and clear prefix, and
      // open() reads it back.
      const out2 = Buffer.alloc(otc.FrameCryptor.maxSealedSize(frame.data.byteLength, codec));
      const size = sender.sealInto(frame.data, out2, { codec, keyFrame: frame.keyFrame });
      if (codec !== 'H264') t.is(size, sealed.byteLength, frame.label); // escaping varies with the ciphertext
      t.true(sameBytes(receiver.open(out2.subarray(0, size), { codec }).frame, frame.data), frame.label);
      t.true(sameBytes(twin.open(out2.subarray(0, size), { codec }).frame, frame.data), frame.label);
    }
  }
  for (const cryptor of [sender, receiver, twin]) cryptor.delete();
});

test('FrameCryptor.maxSealedSize is otc_frame_cryptor_max_sealed_size for every codec', (t) => {
  for (const codec of otc.CODECS) {
    for (const size of [0, 1, 2, 99, 100, 1199, 1200, 50_000, 200_000, 16 * 1024 * 1024]) {
      t.is(otc.FrameCryptor.maxSealedSize(size, codec), native.NativeFrameCryptor.maxSealedSize(CODEC_NUMBER[codec], size), `${codec} ${size} B`);
    }
  }
  t.throws(() => otc.FrameCryptor.maxSealedSize(-1, 'VP8'), { instanceOf: TypeError });
  t.throws(() => otc.FrameCryptor.maxSealedSize(1.5, 'VP8'), { instanceOf: TypeError });
  t.throws(() => otc.FrameCryptor.maxSealedSize(1, 'vp8' as otc.Codec), { instanceOf: TypeError });
});

test('an out too small is OTC_E2EE_BUFFER_TOO_SMALL saying what is needed, writes nothing, and the cryptor goes on', async (t) => {
  const [sender, receiver] = await pair('into-small');
  const frame = Buffer.alloc(1200, 0x5a);
  const need = otc.FrameCryptor.maxSealedSize(frame.byteLength, 'VP9');
  const small = Buffer.alloc(need - 1, 0xee);
  throwsCode(t, () => sender.sealInto(frame, small, { codec: 'VP9' }), otc.ErrorCode.OTC_E2EE_BUFFER_TOO_SMALL, new RegExp(`out has ${need - 1} bytes; sealing 1200 bytes needs ${need}`));
  throwsCode(t, () => sender.sealInto(frame, new Uint8Array(0), { codec: 'VP9' }), otc.ErrorCode.OTC_E2EE_BUFFER_TOO_SMALL, /out has 0 bytes/);
  t.true(small.every((byte) => byte === 0xee));

  const sealed = sender.seal(frame, { codec: 'VP9' });
  const plain = Buffer.alloc(sealed.byteLength - 1, 0xee);
  throwsCode(t, () => receiver.openInto(sealed, plain, { codec: 'VP9' }), otc.ErrorCode.OTC_E2EE_BUFFER_TOO_SMALL, new RegExp(`needs ${sealed.byteLength}`));
  t.true(plain.every((byte) => byte === 0xee));
  // The refused call consumed nothing: the frame still opens, once.
  t.is(receiver.openInto(sealed, Buffer.alloc(sealed.byteLength), { codec: 'VP9' }).outcome, 'decrypted');
  t.is(receiver.openInto(sealed, Buffer.alloc(sealed.byteLength), { codec: 'VP9' }).outcome, 'replay');
  sender.delete();
  receiver.delete();
});

test('an out that overlaps the input is refused with OTC_E2EE_INVALID_PARAMETER; disjoint views of one ArrayBuffer work', async (t) => {
  const [sender, receiver] = await pair('into-alias');
  const arena = new Uint8Array(4096);
  const frame = arena.subarray(0, 1000);
  frame.fill(0x42);
  const need = otc.FrameCryptor.maxSealedSize(1000, 'VP8');
  for (const out of [arena, arena.subarray(999, 999 + need), arena.subarray(500, 500 + need)]) {
    throwsCode(t, () => sender.sealInto(frame, out, { codec: 'VP8' }), otc.ErrorCode.OTC_E2EE_INVALID_PARAMETER, /out must not overlap frame/);
  }
  const sealedView = arena.subarray(1000, 1000 + need);
  const size = sender.sealInto(frame, sealedView, { codec: 'VP8' });
  const sealed = sealedView.subarray(0, size);
  throwsCode(t, () => receiver.openInto(sealed, sealed, { codec: 'VP8' }), otc.ErrorCode.OTC_E2EE_INVALID_PARAMETER, /out must not overlap sealed/);
  throwsCode(t, () => receiver.openInto(sealed, arena.subarray(900, 900 + size), { codec: 'VP8' }), otc.ErrorCode.OTC_E2EE_INVALID_PARAMETER, /overlap/);
  const plainView = arena.subarray(1000 + need, 1000 + need + size);
  const opened = receiver.openInto(sealed, plainView, { codec: 'VP8' });
  t.is(opened.outcome, 'decrypted');
  t.true(sameBytes(plainView.subarray(0, opened.size), Buffer.alloc(1000, 0x42)));
  sender.delete();
  receiver.delete();
});

test('the addon itself refuses an overlapping or small out with -status when called bare (a plain JS caller)', async (t) => {
  const handle = await native.NativeFrameCryptor.create(uniqueSessionId('into-bare'), SECRET, otc.Suite.AES_256_CTR_HMAC_SHA512_80, 0);
  if (typeof handle === 'number') return t.fail(`create: ${handle}`);
  const arena = new Uint8Array(512).fill(7);
  t.is(handle.sealInto(1, false, arena.subarray(0, 100), arena.subarray(50, 250)), -otc.ErrorCode.OTC_E2EE_INVALID_PARAMETER);
  t.is(handle.sealInto(1, false, arena.subarray(0, 100), arena.subarray(100, 120)), -otc.ErrorCode.OTC_E2EE_BUFFER_TOO_SMALL);
  t.true(arena.every((byte) => byte === 7));
  const size = handle.sealInto(1, false, arena.subarray(0, 100), arena.subarray(100, 300));
  t.true(size > 100);
  t.is(handle.openInto(1, arena.subarray(100, 100 + size), arena.subarray(150, 450)), -otc.ErrorCode.OTC_E2EE_INVALID_PARAMETER);
  t.throws(() => handle.sealInto(1, false, arena, {} as Uint8Array), { instanceOf: TypeError });
  handle.close();
  t.is(handle.sealInto(1, false, arena.subarray(0, 100), arena.subarray(100, 300)), -otc.ErrorCode.OTC_E2EE_DELETED);
  t.is(handle.openInto(1, arena.subarray(0, 100), arena.subarray(100, 300)), -otc.ErrorCode.OTC_E2EE_DELETED);
  return undefined;
});

test('a wrong secret: openInto reports what open() reports (mismatch, event on the 3rd frame), size 0', async (t) => {
  const sessionId = uniqueSessionId('into-wrong');
  const [sender, viaOpen, viaInto] = await Promise.all([
    otc.FrameCryptor.create({ sessionId, secret: SECRET }),
    otc.FrameCryptor.create({ sessionId, secret: 'not the right secret' }),
    otc.FrameCryptor.create({ sessionId, secret: 'not the right secret' }),
  ]);
  const out = Buffer.alloc(2000);
  const events: (otc.CryptorEvent | null)[] = [];
  for (let i = 0; i < 5; i++) {
    const sealed = sender.seal(Buffer.alloc(1200, i), { codec: 'VP8' });
    const expected = viaOpen.open(sealed, { codec: 'VP8' });
    const got = viaInto.openInto(sealed, out, { codec: 'VP8' });
    t.deepEqual(got, { outcome: expected.outcome, size: 0, event: expected.event });
    t.is(expected.frame, null);
    events.push(got.event);
  }
  t.deepEqual(events, [null, null, 'mismatch', null, null]);
  t.is(viaInto.stats().framesMismatch, 5);
  for (const cryptor of [sender, viaOpen, viaInto]) cryptor.delete();
});

test('sealInto/openInto on a deleted cryptor throw OTC_E2EE_DELETED; wrong arguments throw TypeError', async (t) => {
  const [sender, receiver] = await pair('into-deleted');
  const out = Buffer.alloc(200);
  t.throws(() => sender.sealInto(Buffer.alloc(10), 'out' as unknown as Uint8Array, { codec: 'opus' }), { instanceOf: TypeError, message: /out must be/ });
  t.throws(() => sender.sealInto('frame' as unknown as Uint8Array, out, { codec: 'opus' }), { instanceOf: TypeError, message: /frame must be/ });
  t.throws(() => receiver.openInto(Buffer.alloc(10), out, { codec: 'mp3' as otc.Codec }), { instanceOf: TypeError, message: /codec must be/ });
  sender.delete();
  receiver.delete();
  throwsCode(t, () => sender.sealInto(Buffer.alloc(10), out, { codec: 'opus' }), otc.ErrorCode.OTC_E2EE_DELETED, /deleted/);
  throwsCode(t, () => receiver.openInto(Buffer.alloc(10), out, { codec: 'opus' }), otc.ErrorCode.OTC_E2EE_DELETED, /deleted/);
});
