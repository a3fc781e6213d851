// The server's durable session state (lib/server/store, `serve --data`): the schema from an empty
// directory, everything read back by a new store, what erases rows and what does not, the API
// credentials a directory belongs to, and a restarted in-process server that holds the restored
// connections detached (admission counts included) until their clients reconnect.
import * as fs from 'node:fs';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { SessionServer } from '../../lib/server/index';
import { SessionStore } from '../../lib/server/session-store';
import { DATABASE_FILE, DataDirError, type Db, openDatabase, schemaVersion } from '../../lib/server/store/database';
import { MIGRATIONS } from '../../lib/server/store/migrations';
import { settleCredentials } from '../../lib/server/store/credentials';
import { SessionJournal } from '../../lib/server/store/session-journal';
import { TestClient } from './helpers/client';
import { sleep } from '../helpers/wait';
import { tempDir } from '../helpers/temp-dir';

const KEY = '47000001';
const SECRET = 'a'.repeat(40);

function open(t: ExecutionContext, dir: string): Db {
  const db = openDatabase(dir);
  t.teardown(() => {
    if (db.open) db.close();
  });
  return db;
}

function count(db: Db, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

test('an empty directory gets the newest schema, WAL and synchronous=NORMAL; reopening migrates nothing; a newer schema is refused', (t) => {
  const dir = path.join(tempDir(t, 'otc-store-'), 'nested', 'data');
  const db = open(t, dir);
  t.true(fs.existsSync(path.join(dir, DATABASE_FILE)));
  t.is(fs.statSync(path.join(dir, DATABASE_FILE)).mode & 0o777, 0o600, 'the file holds the API secret: owner only');
  t.is(schemaVersion(db), MIGRATIONS.length);
  t.is(db.pragma('journal_mode', { simple: true }), 'wal');
  t.is(db.pragma('synchronous', { simple: true }), 1); // NORMAL
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
  t.deepEqual(tables, ['applications', 'archives', 'callbacks', 'connections', 'meta', 'peers', 'sessions', 'streams']);
  db.prepare("INSERT INTO meta (key, value) VALUES ('probe', 'kept')").run();
  db.close();
  const again = open(t, dir);
  t.is(schemaVersion(again), MIGRATIONS.length);
  t.is(count(again, 'meta'), 1, 'a reopened file keeps its rows: no migration ran again');
  again.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  again.close();
  t.throws(() => openDatabase(dir), { instanceOf: DataDirError, message: /newer than this server's/ });
  const notADir = path.join(tempDir(t, 'otc-store-'), 'file');
  fs.writeFileSync(notADir, 'x');
  t.throws(() => openDatabase(notADir), { instanceOf: DataDirError, message: /cannot open the data directory/ });
});

test('a new store reads back sessions, connections, streams and peers as they were, with the subscription counts', (t) => {
  const dir = tempDir(t, 'otc-store-');
  const db = open(t, dir);
  const store = new SessionStore(KEY, Infinity, new SessionJournal(db));
  const relayed = store.createSession({ mediaMode: 'relayed', e2ee: true, location: '10.1.2.3' });
  const routed = store.createSession({ mediaMode: 'routed', archiveMode: 'always' });
  const a = store.addConnection(relayed, 'publisher', 'data of a', true, { addressKey: '127.0.0.1', tokenKey: 'tok-a' });
  const b = store.addConnection(relayed, 'subscriber', 'data of b', true, { addressKey: '127.0.0.2', tokenKey: 'tok-b' });
  const r = store.addConnection(routed, 'moderator', '', false);
  const stream = store.addStream(relayed, {
    connectionId: a.info.connectionId, name: 'cam', hasAudio: true, hasVideo: false, videoType: 'screen', e2ee: true, videoCodec: 'VP9', audioCodec: 'opus',
  });
  const p1 = store.addPeer(relayed, stream, b.info.connectionId);
  const p2 = store.addPeer(relayed, stream, b.info.connectionId);
  db.close();

  const reopened = open(t, dir);
  const copy = new SessionStore(KEY, Infinity, new SessionJournal(reopened));
  const restored = copy.restore();
  t.deepEqual(restored.map((x) => [x.conn.info.connectionId, x.addressKey, x.tokenKey]),
    [[a.info.connectionId, '127.0.0.1', 'tok-a'], [b.info.connectionId, '127.0.0.2', 'tok-b'], [r.info.connectionId, '?', '?']]);
  t.is(copy.sessionCount, 2);
  const s = copy.getSession(relayed.sessionId)!;
  t.like(s, { mediaMode: 'relayed', archiveMode: 'manual', e2ee: true, location: '10.1.2.3', createTime: relayed.createTime });
  t.like(copy.getSession(routed.sessionId), { mediaMode: 'routed', archiveMode: 'always', e2ee: false });
  t.deepEqual(s.connections.get(a.info.connectionId)!.info, a.info);
  t.like(s.connections.get(b.info.connectionId), { role: 'subscriber', e2ee: true, subscriptions: 2 });
  t.is(s.connections.get(b.info.connectionId)!.subscriptionsByStream.get(stream.streamId), 2);
  t.deepEqual([...s.connections.get(a.info.connectionId)!.streams], [stream.streamId]);
  t.deepEqual([...s.connections.get(a.info.connectionId)!.peers].sort(), [p1.peerId, p2.peerId].sort());
  t.deepEqual(s.streams.get(stream.streamId), stream);
  t.deepEqual(s.peers.get(p1.peerId), p1);
  t.is(copy.subscriberCount(s, stream.streamId), 2);
  t.throws(() => copy.restore(), { message: /empty store/ });
});

test('removals erase their rows (a connection with its streams and peers); after stopJournal() nothing is erased', (t) => {
  const dir = tempDir(t, 'otc-store-');
  const db = open(t, dir);
  const store = new SessionStore(KEY, Infinity, new SessionJournal(db));
  const session = store.createSession({ mediaMode: 'relayed' });
  const a = store.addConnection(session, 'publisher', '', false);
  const b = store.addConnection(session, 'publisher', '', false);
  const c = store.addConnection(session, 'publisher', '', false);
  const info = { name: '', hasAudio: true, hasVideo: true, videoType: 'camera' as const, e2ee: false, videoCodec: 'VP8', audioCodec: 'opus' };
  const sa = store.addStream(session, { ...info, connectionId: a.info.connectionId });
  const sb = store.addStream(session, { ...info, connectionId: b.info.connectionId });
  const peer = store.addPeer(session, sa, b.info.connectionId);
  store.addPeer(session, sb, a.info.connectionId);
  store.addPeer(session, sb, c.info.connectionId);
  t.deepEqual([count(db, 'connections'), count(db, 'streams'), count(db, 'peers')], [3, 2, 3]);
  store.removePeer(session, peer.peerId);
  t.is(count(db, 'peers'), 2);
  store.removeStream(session, sb.streamId);
  t.deepEqual([count(db, 'streams'), count(db, 'peers')], [1, 0]);
  store.addPeer(session, sa, c.info.connectionId);
  store.removeConnection(session, a.info.connectionId);
  t.deepEqual([count(db, 'connections'), count(db, 'streams'), count(db, 'peers')], [2, 0, 0]);
  store.moveConnection(b, { addressKey: '10.0.0.9', tokenKey: 'moved' });
  t.like(db.prepare('SELECT address_key, token_key FROM connections WHERE connection_id = ?').get(b.info.connectionId), { address_key: '10.0.0.9', token_key: 'moved' });
  store.stopJournal();
  t.false(store.durable);
  store.removeConnection(session, b.info.connectionId);
  t.is(session.connections.size, 1, 'memory still changes');
  t.is(count(db, 'connections'), 2, 'a server shutting down keeps its connections stored');
  t.is(count(db, 'sessions'), 1);
});

test('the directory keeps the API credentials: stored the first time, used when none are given, others refused', (t) => {
  const db = open(t, tempDir(t, 'otc-store-'));
  const generate = (): { apiKey: string; apiSecret: string } => ({ apiKey: '12345678', apiSecret: 'generated' });
  t.deepEqual(settleCredentials(db, {}, generate), { apiKey: '12345678', apiSecret: 'generated' });
  t.deepEqual(settleCredentials(db, {}, () => ({ apiKey: '1', apiSecret: '2' })), { apiKey: '12345678', apiSecret: 'generated' });
  t.deepEqual(settleCredentials(db, { apiKey: '12345678', apiSecret: 'generated' }, generate), { apiKey: '12345678', apiSecret: 'generated' });
  t.throws(() => settleCredentials(db, { apiKey: '87654321' }, generate), { instanceOf: DataDirError, message: /belongs to API key 12345678/ });
  t.throws(() => settleCredentials(db, { apiSecret: 'other' }, generate), { instanceOf: DataDirError, message: /another API secret/ });
});

test('a restarted server holds the stored connections detached with their admission counts; the client reconnects within the grace', async (t) => {
  const dataDir = tempDir(t, 'otc-store-');
  const limits = { maxConnectionsPerToken: 1 };
  const first = await SessionServer.start({ apiKey: KEY, apiSecret: SECRET, dataDir, limits });
  const { port } = first;
  const { sessionId } = first.createSession({ mediaMode: 'relayed' });
  const token = first.generateToken(sessionId);
  const a = await TestClient.open(first.signalingUrl);
  t.teardown(() => a.close());
  const ack = await a.connect(token);
  const streamId = (await a.ok('publish', { name: 'kept' }))['streamId'] as string;
  await first.close();
  t.is((await a.closed).code, 4004);

  // Credentials from the directory (none given).
  const second = await SessionServer.start({ dataDir, limits, port, reconnectGraceMs: 60_000 });
  t.teardown(() => second.close());
  t.is(second.apiKey, KEY);
  t.is(second.apiSecret, SECRET);
  t.is(second.connectionCount, 0);
  t.is(second.store.getSession(sessionId)?.connections.size, 1);
  // The restored connection still holds its token's count.
  const other = await TestClient.open(second.signalingUrl);
  t.teardown(() => other.close());
  t.like(await other.request('connect', { token }), { type: 'error', code: 1027 });
  const back = await TestClient.open(second.signalingUrl);
  t.teardown(() => back.close());
  const again = await back.connect(token, { reconnect: { connectionId: ack.connectionId, reconnectToken: ack.reconnectToken } });
  t.like(again, { connectionId: ack.connectionId, reconnected: true });
  t.deepEqual(again.streams.map((s) => s.streamId), [streamId]);
  await back.ok('disconnect');
  await sleep(100);
  await second.close();
  const third = await SessionServer.start({ dataDir, port });
  t.teardown(() => third.close());
  t.is(third.store.getSession(sessionId)?.connections.size, 0, 'a disconnect erases the connection');
  await t.throwsAsync(SessionServer.start({ dataDir, apiKey: '99999999' }), { instanceOf: DataDirError });
});

test('a restored connection whose client does not come back is dropped when the grace ends, and erased', async (t) => {
  const dataDir = tempDir(t, 'otc-store-');
  const first = await SessionServer.start({ apiKey: KEY, apiSecret: SECRET, dataDir });
  const { sessionId } = first.createSession({ mediaMode: 'relayed' });
  const a = await TestClient.open(first.signalingUrl);
  t.teardown(() => a.close());
  await a.connect(first.generateToken(sessionId));
  await first.close();
  const second = await SessionServer.start({ dataDir, reconnectGraceMs: 300 });
  t.is(second.store.getSession(sessionId)?.connections.size, 1);
  const b = await TestClient.open(second.signalingUrl);
  t.teardown(() => b.close());
  await b.connect(second.generateToken(sessionId));
  t.like(await b.event('connectionDestroyed'), { reason: 'networkDisconnected' });
  t.is(second.store.getSession(sessionId)?.connections.size, 1);
  await second.close();
  const db = open(t, dataDir);
  t.is(count(db, 'connections'), 1, 'only b (kept by the shutdown) is stored');
});
