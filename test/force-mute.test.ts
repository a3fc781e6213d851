// Forced muting in the Node API: a session whose token has the moderator role mutes another
// session's stream (session.forceMuteStream) or all streams but some (forceMuteAll), and ends the
// session-wide mute (disableForceMute). The muted Publisher emits 'muteForced' and stops sending
// audio (the other sessions see hasAudio turn false), sessions emit 'muteForced' { active }, and a
// session that is not a moderator's hears the server's refusal as 'error' 1540.
import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import { startServer } from './server/helpers/server';

const API_KEY = '47000001';
const WAIT_MS = 15_000;

test.before(() => otc.init());
test.after.always(() => otc.destroy());

type Server = Awaited<ReturnType<typeof startServer>>;

async function join(t: ExecutionContext, server: Server, sessionId: string, role: 'moderator' | 'publisher'): Promise<otc.Session> {
  const session = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => session.delete());
  await session.connect(server.generateToken(sessionId, { role }));
  return session;
}

async function publish(t: ExecutionContext, session: otc.Session, name: string): Promise<{ publisher: otc.Publisher; stream: otc.StreamEvent }> {
  const publisher = new otc.Publisher({ name, testPattern: { width: 320, height: 180, fps: 15 } });
  t.teardown(() => publisher.delete());
  return { publisher, stream: await session.publish(publisher) };
}

/** The next 'streamCreated' of `session` for the stream `streamId`. */
function streamSeen(session: otc.Session, streamId: string): Promise<void> {
  if (session.streams.some((s) => s.streamId === streamId)) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (stream: otc.StreamEvent): void => {
      if (stream.streamId !== streamId) return;
      session.off('streamCreated', listener);
      resolve();
    };
    session.on('streamCreated', listener);
  });
}

/** Resolves once a signal `session` sends to itself is back: everything the server sent before it has arrived. */
async function settle(session: otc.Session, marker: string): Promise<void> {
  const back = new Promise<void>((resolve) => {
    const listener = (signal: otc.SignalEvent): void => {
      if (signal.type !== marker) return;
      session.off('signal', listener);
      resolve();
    };
    session.on('signal', listener);
  });
  if (session.sendSignal({ type: marker, data: '', to: session.connectionId ?? undefined }) !== otc.ErrorCode.OTC_SUCCESS) {
    throw new Error('the marker signal was refused');
  }
  await back;
}

test.serial('a moderator mutes one stream: its publisher emits muteForced, the others see hasAudio false', async (t) => {
  t.timeout(90_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const moderator = await join(t, server, sessionId, 'moderator');
  const owner = await join(t, server, sessionId, 'publisher');
  const { publisher, stream } = await publish(t, owner, 'muted soon');
  await streamSeen(moderator, stream.streamId);
  const sessionEvents: unknown[] = [];
  moderator.on('muteForced', (event) => sessionEvents.push(event));
  owner.on('muteForced', (event) => sessionEvents.push(event));

  const publisherMuted = once(publisher, 'muteForced', { signal: AbortSignal.timeout(WAIT_MS) });
  const hasAudio = once(moderator, 'streamPropertyChanged', { signal: AbortSignal.timeout(WAIT_MS) });
  t.is(moderator.forceMuteStream(stream), otc.ErrorCode.OTC_SUCCESS);
  t.deepEqual(await publisherMuted, []);
  const [change] = await hasAudio;
  t.like(change, { changedProperty: 'hasAudio', oldValue: true, newValue: false, stream: { streamId: stream.streamId, hasAudio: false } });

  // The application turns its audio back on; a stream id muted again works the same.
  const back = once(moderator, 'streamPropertyChanged', { signal: AbortSignal.timeout(WAIT_MS) });
  t.is(publisher.setPublishAudio(true), otc.ErrorCode.OTC_SUCCESS);
  t.like((await back)[0], { changedProperty: 'hasAudio', newValue: true });
  const again = once(publisher, 'muteForced', { signal: AbortSignal.timeout(WAIT_MS) });
  t.is(moderator.forceMuteStream(stream.streamId), otc.ErrorCode.OTC_SUCCESS);
  await again;
  await settle(owner, 'after-mute');
  t.deepEqual(sessionEvents, [], "one stream's mute is not a change of the session's mute state");
  t.false(owner.forceMuteActive);
});

test.serial('a session that is not a moderator is refused with error 1540; nothing is muted', async (t) => {
  t.timeout(60_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const owner = await join(t, server, sessionId, 'publisher');
  const { publisher, stream } = await publish(t, owner, 'stays loud');
  const mutes: unknown[] = [];
  publisher.on('muteForced', () => mutes.push('publisher'));
  owner.on('muteForced', (event) => mutes.push(event));
  for (const call of [() => owner.forceMuteStream(stream), () => owner.forceMuteAll(), () => owner.disableForceMute()]) {
    const refused = once(owner, 'error', { signal: AbortSignal.timeout(WAIT_MS) });
    t.is(call(), otc.ErrorCode.OTC_SUCCESS);
    const [error] = await refused as [otc.OtcError];
    t.true(error instanceof otc.OtcError);
    t.is(error.code, otc.ErrorCode.OTC_UNABLE_TO_FORCE_MUTE);
  }
  await settle(owner, 'after-refusals');
  t.deepEqual(mutes, []);
});

test.serial('forceMuteAll mutes every stream but the excluded ones, every session hears active; disableForceMute ends it', async (t) => {
  t.timeout(90_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const moderator = await join(t, server, sessionId, 'moderator');
  const a = await join(t, server, sessionId, 'publisher');
  const b = await join(t, server, sessionId, 'publisher');
  const muted = await publish(t, a, 'a');
  const spared = await publish(t, b, 'b');
  await streamSeen(moderator, spared.stream.streamId);
  let sparedMutes = 0;
  spared.publisher.on('muteForced', () => { sparedMutes += 1; });

  const heard = [moderator, a, b].map((s) => once(s, 'muteForced', { signal: AbortSignal.timeout(WAIT_MS) }));
  const mutedHeard = once(muted.publisher, 'muteForced', { signal: AbortSignal.timeout(WAIT_MS) });
  t.is(moderator.forceMuteAll([spared.stream]), otc.ErrorCode.OTC_SUCCESS);
  t.deepEqual(await Promise.all(heard), [[{ active: true }], [{ active: true }], [{ active: true }]]);
  await mutedHeard;
  await settle(b, 'after-mute-all');
  t.is(sparedMutes, 0, 'the excluded stream kept its audio');
  t.true(a.forceMuteActive);

  // Again while it holds: the publishers are muted again, the state did not change.
  let changes = 0;
  a.on('muteForced', () => { changes += 1; });
  const mutedAgain = once(muted.publisher, 'muteForced', { signal: AbortSignal.timeout(WAIT_MS) });
  t.is(moderator.forceMuteAll([spared.stream.streamId]), otc.ErrorCode.OTC_SUCCESS);
  await mutedAgain;
  await settle(a, 'after-second-mute-all');
  t.is(changes, 0);

  // Joining while it holds: known from the connect (no event).
  const joiner = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => joiner.delete());
  let joinerEvents = 0;
  joiner.on('muteForced', () => { joinerEvents += 1; });
  await joiner.connect(server.generateToken(sessionId));
  t.true(joiner.forceMuteActive);

  // A stream published while the mute holds is muted as it is created.
  const later = new otc.Publisher({ name: 'later', testPattern: { width: 320, height: 180, fps: 15 } });
  t.teardown(() => later.delete());
  const laterMuted = once(later, 'muteForced', { signal: AbortSignal.timeout(WAIT_MS) });
  await b.publish(later);
  await laterMuted;

  const ended = [moderator, a, b].map((s) => once(s, 'muteForced', { signal: AbortSignal.timeout(WAIT_MS) }));
  t.is(moderator.disableForceMute(), otc.ErrorCode.OTC_SUCCESS);
  t.deepEqual(await Promise.all(ended), [[{ active: false }], [{ active: false }], [{ active: false }]]);
  await settle(joiner, 'after-disable');
  t.is(joinerEvents, 1, 'the joiner heard the change only');
  t.false(joiner.forceMuteActive);
  t.false(a.forceMuteActive);
});

test.serial('bad arguments: TypeErrors for wrong types, codes for values the C API refuses and for no connection', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const session = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => session.delete());
  t.is(session.forceMuteStream('s-1'), otc.ErrorCode.OTC_SESSION_NOT_CONNECTED);
  t.is(session.forceMuteAll(), otc.ErrorCode.OTC_SESSION_NOT_CONNECTED);
  t.is(session.disableForceMute(), otc.ErrorCode.OTC_SESSION_NOT_CONNECTED);
  await session.connect(server.generateToken(sessionId, { role: 'moderator' }));
  t.throws(() => session.forceMuteStream(42 as unknown as string), { instanceOf: TypeError });
  t.throws(() => session.forceMuteStream({} as unknown as string), { instanceOf: TypeError });
  t.throws(() => session.forceMuteAll('s-1' as unknown as string[]), { instanceOf: TypeError });
  t.throws(() => session.forceMuteAll([7 as unknown as string]), { instanceOf: TypeError });
  t.is(session.forceMuteStream(''), otc.ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  t.is(session.forceMuteStream('x'.repeat(129)), otc.ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  t.is(session.forceMuteStream('s\u00001'), otc.ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  t.is(session.forceMuteAll(['']), otc.ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  t.is(session.forceMuteAll(Array.from({ length: 1001 }, () => 's-1')), otc.ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  session.delete();
  t.throws(() => session.forceMuteStream('s-1'), { instanceOf: otc.OtcError });
  t.throws(() => session.disableForceMute(), { instanceOf: otc.OtcError });
});
