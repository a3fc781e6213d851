// End-to-end encrypted calls in one process: the session server in-process, two Sessions with
// the same secret, a Publisher (test pattern + a tone from otc.audio) published by one and
// subscribed to by the other, for each video codec. The subscriber's media check must read at
// least 90% of the frames the publisher sealed over the same window, with a latency, and both
// sides must show E2EE at work. Serial: the machine has two cores and each call encodes and
// decodes in this process; and the other test files run meanwhile (plain \`ava\` runs every file
// concurrently), some with exit deadlines of a few seconds, hence the small picture.
import type { EventEmitter } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import type { SessionEvents } from '../lib/session';
import { childPrelude, runNode } from './helpers/child';
import { startServer } from './server/helpers/server';
import { measureWindow } from './helpers/media-window';
import { sleep, until } from './helpers/wait';

const API_KEY = '47000001';
const SECRET = 'correct horse battery staple, call test';
const WIDTH = 320;
const HEIGHT = 180;
const FPS = 30;
const WINDOW_MS = 6000;

test.before(() => otc.init());
test.after.always(() => otc.destroy());

function next<E extends keyof SessionEvents & string>(session: otc.Session, event: E, timeoutMs = 10000): Promise<SessionEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    // A plain EventEmitter view: the listener takes the event's arguments as one tuple.
    (session as unknown as EventEmitter).once(event, (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as SessionEvents[E]);
    });
  });
}


interface Call {
  a: otc.Session;
  b: otc.Session;
  publisher: otc.Publisher;
  stream: otc.StreamEvent;
}

/** Two connected sessions with `secret` / `secretB`; a publishes; b sees the stream. */
async function setUpCall(t: ExecutionContext, codec: otc.VideoCodec, secretB = SECRET): Promise<Call> {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const a = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  const b = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => { a.delete(); b.delete(); });
  const keyA = a.encryptionKeyReady();
  const keyB = b.encryptionKeyReady();
  t.is(a.setEncryptionSecret(SECRET), otc.ErrorCode.OTC_SUCCESS);
  t.is(b.setEncryptionSecret(secretB), otc.ErrorCode.OTC_SUCCESS);
  await Promise.all([keyA, keyB]);
  await a.connect(server.generateToken(sessionId, { data: 'publisher' }));
  await b.connect(server.generateToken(sessionId, { data: 'subscriber' }));
  t.true(a.isE2ee && b.isE2ee, 'the session is end-to-end encrypted');

  t.is(otc.audio.captureTone(440, 0.5), otc.ErrorCode.OTC_SUCCESS);
  const publisher = new otc.Publisher({ name: `call-${codec}`, videoCodec: codec, testPattern: { width: WIDTH, height: HEIGHT, fps: FPS } });
  t.teardown(() => publisher.delete());
  const seenByB = next(b, 'streamCreated');
  const published = await a.publish(publisher);
  t.like(published, { name: `call-${codec}`, hasAudio: true, hasVideo: true, e2ee: true, videoCodec: codec, audioCodec: 'opus',
    connectionId: a.connectionId! });
  t.is(publisher.streamId, published.streamId);
  const [stream] = await seenByB;
  t.like(stream, { streamId: published.streamId, e2ee: true, videoCodec: codec, audioCodec: 'opus', connectionId: a.connectionId! });
  return { a, b, publisher, stream };
}

for (const codec of ['VP8', 'VP9', 'H264'] as const) {
  test.serial(`${codec}: an E2EE call delivers >= 90% of the sealed frames, with latency, opened on the far side`, async (t) => {
    t.timeout(90_000);
    const { a, b, publisher, stream } = await setUpCall(t, codec);
    const subscriber = b.subscribe(stream);
    t.is(subscriber.streamId, stream.streamId);
    const errors: otc.OtcError[] = [];
    subscriber.on('error', (error) => errors.push(error));
    subscriber.on('encryptionSecretMismatch', (error) => errors.push(error));
    await subscriber.connected(15_000);
    t.true(subscriber.isConnected);

    // Warm-up: the first frames with a readable code reach the check.
    await until(t, () => subscriber.mediaCheck().framesReceived >= FPS, 15_000,
      () => `${FPS} readable frames (media check: ${JSON.stringify(subscriber.mediaCheck())}, subscriber stats: ${JSON.stringify(subscriber.stats())})`);

    // The window: what the publisher sealed and sent vs what the subscriber's check read.
    const { sealed, sent: sentFrames, received, publisher: sent1, check: check1 } = await measureWindow(publisher, subscriber, WINDOW_MS);
    const detail = `sealed ${sealed}, sent ${sentFrames}, received ${received}; publisher ${JSON.stringify(sent1)}; check ${JSON.stringify(check1)}`;
    t.log(`${codec}: ${detail}`);
    t.true(sealed >= (WINDOW_MS / 1000) * FPS * 0.5, `the publisher sealed too few frames: ${detail}`);
    t.true(received >= 0.9 * sealed, `the subscriber read under 90% of the frames sealed: ${detail}`);
    t.true(check1.latencyMeanMs > 0, `latency reported: ${detail}`);
    t.true(check1.latencyP95Ms >= check1.latencyP50Ms, `latency percentiles: ${detail}`);
    t.is(check1.framesUnreadable, 0, `every decoded test-pattern frame is readable: ${detail}`);

    // E2EE at work on both sides, with the same epoch.
    const pubStats = publisher.stats();
    const subStats = subscriber.stats();
    t.true(pubStats.e2ee, 'the publisher seals');
    t.is(pubStats.subscribers, 1);
    t.true(pubStats.videoFramesSealed > 0 && pubStats.audioFramesSealed > 0, `publisher sealed audio and video: ${JSON.stringify(pubStats)}`);
    t.is(pubStats.sealErrors, 0);
    t.true(subStats.e2ee, 'the subscriber opens');
    t.true(subStats.videoFramesOpened > 0, `video frames opened: ${JSON.stringify(subStats)}`);
    t.true(subStats.audioFramesOpened > 0, `audio frames opened: ${JSON.stringify(subStats)}`);
    t.is(subStats.framesMismatch, 0);
    t.is(subStats.framesIntegrityFailure, 0);
    t.is(subStats.framesUnencrypted, 0);
    t.false(subStats.inMismatch);
    t.is(subStats.encryptionEpoch, a.encryptionEpoch!);
    t.is(pubStats.encryptionEpoch, a.encryptionEpoch!);
    t.true(subStats.videoFramesDecoded > 0);
    t.deepEqual(errors.map((e) => e.message), [], 'no subscriber errors');

    // Decoded media reaches JS only while listened to.
    const frame = await subscriber.firstFrame(5000);
    t.is(frame.width, WIDTH);
    t.is(frame.height, HEIGHT);
    t.is(frame.y.length, WIDTH * HEIGHT);
    t.is(frame.u.length, (WIDTH / 2) * (HEIGHT / 2));
    t.is(frame.strideY, WIDTH);
    t.is(frame.strideU, WIDTH / 2);
    t.true(frame.timestampUs > 0);
    const audio = await new Promise<otc.AudioData>((resolve) => subscriber.once('audioData', resolve));
    t.true(audio.samples instanceof Int16Array);
    t.true(audio.sampleRate > 0 && audio.channels > 0);
    t.is(audio.samples.length, (audio.sampleRate / 100) * audio.channels, '10 ms of audio');
    t.true(audio.samples.some((sample) => sample !== 0), 'the tone is heard');
    let frames = 0;
    const count = (): void => { frames++; };
    subscriber.on('videoFrame', count);
    await sleep(500);
    subscriber.off('videoFrame', count);
    t.true(frames > 0, 'frames delivered while listened to');
    const heard = frames;
    await sleep(300);
    t.is(frames, heard, 'no frame after the listener went');

    // Unpublishing ends the subscription on the far side.
    const disconnected = new Promise<void>((resolve) => subscriber.once('disconnected', () => resolve()));
    const destroyed = new Promise<otc.StreamEvent>((resolve) => publisher.once('streamDestroyed', resolve));
    const droppedOnB = next(b, 'streamDestroyed');
    t.is(a.unpublish(publisher), otc.ErrorCode.OTC_SUCCESS);
    t.is((await destroyed).streamId, stream.streamId);
    t.is((await droppedOnB)[0].streamId, stream.streamId);
    await disconnected;
    t.false(subscriber.isConnected);
    subscriber.delete();
    await Promise.all([a.disconnect(), b.disconnect()]);
  });
}

test.serial('a subscriber with another secret gets encryptionSecretMismatch and decodes nothing, then matches after the secret is fixed', async (t) => {
  t.timeout(90_000);
  const { b, publisher, stream } = await setUpCall(t, 'VP8', 'a different secret, same session');
  const subscriber = b.subscribe(stream);
  const errors: otc.OtcError[] = [];
  subscriber.on('error', (error) => errors.push(error));
  const mismatch = new Promise<otc.OtcError>((resolve) => subscriber.once('encryptionSecretMismatch', resolve));
  await subscriber.connected(15_000);
  const error = await mismatch;
  t.is(error.code, otc.ErrorCode.OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH);
  t.deepEqual(errors, [], "6003 is not also an 'error'");
  const stats = subscriber.stats();
  t.true(stats.inMismatch, JSON.stringify(stats));
  t.true(stats.framesMismatch > 0, JSON.stringify(stats));
  t.is(stats.videoFramesOpened, 0);
  t.is(subscriber.mediaCheck().framesDecoded, 0, 'nothing undecrypted reaches the decoder');
  t.true(publisher.stats().videoFramesSealed > 0);

  const match = new Promise<void>((resolve) => subscriber.once('encryptionSecretMatch', resolve));
  t.is(b.setEncryptionSecret(SECRET), otc.ErrorCode.OTC_SUCCESS);
  await b.encryptionKeyReady();
  await Promise.race([match, sleep(15_000).then(() => { throw new Error('no encryptionSecretMatch within 15 s'); })]);
  await until(t, () => subscriber.mediaCheck().framesReceived > 0, 15_000,
    () => `frames after the match (check ${JSON.stringify(subscriber.mediaCheck())}, stats ${JSON.stringify(subscriber.stats())})`);
  subscriber.delete();
});

test.serial('session.delete() mid-call destroys its subscribers and unpublishes its publishers without a crash', async (t) => {
  t.timeout(60_000);
  const { a, b, publisher, stream } = await setUpCall(t, 'VP8');
  const subscriber = b.subscribe(stream);
  await subscriber.connected(15_000);
  const disconnected = new Promise<void>((resolve) => subscriber.once('disconnected', () => resolve()));
  b.delete();
  await disconnected;
  t.true(subscriber.deleted);
  t.throws(() => subscriber.stats(), { instanceOf: otc.OtcError });
  a.delete();
  t.is(publisher.streamId, null);
  t.false(publisher.deleted, 'the publisher stays usable');
  t.is(publisher.stats().subscribers, 0);
});

test.serial('a slow videoFrame listener: timers keep running, at most 4 frames wait for JS, the rest are dropped and counted', async (t) => {
  t.timeout(60_000);
  const { b, stream } = await setUpCall(t, 'VP8');
  const subscriber = b.subscribe(stream);
  await subscriber.connected(15_000);
  let delivered = 0;
  const slow = (): void => {
    delivered++;
    const until = Date.now() + 100; // a listener far slower than 30 fps
    while (Date.now() < until) { /* busy */ }
  };
  let ticks = 0;
  const interval = setInterval(() => { ticks++; }, 50);
  subscriber.on('videoFrame', slow);
  const started = Date.now();
  await sleep(2000);
  const slept = Date.now() - started;
  subscriber.off('videoFrame', slow);
  clearInterval(interval);
  t.true(slept < 3000, `a 2 s timer fired after ${slept} ms: the event loop kept turning`);
  t.true(ticks >= 10, `a 50 ms interval ticked ${ticks} times in 2 s`);
  const dropped = subscriber.stats().videoFramesDroppedForJs;
  t.log(`delivered ${delivered}, dropped ${dropped}`);
  t.true(delivered > 0);
  t.true(dropped > 0, 'frames arriving while 4 wait are dropped');
  await sleep(300);
  t.is(subscriber.stats().videoFramesDroppedForJs, dropped, 'no copies once nobody listens');
  subscriber.delete();
});

test.serial('listeners may destroy the objects whose event they handle', async (t) => {
  t.timeout(60_000);
  const { a, b, publisher, stream } = await setUpCall(t, 'VP8');
  // A subscriber destroyed inside its own videoFrame event.
  const first = b.subscribe(stream);
  await new Promise<void>((resolve) => first.once('videoFrame', () => { first.delete(); resolve(); }));
  t.true(first.deleted);
  // A session deleted inside its subscriber's 'connected'.
  const second = b.subscribe(stream);
  await new Promise<void>((resolve) => second.once('connected', () => { b.delete(); resolve(); }));
  t.true(second.deleted);
  t.true(b.deleted);
  // A publisher destroyed inside its own 'streamCreated'.
  const p = new otc.Publisher({ name: 'short-lived' });
  const created = new Promise<void>((resolve) => p.once('streamCreated', () => { p.delete(); resolve(); }));
  const stream2 = await a.publish(p);
  await created;
  t.true(p.deleted);
  t.truthy(stream2.streamId);
  t.is(publisher.stats().subscribers, 0);
  await a.disconnect();
});

test.serial('processes in a call exit: process.exit(0) mid-call, and a worker terminated mid-call', async (t) => {
  t.timeout(90_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const body = (label: string) => `
otc.init();
otc.audio.captureTone(440);
const url = ${JSON.stringify(server.signalingUrl)};
const a = new otc.Session(${JSON.stringify(API_KEY)}, ${JSON.stringify(sessionId)}, { signalingUrl: url });
const b = new otc.Session(${JSON.stringify(API_KEY)}, ${JSON.stringify(sessionId)}, { signalingUrl: url });
a.setEncryptionSecret(${JSON.stringify(SECRET)});
b.setEncryptionSecret(${JSON.stringify(SECRET)});
const p = new otc.Publisher({ testPattern: { width: 320, height: 180, fps: 30 } });
(async () => {
  await Promise.all([a.encryptionKeyReady(), b.encryptionKeyReady()]);
  await a.connect(${JSON.stringify(server.generateToken(sessionId))});
  await b.connect(${JSON.stringify(server.generateToken(sessionId))});
  const seen = new Promise((resolve) => b.once('streamCreated', resolve));
  await a.publish(p);
  const s = b.subscribe(await seen);
  s.on('videoFrame', () => {});
  await s.connected(15000);
  await new Promise((resolve) => s.once('videoFrame', resolve));
  ${label}
})().catch((e) => { console.error(e); process.exit(2); });
`;
  // Repeated: exit() with libwebrtc still running once crashed in about 1 run of 20 (its threads
  // used OpenSSL after OpenSSL's exit handler freed it).
  for (let run = 0; run < 5; run++) {
    const exiting = await runNode(`${childPrelude()}${body("console.log('in call'); process.exit(0);")}`, 30_000);
    t.false(exiting.timedOut, exiting.stderr);
    t.is(exiting.code, 0, `run ${run}: signal ${exiting.signal}, after ${exiting.ms} ms; stderr: ${exiting.stderr}`);
    t.is(exiting.stdout.trim(), 'in call');
  }

  const worker = await runNode(`
const { Worker } = require('node:worker_threads');
const w = new Worker(${JSON.stringify(`${childPrelude()}const { parentPort } = require('node:worker_threads');${body("parentPort.postMessage('in call');")}`)}, { eval: true });
w.on('message', (m) => { console.log(m); w.terminate().then(() => console.log('terminated')); });
w.on('error', (e) => { console.error(e); process.exit(3); });
`, 30_000);
  t.false(worker.timedOut, worker.stderr);
  t.is(worker.code, 0, `signal ${worker.signal}, after ${worker.ms} ms; stderr: ${worker.stderr}`);
  t.is(worker.stdout.trim(), 'in call\nterminated');
});

test.serial('calls whose objects are dropped without destroy() are garbage-collected without a crash', async (t) => {
  t.timeout(90_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const tokens = Array.from({ length: 6 }, () => server.generateToken(sessionId));
  const script = `${childPrelude()}
otc.init();
const url = ${JSON.stringify(server.signalingUrl)};
const tokens = ${JSON.stringify(tokens)};
async function call(i) {
  const a = new otc.Session(${JSON.stringify(API_KEY)}, ${JSON.stringify(sessionId)}, { signalingUrl: url });
  const b = new otc.Session(${JSON.stringify(API_KEY)}, ${JSON.stringify(sessionId)}, { signalingUrl: url });
  a.setEncryptionSecret(${JSON.stringify(SECRET)});
  b.setEncryptionSecret(${JSON.stringify(SECRET)});
  await Promise.all([a.encryptionKeyReady(), b.encryptionKeyReady()]);
  await a.connect(tokens[2 * i]);
  await b.connect(tokens[2 * i + 1]);
  const seen = new Promise((resolve) => b.once('streamCreated', resolve));
  await a.publish(new otc.Publisher({ videoCodec: ['VP8', 'VP9', 'H264'][i], testPattern: { width: 320, height: 180, fps: 30 } }));
  const s = b.subscribe(await seen);
  await s.firstFrame(15000);
  // No destroy(), no unpublish: disconnecting ends it all; everything is dropped.
  await Promise.all([a.disconnect(), b.disconnect()]);
}
(async () => {
  for (let i = 0; i < 3; i++) await call(i);
  for (let i = 0; i < 3; i++) { global.gc(); await new Promise((r) => setTimeout(r, 100)); }
  console.log('done');
})().catch((e) => { console.error(e); process.exit(2); });
`;
  const result = await runNode(script, 60_000, ['--expose-gc']);
  t.false(result.timedOut, result.stderr);
  t.is(result.code, 0, `signal ${result.signal}; stderr: ${result.stderr}`);
  t.is(result.stdout.trim(), 'done');
});
