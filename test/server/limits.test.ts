// Issue 10: what probing the server as an attacker found, each with its regression test, and the
// limits of lib/server/limits.ts as a client sees them (docs/protocol.md, Limits).
import * as net from 'node:net';
import * as tls from 'node:tls';
import test, { type ExecutionContext } from 'ava';
import jwt from 'jsonwebtoken';
import { WebSocket } from 'ws';
import { ErrorCode } from '../../lib/error-code';
import { UsageError } from '../../lib/cli/args';
import { limitsFromFlags } from '../../lib/cli/limit-flags';
import { CloseCode, signRestAuth } from '../../lib/server/index';
import { Admission } from '../../lib/server/admission';
import { DEFAULT_LIMITS, resolveLimits } from '../../lib/server/limits';
import { closeReason, parseRequestTarget } from '../../lib/server/request-target';
import { forLog } from '../../lib/server/sanitize';
import { TestClient } from './helpers/client';
import { joined, openClient, startServer } from './helpers/server';

/** Sends raw bytes over TCP and resolves with everything the server answered before closing (bounded). */
function rawExchange(port: number, bytes: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, timeoutMs);
    socket.on('data', (d) => {
      answer += d.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(bytes);
  });
}

/** A request refused with `code` and a message matching `message`. */
async function refusedWith(t: ExecutionContext, client: TestClient, type: string, fields: Record<string, unknown>, code: number,
  message: RegExp): Promise<void> {
  const reply = await client.request(type, fields);
  t.like(reply, { type: 'error', code }, JSON.stringify(reply));
  t.regex(String((reply as { message?: unknown }).message), message);
}

async function health(url: string): Promise<{ ms: number; body: Record<string, unknown> }> {
  const started = performance.now();
  const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as Record<string, unknown>;
  return { ms: performance.now() - started, body };
}

test('an upgrade with a malformed target (GET //a:99999) is refused with 400, and the process lives on', async (t) => {
  const server = await startServer(t);
  for (const target of ['//a:99999', '//[::1', 'http://%zz/', '*', '%', '//v1/signaling']) {
    const answer = await rawExchange(server.port,
      `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n`
      + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: otc-signaling-v1\r\n\r\n');
    t.regex(answer, /^HTTP\/1\.1 (400|404) /, `${target}: ${answer.slice(0, 80)}`);
  }
  // The same targets as plain requests: 400 or 404, never 500.
  for (const target of ['//a:99999', '/v2/project/1/session/%E0%A4%A']) {
    const answer = await rawExchange(server.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    t.regex(answer, /^HTTP\/1\.1 (400|403|404) /, `${target}: ${answer.slice(0, 80)}`);
  }
  t.is((await health(server.url)).body['status'], 'ok');
});

test('parseRequestTarget and closeReason never throw, and a close reason fits 123 bytes', (t) => {
  t.is(parseRequestTarget('//a:99999')?.pathname, '//a:99999');
  t.is(parseRequestTarget('/x?y=1')?.pathname, '/x');
  t.is(parseRequestTarget('*'), undefined);
  t.is(parseRequestTarget('http://[::1/'), undefined);
  t.is(parseRequestTarget(undefined), undefined);
  for (const text of ['', 'é'.repeat(200), '😀'.repeat(100), 'a'.repeat(500)]) {
    const reason = closeReason(text);
    t.true(reason.length > 0 && Buffer.byteLength(reason) <= 123, JSON.stringify(reason));
  }
});

test('an unknown type of multi-byte characters closes with 4002 (its reason cut to 123 bytes; was an uncaught RangeError)', async (t) => {
  const server = await startServer(t);
  const client = await openClient(t, server);
  client.sendRaw(JSON.stringify({ type: 'é'.repeat(100), id: '1' }));
  const closed = await client.waitClose();
  t.is(closed.code, CloseCode.PROTOCOL_ERROR);
  t.regex(closed.reason, /^unknown type/);
  t.is((await health(server.url)).body['status'], 'ok');
});

// Serial (ava runs these before the others): the heavy ones would slow the timing of the rest.
test.serial('teardown of a connection with 10000 streams and 10000 subscriptions is O(its own state): others stay, /health is prompt', async (t) => {
  const limits = {
    maxStreamsPerConnection: 20_000, maxSubscriptionsPerConnection: 20_000, maxSubscriptionsPerStreamPerConnection: 20_000,
    maxSubscribersPerStream: 20_000, messagesPerSecond: 100_000, messageBurst: 100_000, maxBufferedBytes: 256 * 1024 * 1024,
  };
  const server = await startServer(t, { limits, pingIntervalMs: 500, pongTimeoutMs: 2500 });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const other = server.createSession({ mediaMode: 'relayed' });
  const bystander = await joined(t, server, other.sessionId);
  const heavy = await joined(t, server, sessionId);
  // The old store took ~3 s at 10000 x 10000 (quadratic: every stream's removal scanned every peer); ~0.1-0.3 s now.
  const N = 10_000;
  for (let i = 0; i < N - 1; i++) heavy.client.sendRaw(JSON.stringify({ type: 'publish', id: `p${i}` }));
  const last = await heavy.client.request('publish', {}, 30_000);
  if (last.type !== 'ack') throw new Error(`publish refused: ${last.message}`);
  const subscriber = await joined(t, server, sessionId);
  for (let i = 0; i < N - 1; i++) subscriber.client.sendRaw(JSON.stringify({ type: 'subscribe', id: `s${i}`, streamId: last['streamId'] }));
  t.is((await subscriber.client.request('subscribe', { streamId: last['streamId'] }, 30_000)).type, 'ack');
  const started = performance.now();
  // disconnect: torn down at once (a dropped socket would be kept for a reconnection first).
  heavy.client.sendRaw(JSON.stringify({ type: 'disconnect', id: 'bye' }));
  subscriber.client.sendRaw(JSON.stringify({ type: 'disconnect', id: 'bye' }));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const { ms, body } = await health(server.url);
  const elapsed = performance.now() - started;
  t.log(`teardown of ${N} streams + ${N} subscriptions: /health answered ${Math.round(elapsed)} ms after the close (request ${Math.round(ms)} ms)`);
  t.true(elapsed < 1500, `${elapsed} ms`);
  t.is(body['connections'], 1);
  t.is(server.store.getSession(sessionId)!.connections.size, 0);
  t.is(server.store.getSession(sessionId)!.streams.size, 0);
  t.is(server.store.getSession(sessionId)!.peers.size, 0);
  // Several liveness periods later the other session's client is still there.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  t.is(server.connectionCount, 1);
  t.is(bystander.client.ws.readyState, WebSocket.OPEN);
});

test.serial('a client that does not read is closed with 4007 once maxBufferedBytes wait for it; the others go on', async (t) => {
  const lines: string[] = [];
  const server = await startServer(t, {
    log: (line) => lines.push(line), limits: { maxBufferedBytes: 256 * 1024, messagesPerSecond: 10_000, messageBurst: 10_000 },
  });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const talker = await joined(t, server, sessionId);
  const reader = await joined(t, server, sessionId);
  const slow = await joined(t, server, sessionId);
  (slow.client.ws as unknown as { _socket: net.Socket })._socket.pause();
  // 8 KiB signals to everyone: the slow client's kernel buffers fill, then the server's.
  const data = 'x'.repeat(8000);
  let destroyed = false;
  void talker.client.event('connectionDestroyed', (e) => e.connectionId === slow.connectionId, 20_000).then(() => {
    destroyed = true;
  }, () => undefined);
  for (let i = 0; i < 4000 && !destroyed; i++) {
    await talker.client.ok('signal', { data });
    if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await talker.client.event('connectionDestroyed', (e) => e.connectionId === slow.connectionId, 5000).catch(() => undefined);
  t.true(destroyed || !server.store.getSession(sessionId)!.connections.has(slow.connectionId), 'the slow client was dropped');
  t.true(lines.some((l) => l.includes(`${CloseCode.SLOW_CONSUMER} more than 262144 bytes unsent`)), lines.filter((l) => l.includes('close')).join('\n'));
  t.is(server.connectionCount, 2);
  t.is(reader.client.ws.readyState, WebSocket.OPEN);
  t.is((await talker.client.request('signal', { data: 'still here' })).type, 'ack');
});

test('streams per connection (1500), subscriptions per connection, per stream per connection and per stream (1605)', async (t) => {
  const server = await startServer(t, {
    limits: { maxStreamsPerConnection: 2, maxSubscriptionsPerConnection: 3, maxSubscriptionsPerStreamPerConnection: 2, maxSubscribersPerStream: 4 },
  });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const pub = await joined(t, server, sessionId);
  const s1 = (await pub.client.ok('publish', {}))['streamId'];
  const s2 = (await pub.client.ok('publish', {}))['streamId'];
  await refusedWith(t, pub.client, 'publish', {}, ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, /2 streams/);
  const sub = await joined(t, server, sessionId);
  await sub.client.ok('subscribe', { streamId: s1 });
  await sub.client.ok('subscribe', { streamId: s1 });
  await refusedWith(t, sub.client, 'subscribe', { streamId: s1 }, ErrorCode.OTC_SUBSCRIBER_STREAM_LIMIT_EXCEEDED, /2 subscriptions to this stream/);
  const third = await sub.client.ok('subscribe', { streamId: s2 });
  await refusedWith(t, sub.client, 'subscribe', { streamId: s2 }, 1605, /3 subscriptions/);
  // Unsubscribing gives the room back.
  await sub.client.ok('unsubscribe', { peerId: third['peerId'] });
  await sub.client.ok('subscribe', { streamId: s2 });
  const sub2 = await joined(t, server, sessionId);
  await sub2.client.ok('subscribe', { streamId: s1 });
  await sub2.client.ok('subscribe', { streamId: s1 });
  const sub3 = await joined(t, server, sessionId);
  await refusedWith(t, sub3.client, 'subscribe', { streamId: s1 }, 1605, /4 subscribers/);
  // Unpublishing gives a stream back.
  await pub.client.ok('unpublish', { streamId: s2 });
  await pub.client.ok('publish', {});
});

test('connections per session, per token and per address: 1027, then close 4005 with the reason', async (t) => {
  const server = await startServer(t, { limits: { maxConnectionsPerSession: 2, maxConnectionsPerToken: 1, maxConnectionsPerAddress: 3 } });
  const a = server.createSession({ mediaMode: 'relayed' }).sessionId;
  const b = server.createSession({ mediaMode: 'relayed' }).sessionId;
  const token = server.generateToken(a);
  await joined(t, server, a, {}, token);
  const again = await openClient(t, server);
  await refusedWith(t, again, 'connect', { token }, ErrorCode.OTC_SESSION_CONNECTION_LIMIT_EXCEEDED, /token/);
  const closed = await again.waitClose();
  t.is(closed.code, CloseCode.CONNECTION_LIMIT);
  t.regex(closed.reason, /token is used by 1 connections/);
  await joined(t, server, a);
  const third = await openClient(t, server);
  await refusedWith(t, third, 'connect', { token: server.generateToken(a) }, 1027, /session has 2 connections/);
  await joined(t, server, b);
  const fourth = await openClient(t, server);
  await refusedWith(t, fourth, 'connect', { token: server.generateToken(b) }, 1027, /address has 3 connections/);
  t.is(server.connectionCount, 3);
});

test('unauthenticated sockets per address are refused beyond the limit, and a silent WebSocket is closed at the connect deadline', async (t) => {
  const server = await startServer(t, { limits: { maxUnauthenticatedPerAddress: 4, connectTimeoutMs: 300 } });
  const idle = await Promise.all([1, 2, 3, 4].map(() => new Promise<net.Socket>((resolve) => {
    const s = net.connect(server.port, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
  })));
  t.teardown(() => idle.forEach((s) => s.destroy()));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const fifth = await rawExchange(server.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', 2000);
  t.is(fifth, '', 'the fifth socket is dropped unanswered');
  idle.forEach((s) => s.destroy());
  await new Promise((resolve) => setTimeout(resolve, 100));
  const ws = await openClient(t, server);
  const closed = await ws.waitClose(10_000);
  t.is(closed.code, CloseCode.CONNECT_TIMEOUT);
  t.is(closed.reason, 'connect timeout');
});

test('an oversized message closes with 1009 and a reason naming the limit; too many messages a second close with 4006', async (t) => {
  const server = await startServer(t, { limits: { maxMessageBytes: 4096, messagesPerSecond: 5, messageBurst: 20 } });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const big = await openClient(t, server);
  big.sendRaw('x'.repeat(5000));
  const closed = await big.waitClose();
  t.is(closed.code, CloseCode.MESSAGE_TOO_BIG);
  t.is(closed.reason, 'message larger than 4096 bytes before connect');
  const connectedBig = await joined(t, server, sessionId);
  connectedBig.client.sendRaw(JSON.stringify({ type: 'signal', id: '1', data: 'x'.repeat(5000) }));
  t.deepEqual(await connectedBig.client.waitClose(), { code: CloseCode.MESSAGE_TOO_BIG, reason: 'message larger than 4096 bytes' });
  // Before connect a message may be 32 KiB at most (a stranger's socket costs no more); after, the server's limit.
  const server2 = await startServer(t);
  const stranger = await openClient(t, server2);
  stranger.sendRaw('x'.repeat(40 * 1024));
  t.deepEqual(await stranger.waitClose(), { code: CloseCode.MESSAGE_TOO_BIG, reason: 'message larger than 32768 bytes before connect' });
  const member = await joined(t, server2, server2.createSession({ mediaMode: 'relayed' }).sessionId);
  t.like(await member.client.request('signal', { data: 'x'.repeat(100 * 1024) }), { type: 'error', code: ErrorCode.OTC_SESSION_SIGNAL_DATA_TOO_LONG });
  const chatty = await joined(t, server, sessionId);
  for (let i = 0; i < 40; i++) chatty.client.sendRaw(JSON.stringify({ type: 'signal', id: `x${i}`, data: 'hi' }));
  const flooded = await chatty.client.waitClose();
  t.is(flooded.code, CloseCode.RATE_LIMITED);
  t.is(flooded.reason, 'more than 5 messages per second');
  const acks = chatty.client.received.filter((m) => m.type === 'ack').length;
  t.true(acks >= 19 && acks <= 22, `${acks} requests served before the close`);
});

test('REST: a short-lived client token is not a credential (403); a bad %-escape is 400; per-address rate 429; session cap 429', async (t) => {
  const server = await startServer(t, { limits: { restRequestsPerSecondPerAddress: 1, restBurstPerAddress: 8, maxSessions: 2 } });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const clientToken = server.generateToken(sessionId, { expireTime: Math.round(Date.now() / 1000) + 200 });
  const get = (path: string, auth: string): Promise<Response> => fetch(`${server.url}${path}`, { headers: { 'X-OPENTOK-AUTH': auth } });
  const refusedToken = await get(`/v2/project/${server.apiKey}/session/${sessionId}`, clientToken);
  t.is(refusedToken.status, 403);
  t.regex(((await refusedToken.json()) as { message: string }).message, /client token/);
  // A REST JWT with client-token claims added is refused too.
  const now = Math.floor(Date.now() / 1000);
  const mixed = jwt.sign({ iss: server.apiKey, ist: 'project', iat: now, exp: now + 200, scope: 'session.connect' }, server.apiSecret);
  t.is((await get(`/v2/project/${server.apiKey}/session/${sessionId}`, mixed)).status, 403);
  const auth = signRestAuth(server.apiKey, server.apiSecret);
  t.is((await get(`/v2/project/${server.apiKey}/session/${sessionId}`, auth)).status, 200);
  const bad = await get(`/v2/project/${server.apiKey}/session/%E0%A4%A`, auth);
  t.is(bad.status, 400);
  t.regex(((await bad.json()) as { message: string }).message, /%-escape/);
  const create = (): Promise<Response> => fetch(`${server.url}/session/create`, {
    method: 'POST', headers: { 'X-OPENTOK-AUTH': auth, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'p2p.preference=enabled',
  });
  t.is((await create()).status, 200);
  const capped = await create();
  t.is(capped.status, 429);
  t.regex(((await capped.json()) as { message: string }).message, /2 sessions/);
  // The burst is spent by now: 429 with Retry-After; /health stays exempt.
  const burst = await Promise.all(Array.from({ length: 30 }, () => get('/nope', auth)));
  const limited = burst.find((res) => res.status === 429);
  t.truthy(limited, 'rate limited within the burst');
  t.is(limited?.headers.get('retry-after'), '1');
  t.is((await fetch(`${server.url}/health`)).status, 200);
});

test('a publisheronly token may publish but not subscribe (1004)', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const pub = await joined(t, server, sessionId);
  const streamId = (await pub.client.ok('publish', {}))['streamId'];
  const only = await joined(t, server, sessionId, {}, server.generateToken(sessionId, { role: 'publisheronly' }));
  t.like(await only.client.request('subscribe', { streamId }),
    { type: 'error', code: ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE, message: 'a publisheronly token may not subscribe' });
  t.is((await only.client.request('publish', {})).type, 'ack');
});

test('log lines never carry control characters from clients, and client text is capped', async (t) => {
  const lines: string[] = [];
  const server = await startServer(t, { log: (line) => lines.push(line) });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const nasty = '\u001b[2J\r\nFAKE 2026 connect ok\u0007\u2028\u202e';
  const stranger = await openClient(t, server);
  await stranger.request('connect', { token: `T1==${Buffer.from(`partner_id=${nasty}&sig=${nasty}:${nasty}`).toString('base64')}` });
  const other = await openClient(t, server);
  await other.request('connect', { token: jwt.sign({ iss: nasty, ist: 'project', role: nasty }, 'x'.repeat(4000)) });
  const member = await joined(t, server, sessionId);
  member.client.sendRaw(JSON.stringify({ type: nasty.repeat(50), id: '1' }));
  await member.client.waitClose();
  t.true(lines.length >= 3);
  for (const line of lines) t.false(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/.test(line), JSON.stringify(line));
  t.is(forLog('a\nb\u001b'), 'a\\x0ab\\x1b');
  t.is(forLog('x'.repeat(300)), `${'x'.repeat(200)}…(+100)`);
});

test('limits: defaults, overrides, and refusal of nonsense', (t) => {
  t.is(resolveLimits().maxStreamsPerConnection, DEFAULT_LIMITS.maxStreamsPerConnection);
  t.is(resolveLimits({ maxSessions: 3 }).maxSessions, 3);
  t.throws(() => resolveLimits({ maxSessions: 0 }), { message: /positive integer/ });
  t.throws(() => resolveLimits({ maxSessions: 1.5 }), { message: /positive integer/ });
  t.throws(() => resolveLimits({ nope: 1 } as never), { message: /unknown limit nope/ });
  t.is(TestClient.name, 'TestClient');
});

test('serve --limit NAME=N flags', (t) => {
  t.deepEqual(limitsFromFlags({ limit: ['maxStreamsPerConnection=4', 'maxBufferedBytes=1048576'] }),
    { maxStreamsPerConnection: 4, maxBufferedBytes: 1048576 });
  t.deepEqual(limitsFromFlags({}), {});
  t.throws(() => limitsFromFlags({ limit: ['maxStreams=4'] }), { instanceOf: UsageError, message: /unknown limit maxStreams/ });
  t.throws(() => limitsFromFlags({ limit: ['maxSessions=-1'] }), { instanceOf: UsageError, message: /NAME=N/ });
  t.throws(() => limitsFromFlags({ limit: ['maxSessions=0'] }), { instanceOf: UsageError, message: /positive integer/ });
});

test('admission: a connection on a TLS socket releases the unauthenticated count of the TCP socket it wraps', async (t) => {
  const admission = new Admission(resolveLimits({ maxUnauthenticatedPerAddress: 2 }));
  const accepted: net.Socket[] = [];
  const listener = net.createServer((s) => accepted.push(s));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  t.teardown(() => listener.close());
  const port = (listener.address() as net.AddressInfo).port;
  const clients = [net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1')];
  t.teardown(() => clients.forEach((c) => c.destroy()));
  while (accepted.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
  t.is(admission.admitSocket(accepted[0]!), undefined);
  t.is(admission.admitSocket(accepted[1]!), undefined);
  t.regex(admission.admitSocket(accepted[2]!) ?? '', /2 unauthenticated sockets/);
  const wrapped = new tls.TLSSocket(accepted[0]!, { isServer: true });
  t.true(admission.admitConnection(wrapped, 'token').ok);
  t.is(admission.unauthenticated, 1);
  t.is(admission.admitSocket(accepted[2]!), undefined);
  accepted[1]!.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.is(admission.unauthenticated, 1);
});
