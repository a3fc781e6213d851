// The Node API behaves like Node: Session, Publisher and Subscriber are EventEmitters that work
// with events.once / events.on (an 'error' first rejects, AbortSignal aborts, leaving a for-await
// loop removes its listener and stops frame delivery), `await using` ends and frees them (also
// when the block throws), waiters settle when their state already holds, and failures follow one
// rule (codes from calls that mirror a C function, OtcError rejections from asynchronous ones).
// Serial: two of them run a call on a 2-core machine.
import { on, once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import { startServer } from './server/helpers/server';
import { until } from './helpers/wait';

const API_KEY = '47000001';
const SECRET = 'node conventions secret';

test.before(() => otc.init());
test.after.always(() => otc.destroy());

/** Settles with 'pending' when `promise` has not settled within ms (generous: it must settle at once). */
function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<'pending'>((resolve) => { timer = setTimeout(() => resolve('pending'), ms); }),
  ]);
}

async function relayedSession(t: ExecutionContext): Promise<{ server: Awaited<ReturnType<typeof startServer>>; sessionId: string }> {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  return { server, sessionId };
}

test.serial('events.once(session, "connected") rejects with the OtcError when the connection fails first (no hang)', async (t) => {
  const { server, sessionId } = await relayedSession(t);
  const session = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => session.delete());
  const connected = once(session, 'connected');
  const connecting = session.connect('T1==not-a-token');
  const heard = await t.throwsAsync(connected, { instanceOf: otc.OtcError });
  const rejected = await t.throwsAsync(connecting, { instanceOf: otc.OtcError });
  t.is(heard?.code, rejected?.code, 'the event and the promise carry the same code');
  t.is(heard?.code, otc.ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE);
  t.is(session.listenerCount('connected'), 0);
  t.is(session.listenerCount('error'), 0);

  // And it resolves when 'connected' comes first.
  const ok = once(session, 'connected', { signal: AbortSignal.timeout(10_000) });
  await session.connect(server.generateToken(sessionId));
  t.deepEqual(await ok, []);
});

test.serial('events.once with an AbortSignal rejects with AbortError and leaves no listener', async (t) => {
  const { server, sessionId } = await relayedSession(t);
  const session = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => session.delete());
  await session.connect(server.generateToken(sessionId));
  const controller = new AbortController();
  const stream = once(session, 'streamCreated', { signal: controller.signal });
  t.is(session.listenerCount('streamCreated'), 1);
  controller.abort();
  await t.throwsAsync(stream, { name: 'AbortError' });
  t.is(session.listenerCount('streamCreated'), 0);
  t.is(session.listenerCount('error'), 0);
  // An already aborted signal rejects at once.
  await t.throwsAsync(once(session, 'signal', { signal: AbortSignal.abort() }), { name: 'AbortError' });
});

test.serial('leaving a for-await events.on(subscriber, "videoFrame") loop removes its listener and frame delivery stops', async (t) => {
  t.timeout(60_000);
  const { server, sessionId } = await relayedSession(t);
  const a = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  const b = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => { a.delete(); b.delete(); });
  await a.connect(server.generateToken(sessionId));
  await b.connect(server.generateToken(sessionId));
  const publisher = new otc.Publisher({ audio: false, testPattern: { width: 160, height: 90, fps: 15 } });
  t.teardown(() => publisher.delete());
  const seen = once(b, 'streamCreated', { signal: AbortSignal.timeout(10_000) });
  await a.publish(publisher);
  const [stream] = await seen as [otc.StreamEvent];
  const subscriber = b.subscribe(stream);
  await subscriber.connected(15_000);

  let frames = 0;
  for await (const [frame] of on(subscriber, 'videoFrame', { signal: AbortSignal.timeout(20_000) }) as AsyncIterableIterator<[otc.VideoFrame]>) {
    t.is(frame.width, 160);
    if (++frames === 5) break;
  }
  t.is(frames, 5);
  t.is(subscriber.listenerCount('videoFrame'), 0, 'the loop took its listener away');
  t.is(subscriber.listenerCount('error'), 0);

  // Video still decodes, but no frame is emitted any more (delivery is off, not filtered).
  const emitted: string[] = [];
  const emit = subscriber.emit.bind(subscriber);
  subscriber.emit = ((event: string, ...args: unknown[]) => {
    emitted.push(event);
    return (emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
  }) as typeof subscriber.emit;
  const decodedBefore = subscriber.stats().videoFramesDecoded;
  await until(t, () => subscriber.stats().videoFramesDecoded >= decodedBefore + 15, 15_000,
    () => `15 more frames decoded (${JSON.stringify(subscriber.stats())})`);
  t.false(emitted.includes('videoFrame'), `no videoFrame after the loop ended: ${emitted.join(', ')}`);

  // A new loop turns delivery on again.
  for await (const _ of on(subscriber, 'videoFrame', { signal: AbortSignal.timeout(10_000) })) break;
  t.true(emitted.includes('videoFrame'));
  t.is(subscriber.listenerCount('videoFrame'), 0);

  // The asynchronous waits of a deleted subscriber reject (they do not throw) with OTC_E2EE_DELETED.
  subscriber.delete();
  for (const wait of [() => subscriber.firstFrame(1000), () => subscriber.connected(1000)]) {
    let thrown: unknown;
    let promise: Promise<unknown> | undefined;
    try { promise = wait(); } catch (error) { thrown = error; }
    t.is(thrown, undefined, 'rejects instead of throwing');
    const error = await t.throwsAsync(promise ?? Promise.resolve(), { instanceOf: otc.OtcError });
    t.is(error?.code, otc.ErrorCode.OTC_E2EE_DELETED);
  }
});

test.serial('await using: the session disconnects and is deleted after the block, also when the block throws', async (t) => {
  const { server, sessionId } = await relayedSession(t);
  let kept: otc.Session | undefined;
  let disconnected = false;
  {
    await using session = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
    kept = session;
    session.on('disconnected', () => { disconnected = true; });
    await session.connect(server.generateToken(sessionId));
    t.truthy(session.connectionId);
  }
  t.true(kept.deleted, 'deleted after the block');
  t.true(disconnected, 'disconnected gracefully first');

  let thrown: otc.Session | undefined;
  let publisherKept: otc.Publisher | undefined;
  await t.throwsAsync(async () => {
    await using session = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
    await using publisher = new otc.Publisher({ audio: false, testPattern: { width: 160, height: 90, fps: 15 } });
    thrown = session;
    publisherKept = publisher;
    await session.connect(server.generateToken(sessionId));
    await session.publish(publisher);
    throw new Error('the block failed');
  }, { message: 'the block failed' });
  t.true(thrown?.deleted, 'deleted although the block threw');
  t.true(publisherKept?.deleted);

  // Synchronous disposal frees at once; a FrameCryptor has only that.
  let cryptor: otc.FrameCryptor | undefined;
  {
    using c = await otc.FrameCryptor.create({ sessionId, secret: SECRET });
    cryptor = c;
  }
  t.true(cryptor.deleted);
  // The engine: init() returns its own destroy() as a Disposable (nested, like init/destroy).
  {
    using engine = otc.init();
    t.truthy(engine);
    t.true(otc.isInitialized());
  }
  t.true(otc.isInitialized(), 'the before() hook\'s init still holds');
});

test.serial('encryptionKeyReady() settles at once when the key is already in use, and waits for a new secret\'s key', async (t) => {
  const session = new otc.Session(API_KEY, 'conventions-keys');
  t.teardown(() => session.delete());
  t.is(await settledWithin(session.encryptionKeyReady(), 300), 'pending', 'no secret yet: it waits');
  const first = session.encryptionKeyReady();
  t.is(session.setEncryptionSecret(SECRET), otc.ErrorCode.OTC_SUCCESS);
  const epoch = await first;
  t.is(session.encryptionEpoch, epoch);
  t.is(await settledWithin(session.encryptionKeyReady(), 5000), epoch, 'ready already: settles at once');

  // Asked for just before a new secret is set (the same synchronous code): the new key's.
  const nextReady = session.encryptionKeyReady();
  t.is(session.setEncryptionSecret('another secret for the session'), otc.ErrorCode.OTC_SUCCESS);
  const next = await nextReady;
  t.not(next, epoch, 'waits for the key of the secret last set, not the one in use before');
  t.is(session.encryptionEpoch, next);
  t.is(await settledWithin(session.encryptionKeyReady(), 5000), next);

  session.delete();
  await t.throwsAsync(session.encryptionKeyReady(), { instanceOf: otc.OtcError, message: /OTC_E2EE_DELETED/ });
});

test.serial('one failure rule: calls mirroring a C function return its code, asynchronous operations reject with OtcError', async (t) => {
  const INVALID = otc.ErrorCode.OTC_SESSION_INVALID_ENCRYPTION_SECRET;
  // Asynchronous: create and setSecret reject alike on a bad secret.
  const created = await t.throwsAsync(otc.FrameCryptor.create({ sessionId: 'rule', secret: 'short' }), { instanceOf: otc.OtcError });
  t.is(created?.code, INVALID);
  const cryptor = await otc.FrameCryptor.create({ sessionId: 'rule', secret: SECRET });
  t.teardown(() => cryptor.delete());
  const set = await t.throwsAsync(cryptor.setSecret('short'), { instanceOf: otc.OtcError });
  t.is(set?.code, INVALID);
  // Mirrors of C functions: codes.
  t.is(cryptor.ratchet(), otc.ErrorCode.OTC_SUCCESS);
  const session = new otc.Session(API_KEY, 'rule');
  t.is(session.setEncryptionSecret('short'), INVALID);
  t.is(session.sendSignal({ data: 'not connected' }), otc.ErrorCode.OTC_SESSION_NOT_CONNECTED);
  t.is(session.ratchetEncryptionKey(), otc.ErrorCode.OTC_E2EE_KEY_NOT_READY);
  // A second connect while connecting: the C core's OTC_SESSION_ILLEGAL_STATE, as a rejection.
  const publisher = new otc.Publisher({ audio: false });
  t.teardown(() => publisher.delete());
  const notConnected = await t.throwsAsync(session.publish(publisher), { instanceOf: otc.OtcError });
  t.is(notConnected?.code, otc.ErrorCode.OTC_SESSION_NOT_CONNECTED);
  session.delete();
  // A deleted object: asynchronous calls reject (never throw), the others throw OTC_E2EE_DELETED.
  const gone = await t.throwsAsync(session.connect('T1==token'), { instanceOf: otc.OtcError });
  t.is(gone?.code, otc.ErrorCode.OTC_E2EE_DELETED);
  t.throws(() => session.sendSignal({ data: 'x' }), { instanceOf: otc.OtcError, message: /OTC_E2EE_DELETED/ });
  // Argument mistakes are TypeErrors, thrown at once.
  t.throws(() => session.connect(42 as unknown as string), { instanceOf: TypeError });
});

test.serial('an error nobody listens to is a process warning, not a crash', async (t) => {
  const { server, sessionId } = await relayedSession(t);
  const session = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => session.delete());
  await session.connect(server.generateToken(sessionId));
  const warning = once(process, 'warning', { signal: AbortSignal.timeout(10_000) }) as Promise<[Error]>;
  // The server refuses a signal to a connection that is not there: an 'error' of the session.
  t.is(session.sendSignal({ data: 'to nobody', to: 'no-such-connection' }), otc.ErrorCode.OTC_SUCCESS);
  const [heard] = await warning;
  t.is(heard.name, 'OtcSessionWarning');
  t.false(session.deleted);
});
