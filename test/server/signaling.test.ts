// Signaling over WebSocket: connect and token checks, publish/subscribe, relayed negotiation,
// signals, liveness, protocol errors, timeouts, shutdown.
import test, { type ExecutionContext } from 'ava';
import jwt from 'jsonwebtoken';
import { WebSocket } from 'ws';
import { ErrorCode } from '../../lib/error-code';
import { CloseCode, type ConnectAck, ROUTED_UNAVAILABLE, SessionServer, generateToken, mintSessionId } from '../../lib/server/index';
import { TestClient } from './helpers/client';
import { OpenTok, createSession } from './helpers/opentok';
import { joined, openClient, startServer } from './helpers/server';

test('opentok SDK tokens (JWT and legacy T1==) connect to SDK-created sessions; the ack describes the session', async (t) => {
  const server = await startServer(t);
  const ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
  const sessionId = await createSession(ot, { mediaMode: 'routed', e2ee: true });
  const a = await openClient(t, server);
  const ackA = await a.connect(ot.generateToken(sessionId, { role: 'moderator', data: 'name=A' }), { e2ee: true });
  t.like(ackA, { sessionId, role: 'moderator', data: 'name=A', session: { e2ee: true, mediaMode: 'routed' }, connections: [], streams: [] });
  t.regex(ackA.connectionId, /^c-/);
  const b = await openClient(t, server);
  const ackB = await b.connect(ot.generateToken(sessionId, { role: 'subscriber', data: 'name=B' }, true), { sessionId });
  t.like(ackB, { role: 'subscriber', data: 'name=B' });
  t.deepEqual(ackB.connections.map((c) => c.connectionId), [ackA.connectionId]);
  const created = await a.event('connectionCreated');
  t.like(created.connection, { connectionId: ackB.connectionId, data: 'name=B' });
  t.is(server.connectionCount, 2);
});

async function refused(t: ExecutionContext, server: SessionServer, token: string, code: ErrorCode,
  fields: Record<string, unknown> = {}): Promise<void> {
  const client = await openClient(t, server);
  const reply = await client.request('connect', { token, ...fields });
  t.like(reply, { type: 'error', code }, JSON.stringify(reply));
  t.is((await client.waitClose()).code, CloseCode.AUTHENTICATION_FAILED);
}

test('token failures: bad signature and expired 1004, unknown or other session 1005, all closed with 4001', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const other = server.createSession({ mediaMode: 'relayed' }).sessionId;
  const now = Math.floor(Date.now() / 1000);
  await refused(t, server, generateToken(server.apiKey, 'f'.repeat(40), sessionId), ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE);
  await refused(t, server, generateToken(server.apiKey, 'f'.repeat(40), sessionId, {}, true), ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE);
  const expired = jwt.sign({ iss: server.apiKey, ist: 'project', iat: now - 100, exp: now - 1, session_id: sessionId, create_time: now - 100,
    nonce: 1, role: 'publisher', expire_time: now - 1, scope: 'session.connect' }, server.apiSecret);
  await refused(t, server, expired, ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE);
  await refused(t, server, server.generateToken(mintSessionId(server.apiKey)), ErrorCode.OTC_SESSION_INVALID_SESSION);
  await refused(t, server, server.generateToken(other), ErrorCode.OTC_SESSION_INVALID_SESSION, { sessionId });
  await refused(t, server, 'garbage', ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE);
  t.is(server.connectionCount, 0);
});

test('publish: subscribers may not (1500), non-E2EE streams into E2EE sessions may not (6000); streamCreated to all', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed', e2ee: true });
  const sub = await joined(t, server, sessionId, {}, server.generateToken(sessionId, { role: 'subscriber' }));
  t.like(await sub.client.request('publish', { e2ee: true }), { type: 'error', code: ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH });
  const pub = await joined(t, server, sessionId, { e2ee: true });
  t.like(await pub.client.request('publish', { e2ee: false }), { type: 'error', code: ErrorCode.OTC_SESSION_ENCRYPTION_SECRET_MISSING });
  t.like(await pub.client.request('publish', {}), { type: 'error', code: 6000 });
  const ack = await pub.client.ok('publish', { name: 'cam', hasAudio: false, hasVideo: true, videoType: 'screen', e2ee: true,
    videoCodec: 'VP8', audioCodec: 'opus' });
  const streamId = ack['streamId'] as string;
  t.is(ack['peerId'], undefined); // relayed: no router peer
  for (const client of [pub.client, sub.client]) {
    const { stream } = await client.event('streamCreated');
    t.like(stream, { streamId, connectionId: pub.connectionId, name: 'cam', hasAudio: false, hasVideo: true, videoType: 'screen', e2ee: true });
  }
  t.like(await pub.client.request('publish', { videoType: 'hologram', e2ee: true }), { type: 'error', code: 1011 });
  t.like(await sub.client.request('unpublish', { streamId }), { type: 'error', code: ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND });
  // A later joiner sees the stream in its ack.
  const late = await joined(t, server, sessionId);
  t.is(((late.client.received[0] as unknown) as ConnectAck).streams[0]?.streamId, streamId);
  await pub.client.ok('unpublish', { streamId });
  t.like(await sub.client.event('streamDestroyed'), { streamId, reason: 'clientUnpublished' });
  t.like(await pub.client.event('streamDestroyed'), { streamId, reason: 'clientUnpublished' });
});

test('relayed negotiation: subscriberJoined to the publisher, offer/answer/candidate relayed with peerId and from', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const pub = await joined(t, server, sessionId);
  const sub = await joined(t, server, sessionId);
  const streamId = (await pub.client.ok('publish', { name: 'p' }))['streamId'] as string;
  await sub.client.event('streamCreated', (e) => e.stream.streamId === streamId);
  t.like(await sub.client.request('subscribe', { streamId: 's-missing' }), { type: 'error', code: ErrorCode.OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM });
  const peerId = (await sub.client.ok('subscribe', { streamId }))['peerId'] as string;
  t.regex(peerId, /^p-/);
  t.deepEqual(await pub.client.event('subscriberJoined'), { type: 'subscriberJoined', peerId, streamId, subscriberConnectionId: sub.connectionId });
  await pub.client.ok('offer', { peerId, sdp: 'v=0 offer', e2ee: true });
  t.deepEqual(await sub.client.event('offer'), { type: 'offer', peerId, streamId, from: pub.connectionId, to: 'subscriber', sdp: 'v=0 offer', e2ee: true });
  await sub.client.ok('answer', { peerId, sdp: 'v=0 answer' });
  t.deepEqual(await pub.client.event('answer'), { type: 'answer', peerId, streamId, from: sub.connectionId, to: 'publisher', sdp: 'v=0 answer' });
  await pub.client.ok('candidate', { peerId, candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
  t.like(await sub.client.event('candidate'), { peerId, streamId, from: pub.connectionId, to: 'subscriber', sdpMid: '0', sdpMLineIndex: 0 });
  await sub.client.ok('candidate', { peerId, candidate: 'candidate:2', sdpMid: '0', sdpMLineIndex: 0 });
  t.like(await pub.client.event('candidate'), { peerId, from: sub.connectionId, to: 'publisher', candidate: 'candidate:2' });
  // Unknown peers and wrong directions are 1015.
  t.like(await pub.client.request('offer', { peerId: 'p-nope', sdp: 'x' }), { type: 'error', code: ErrorCode.OTC_SESSION_ILLEGAL_STATE });
  t.like(await sub.client.request('offer', { peerId, sdp: 'x' }), { type: 'error', code: 1015 });
  const third = await joined(t, server, sessionId);
  t.like(await third.client.request('candidate', { peerId, candidate: 'c' }), { type: 'error', code: 1015 });
  // iceRestart is for routed subscriptions: a relayed one's publisher restarts by itself.
  t.like(await sub.client.request('iceRestart', { peerId }), { type: 'error', code: 1015, message: 'a relayed peer is restarted by its publisher' });
  t.like(await third.client.request('iceRestart', { peerId }), { type: 'error', code: 1015, message: 'unknown peer' });
  t.like(await sub.client.request('iceRestart', {}), { type: 'error', code: ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER });
  t.like(await pub.client.request('unsubscribe', { peerId }), { type: 'error', code: ErrorCode.OTC_SESSION_SUBSCRIBER_NOT_FOUND });
  await sub.client.ok('unsubscribe', { peerId });
  t.like(await pub.client.event('peerClosed'), { peerId, reason: 'clientUnsubscribed' });
  t.like(await sub.client.request('answer', { peerId, sdp: 'late' }), { type: 'error', code: 1015 });
});

test('routed sessions carry mediaMode routed and refuse media negotiation clearly until the router exists', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'routed' });
  const pub = await joined(t, server, sessionId);
  const sub = await joined(t, server, sessionId);
  const ack = await pub.client.ok('publish', { name: 'r' });
  const streamId = ack['streamId'] as string;
  t.is(ack['peerId'], `pub-${streamId}`);
  const offer = await pub.client.request('offer', { peerId: `pub-${streamId}`, sdp: 'v=0' });
  t.like(offer, { type: 'error', code: ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, message: ROUTED_UNAVAILABLE });
  await sub.client.event('streamCreated');
  t.like(await sub.client.request('subscribe', { streamId }), { type: 'error', code: ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR, message: ROUTED_UNAVAILABLE });
  t.like(await sub.client.request('offer', { peerId: `pub-${streamId}`, sdp: 'v=0' }), { type: 'error', code: 1015 });
});

test('signals: to one, to everyone, limits 1413/1414/1461', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const b = await joined(t, server, sessionId);
  const c = await joined(t, server, sessionId);
  await a.client.ok('signal', { to: b.connectionId, signalType: 'chat', data: 'hi b' });
  t.deepEqual(await b.client.event('signal'), { type: 'signal', from: a.connectionId, signalType: 'chat', data: 'hi b' });
  await a.client.ok('signal', { signalType: 'all', data: 'hi all' });
  for (const client of [a.client, b.client, c.client]) t.like(await client.event('signal', (e) => e.signalType === 'all'), { data: 'hi all', from: a.connectionId });
  t.false(c.client.has('signal'));
  t.like(await a.client.request('signal', { data: 'x'.repeat(8 * 1024 + 1) }), { type: 'error', code: ErrorCode.OTC_SESSION_SIGNAL_DATA_TOO_LONG });
  await a.client.ok('signal', { to: c.connectionId, data: 'x'.repeat(8 * 1024) });
  t.like(await a.client.request('signal', { signalType: 't'.repeat(129) }), { type: 'error', code: ErrorCode.OTC_SESSION_SIGNAL_TYPE_TOO_LONG });
  t.like(await a.client.request('signal', { signalType: 'no spaces' }), { type: 'error', code: ErrorCode.OTC_SESSION_INVALID_SIGNAL_TYPE });
  t.like(await a.client.request('signal', { signalType: 5 }), { type: 'error', code: 1461 });
  t.like(await a.client.request('signal', { to: 'c-nobody', data: 'x' }), { type: 'error', code: 1011 });
});

test('disconnect: ack, close 1000, others get connectionDestroyed clientDisconnected and streamDestroyed', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const b = await joined(t, server, sessionId);
  const streamId = (await a.client.ok('publish'))['streamId'] as string;
  const peerId = (await b.client.ok('subscribe', { streamId }))['peerId'] as string;
  await a.client.ok('disconnect');
  t.is((await a.client.waitClose()).code, CloseCode.NORMAL);
  t.like(await b.client.event('peerClosed'), { peerId, reason: 'clientDisconnected' });
  t.like(await b.client.event('streamDestroyed'), { streamId, reason: 'clientDisconnected' });
  t.like(await b.client.event('connectionDestroyed'), { connectionId: a.connectionId, reason: 'clientDisconnected' });
  t.is(server.store.getSession(sessionId)?.streams.size, 0);
});

test('a client that stops answering pings is dropped after the reconnect grace: networkDisconnected to the others', async (t) => {
  const server = await startServer(t, { pingIntervalMs: 50, pongTimeoutMs: 300, reconnectGraceMs: 300 });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const live = await joined(t, server, sessionId);
  const mute = await openClient(t, server, { autoPong: false });
  const { connectionId } = await mute.connect(server.generateToken(sessionId));
  const streamId = (await mute.ok('publish'))['streamId'] as string;
  t.like(await live.client.event('streamDestroyed', () => true, 3000), { streamId, reason: 'networkDisconnected' });
  t.like(await live.client.event('connectionDestroyed', () => true, 3000), { connectionId, reason: 'networkDisconnected' });
  await mute.waitClose();
  // The answering client survived many ping rounds.
  t.is(live.client.ws.readyState, WebSocket.OPEN);
  t.is(server.connectionCount, 1);
});

test('protocol errors close with 4002: bad JSON, unknown type, request before connect, missing id, binary', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const cases: Array<(c: TestClient) => void> = [
    (c) => c.sendRaw('{not json'),
    (c) => c.sendRaw(JSON.stringify({ type: 'dance', id: '1' })),
    (c) => c.sendRaw(JSON.stringify({ type: 'publish', id: '1' })),
    (c) => c.sendRaw(JSON.stringify({ type: 'connect', token: server.generateToken(sessionId) })),
    (c) => c.sendRaw('[1,2]'),
    (c) => c.ws.send(Buffer.from([1, 2, 3])),
  ];
  for (const send of cases) {
    const client = await openClient(t, server);
    send(client);
    t.is((await client.waitClose()).code, CloseCode.PROTOCOL_ERROR);
  }
  // After connect too; the others then see it leave.
  const a = await joined(t, server, sessionId);
  const b = await joined(t, server, sessionId);
  b.client.sendRaw(JSON.stringify({ type: 'teleport', id: '9' }));
  t.is((await b.client.waitClose()).code, CloseCode.PROTOCOL_ERROR);
  t.like(await a.client.event('connectionDestroyed'), { connectionId: b.connectionId });
  // A second connect on a connected socket is an error reply, not a close.
  t.like(await a.client.request('connect', { token: server.generateToken(sessionId) }), { type: 'error', code: 1015 });
});

test('connect timeout closes with 4003; upgrades without the subprotocol or on other paths are refused', async (t) => {
  const server = await startServer(t, { connectTimeoutMs: 200 });
  const idle = await openClient(t, server);
  t.is((await idle.waitClose(2000)).code, CloseCode.CONNECT_TIMEOUT);
  await t.throwsAsync(TestClient.open(server.signalingUrl, { protocol: null }), { message: /400/ });
  await t.throwsAsync(TestClient.open(`${server.url.replace('http', 'ws')}/v1/other`), { message: /404/ });
});

test('server.close() closes every client with 4004 and releases the port', async (t) => {
  const server = await SessionServer.start({ apiKey: '47000001', apiSecret: 's'.repeat(40) });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await TestClient.open(server.signalingUrl);
  await a.connect(server.generateToken(sessionId));
  const pending = await TestClient.open(server.signalingUrl);
  const keepAlive = await fetch(`${server.url}/health`, { keepalive: true });
  t.is(keepAlive.status, 200);
  const started = Date.now();
  await server.close();
  t.true(Date.now() - started < 2000);
  t.is((await a.waitClose()).code, CloseCode.SERVER_SHUTTING_DOWN);
  t.is((await pending.waitClose()).code, CloseCode.SERVER_SHUTTING_DOWN);
  const again = await SessionServer.start({ port: server.port });
  t.is(again.port, server.port);
  await again.close();
  await server.close(); // idempotent
});
