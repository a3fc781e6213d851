// Publisher, Session.publish/subscribe and otc.audio without a call: argument validation (wrong
// types are TypeErrors, values out of range OtcError 6202), states (not connected, test pattern
// vs pushed frames, destroyed objects), the raw addon with bad input, and process exit with
// publishers left alive.
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import { childPrelude, runNode } from './helpers/child';
import { startServer } from './server/helpers/server';

const API_KEY = '47000001';
const { ErrorCode, OtcError, Publisher, Session } = otc;

test.before(() => otc.init());
test.after.always(() => otc.destroy());

/** Calls a function with arguments the type system forbids. */
function loosely<A extends unknown[], R>(fn: (...args: A) => R): (...args: unknown[]) => R {
  return fn as unknown as (...args: unknown[]) => R;
}

function throwsOtc(t: ExecutionContext, fn: () => unknown, code: otc.ErrorCode, what: string): void {
  const error = t.throws(fn, { instanceOf: OtcError }, what);
  t.is(error?.code, code, `${what}: ${error?.message}`);
}

async function rejectsOtc(t: ExecutionContext, promise: Promise<unknown>, code: otc.ErrorCode, what: string): Promise<void> {
  const error = await t.throwsAsync(promise, { instanceOf: OtcError }, what);
  t.is(error?.code, code, `${what}: ${error?.message}`);
}

function publisher(t: ExecutionContext, options?: otc.PublisherOptions): otc.Publisher {
  const p = new Publisher(options);
  t.teardown(() => p.delete());
  return p;
}

function i420Size(width: number, height: number): number {
  return width * height + 2 * Math.floor((width + 1) / 2) * Math.floor((height + 1) / 2);
}

test('options of the wrong type are TypeErrors', (t) => {
  const make = loosely((options: otc.PublisherOptions) => new Publisher(options));
  for (const [options, what] of [
    [null, 'null'], [5, 'a number'], ['VP8', 'a string'], [[], 'an array'],
    [{ name: 5 }, 'name'], [{ audio: 'yes' }, 'audio'], [{ video: 1 }, 'video'],
    [{ videoCodec: 'AV1' }, 'videoCodec AV1'], [{ videoCodec: 'vp8' }, 'videoCodec lower case'],
    [{ videoSource: 'camera' }, 'videoSource'], [{ testPattern: 5 }, 'testPattern'],
    [{ testPattern: { width: 640.5 } }, 'testPattern.width'], [{ testPattern: { height: '360' } }, 'testPattern.height'],
    [{ testPattern: { fps: NaN } }, 'testPattern.fps'],
  ] as Array<[unknown, string]>) {
    t.throws(() => make(options), { instanceOf: TypeError }, what);
  }
});

test('options out of range are OtcError 6202', (t) => {
  const invalid = ErrorCode.OTC_MEDIA_INVALID_PARAMETER;
  throwsOtc(t, () => new Publisher({ audio: false, video: false }), invalid, 'no audio and no video');
  throwsOtc(t, () => new Publisher({ name: 'n'.repeat(1025) }), invalid, 'name of 1025 bytes');
  throwsOtc(t, () => new Publisher({ name: 'é'.repeat(513) }), invalid, 'name of 1026 UTF-8 bytes');
  throwsOtc(t, () => new Publisher({ name: 'a\0b' }), invalid, 'name with NUL');
  for (const testPattern of [
    { width: 62 }, { width: 641 }, { width: 1922 }, { height: 62 }, { height: 361 }, { height: 1082 },
    { fps: 0 }, { fps: 61 }, { fps: -1 }, { width: 2 ** 40 },
  ]) {
    throwsOtc(t, () => new Publisher({ testPattern }), invalid, `testPattern ${JSON.stringify(testPattern)}`);
  }
  t.notThrows(() => publisher(t, { name: 'n'.repeat(1024) }));
  t.notThrows(() => publisher(t, { testPattern: { width: 64, height: 64, fps: 1 } }));
  t.notThrows(() => publisher(t, { testPattern: { width: 1920, height: 1080, fps: 60 } }));
  t.notThrows(() => publisher(t, { audio: false }));
  t.notThrows(() => publisher(t, { video: false }));
  for (const videoCodec of ['VP8', 'VP9', 'H264'] as const) t.notThrows(() => publisher(t, { videoCodec }));
});

test('a new publisher: no stream, stats at zero, destroy is idempotent and final', (t) => {
  const p = new Publisher({ name: 'camera' });
  t.is(p.streamId, null);
  t.is(p.stream, null);
  t.false(p.deleted);
  const stats = p.stats();
  t.like(stats, { subscribers: 0, videoFramesSealed: 0, videoFramesSent: 0, audioFramesSent: 0, sealErrors: 0, bytesSent: 0, e2ee: false });
  for (const key of ['videoBitrateBps', 'rttMs', 'videoFps', 'encryptionEpoch'] as const) t.is(typeof stats[key], 'number', key);
  t.is(p.setPublishAudio(false), ErrorCode.OTC_SUCCESS);
  t.is(p.setPublishVideo(false), ErrorCode.OTC_SUCCESS);
  t.is(p.setPublishVideo(true), ErrorCode.OTC_SUCCESS);
  t.throws(() => loosely(p.setPublishAudio.bind(p))('yes'), { instanceOf: TypeError });
  t.throws(() => loosely(p.setPublishVideo.bind(p))(1), { instanceOf: TypeError });
  p.delete();
  p.delete();
  t.true(p.deleted);
  t.is(p.streamId, null);
  throwsOtc(t, () => p.stats(), ErrorCode.OTC_E2EE_DELETED, 'stats after destroy');
  throwsOtc(t, () => p.setPublishAudio(true), ErrorCode.OTC_E2EE_DELETED, 'setPublishAudio after destroy');
  throwsOtc(t, () => p.pushVideoFrame({ format: 'I420', width: 16, height: 16, data: new Uint8Array(i420Size(16, 16)) }),
    ErrorCode.OTC_E2EE_DELETED, 'pushVideoFrame after destroy');
});

test('pushVideoFrame: 6203 on a test-pattern publisher, 6202 for bad sizes, TypeError for bad types', (t) => {
  const pattern = publisher(t);
  const frame = { format: 'I420' as const, width: 64, height: 64, data: new Uint8Array(i420Size(64, 64)) };
  t.is(pattern.pushVideoFrame(frame), ErrorCode.OTC_MEDIA_ILLEGAL_STATE);
  t.is(publisher(t, { videoSource: 'pushed', video: false }).pushVideoFrame(frame), ErrorCode.OTC_MEDIA_ILLEGAL_STATE,
    'a publisher without video');

  const pushed = publisher(t, { videoSource: 'pushed' });
  t.is(pushed.pushVideoFrame(frame), ErrorCode.OTC_SUCCESS, 'unpublished: validated and dropped');
  t.is(pushed.pushVideoFrame({ format: 'RGBA', width: 64, height: 32, data: new Uint8Array(64 * 32 * 4) }), ErrorCode.OTC_SUCCESS);
  t.is(pushed.pushVideoFrame({ format: 'I420', width: 3840, height: 2160, data: Buffer.alloc(i420Size(3840, 2160)) }), ErrorCode.OTC_SUCCESS);
  const invalid = ErrorCode.OTC_MEDIA_INVALID_PARAMETER;
  for (const [width, height, size, what] of [
    [64, 64, i420Size(64, 64) - 1, 'one byte short'],
    [64, 64, i420Size(64, 64) + 1, 'one byte over'],
    [64, 64, 0, 'empty'],
    [65, 64, i420Size(65, 64), 'odd width'],
    [64, 63, i420Size(64, 63), 'odd height'],
    [14, 64, i420Size(14, 64), 'below 16 wide'],
    [64, 14, i420Size(64, 14), 'below 16 high'],
    [3842, 64, i420Size(3842, 64), 'over 3840 wide'],
    [64, 2162, i420Size(64, 2162), 'over 2160 high'],
    [0, 0, 0, 'zero'],
    [-64, 64, 0, 'negative'],
    [2 ** 31, 64, 0, 'beyond int32'],
  ] as Array<[number, number, number, string]>) {
    t.is(pushed.pushVideoFrame({ format: 'I420', width, height, data: new Uint8Array(size) }), invalid, what);
  }
  t.is(pushed.pushVideoFrame({ format: 'RGBA', width: 64, height: 64, data: new Uint8Array(i420Size(64, 64)) }), invalid,
    'RGBA with an I420 size');

  const push = loosely(pushed.pushVideoFrame.bind(pushed));
  for (const [arg, what] of [
    [undefined, 'no frame'], [null, 'null'], ['frame', 'a string'],
    [{ ...frame, format: 'NV12' }, 'format NV12'], [{ ...frame, format: 1 }, 'numeric format'],
    [{ ...frame, width: 64.5 }, 'fractional width'], [{ ...frame, height: '64' }, 'string height'],
    [{ ...frame, width: NaN }, 'NaN width'], [{ ...frame, data: [0, 1, 2] }, 'data as an array'],
    [{ ...frame, data: new Uint16Array(4) }, 'data as Uint16Array'], [{ ...frame, data: undefined }, 'no data'],
  ] as Array<[unknown, string]>) {
    t.throws(() => push(arg), { instanceOf: TypeError }, what);
  }
});

test('publish when not connected rejects with OTC_SESSION_NOT_CONNECTED; unpublish finds nothing', async (t) => {
  const session = new Session(API_KEY, '1_not-connected', { signalingUrl: 'ws://127.0.0.1:1/v1/signaling' });
  t.teardown(() => session.delete());
  const p = publisher(t);
  await rejectsOtc(t, session.publish(p), ErrorCode.OTC_SESSION_NOT_CONNECTED, 'publish');
  t.is(session.unpublish(p), ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND);
  t.is(p.streamId, null);
  // Argument checks.
  t.throws(() => loosely(session.publish.bind(session))({}), { instanceOf: TypeError });
  t.throws(() => loosely(session.publish.bind(session))(undefined), { instanceOf: TypeError });
  t.throws(() => loosely(session.unpublish.bind(session))('publisher'), { instanceOf: TypeError });
  t.throws(() => loosely(session.unsubscribe.bind(session))({}), { instanceOf: TypeError });
  // A deleted publisher: publish rejects, unpublish finds nothing.
  const gone = new Publisher();
  gone.delete();
  await rejectsOtc(t, session.publish(gone), ErrorCode.OTC_E2EE_DELETED, 'publish a deleted publisher (an asynchronous call: it rejects)');
  t.is(session.unpublish(gone), ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND);
  // Subscribing needs a stream of the session.
  throwsOtc(t, () => session.subscribe('no-such-stream'), ErrorCode.OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM, 'subscribe');
  for (const bad of [undefined, null, 5, '', {}, { streamId: 7 }]) {
    t.throws(() => loosely(session.subscribe.bind(session))(bad), { instanceOf: TypeError }, `subscribe(${String(bad)})`);
  }
  t.deepEqual(session.streams, []);
  t.is(session.ratchetEncryptionKey(), ErrorCode.OTC_E2EE_KEY_NOT_READY);
  session.delete();
  await rejectsOtc(t, session.publish(p), ErrorCode.OTC_E2EE_DELETED, 'publish on a deleted session (it rejects)');
  throwsOtc(t, () => session.ratchetEncryptionKey(), ErrorCode.OTC_E2EE_DELETED, 'ratchet on a deleted session');
});

test('ratchet once the key is ready; a subscriber token is refused (1500); publish, publish twice (1015), unpublish', async (t) => {
  const server = await startServer(t);
  const e2ee = server.createSession({ mediaMode: 'relayed', e2ee: true }).sessionId;
  const withSecret = new Session(API_KEY, e2ee, { signalingUrl: server.signalingUrl });
  t.teardown(() => withSecret.delete());
  t.is(withSecret.setEncryptionSecret('a secret of the publisher test'), ErrorCode.OTC_SUCCESS);
  await withSecret.encryptionKeyReady();
  t.is(withSecret.ratchetEncryptionKey(), ErrorCode.OTC_SUCCESS);

  const plain = server.createSession({ mediaMode: 'relayed' }).sessionId;
  const viewer = new Session(API_KEY, plain, { signalingUrl: server.signalingUrl });
  t.teardown(() => viewer.delete());
  await viewer.connect(server.generateToken(plain, { role: 'subscriber' }));
  const p = publisher(t, { name: 'refused' });
  await rejectsOtc(t, viewer.publish(p), ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, 'publish with a subscriber token');
  t.is(p.streamId, null);
  // The publisher can be published again elsewhere: a publisher token in the same session.
  const owner = new Session(API_KEY, plain, { signalingUrl: server.signalingUrl });
  t.teardown(() => owner.delete());
  await owner.connect(server.generateToken(plain));
  const stream = await owner.publish(p);
  t.like(stream, { name: 'refused', hasAudio: true, hasVideo: true, e2ee: false, videoCodec: 'VP8', audioCodec: 'opus',
    connectionId: owner.connectionId! });
  t.is(p.streamId, stream.streamId);
  t.is(owner.streams.find((s) => s.streamId === stream.streamId)?.streamId, stream.streamId, 'own stream known');
  await rejectsOtc(t, owner.publish(p), ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'publish twice');
  const destroyed = new Promise<otc.StreamEvent>((resolve) => p.once('streamDestroyed', resolve));
  t.is(owner.unpublish(p), ErrorCode.OTC_SUCCESS);
  t.is((await destroyed).streamId, stream.streamId);
  t.is(p.streamId, null);
  t.is(owner.unpublish(p), ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND);
  await owner.disconnect();
  await viewer.disconnect();
});

test('the audio device: validation and the push buffer', (t) => {
  const { audio } = otc;
  t.is(audio.sampleRate, 48000);
  t.is(audio.samplesPerFrame, 480);
  t.is(audio.maxBufferedSamples, 48000);
  t.is(audio.captureTone(440), ErrorCode.OTC_SUCCESS);
  t.is(audio.captureTone(440, 1), ErrorCode.OTC_SUCCESS);
  t.is(audio.captureTone(20, 0.01), ErrorCode.OTC_SUCCESS);
  t.is(audio.captureTone(20000, 0.5), ErrorCode.OTC_SUCCESS);
  const invalid = ErrorCode.OTC_MEDIA_INVALID_PARAMETER;
  for (const [frequency, amplitude] of [[19, 0.5], [20001, 0.5], [440, 0], [440, -0.5], [440, 1.01], [NaN, 0.5], [440, NaN],
    [Infinity, 0.5], [440, Infinity], [-440, 0.5]]) {
    t.is(audio.captureTone(frequency!, amplitude), invalid, `captureTone(${frequency}, ${amplitude})`);
  }
  const tone = loosely(audio.captureTone.bind(audio));
  t.throws(() => tone('440'), { instanceOf: TypeError });
  t.throws(() => tone(440, '0.5'), { instanceOf: TypeError });
  t.throws(() => tone(), { instanceOf: TypeError });
  t.is(audio.captureSilence(), ErrorCode.OTC_SUCCESS);

  // Pushing: nothing captures while no publisher is published, so the buffer only fills.
  const start = audio.bufferedSamples;
  t.is(audio.pushSamples(new Int16Array(480)), ErrorCode.OTC_SUCCESS);
  t.is(audio.bufferedSamples, start + 480);
  t.is(audio.pushSamples(new Int16Array(0)), ErrorCode.OTC_SUCCESS);
  const room = audio.maxBufferedSamples - audio.bufferedSamples;
  t.is(audio.pushSamples(new Int16Array(room + 1)), ErrorCode.OTC_MEDIA_BUFFER_FULL);
  t.is(audio.bufferedSamples, start + 480, 'a refused push queues nothing');
  t.is(audio.pushSamples(new Int16Array(room)), ErrorCode.OTC_SUCCESS);
  t.is(audio.bufferedSamples, audio.maxBufferedSamples);
  t.is(audio.pushSamples(new Int16Array(1)), ErrorCode.OTC_MEDIA_BUFFER_FULL);
  const push = loosely(audio.pushSamples.bind(audio));
  for (const bad of [undefined, [1, 2], new Uint8Array(2), new Uint16Array(2), new Float32Array(2), Buffer.alloc(4), 'pcm']) {
    t.throws(() => push(bad), { instanceOf: TypeError });
  }
  t.is(audio.captureSilence(), ErrorCode.OTC_SUCCESS);
});

test('the raw addon refuses bad input with TypeErrors and look-alike objects', (t) => {
  const raw = otc._native;
  const onEvent = (): void => {};
  const make = loosely((settings: unknown, cb: unknown) => new raw.NativePublisher(settings as never, cb as never));
  t.throws(() => make(undefined, onEvent), { instanceOf: TypeError });
  t.throws(() => make({}, undefined), { instanceOf: TypeError });
  t.throws(() => make({ videoCodec: 3 }, onEvent), { instanceOf: TypeError });
  t.throws(() => make({ testPattern: { width: 640, height: 360 } }, onEvent), { instanceOf: TypeError }, 'fps missing');
  const nativePublisher = new raw.NativePublisher({}, onEvent);
  t.teardown(() => nativePublisher.delete());
  t.throws(() => loosely(nativePublisher.pushVideoFrame.bind(nativePublisher))('I420', 16, 16, 'data'), { instanceOf: TypeError });
  t.throws(() => loosely(nativePublisher.pushVideoFrame.bind(nativePublisher))('YUY2', 16, 16, new Uint8Array(1)), { instanceOf: TypeError });
  t.throws(() => loosely(nativePublisher.setPublishAudio.bind(nativePublisher))(), { instanceOf: TypeError });

  const session = new raw.NativeSession(API_KEY, '1_raw', onEvent);
  t.teardown(() => session.delete());
  const publish = loosely(session.publish.bind(session));
  t.throws(() => publish({}), { instanceOf: TypeError });
  t.throws(() => publish(session), { instanceOf: TypeError }, 'a session as a publisher');
  t.throws(() => publish(Object.create(raw.NativePublisher.prototype as object)), { instanceOf: TypeError }, 'borrowed prototype');
  t.throws(() => loosely(session.subscribe.bind(session))(nativePublisher), { instanceOf: TypeError }, 'a publisher as a subscriber');
  t.is(session.publish(nativePublisher), ErrorCode.OTC_SESSION_NOT_CONNECTED);

  const subscriber = loosely((s: unknown, id: unknown, cb: unknown) => new raw.NativeSubscriber(s as never, id as never, cb as never));
  t.throws(() => subscriber(nativePublisher, 'x', onEvent), { instanceOf: TypeError }, 'a publisher as the session');
  t.throws(() => subscriber(session, 5, onEvent), { instanceOf: TypeError });
  t.throws(() => subscriber(session, 'x', undefined), { instanceOf: TypeError });
  const error = t.throws(() => subscriber(session, 'no-such-stream', onEvent));
  t.is((error as { code?: number } | undefined)?.code, ErrorCode.OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM);

  t.throws(() => loosely(raw.audioCaptureTone)('1', 1), { instanceOf: TypeError });
  t.throws(() => loosely(raw.audioPushCaptureSamples)(new Uint8Array(2)), { instanceOf: TypeError });
  session.delete();
  t.throws(() => session.publish(nativePublisher), { message: /deleted/ });
  nativePublisher.delete();
  t.true(nativePublisher.isDeleted());
});

test('a process with unpublished publishers left alive exits; so does one that deletes a session mid-publish', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const idle = await runNode(`${childPrelude()}
otc.init();
const p = new otc.Publisher({ videoSource: 'pushed' });
const q = new otc.Publisher();
console.log('made');
`, 10000);
  t.false(idle.timedOut, idle.stderr);
  t.is(idle.code, 0, idle.stderr);
  t.is(idle.stdout.trim(), 'made');

  const midPublish = await runNode(`${childPrelude()}
otc.init();
const session = new otc.Session(${JSON.stringify(API_KEY)}, ${JSON.stringify(sessionId)}, { signalingUrl: ${JSON.stringify(server.signalingUrl)} });
const p = new otc.Publisher();
session.connect(${JSON.stringify(server.generateToken(sessionId))}).then(() => {
  session.publish(p).then(() => console.log('published'), (e) => console.log('rejected ' + e.code));
  session.delete();
  console.log('deleted');
});
`, 15000);
  t.false(midPublish.timedOut, midPublish.stderr);
  t.is(midPublish.code, 0, midPublish.stderr);
  t.true(midPublish.stdout.includes('deleted'), midPublish.stdout);
  t.true(midPublish.stdout.includes(`rejected ${ErrorCode.OTC_PUBLISHER_SESSION_DISCONNECTED}`), midPublish.stdout);

  const published = await runNode(`${childPrelude()}
otc.init();
const session = new otc.Session(${JSON.stringify(API_KEY)}, ${JSON.stringify(sessionId)}, { signalingUrl: ${JSON.stringify(server.signalingUrl)} });
const p = new otc.Publisher();
session.connect(${JSON.stringify(server.generateToken(sessionId))})
  .then(() => session.publish(p))
  .then((stream) => { console.log('published ' + stream.streamId); return session.disconnect(); })
  .then(() => console.log('disconnected ' + p.streamId));
`, 15000);
  t.false(published.timedOut, published.stderr);
  t.is(published.code, 0, published.stderr);
  t.regex(published.stdout, /published \S+\ndisconnected null/);
});

test('subscribing to an encrypted stream without a secret throws OtcError 6000; with one it works', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' }); // not marked E2EE: secrets are optional
  const sealing = new Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  const plain = new Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => { sealing.delete(); plain.delete(); });
  t.is(sealing.setEncryptionSecret('a secret only the publisher has'), ErrorCode.OTC_SUCCESS);
  await sealing.encryptionKeyReady();
  await sealing.connect(server.generateToken(sessionId));
  await plain.connect(server.generateToken(sessionId));
  const seen = new Promise<otc.StreamEvent>((resolve) => plain.once('streamCreated', resolve));
  const p = publisher(t, { name: 'sealed', videoCodec: 'VP9', testPattern: { width: 320, height: 180, fps: 15 } });
  const published = await sealing.publish(p);
  t.true(published.e2ee);
  const stream = await seen;
  t.like(stream, { streamId: published.streamId, e2ee: true, videoCodec: 'VP9', audioCodec: 'opus' });
  t.deepEqual(plain.streams.map((s) => s.streamId), [stream.streamId]);
  throwsOtc(t, () => plain.subscribe(stream), ErrorCode.OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISSING, 'subscribe without a secret');
  throwsOtc(t, () => plain.subscribe(stream.streamId), ErrorCode.OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISSING, 'by id');
  // The publisher's own session may subscribe to its own stream (by id).
  const self = sealing.subscribe(published.streamId);
  t.is(self.stream.streamId, published.streamId);
  t.is(sealing.unsubscribe(self), ErrorCode.OTC_SUCCESS);
  self.delete();
  t.is(sealing.unsubscribe(self), ErrorCode.OTC_SESSION_SUBSCRIBER_NOT_FOUND);
  throwsOtc(t, () => self.stats(), ErrorCode.OTC_E2EE_DELETED, 'stats of a destroyed subscriber');
  await Promise.all([sealing.disconnect(), plain.disconnect()]);
  t.deepEqual(plain.streams, []);
});
