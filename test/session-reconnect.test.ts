// Session reconnection through the package (docs/protocol.md, "Reconnecting"): the signaling
// sockets reset under connected sessions (a TCP proxy between them and an in-process server),
// 'reconnecting' then 'reconnected' with the same connection id, a signal sent meanwhile
// delivered after; a server restarted without the session: 'disconnected' with the 1022 reason.
import test from 'ava';
import { ErrorCode, OtcError, Session } from '../lib/index';
import { SessionServer } from '../lib/server/index';
import { next, testSession } from './helpers/session-events';
import { tcpProxy as proxy } from './helpers/tcp-proxy';
import { startServer } from './server/helpers/server';

const API_KEY = '47000001';

function session(t: Parameters<typeof testSession>[0], sessionId: string, signalingUrl: string, reconnectionTimeoutMs?: number): Session {
  return testSession(t, API_KEY, sessionId, signalingUrl, reconnectionTimeoutMs);
}

test('sockets reset under two connected sessions: reconnecting, reconnected, same ids, a signal sent meanwhile arrives, nobody left', async (t) => {
  const server = await startServer(t);
  const link = await proxy(t, server.port);
  const url = `ws://127.0.0.1:${link.port}/v1/signaling`;
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = session(t, sessionId, url);
  const b = session(t, sessionId, url);
  await a.connect(server.generateToken(sessionId));
  const bSeesA = next(b, 'connectionCreated');
  const aSeesB = next(a, 'connectionCreated');
  await b.connect(server.generateToken(sessionId));
  await Promise.all([bSeesA, aSeesB]);
  const ids = [a.connectionId, b.connectionId];
  const seen: string[] = [];
  for (const [name, s] of [['a', a], ['b', b]] as const) {
    for (const event of ['reconnecting', 'reconnected', 'disconnected', 'connectionDestroyed', 'connectionCreated'] as const) {
      s.on(event, () => seen.push(`${name} ${event}`));
    }
  }
  const reconnectingA = next(a, 'reconnecting');
  const reconnectedA = next(a, 'reconnected');
  const reconnectedB = next(b, 'reconnected');
  const resetAt = Date.now();
  link.resetAll();
  await reconnectingA;
  t.is(a.connectionId, ids[0], 'the connection id stays while reconnecting');
  const signal = next(b, 'signal');
  a.sendSignal({ type: 'meanwhile', data: 'queued' });
  await Promise.all([reconnectedA, reconnectedB]);
  t.log(`reconnected ${Date.now() - resetAt} ms after the reset`);
  t.deepEqual([a.connectionId, b.connectionId], ids);
  const [received] = await signal;
  t.like(received, { type: 'meanwhile', data: 'queued', from: ids[0] });
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.deepEqual(seen.filter((e) => !e.endsWith('reconnecting') && !e.endsWith('reconnected')), [], seen.join(', '));
  t.is(server.connectionCount, 2);
});

test('a server restarted without the session refuses the reconnection: disconnected with a 1022 reason', async (t) => {
  const first = await SessionServer.start({ apiKey: API_KEY, apiSecret: 'a'.repeat(40) });
  const { port } = first;
  const { sessionId } = first.createSession({ mediaMode: 'relayed' });
  const token = first.generateToken(sessionId);
  const a = session(t, sessionId, first.signalingUrl);
  await a.connect(token);
  const reconnecting = next(a, 'reconnecting');
  const disconnected = next(a, 'disconnected', 20_000);
  const errors: OtcError[] = [];
  a.on('error', (e) => errors.push(e));
  await first.close(); // 4004: worth reconnecting (a restart)
  await reconnecting;
  const again = await SessionServer.start({ apiKey: API_KEY, apiSecret: 'a'.repeat(40), port });
  t.teardown(() => again.close());
  const [reason] = await disconnected;
  t.true(reason instanceof OtcError);
  t.is(reason?.code, ErrorCode.OTC_SESSION_CONNECTION_DROPPED);
  t.regex(reason?.message ?? '', /refused the reconnection/);
  t.is(errors.length, 1);
  t.is(a.connectionId, null);
});

test('disconnect() gives no reason; reconnectionTimeoutMs is checked', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = session(t, sessionId, server.signalingUrl, 0);
  await a.connect(server.generateToken(sessionId));
  const disconnected = next(a, 'disconnected');
  await a.disconnect();
  const [reason] = await disconnected;
  t.is(reason, undefined);
  for (const bad of [1, 999, 600_001, 1.5, -1]) {
    t.throws(() => new Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl, reconnectionTimeoutMs: bad }), { instanceOf: TypeError });
  }
});

test('reconnectionTimeoutMs 0: a dropped link is disconnected at once with the 1022 reason', async (t) => {
  const server = await startServer(t);
  const link = await proxy(t, server.port);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = session(t, sessionId, `ws://127.0.0.1:${link.port}/v1/signaling`, 0);
  a.on('error', () => undefined);
  let reconnecting = false;
  a.on('reconnecting', () => {
    reconnecting = true;
  });
  await a.connect(server.generateToken(sessionId));
  const disconnected = next(a, 'disconnected');
  link.resetAll();
  const [reason] = await disconnected;
  t.is(reason?.code, ErrorCode.OTC_SESSION_CONNECTION_DROPPED);
  t.false(reconnecting);
});
