// The cluster's session journal (lib/server/cluster/redis-journal.ts) against a real
// redis-server: what a store writes through is read back, session by session, into another store
// as it was (the takeover of a session whose process died), damaged fields are skipped, removals
// erase, an abandoned session's hash expires.
import test from 'ava';
import { RedisJournal, sessionKey } from '../../lib/server/cluster/redis-journal';
import { RedisLink } from '../../lib/server/cluster/redis-link';
import { SessionStore } from '../../lib/server/session-store';
import { type RedisServer, startRedis } from '../helpers/redis-server';

const KEY = '47000041';
let redis: RedisServer;
let link: RedisLink;

test.before(async () => {
  redis = await startRedis();
  link = await RedisLink.connect(redis.url);
});
test.after.always(async () => {
  await link?.close();
  await redis?.stop();
});

function journal(ttlMs = 0, errors: Error[] = []): RedisJournal {
  return new RedisJournal(link.commands, ttlMs, (err) => errors.push(err), 'test-process');
}

test.serial('a session written through is adopted by another store as it was: connections, streams, peers, class lists, mute, admission keys, properties', async (t) => {
  const store = new SessionStore(KEY, Infinity, journal());
  const session = store.createSession({ mediaMode: 'relayed', e2ee: true, location: '10.1.2.3' });
  const other = store.createSession({ mediaMode: 'routed' });
  const a = store.addConnection(session, 'publisher', 'data of a', true, { addressKey: '127.0.0.1', tokenKey: 'tok-a' }, ['hero']);
  const b = store.addConnection(session, 'subscriber', 'data of b', true, { addressKey: '127.0.0.2', tokenKey: 'tok-b' });
  store.addConnection(other, 'publisher', '', false);
  const stream = store.addStream(session, {
    connectionId: a.info.connectionId, name: 'cam', hasAudio: true, hasVideo: true, videoType: 'camera', e2ee: true, videoCodec: 'VP8', audioCodec: 'opus',
  });
  const peer = store.addPeer(session, stream, b.info.connectionId);
  store.setStreamProperty(session, stream, { property: 'videoDimensions', value: { width: 640, height: 360 } });
  t.is(store.setStreamClassLists(session, [{ streamId: stream.streamId, classList: ['full', 'focus'] }]), undefined);
  store.setForceMute(session, [stream.streamId]);
  store.moveConnection(b, { addressKey: '127.0.0.9', tokenKey: 'tok-b2' });
  await store.flushed();

  const loaded = await journal().loadSession(session.sessionId);
  t.truthy(loaded);
  const copy = new SessionStore(KEY, Infinity, journal());
  const restored = copy.adopt(loaded!.contents);
  t.deepEqual(restored.map((r) => [r.conn.info.connectionId, r.addressKey, r.tokenKey]).sort(),
    [[a.info.connectionId, '127.0.0.1', 'tok-a'], [b.info.connectionId, '127.0.0.9', 'tok-b2']].sort());
  t.is(copy.sessionCount, 1, 'only the session asked for');
  const s = copy.getSession(session.sessionId)!;
  t.like(s, { mediaMode: 'relayed', e2ee: true, location: '10.1.2.3', createTime: session.createTime });
  t.deepEqual(s.streams.get(stream.streamId), stream);
  t.like(s.streams.get(stream.streamId), { videoWidth: 640, videoHeight: 360 });
  t.deepEqual(s.classLists.get(stream.streamId), ['full', 'focus']);
  t.deepEqual(s.peers.get(peer.peerId), peer);
  t.is(s.connections.get(b.info.connectionId)!.subscriptions, 1);
  t.deepEqual(s.connections.get(a.info.connectionId)!.layoutClassList, ['hero']);
  t.deepEqual([...s.forceMute!], [stream.streamId]);
  // Adopting again changes nothing (two placements of one session at once).
  t.deepEqual(copy.adopt(loaded!.contents), []);
});

test.serial('removals erase their fields and an expired session its hash; a damaged field is skipped, an unknown session is undefined', async (t) => {
  const store = new SessionStore(KEY, Infinity, journal(60_000));
  const session = store.createSession({ mediaMode: 'relayed' });
  const a = store.addConnection(session, 'publisher', '', false);
  const b = store.addConnection(session, 'publisher', '', false);
  const stream = store.addStream(session, {
    connectionId: a.info.connectionId, name: '', hasAudio: true, hasVideo: true, videoType: 'camera', e2ee: false, videoCodec: 'VP8', audioCodec: 'opus',
  });
  store.addPeer(session, stream, b.info.connectionId);
  store.removeConnection(session, a.info.connectionId);
  await store.flushed();
  const ttl = await link.commands.pTTL(sessionKey(session.sessionId));
  t.true(ttl > 0 && ttl <= 60_000, `ttl ${ttl}`);
  const fields = Object.keys(await link.commands.hGetAll(sessionKey(session.sessionId))).sort();
  // a's connection, its stream and the peer on it are gone; b's connection stays.
  t.deepEqual(fields, [`c:${b.info.connectionId}`, 'session'].sort());
  await link.commands.hSet(sessionKey(session.sessionId), { [`c:broken`]: '{not json', 's:x': 'null', room: '{"url":"ws://j:8188","roomId":42}' });
  const loaded = await journal().loadSession(session.sessionId);
  t.deepEqual(loaded!.contents.connections.map((c) => c.connectionId), [b.info.connectionId]);
  t.deepEqual(loaded!.contents.streams, []);
  t.deepEqual(loaded!.room, { url: 'ws://j:8188', roomId: 42 });
  store.removeConnection(session, b.info.connectionId);
  t.deepEqual(store.expireIdle(0, Date.now() + 1).map((s) => s.sessionId), [session.sessionId]);
  await store.flushed();
  t.is(await link.commands.exists(sessionKey(session.sessionId)), 0);
  t.is(await journal().loadSession(session.sessionId), undefined);
  t.is(await journal().loadSession('1_no-such-session'), undefined);
});

test.serial('writes are fenced: once another process is the session\'s home, this one\'s are refused and reported as the session lost', async (t) => {
  const lost: string[] = [];
  const store = new SessionStore(KEY, Infinity, new RedisJournal(link.commands, 0, () => undefined, 'process-a', (id) => lost.push(id)));
  const session = store.createSession({ mediaMode: 'relayed' });
  const a = store.addConnection(session, 'publisher', '', false);
  await link.commands.hSet(sessionKey(session.sessionId), 'home', 'process-a');
  await store.flushed();
  t.deepEqual(lost, []);
  await link.commands.hSet(sessionKey(session.sessionId), 'home', 'process-b');
  store.addConnection(session, 'publisher', '', false);
  store.removeConnection(session, a.info.connectionId);
  await store.flushed();
  t.deepEqual(lost, [session.sessionId, session.sessionId]);
  const fields = Object.keys(await link.commands.hGetAll(sessionKey(session.sessionId))).sort();
  t.deepEqual(fields, [`c:${a.info.connectionId}`, 'home', 'session'].sort(), 'the new home\'s state untouched');
  // A session removed meanwhile is not brought back by a late write.
  await link.commands.del(sessionKey(session.sessionId));
  store.setForceMute(session, []);
  await store.flushed();
  t.is(await link.commands.exists(sessionKey(session.sessionId)), 0);
});

test.serial('a write Redis refuses is reported, and flushed() rejects with it', async (t) => {
  const errors: Error[] = [];
  const store = new SessionStore(KEY, Infinity, journal(0, errors));
  const session = store.createSession({ mediaMode: 'relayed' });
  await store.flushed();
  // A hash field written as another type: Redis answers WRONGTYPE.
  await link.commands.del(sessionKey(session.sessionId));
  await link.commands.set(sessionKey(session.sessionId), 'a string');
  store.addConnection(session, 'publisher', '', false);
  await t.throwsAsync(store.flushed(), { message: /WRONGTYPE/ });
  t.is(errors.length, 1);
  await t.notThrowsAsync(store.flushed(), 'reported once');
});
