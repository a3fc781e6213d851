// Reconnection (docs/protocol.md, "Reconnecting"): a connection whose socket drops is kept for the
// grace period with its streams and peers, messages for it are queued and delivered after the
// client reconnects with its reconnect token; the grace ending, a queue overflow, bad tokens.
import test, { type ExecutionContext } from 'ava';
import jwt from 'jsonwebtoken';
import { ErrorCode } from '../../lib/error-code';
import { CloseCode, type ConnectAck } from '../../lib/server/index';
import { DetachedConnections, ReconnectTokens } from '../../lib/server/reconnection';
import { sleep } from '../helpers/wait';
import { type SessionServer } from '../../lib/server/index';
import { openClient, startServer } from './helpers/server';
import type { TestClient } from './helpers/client';

async function joined(t: ExecutionContext, server: SessionServer, sessionId: string): Promise<{ client: TestClient; ack: ConnectAck }> {
  const client = await openClient(t, server);
  return { client, ack: await client.connect(server.generateToken(sessionId)) };
}

test('the connect ack carries a reconnect token: HMAC of sessionId|connectionId under a key from the API secret', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const ack = a.ack;
  t.regex(ack.reconnectToken, /^[A-Za-z0-9_-]{43}$/);
  t.true(new ReconnectTokens(server.apiSecret).verify(ack.reconnectToken, sessionId, ack.connectionId));
  t.false(new ReconnectTokens('b'.repeat(40)).verify(ack.reconnectToken, sessionId, ack.connectionId));
  t.false(new ReconnectTokens(server.apiSecret).verify(ack.reconnectToken, sessionId, 'c-other'));
});

test('a dropped socket keeps its connection and streams; nobody is told; the reconnect gets the same id and the queued messages in order', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const b = await joined(t, server, sessionId);
  const ackA = a.ack;
  const streamId = (await a.client.ok('publish', { name: 'kept' }))['streamId'] as string;
  await b.client.event('streamCreated');
  const peerId = (await b.client.ok('subscribe', { streamId }))['peerId'] as string;
  await a.client.event('subscriberJoined');
  a.client.close(); // abrupt: no disconnect, no close handshake
  await a.client.closed;
  await sleep(200);
  t.is(server.store.getSession(sessionId)?.connections.size, 2, 'the connection is kept');
  t.like(await (await fetch(`${server.url}/health`)).json(), { connections: 1, detachedConnections: 1 });
  // Meanwhile b signals a and sends a candidate for their peer: queued for a.
  await b.client.ok('signal', { signalType: 'one', data: '1' });
  await b.client.ok('candidate', { peerId, candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 });
  await b.client.ok('signal', { to: ackA.connectionId, signalType: 'two', data: '2' });
  const again = await openClient(t, server);
  const ack = await again.connect(server.generateToken(sessionId), { reconnect: { connectionId: ackA.connectionId, reconnectToken: ackA.reconnectToken } });
  t.is(ack.connectionId, ackA.connectionId);
  t.true(ack.reconnected);
  t.deepEqual(ack.streams.map((s) => s.streamId), [streamId]);
  t.deepEqual(ack.connections.map((c) => c.connectionId), [(b.ack).connectionId]);
  const one = await again.event('signal');
  const candidate = await again.event('candidate');
  const two = await again.event('signal');
  t.like(one, { signalType: 'one', data: '1' });
  t.like(candidate, { peerId, from: (b.ack).connectionId });
  t.like(two, { signalType: 'two', data: '2' });
  const order = again.received.map((m) => m.type);
  t.deepEqual(order.slice(0, 4), ['ack', 'signal', 'candidate', 'signal']);
  // The peer still routes: a's answerless offer goes to b, and b heard nothing of a leaving.
  await again.ok('offer', { peerId, sdp: 'v=0' });
  t.like(await b.client.event('offer'), { peerId });
  t.false(b.client.has('connectionDestroyed'));
  t.false(b.client.has('streamDestroyed'));
  t.is(server.connectionCount, 2);
  t.like(await (await fetch(`${server.url}/health`)).json(), { connections: 2, detachedConnections: 0 });
});

test('the grace ends: connectionDestroyed and streamDestroyed networkDisconnected to the others; a late reconnect is 1022', async (t) => {
  const server = await startServer(t, { reconnectGraceMs: 300 });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const b = await joined(t, server, sessionId);
  const ackA = a.ack;
  const streamId = (await a.client.ok('publish'))['streamId'] as string;
  await b.client.event('streamCreated');
  a.client.close();
  t.like(await b.client.event('streamDestroyed', () => true, 3000), { streamId, reason: 'networkDisconnected' });
  t.like(await b.client.event('connectionDestroyed', () => true, 3000), { connectionId: ackA.connectionId, reason: 'networkDisconnected' });
  const late = await openClient(t, server);
  const reply = await late.request('connect', { token: server.generateToken(sessionId), reconnect: { connectionId: ackA.connectionId, reconnectToken: ackA.reconnectToken } });
  t.like(reply, { type: 'error', code: ErrorCode.OTC_SESSION_CONNECTION_DROPPED });
  t.is((await late.waitClose()).code, CloseCode.AUTHENTICATION_FAILED);
});

test('a bad reconnect token is 1004 (closed 4001); a malformed reconnect field is 1011', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const ackA = a.ack;
  a.client.close();
  const bad = await openClient(t, server);
  t.like(await bad.request('connect', { token: server.generateToken(sessionId), reconnect: { connectionId: ackA.connectionId, reconnectToken: 'x'.repeat(43) } }),
    { type: 'error', code: ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE });
  t.is((await bad.waitClose()).code, CloseCode.AUTHENTICATION_FAILED);
  const other = server.createSession({ mediaMode: 'relayed' }).sessionId;
  const wrongSession = await openClient(t, server);
  t.like(await wrongSession.request('connect', { token: server.generateToken(other), reconnect: { connectionId: ackA.connectionId, reconnectToken: ackA.reconnectToken } }),
    { type: 'error', code: ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE });
  const malformed = await openClient(t, server);
  t.like(await malformed.request('connect', { token: server.generateToken(sessionId), reconnect: 'yes' }),
    { type: 'error', code: ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER });
});

test('a reconnect while the old socket is still open moves the connection and closes the old socket with 4008', async (t) => {
  const server = await startServer(t, { limits: { maxConnectionsPerToken: 1 } });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const token = server.generateToken(sessionId);
  const a = await openClient(t, server);
  const ackA = await a.connect(token);
  const b = await joined(t, server, sessionId);
  const again = await openClient(t, server);
  // The same token, limited to one connection: a reconnection is not a second connection of it.
  const ack = await again.connect(token, { reconnect: { connectionId: ackA.connectionId, reconnectToken: ackA.reconnectToken } });
  t.is(ack.connectionId, ackA.connectionId);
  t.like(await a.waitClose(), { code: CloseCode.REPLACED, reason: 'replaced by a reconnection' });
  await sleep(200);
  t.false(b.client.has('connectionDestroyed'));
  await b.client.ok('signal', { to: ackA.connectionId, signalType: 'x', data: 'here' });
  t.like(await again.event('signal'), { data: 'here' });
  // Detached then back, still one connection of the token; a second one of it is refused.
  again.close();
  await again.closed;
  await sleep(100);
  const third = await openClient(t, server);
  await third.connect(token, { reconnect: { connectionId: ackA.connectionId, reconnectToken: ack.reconnectToken } });
  const extra = await openClient(t, server);
  t.like(await extra.request('connect', { token }), { type: 'error', code: ErrorCode.OTC_SESSION_CONNECTION_LIMIT_EXCEEDED });
});

test('a reconnect accepts a client token that expired meanwhile (the reconnect token proves admission); a new connect does not', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const now = Math.floor(Date.now() / 1000);
  const shortLived = jwt.sign({ iss: server.apiKey, ist: 'project', iat: now - 100, exp: now + 2, session_id: sessionId, create_time: now - 100,
    nonce: 1, role: 'publisher', expire_time: now + 2, scope: 'session.connect' }, server.apiSecret);
  const a = await openClient(t, server);
  const ackA = await a.connect(shortLived);
  a.close();
  await sleep(3100);
  const fresh = await openClient(t, server);
  t.like(await fresh.request('connect', { token: shortLived }), { type: 'error', code: ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE });
  const again = await openClient(t, server);
  const ack = await again.connect(shortLived, { reconnect: { connectionId: ackA.connectionId, reconnectToken: ackA.reconnectToken } });
  t.is(ack.connectionId, ackA.connectionId);
});

test('too much queued for a detached connection drops it as lost (networkDisconnected)', async (t) => {
  const server = await startServer(t, { limits: { messagesPerSecond: 5000, messageBurst: 5000 } });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const b = await joined(t, server, sessionId);
  const ackA = a.ack;
  a.client.close();
  await a.client.closed;
  await sleep(100);
  const data = 'x'.repeat(4000);
  // 1 MiB of signals (UTF-16 units counted) is over the bound well before 1000 messages.
  for (let i = 0; i < 300; i++) b.client.sendRaw(JSON.stringify({ type: 'signal', id: `s${i}`, to: ackA.connectionId, signalType: 'bulk', data }));
  t.like(await b.client.event('connectionDestroyed', () => true, 5000), { connectionId: ackA.connectionId, reason: 'networkDisconnected' });
  const late = await openClient(t, server);
  t.like(await late.request('connect', { token: server.generateToken(sessionId), reconnect: { connectionId: ackA.connectionId, reconnectToken: ackA.reconnectToken } }),
    { type: 'error', code: ErrorCode.OTC_SESSION_CONNECTION_DROPPED });
});

test('a newer offer for a peer supersedes the queued offer and candidates of that peer; other messages stay in order', (t) => {
  const expired: string[] = [];
  const detached = new DetachedConnections<null>({ graceMs: 60_000, onExpire: (id) => expired.push(id) });
  detached.detach('c1', null, undefined);
  const offer = (peerId: string, n: number) => JSON.stringify({ type: 'offer', peerId, sdp: `generation ${n}` });
  const candidate = (peerId: string, n: number) => JSON.stringify({ type: 'candidate', peerId, candidate: `candidate of ${n}` });
  const queued = (text: string, peerId?: string, isOffer = false) =>
    detached.queue('c1', text, peerId === undefined ? undefined : { peerId, offer: isOffer });
  queued(offer('p1', 1), 'p1', true);
  queued(candidate('p1', 1), 'p1');
  queued('{"type":"signal","data":"kept"}');
  queued(offer('p2', 1), 'p2', true);
  queued(candidate('p1', 1), 'p1');
  queued(offer('p1', 2), 'p1', true);
  queued(candidate('p1', 2), 'p1');
  queued(candidate('p2', 1), 'p2');
  const taken = detached.take('c1');
  t.deepEqual(taken?.queue, [
    '{"type":"signal","data":"kept"}', offer('p2', 1), offer('p1', 2), candidate('p1', 2), candidate('p2', 1),
  ]);
  t.deepEqual(expired, []);
  t.false(detached.queue('c1', 'gone'), 'taken back: no longer detached');
  detached.clear();
});
