// Session.connect and signaling against an in-process session server: two native sessions see
// each other and exchange signals, a raw signaling client publishes a stream they see, connect
// errors reject with their codes, and processes with connected sessions exit.
import type { EventEmitter } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import { ErrorCode, OtcError, Session } from '../lib/index';
import type { SessionEvents } from '../lib/session';
import { signRestAuth } from '../lib/server/index';
import { childPrelude, runNode } from './helpers/child';
import { openClient, startServer } from './server/helpers/server';

const API_KEY = '47000001';

function next<E extends keyof SessionEvents & string>(session: Session, event: E, timeoutMs = 5000): Promise<SessionEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    // A plain EventEmitter view: the listener takes the event's arguments as one tuple.
    (session as unknown as EventEmitter).once(event, (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as SessionEvents[E]);
    });
  });
}

function session(t: ExecutionContext, sessionId: string, signalingUrl: string): Session {
  const s = new Session(API_KEY, sessionId, { signalingUrl });
  t.teardown(() => s.delete());
  return s;
}

test('two sessions connect, see each other, signal, and see a published stream', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = session(t, sessionId, server.signalingUrl);
  const b = session(t, sessionId, server.signalingUrl);
  t.is(a.connectionId, null);
  await a.connect(server.generateToken(sessionId, { data: 'a-data' }));
  t.truthy(a.connectionId);
  t.false(a.isE2ee);
  const aSeesB = next(a, 'connectionCreated');
  const bSeesA = next(b, 'connectionCreated');
  await b.connect(server.generateToken(sessionId));
  const [fromAck] = await bSeesA;
  t.is(fromAck.connectionId, a.connectionId!);
  t.is(fromAck.data, 'a-data');
  t.is(typeof fromAck.creationTime, 'number');
  const [created] = await aSeesB;
  t.is(created.connectionId, b.connectionId!);

  // Signals: directed, and to everyone.
  const bGets = next(b, 'signal');
  t.is(a.sendSignal({ type: 'chat', data: 'hello b', to: b.connectionId! }), ErrorCode.OTC_SUCCESS);
  t.deepEqual((await bGets)[0], { type: 'chat', data: 'hello b', from: a.connectionId! });
  const aGets = next(a, 'signal');
  t.is(b.sendSignal({ data: 'to all' }), ErrorCode.OTC_SUCCESS);
  t.deepEqual((await aGets)[0], { type: '', data: 'to all', from: b.connectionId! });
  // sendSignal mirrors otc_session_send_signal: it returns the code, it does not throw.
  t.is(a.sendSignal({ type: 'x'.repeat(129), data: '' }), ErrorCode.OTC_SESSION_SIGNAL_TYPE_TOO_LONG);
  t.is(a.sendSignal({ data: 'd'.repeat(8 * 1024 + 1) }), ErrorCode.OTC_SESSION_SIGNAL_DATA_TOO_LONG);

  // A raw signaling client publishes.
  const publisher = await openClient(t, server);
  const pubCreatedA = next(a, 'connectionCreated');
  const ack = await publisher.connect(server.generateToken(sessionId));
  const [pubConnection] = await pubCreatedA;
  t.is(pubConnection.connectionId, ack.connectionId);
  const streamA = next(a, 'streamCreated');
  const streamB = next(b, 'streamCreated');
  const published = await publisher.ok('publish', {
    name: 'camera', hasAudio: true, hasVideo: false, videoType: 'camera', e2ee: false, videoCodec: 'VP8', audioCodec: 'opus',
  });
  const [stream] = await streamA;
  t.like(stream, {
    streamId: published['streamId'] as string, name: 'camera', hasAudio: true, hasVideo: false, e2ee: false,
    connectionId: ack.connectionId,
  });
  t.is(typeof stream.creationTime, 'number');
  t.is((await streamB)[0].streamId, stream.streamId);
  const goneA = next(a, 'streamDestroyed');
  await publisher.ok('unpublish', { streamId: stream.streamId });
  t.is((await goneA)[0].streamId, stream.streamId);

  // B leaves: A sees its connection go.
  const destroyed = next(a, 'connectionDestroyed');
  await b.disconnect();
  t.is(b.connectionId, null);
  t.is((await destroyed)[0].connectionId, created.connectionId);
  await a.disconnect();
  await a.disconnect(); // idempotent
  t.is(a.connectionId, null);
});

test('the project signals through REST (from: null) and force-disconnects: \'disconnected\' with reason forceDisconnected, no error', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = session(t, sessionId, server.signalingUrl);
  const b = session(t, sessionId, server.signalingUrl);
  await a.connect(server.generateToken(sessionId));
  await b.connect(server.generateToken(sessionId));
  const rest = async (method: string, path: string, body?: unknown): Promise<number> => {
    const res = await fetch(`${server.url}/v2/project/${API_KEY}/session/${sessionId}${path}`, {
      method, signal: AbortSignal.timeout(5000), ...(body !== undefined && { body: JSON.stringify(body) }),
      headers: { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, server.apiSecret), 'Content-Type': 'application/json' },
    });
    await res.text();
    return res.status;
  };
  const aGets = next(a, 'signal');
  t.is(await rest('POST', '/signal', { type: 'news', data: 'from the project' }), 204);
  t.deepEqual((await aGets)[0], { type: 'news', data: 'from the project', from: null });

  const errors: unknown[] = [];
  b.on('error', (err) => errors.push(err));
  let reconnecting = false;
  b.on('reconnecting', () => { reconnecting = true; });
  const bEnds = next(b, 'disconnected');
  const aSeesIt = next(a, 'connectionDestroyed');
  const bId = b.connectionId!;
  t.is(await rest('DELETE', `/connection/${bId}`), 204);
  const [reason, end] = await bEnds;
  t.is(reason, undefined, 'not an error');
  t.is(end.reason, 'forceDisconnected');
  t.is(end.code, ErrorCode.OTC_SUCCESS);
  t.like((await aSeesIt)[0], { connectionId: bId });
  t.deepEqual(errors, []);
  t.false(reconnecting, '4009 is final');
  t.is(b.connectionId, null);
});

async function rejection(t: ExecutionContext, promise: Promise<void>, code: ErrorCode): Promise<void> {
  const error = await t.throwsAsync(promise, { instanceOf: OtcError });
  t.is(error?.code, code, error?.message);
}

test('connect rejects with 1004, 1005, 1006 and 6000', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const other = server.createSession({ mediaMode: 'relayed' }).sessionId;
  await rejection(t, session(t, sessionId, server.signalingUrl).connect('T1==bad'), ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE);
  await rejection(t, session(t, other, server.signalingUrl).connect(server.generateToken(sessionId)),
    ErrorCode.OTC_SESSION_INVALID_SESSION);
  await rejection(t, session(t, sessionId, 'ws://127.0.0.1:1/v1/signaling').connect(server.generateToken(sessionId)),
    ErrorCode.OTC_SESSION_CONNECTION_FAILED);
  const e2ee = server.createSession({ mediaMode: 'relayed', e2ee: true }).sessionId;
  const noSecret = session(t, e2ee, server.signalingUrl);
  await rejection(t, noSecret.connect(server.generateToken(e2ee)), ErrorCode.OTC_SESSION_ENCRYPTION_SECRET_MISSING);
  const withSecret = session(t, e2ee, server.signalingUrl);
  t.is(withSecret.setEncryptionSecret('a secret of the e2ee test'), ErrorCode.OTC_SUCCESS);
  await withSecret.connect(server.generateToken(e2ee));
  t.true(withSecret.isE2ee);
  await rejection(t, withSecret.connect(server.generateToken(e2ee)), ErrorCode.OTC_SESSION_ILLEGAL_STATE);
  await withSecret.disconnect();
});

test('a process connected when the server closes exits (once its reconnection gives up)', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const watcher = await openClient(t, server);
  await watcher.connect(server.generateToken(sessionId));
  // 4004 may be a restart: the session tries to reconnect (2 s here) before it lets go.
  const script = `${childPrelude()}
const session = new otc.Session(${JSON.stringify(API_KEY)}, ${JSON.stringify(sessionId)}, { signalingUrl: ${JSON.stringify(server.signalingUrl)}, reconnectionTimeoutMs: 2000 });
session.on('error', (e) => console.log('error ' + e.code));
session.on('disconnected', () => console.log('disconnected'));
session.connect(${JSON.stringify(server.generateToken(sessionId))}).then(() => console.log('connected'));
`;
  const child = runNode(script, 10000);
  await watcher.event('connectionCreated', () => true, 10000);
  await server.close();
  const result = await child;
  t.false(result.timedOut, result.stderr);
  t.is(result.code, 0, result.stderr);
  t.true(result.stdout.includes('connected\n'), result.stdout);
  t.true(result.stdout.includes('disconnected'), result.stdout);
});

test('a process that connects and calls process.exit(0) exits 0', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const script = `${childPrelude()}
const session = new otc.Session(${JSON.stringify(API_KEY)}, ${JSON.stringify(sessionId)}, { signalingUrl: ${JSON.stringify(server.signalingUrl)} });
session.connect(${JSON.stringify(server.generateToken(sessionId))}).then(() => { console.log('connected'); process.exit(0); });
`;
  const result = await runNode(script, 10000);
  t.false(result.timedOut, result.stderr);
  t.is(result.code, 0, result.stderr);
  t.is(result.signal, null);
  t.is(result.stdout.trim(), 'connected');
});

test('an unreferenced disconnected session is collected without a crash', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const script = `${childPrelude()}
(async () => {
  for (let i = 0; i < 5; i++) {
    const s = new otc.Session(${JSON.stringify(API_KEY)}, ${JSON.stringify(sessionId)}, { signalingUrl: ${JSON.stringify(server.signalingUrl)} });
    await s.connect(${JSON.stringify(server.generateToken(sessionId))});
    await s.disconnect();
  }
  global.gc();
  await new Promise((r) => setTimeout(r, 100));
  global.gc();
  console.log('done');
})();
`;
  const result = await runNode(script, 15000, ['--expose-gc']);
  t.false(result.timedOut, result.stderr);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout.trim(), 'done');
});
