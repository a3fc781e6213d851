// Several session servers of one deployment through one Redis (cluster mode, `serve --redis`),
// in one Node process on loopback: a session is served by its home process, clients and REST
// calls that reach another process are relayed there, and a session whose home leaves is taken
// over by the next process asked for it, its connections read back from Redis for their clients
// to reconnect to. (The multi-process test with a kill is test/topology/cluster.test.ts.)
import test, { type ExecutionContext } from 'ava';
import { RedisLink } from '../../lib/server/cluster/redis-link';
import { RelayAuth } from '../../lib/server/cluster/relay-auth';
import { SessionServer, type SessionServerOptions } from '../../lib/server/index';
import { signRestAuth } from '../../lib/server/rest-auth';
import { mintSessionId } from '../../lib/server/session-id';
import { type RedisServer, startRedis } from '../helpers/redis-server';
import { TestClient } from './helpers/client';
import { openTokFor, sdkCall } from './helpers/opentok';

// The SDK's classes (CommonJS; its types are not needed beyond what the test calls).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Video } = require('@vonage/video') as {
  Video: new (auth: { applicationId: string; privateKey: string }, config: { videoHost: string }) => {
    createSession(opts?: Record<string, unknown>): Promise<{ sessionId: string }>;
    generateClientToken(sessionId: string, opts?: Record<string, unknown>): string;
  };
};

const API_KEY = '47000021';
const API_SECRET = 'c'.repeat(40);

let redis: RedisServer;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

async function member(t: ExecutionContext, opts: SessionServerOptions = {}): Promise<SessionServer> {
  const server = await SessionServer.start({ apiKey: API_KEY, apiSecret: API_SECRET, cluster: { redisUrl: redis.url }, ...opts });
  t.teardown(() => server.close());
  return server;
}

type Joined = { client: TestClient; connectionId: string; reconnectToken: string };

async function join(t: ExecutionContext, via: SessionServer, sessionId: string, token = via.generateToken(sessionId)): Promise<Joined> {
  const client = await TestClient.open(via.signalingUrl);
  t.teardown(() => client.close());
  const ack = await client.connect(token);
  return { client, connectionId: ack.connectionId, reconnectToken: (ack as unknown as { reconnectToken: string }).reconnectToken };
}

/** POST /session/create with the project's credentials and `form`. */
function createThroughRest(server: SessionServer, form: string): Promise<Response> {
  return fetch(`${server.url}/session/create`, {
    method: 'POST', headers: { 'X-OPENTOK-AUTH': signRestAuth(API_KEY, API_SECRET), Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form,
  });
}

/** Two processes, a relayed session made on `a` (its home), one client joined through each. */
async function joinedOnTwoProcesses(t: ExecutionContext): Promise<{ a: SessionServer; b: SessionServer; sessionId: string; one: Joined; two: Joined }> {
  const a = await member(t);
  const b = await member(t);
  const { sessionId } = a.createSession({ mediaMode: 'relayed' });
  return { a, b, sessionId, one: await join(t, a, sessionId), two: await join(t, b, sessionId) };
}

async function health(server: SessionServer): Promise<Record<string, number | string>> {
  return await (await fetch(`${server.url}/health`)).json() as Record<string, number | string>;
}

test.serial('clients of one session on two processes see each other: connections, signals, streams (relayed to the home)', async (t) => {
  const { a, b, one, two } = await joinedOnTwoProcesses(t);
  const created = await one.client.event('connectionCreated', (e) => e.connection.connectionId === two.connectionId);
  t.is(created.connection.connectionId, two.connectionId);
  await two.client.ok('signal', { data: 'hello across processes', signalType: 'chat' });
  const signal = await one.client.event('signal');
  t.is(signal.data, 'hello across processes');
  t.is(signal.from, two.connectionId);
  const streamId = (await two.client.ok('publish', { name: 'cam' }))['streamId'] as string;
  const stream = await one.client.event('streamCreated');
  t.is(stream.stream.streamId, streamId);
  t.like(await health(a), { homedSessions: 1, relayedSockets: 0, connections: 2 });
  // The relayed client is no stranger's socket at b any more: the one counted is the /health request's own.
  t.like(await health(b), { homedSessions: 0, relayedSockets: 1, connections: 0, unauthenticatedSockets: 1 });
  // Past its token check a relayed client may send messages of the full size, as a direct one may
  // (here a signal over the 8 KiB a signal's data may hold: refused by the home, the socket stays).
  const big = await two.client.request('signal', { data: 'x'.repeat(40 * 1024) });
  t.like(big, { type: 'error' });
  await two.client.ok('signal', { data: 'still here' });
  t.is((await one.client.event('signal', (e) => e.data === 'still here')).from, two.connectionId);
});

test.serial('REST calls reaching another process are served by the session\'s home (opentok SDK: signal, listStreams, forceDisconnect)', async (t) => {
  const a = await member(t);
  const b = await member(t);
  const { sessionId } = a.createSession({ mediaMode: 'routed' });
  const one = await join(t, a, sessionId);
  const streamId = (await one.client.ok('publish', { name: 'cam' }))['streamId'] as string;
  const viaB = openTokFor({ apiKey: API_KEY, apiSecret: API_SECRET, url: b.url });
  const [listError, list] = await sdkCall(viaB, 'listStreams', sessionId);
  t.is(listError, null);
  t.deepEqual((list as Array<{ id: string }>).map((s) => s.id), [streamId]);
  const [signalError] = await sdkCall(viaB, 'signal', sessionId, null, { type: 'note', data: 'from REST via b' });
  t.is(signalError, null);
  t.is((await one.client.event('signal')).data, 'from REST via b');
  const [kickError] = await sdkCall(viaB, 'forceDisconnect', sessionId, one.connectionId);
  t.is(kickError, null);
  t.is((await one.client.waitClose()).code, 4009);
});

test.serial('a session made on one process is known to the others; an unknown one is refused (1005) wherever asked', async (t) => {
  const a = await member(t);
  const b = await member(t);
  const response = await createThroughRest(b, 'p2p.preference=enabled');
  t.is(response.status, 200);
  const [{ session_id: sessionId }] = await response.json() as Array<{ session_id: string }>;
  const one = await join(t, a, sessionId);
  t.truthy(one.connectionId);
  t.like(await health(b), { homedSessions: 1 });
  // Archives need one process that sees every recording: a cluster refuses archiveMode "always" clearly.
  const always = await createThroughRest(a, 'archiveMode=always');
  t.is(always.status, 501);
  t.regex(((await always.json()) as { message: string }).message, /not available in a cluster/);
  const unknown = b.generateToken(mintSessionId(API_KEY, ''));
  const stray = await TestClient.open(a.signalingUrl);
  t.teardown(() => stray.close());
  const reply = await stray.request('connect', { token: unknown });
  t.like(reply, { type: 'error', code: 1005 });
  t.is((await stray.waitClose()).code, 4001);
});

test.serial('the home leaves: the next process asked takes the session over from Redis and its clients reconnect with the same ids', async (t) => {
  const { a, b, sessionId, one, two } = await joinedOnTwoProcesses(t);
  const streamId = (await one.client.ok('publish', { name: 'cam' }))['streamId'] as string;
  await two.client.event('streamCreated');
  await a.close();
  t.is((await one.client.waitClose()).code, 4004);
  t.is((await two.client.waitClose()).code, 4004);
  const back1 = await TestClient.open(b.signalingUrl);
  t.teardown(() => back1.close());
  const ack1 = await back1.connect(b.generateToken(sessionId), { reconnect: { connectionId: one.connectionId, reconnectToken: one.reconnectToken } });
  t.is(ack1.connectionId, one.connectionId);
  t.deepEqual(ack1.streams.map((s) => s.streamId), [streamId]);
  const back2 = await TestClient.open(b.signalingUrl);
  t.teardown(() => back2.close());
  const ack2 = await back2.connect(b.generateToken(sessionId), { reconnect: { connectionId: two.connectionId, reconnectToken: two.reconnectToken } });
  t.is(ack2.connectionId, two.connectionId);
  await back2.ok('signal', { data: 'after the takeover' });
  t.is((await back1.event('signal')).data, 'after the takeover');
  t.like(await health(b), { homedSessions: 1, connections: 2 });
});

test.serial('one cluster, one set of credentials: an application made through one process works with @vonage/video on another', async (t) => {
  const a = await member(t);
  const b = await member(t, { apiKey: undefined, apiSecret: undefined });
  t.is(b.apiKey, API_KEY, 'the second process adopts the credentials kept in Redis');
  t.is(b.apiSecret, API_SECRET);
  await t.throwsAsync(SessionServer.start({ apiKey: '47000022', cluster: { redisUrl: redis.url } }), { message: /belongs to API key 47000021/ });
  const app = await a.applications.create('cluster app');
  // The other process hears of it through Redis (a change note), at once or nearly.
  for (let i = 0; i < 100 && !b.applications.get(app.applicationId); ++i) await new Promise((resolve) => setTimeout(resolve, 20));
  const video = new Video({ applicationId: app.applicationId, privateKey: app.privateKey }, { videoHost: b.url });
  const { sessionId } = await video.createSession({ mediaMode: 'enabled' });
  const one = await join(t, a, sessionId, video.generateClientToken(sessionId));
  t.truthy(one.connectionId);
});

test.serial('Redis gone: sessions served here go on; others are refused at once with "try again" (4004, 503), never a hang; close() ends', async (t) => {
  t.timeout(60_000);
  const own = await startRedis();
  t.teardown(() => own.stop());
  const a = await member(t, { cluster: { redisUrl: own.url } });
  const b = await member(t, { cluster: { redisUrl: own.url } });
  const { sessionId } = a.createSession({ mediaMode: 'relayed' });
  const one = await join(t, a, sessionId);
  const two = await join(t, a, sessionId);
  await own.stop();
  await two.client.ok('signal', { data: 'without Redis' });
  t.is((await one.client.event('signal', (e) => e.data === 'without Redis')).from, two.connectionId);
  const started = Date.now();
  const stray = await TestClient.open(b.signalingUrl);
  t.teardown(() => stray.close());
  const reply = await stray.request('connect', { token: b.generateToken(sessionId) }, 15_000);
  t.like(reply, { type: 'error', code: 2000 });
  t.is((await stray.waitClose(15_000)).code, 4004);
  const rest = await fetch(`${b.url}/v2/project/${API_KEY}/session/${sessionId}/stream`, { headers: { 'X-OPENTOK-AUTH': signRestAuth(API_KEY, API_SECRET) } });
  t.is(rest.status, 503);
  t.is(rest.headers.get('retry-after'), '1');
  t.true(Date.now() - started < 20_000, `answered in ${Date.now() - started} ms`);
  const closing = Date.now();
  await Promise.all([a.close(), b.close()]);
  t.true(Date.now() - closing < 20_000, `closed in ${Date.now() - closing} ms`);
});

test.serial('a home that stalled past its lease while another process took its session over: its writes are refused, it drops the session, its clients reconnect to the new home', async (t) => {
  const a = await member(t);
  const b = await member(t);
  const { sessionId } = a.createSession({ mediaMode: 'relayed' });
  const one = await join(t, a, sessionId);
  const streamId = (await one.client.ok('publish', { name: 'before' }))['streamId'] as string;
  // As if a had stalled for 5 s: its key expires, and b is asked for the session and takes it.
  const link = await RedisLink.connect(redis.url);
  t.teardown(() => link.close());
  await link.commands.del(`otc:proc:${String((await health(a))['processId'])}`);
  const two = await join(t, b, sessionId);
  t.like(await health(b), { homedSessions: 1 });
  // a does not know yet: its next write is refused by the fence, and it gives the session up.
  await one.client.request('publish', { name: 'after the takeover' });
  const closed = await one.client.waitClose(5000);
  t.is(closed.code, 4004);
  t.regex(closed.reason, /served by another process/);
  const stored = await link.commands.hGetAll(`otc:s:${sessionId}`);
  t.deepEqual(Object.keys(stored).filter((field) => field.startsWith('s:')), [`s:${streamId}`], 'nothing a wrote after the takeover');
  // Its client comes back (through b, or any process) to the same connection and stream.
  const back = await TestClient.open(b.signalingUrl);
  t.teardown(() => back.close());
  const ack = await back.connect(b.generateToken(sessionId), { reconnect: { connectionId: one.connectionId, reconnectToken: one.reconnectToken } });
  t.is(ack.connectionId, one.connectionId);
  t.deepEqual(ack.streams.map((s) => s.streamId), [streamId]);
  t.truthy(two.connectionId);
  // a joins again at its next heartbeat and serves nothing of that session.
  for (let i = 0; i < 50 && (await health(a))['homedSessions'] !== 0; ++i) await new Promise((resolve) => setTimeout(resolve, 100));
  t.like(await health(a), { homedSessions: 0, sessions: 0 });
});

test.serial('a home that stalled past its lease while nobody asked for its sessions joins again and keeps serving them', async (t) => {
  const a = await member(t);
  const { sessionId } = a.createSession({ mediaMode: 'relayed' });
  const one = await join(t, a, sessionId);
  const two = await join(t, a, sessionId);
  const link = await RedisLink.connect(redis.url);
  t.teardown(() => link.close());
  const key = `otc:proc:${String((await health(a))['processId'])}`;
  await link.commands.del(key);
  // Its next heartbeat finds its key gone and joins again (within a second).
  for (let i = 0; i < 50 && await link.commands.exists(key) === 0; ++i) await new Promise((resolve) => setTimeout(resolve, 100));
  t.is(await link.commands.exists(key), 1);
  t.like(await health(a), { homedSessions: 1, connections: 2 });
  await two.client.ok('signal', { data: 'still served here' });
  t.is((await one.client.event('signal', (e) => e.data === 'still served here')).from, two.connectionId);
});

test('a relay header that does not verify is ignored: the socket counts as its own address and is not trusted', (t) => {
  const auth = new RelayAuth(API_SECRET);
  const header = auth.header('203.0.113.7');
  t.is(auth.verify(header), '203.0.113.7');
  t.is(new RelayAuth('another secret').verify(header), undefined);
  t.is(auth.verify(header.replace('203.0.113.7', '203.0.113.8')), undefined);
  t.is(auth.verify(auth.header('203.0.113.7', Date.now() - 120_000)), undefined);
  t.is(auth.verify(['a', 'b']), undefined);
  t.is(auth.verify('v1;;;'), undefined);
});
