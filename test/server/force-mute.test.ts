// Forced muting (docs/protocol.md, "Forced muting"): moderators only, muteForced to the owner of
// each stream concerned and nobody else, the session's mute state (forceMuteChanged to everyone,
// later publishes muted, the connect ack's forceMuteActive), bounded excludedStreamIds, the REST
// endpoints as the real `opentok` SDK calls them, and the state surviving a restart (`--data`).
import * as path from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { ErrorCode } from '../../lib/error-code';
import { MAX_EXCLUDED_STREAM_IDS } from '../../lib/protocol/messages';
import { SessionServer, signRestAuth } from '../../lib/server/index';
import { DATABASE_FILE } from '../../lib/server/store/database';
import { MIGRATIONS } from '../../lib/server/store/migrations';
import { TestClient } from './helpers/client';
import { OpenTok } from './helpers/opentok';
import { type Joined, joined, joinedAsModerator, publishStream, startServer } from './helpers/server';
import { tempDir } from '../helpers/temp-dir';

// The SDK's error classes (untyped): a 404 is its NotFoundError.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { NotFoundError } = require('opentok/lib/errors') as { NotFoundError: new () => Error };



/** Sends a signal from `from` to everyone and waits until each of `all` has it: whatever was sent before has arrived. */
async function settle(from: Joined, all: Joined[]): Promise<void> {
  const marker = `m${Math.random().toString(36).slice(2)}`;
  await from.client.ok('signal', { signalType: marker });
  for (const who of all) await who.client.event('signal', (e) => e.signalType === marker);
}

function mutes(who: Joined): Array<Record<string, unknown>> {
  return who.client.received.filter((m) => m.type === 'muteForced') as unknown as Array<Record<string, unknown>>;
}

function changes(who: Joined): unknown[] {
  return who.client.received.filter((m) => m.type === 'forceMuteChanged').map((m) => (m as { active: boolean }).active);
}

test('non-moderators are refused with 1540; an unknown stream is 1540 too; nothing is sent', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const pub = await joined(t, server, sessionId);
  const streamId = await publishStream(pub);
  for (const role of ['publisher', 'subscriber', 'publisheronly'] as const) {
    const who = await joined(t, server, sessionId, {}, server.generateToken(sessionId, { role }));
    for (const [type, fields] of [['forceMuteStream', { streamId }], ['forceMuteAll', {}], ['disableForceMute', {}]] as const) {
      const reply = await who.client.request(type, fields);
      t.like(reply, { type: 'error', code: ErrorCode.OTC_UNABLE_TO_FORCE_MUTE }, `${role} ${type}`);
      t.regex((reply as { message: string }).message, /moderator/);
    }
  }
  const mod = await joinedAsModerator(t, server, sessionId);
  const unknown = await mod.client.request('forceMuteStream', { streamId: 's-no-such-stream' });
  t.like(unknown, { type: 'error', code: ErrorCode.OTC_UNABLE_TO_FORCE_MUTE });
  t.regex((unknown as { message: string }).message, /no such stream/);
  // A stream of another session is unknown here.
  const other = server.createSession({ mediaMode: 'relayed' }).sessionId;
  const elsewhere = await publishStream(await joined(t, server, other));
  t.like(await mod.client.request('forceMuteStream', { streamId: elsewhere }), { type: 'error', code: ErrorCode.OTC_UNABLE_TO_FORCE_MUTE });
  await settle(mod, [pub, mod]);
  t.deepEqual(mutes(pub), []);
  t.deepEqual(changes(pub), []);
  t.is(server.store.getSession(sessionId)!.forceMute, null);
});

test('forceMuteStream sends muteForced to the stream\'s owner only, the moderator\'s own stream included', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const b = await joined(t, server, sessionId);
  const mod = await joinedAsModerator(t, server, sessionId);
  const streamA = await publishStream(a, 'a');
  await publishStream(b, 'b');
  const streamMod = await publishStream(mod, 'mod');
  await mod.client.ok('forceMuteStream', { streamId: streamA });
  t.deepEqual(await a.client.event('muteForced'), { type: 'muteForced', streamId: streamA });
  await mod.client.ok('forceMuteStream', { streamId: streamMod });
  t.deepEqual(await mod.client.event('muteForced'), { type: 'muteForced', streamId: streamMod });
  await settle(mod, [a, b, mod]);
  t.is(mutes(a).length, 1);
  t.deepEqual(mutes(b), []);
  t.is(mutes(mod).length, 1);
  t.deepEqual([...changes(a), ...changes(b), ...changes(mod)], [], 'one stream muted: no change of the session\'s state');
  t.is(server.store.getSession(sessionId)!.forceMute, null);
});

test('forceMuteAll: forceMuteChanged to all, muteForced{all} to owners of streams not excluded; later publishes muted; disable stops it', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const b = await joined(t, server, sessionId);
  const watcher = await joined(t, server, sessionId, {}, server.generateToken(sessionId, { role: 'subscriber' }));
  const mod = await joinedAsModerator(t, server, sessionId);
  const a1 = await publishStream(a, 'a1');
  const a2 = await publishStream(a, 'a2');
  const b1 = await publishStream(b, 'b1');
  await mod.client.ok('forceMuteAll', { excludedStreamIds: [a2, 's-not-a-stream'] });
  for (const who of [a, b, watcher, mod]) t.deepEqual(await who.client.event('forceMuteChanged'), { type: 'forceMuteChanged', active: true });
  t.deepEqual(await a.client.event('muteForced'), { type: 'muteForced', streamId: a1, all: true });
  t.deepEqual(await b.client.event('muteForced'), { type: 'muteForced', streamId: b1, all: true });
  await settle(mod, [a, b, watcher, mod]);
  t.deepEqual(mutes(a).map((m) => m['streamId']), [a1], 'the excluded stream is not muted');
  t.deepEqual(mutes(watcher), []);
  t.deepEqual(mutes(mod), []);

  // Published while the state is on: muted right after its streamCreated, unless excluded.
  const b2 = await publishStream(b, 'b2');
  const created = b.client.received.findIndex((m) => m.type === 'streamCreated' && (m as { stream: { streamId: string } }).stream.streamId === b2);
  t.deepEqual(await b.client.event('muteForced', (e) => e.streamId === b2), { type: 'muteForced', streamId: b2, all: true });
  const muted = b.client.received.findIndex((m) => m.type === 'muteForced' && (m as { streamId: string }).streamId === b2);
  t.true(created >= 0 && muted > created, 'muteForced follows the stream\'s streamCreated');

  // A joiner's ack says the state is on.
  const late = await joined(t, server, sessionId);
  t.is((late.client.received[0] as { forceMuteActive?: boolean }).forceMuteActive, true);

  // A second forceMuteAll replaces the excluded set and mutes again.
  await mod.client.ok('forceMuteAll', { excludedStreamIds: [a1] });
  t.deepEqual(await a.client.event('muteForced', (e) => e.streamId === a2), { type: 'muteForced', streamId: a2, all: true });
  await b.client.event('muteForced', (e) => e.streamId === b1);
  await b.client.event('muteForced', (e) => e.streamId === b2);
  await settle(mod, [a, b]);
  t.deepEqual(mutes(a).map((m) => m['streamId']), [a1, a2]);
  t.deepEqual([...server.store.getSession(sessionId)!.forceMute!], [a1]);

  await mod.client.ok('disableForceMute');
  for (const who of [a, b, watcher, mod, late]) t.deepEqual(await who.client.event('forceMuteChanged', (e) => !e.active), { type: 'forceMuteChanged', active: false });
  const b3 = await publishStream(b, 'b3');
  await settle(mod, [a, b, late]);
  t.false(mutes(b).some((m) => m['streamId'] === b3), 'published after disableForceMute: not muted');
  t.is(mutes(a).length, 2, 'disabling unmutes nobody and mutes nobody');
  const after = await joined(t, server, sessionId);
  t.false('forceMuteActive' in (after.client.received[0] as object));
  t.false('forceMuteActive' in (a.client.received[0] as object), 'no forceMuteActive before the state was on');
});

test('malformed or oversized excludedStreamIds are 1011 and change nothing; forceMute requests count against the rate limit', async (t) => {
  const server = await startServer(t, { limits: { messagesPerSecond: 1, messageBurst: 20 } });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const mod = await joinedAsModerator(t, server, sessionId);
  const bad: unknown[] = [
    'a-string', 42, { 0: 'x' }, [42], [''], ['x'.repeat(129)], [null],
    Array.from({ length: MAX_EXCLUDED_STREAM_IDS + 1 }, (_, i) => `s-${i}`),
  ];
  for (const excludedStreamIds of bad) {
    const reply = await mod.client.request('forceMuteAll', { excludedStreamIds });
    t.like(reply, { type: 'error', code: ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER }, JSON.stringify(excludedStreamIds).slice(0, 80));
  }
  t.like(await mod.client.request('forceMuteStream', {}), { type: 'error', code: ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER });
  t.like(await mod.client.request('forceMuteStream', { streamId: 'x'.repeat(129) }), { type: 'error', code: ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER });
  t.is(server.store.getSession(sessionId)!.forceMute, null);
  t.false(mod.client.has('forceMuteChanged'));
  // The largest list accepted.
  await mod.client.ok('forceMuteAll', { excludedStreamIds: Array.from({ length: MAX_EXCLUDED_STREAM_IDS }, (_, i) => `s-${i}`.padEnd(128, 'x')) });
  t.is(server.store.getSession(sessionId)!.forceMute!.size, MAX_EXCLUDED_STREAM_IDS);
  // 12 requests so far; the burst of 20 runs out within the next ones and the socket is closed.
  for (let i = 0; i < 20; i++) mod.client.sendRaw(JSON.stringify({ type: 'disableForceMute', id: `flood-${i}` }));
  t.is((await mod.client.waitClose()).code, 4006);
});

test('the REST endpoints, called by the opentok SDK, produce the same events; unknown session or stream is 404, a bad body 400', async (t) => {
  const server = await startServer(t);
  const ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url }) as unknown as {
    forceMuteStream(sessionId: string, streamId: string, cb: (err: Error | null) => void): void;
    forceMuteAll(sessionId: string, opts: Record<string, unknown>, cb: (err: Error | null) => void): void;
    disableForceMute(sessionId: string, cb: (err: Error | null) => void): void;
  };
  const call = (run: (cb: (err: Error | null) => void) => void): Promise<Error | null> => new Promise((resolve) => run(resolve));
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const b = await joined(t, server, sessionId);
  const a1 = await publishStream(a);
  const b1 = await publishStream(b);

  t.is(await call((cb) => ot.forceMuteStream(sessionId, b1, cb)), null);
  t.deepEqual(await b.client.event('muteForced'), { type: 'muteForced', streamId: b1 });
  await settle(b, [a]);
  t.deepEqual(mutes(a), []);

  t.is(await call((cb) => ot.forceMuteAll(sessionId, { excludedStreamIds: [b1] }, cb)), null);
  for (const who of [a, b]) t.like(await who.client.event('forceMuteChanged'), { active: true });
  t.deepEqual(await a.client.event('muteForced'), { type: 'muteForced', streamId: a1, all: true });
  await settle(a, [b]);
  t.is(mutes(b).length, 1, 'the excluded stream is not muted again');
  t.is(((await joined(t, server, sessionId)).client.received[0] as { forceMuteActive?: boolean }).forceMuteActive, true);

  t.is(await call((cb) => ot.disableForceMute(sessionId, cb)), null);
  for (const who of [a, b]) t.like(await who.client.event('forceMuteChanged', (e) => !e.active), { active: false });
  t.is(server.store.getSession(sessionId)!.forceMute, null);

  // Errors the SDK reports: unknown stream and session (404).
  const missing = await call((cb) => ot.forceMuteStream(sessionId, 's-unknown', cb));
  t.true(missing instanceof NotFoundError, String(missing));
  const other = server.createSession({ mediaMode: 'relayed' }).sessionId.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  t.true((await call((cb) => ot.disableForceMute(other, cb))) instanceof NotFoundError);

  // Raw: bad bodies, wrong method, no auth.
  const url = `${server.url}/v2/project/${server.apiKey}/session/${sessionId}/mute`;
  const post = async (body: string, headers: Record<string, string> = {}, method = 'POST'): Promise<number> => {
    const res = await fetch(url, {
      method, body: method === 'GET' ? null : body, signal: AbortSignal.timeout(5000),
      headers: { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, server.apiSecret), 'Content-Type': 'application/json', ...headers },
    });
    await res.text();
    return res.status;
  };
  t.is(await post('{}'), 400, 'active missing');
  t.is(await post('{"active":"yes"}'), 400);
  t.is(await post('{"active":true,"excludedStreamIds":"s-1"}'), 400);
  t.is(await post(JSON.stringify({ active: true, excludedStreamIds: Array.from({ length: MAX_EXCLUDED_STREAM_IDS + 1 }, (_, i) => `s${i}`) })), 400);
  t.is(await post('[true]'), 400);
  t.is(await post('not json'), 400);
  t.is(await post('{"active":true}', { 'Content-Type': 'text/plain' }), 415);
  t.is(await post('{"active":true}', { 'X-OPENTOK-AUTH': 'nope' }), 403);
  t.is(await post('', {}, 'GET'), 405);
  t.is(server.store.getSession(sessionId)!.forceMute, null, 'no refused request changed the state');
  t.false(a.client.has('forceMuteChanged'));
});

test('with a data directory the mute state and its exclusions survive a restart: joiners and reconnections see it, new streams are muted', async (t) => {
  const dataDir = tempDir(t, 'otc-mute-');
  const first = await SessionServer.start({ apiKey: '47000001', apiSecret: 'a'.repeat(40), dataDir });
  const { port } = first;
  const { sessionId } = first.createSession({ mediaMode: 'relayed' });
  const pub = await TestClient.open(first.signalingUrl);
  t.teardown(() => pub.close());
  const ack = await pub.connect(first.generateToken(sessionId));
  const kept = (await pub.ok('publish', { name: 'kept' }))['streamId'] as string;
  const mod = await TestClient.open(first.signalingUrl);
  t.teardown(() => mod.close());
  await mod.connect(first.generateToken(sessionId, { role: 'moderator' }));
  await mod.ok('forceMuteAll', { excludedStreamIds: [kept] });
  await pub.event('forceMuteChanged');
  await first.close();

  const second = await SessionServer.start({ dataDir, port });
  t.teardown(() => second.close());
  t.deepEqual([...second.store.getSession(sessionId)!.forceMute!], [kept]);
  const back = await TestClient.open(second.signalingUrl);
  t.teardown(() => back.close());
  const again = await back.connect(second.generateToken(sessionId), { reconnect: { connectionId: ack.connectionId, reconnectToken: ack.reconnectToken } });
  t.like(again, { reconnected: true, forceMuteActive: true });
  const joiner = await TestClient.open(second.signalingUrl);
  t.teardown(() => joiner.close());
  t.is((await joiner.connect(second.generateToken(sessionId))).forceMuteActive, true);
  const fresh = (await back.ok('publish', { name: 'new' }))['streamId'] as string;
  t.deepEqual(await back.event('muteForced'), { type: 'muteForced', streamId: fresh, all: true });
  t.false(back.received.some((m) => m.type === 'muteForced' && (m as { streamId: string }).streamId === kept));

  // Turned off, and that survives too.
  const mod2 = await TestClient.open(second.signalingUrl);
  t.teardown(() => mod2.close());
  await mod2.connect(second.generateToken(sessionId, { role: 'moderator' }));
  await mod2.ok('disableForceMute');
  await second.close();
  const third = await SessionServer.start({ dataDir, port });
  t.teardown(() => third.close());
  t.is(third.store.getSession(sessionId)!.forceMute, null);
});

test('a data directory of schema 2 (before forced muting) is migrated: its sessions have the mute state off', async (t) => {
  const dataDir = tempDir(t, 'otc-mute-');
  const old = new Database(path.join(dataDir, DATABASE_FILE));
  for (const migration of MIGRATIONS.slice(0, 2)) old.exec(migration);
  old.pragma('user_version = 2');
  old.prepare("INSERT INTO sessions (session_id, media_mode, archive_mode, e2ee, location, create_time) VALUES ('1_old', 'relayed', 'manual', 0, '', 1)").run();
  old.close();
  const server = await SessionServer.start({ apiKey: '47000001', apiSecret: 'a'.repeat(40), dataDir });
  t.teardown(() => server.close());
  t.is(server.store.getSession('1_old')!.forceMute, null);
  server.store.setForceMute(server.store.getSession('1_old')!, ['s-1']);
  t.deepEqual([...server.store.getSession('1_old')!.forceMute!], ['s-1']);
});
