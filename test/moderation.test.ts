// Moderation in the Node API: a moderator's session forces another session out
// (session.forceDisconnect: it emits 'disconnected' with reason forceDisconnected and no 'error',
// the others 'connectionDestroyed' and 'streamDestroyed' with that reason) and stops a stream
// (session.forceUnpublish: the Publisher emits 'streamDestroyed' with reason forceUnpublished and
// publishes again); other roles hear the server's refusal as 'error' (1520, 1535);
// session.capabilities follows the token's role.
import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import { startServer } from './server/helpers/server';

const API_KEY = '47000001';
const WAIT_MS = 15_000;

test.before(() => otc.init());
test.after.always(() => otc.destroy());

type Server = Awaited<ReturnType<typeof startServer>>;
type Role = 'moderator' | 'publisher' | 'subscriber';

async function join(t: ExecutionContext, server: Server, sessionId: string, role: Role): Promise<otc.Session> {
  const session = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => session.delete());
  await session.connect(server.generateToken(sessionId, { role }));
  return session;
}

function newPublisher(t: ExecutionContext, name: string): otc.Publisher {
  const publisher = new otc.Publisher({ name, testPattern: { width: 320, height: 180, fps: 15 } });
  t.teardown(() => publisher.delete());
  return publisher;
}

/** Resolves with the 'streamDestroyed' of `emitter` for `streamId` (its end reason). */
function destroyed(emitter: otc.Session | otc.Publisher, streamId: string): Promise<otc.EndReason> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no streamDestroyed for ${streamId} within ${WAIT_MS} ms`)), WAIT_MS);
    const listener = (stream: otc.StreamEvent, end: otc.EndReason): void => {
      if (stream.streamId !== streamId) return;
      clearTimeout(timer);
      (emitter as otc.Session).off('streamDestroyed', listener);
      resolve(end);
    };
    (emitter as otc.Session).on('streamDestroyed', listener);
  });
}

test.serial('capabilities follow the role: a moderator may force, a publisher may publish, a subscriber neither', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const idle = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => idle.delete());
  t.deepEqual(idle.capabilities, { publish: false, forceDisconnect: false, forceMute: false, forceUnpublish: false });
  t.deepEqual((await join(t, server, sessionId, 'moderator')).capabilities,
    { publish: true, forceDisconnect: true, forceMute: true, forceUnpublish: true });
  t.deepEqual((await join(t, server, sessionId, 'publisher')).capabilities,
    { publish: true, forceDisconnect: false, forceMute: false, forceUnpublish: false });
  t.deepEqual((await join(t, server, sessionId, 'subscriber')).capabilities,
    { publish: false, forceDisconnect: false, forceMute: false, forceUnpublish: false });
});

test.serial('a moderator forces a session out: it ends with forceDisconnected and no error, the others see it leave', async (t) => {
  t.timeout(60_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const target = await join(t, server, sessionId, 'publisher');
  const stream = await target.publish(newPublisher(t, 'forced out'));
  const moderator = await join(t, server, sessionId, 'moderator');
  const errors: unknown[] = [];
  target.on('error', (error) => errors.push(error));
  moderator.on('error', (error) => errors.push(error));
  const gone = once(target, 'disconnected', { signal: AbortSignal.timeout(WAIT_MS) });
  const left = once(moderator, 'connectionDestroyed', { signal: AbortSignal.timeout(WAIT_MS) });
  const streamGone = destroyed(moderator, stream.streamId);
  const targetId = target.connectionId!;
  // A ConnectionEvent or its id: both name the connection.
  t.is(moderator.forceDisconnect({ connectionId: targetId, data: '', creationTime: 0 }), otc.ErrorCode.OTC_SUCCESS);
  const [reason, end] = await gone;
  t.is(reason, undefined, 'no error');
  t.like(end, { reason: 'forceDisconnected', code: otc.ErrorCode.OTC_SUCCESS });
  const [connectionEvent, connectionEnd] = await left;
  t.is((connectionEvent as otc.ConnectionEvent).connectionId, targetId);
  t.like(connectionEnd, { reason: 'forceDisconnected' });
  t.like(await streamGone, { reason: 'forceDisconnected' });
  t.deepEqual(errors, []);
});

test.serial('a moderator stops a stream: the Publisher emits streamDestroyed forceUnpublished and publishes again', async (t) => {
  t.timeout(60_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const owner = await join(t, server, sessionId, 'publisher');
  const moderator = await join(t, server, sessionId, 'moderator');
  const publisher = newPublisher(t, 'stopped');
  const stream = await owner.publish(publisher);
  const publisherEnd = destroyed(publisher, stream.streamId);
  const seenEnd = destroyed(moderator, stream.streamId);
  t.is(moderator.forceUnpublish(stream.streamId), otc.ErrorCode.OTC_SUCCESS);
  t.like(await publisherEnd, { reason: 'forceUnpublished', code: otc.ErrorCode.OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM });
  t.like(await seenEnd, { reason: 'forceUnpublished' });
  t.is(publisher.stream, null);
  t.false(owner.streams.some((s) => s.streamId === stream.streamId));
  const again = await owner.publish(publisher);
  t.not(again.streamId, stream.streamId);
  t.not(owner.connectionId, null, 'still connected');
});

test.serial('other roles are refused as error 1520 and 1535; bad arguments are 1011 or a TypeError', async (t) => {
  t.timeout(60_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const owner = await join(t, server, sessionId, 'publisher');
  const moderator = await join(t, server, sessionId, 'moderator');
  const stream = await owner.publish(newPublisher(t, 'kept'));
  const refusal = once(owner, 'error', { signal: AbortSignal.timeout(WAIT_MS) });
  t.is(owner.forceDisconnect(moderator.connectionId!), otc.ErrorCode.OTC_SUCCESS);
  t.like((await refusal)[0], { code: otc.ErrorCode.OTC_UNABLE_TO_FORCE_DISCONNECT });
  const second = once(owner, 'error', { signal: AbortSignal.timeout(WAIT_MS) });
  t.is(owner.forceUnpublish(stream), otc.ErrorCode.OTC_SUCCESS);
  t.like((await second)[0], { code: otc.ErrorCode.OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM });
  const unknown = once(moderator, 'error', { signal: AbortSignal.timeout(WAIT_MS) });
  t.is(moderator.forceUnpublish('no-such-stream'), otc.ErrorCode.OTC_SUCCESS);
  t.like((await unknown)[0], { code: otc.ErrorCode.OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM });
  t.is(moderator.forceDisconnect(''), otc.ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  t.is(moderator.forceUnpublish('x'.repeat(200)), otc.ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  t.throws(() => moderator.forceDisconnect(42 as unknown as string), { instanceOf: TypeError });
  t.throws(() => moderator.forceUnpublish(null as unknown as string), { instanceOf: TypeError });
  t.not(owner.streams.find((s) => s.streamId === stream.streamId), undefined, 'nothing was stopped');
});
