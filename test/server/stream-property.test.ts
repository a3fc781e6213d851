// Stream properties (docs/protocol.md, "Stream properties"): a publisher's audio/video toggles
// and video size, accepted from the stream's own connection only, validated, broadcast to the
// session when they change, kept in the stream record (late joiners, the durable journal) and
// bounded by the connection's request rate.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { ErrorCode } from '../../lib/error-code';
import { CloseCode, type ConnectAck } from '../../lib/server/index';
import { SessionStore } from '../../lib/server/session-store';
import { openDatabase } from '../../lib/server/store/database';
import { SessionJournal } from '../../lib/server/store/session-journal';
import { joined, startServer } from './helpers/server';

test('the owner changes hasAudio, hasVideo and videoDimensions: everyone hears streamPropertyChanged; unchanged values are not repeated', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const pub = await joined(t, server, sessionId);
  const other = await joined(t, server, sessionId);
  const streamId = (await pub.client.ok('publish', { name: 'cam', videoCodec: 'VP8', audioCodec: 'opus' }))['streamId'] as string;
  await other.client.event('streamCreated');

  await pub.client.ok('streamProperty', { streamId, property: 'hasVideo', value: false });
  t.deepEqual(await other.client.event('streamPropertyChanged'), { type: 'streamPropertyChanged', streamId, property: 'hasVideo', value: false });
  // The owner hears it too (a client may subscribe to its own stream).
  t.like(await pub.client.event('streamPropertyChanged'), { streamId, property: 'hasVideo', value: false });
  // The same value again: acknowledged, not broadcast.
  await pub.client.ok('streamProperty', { streamId, property: 'hasVideo', value: false });
  await pub.client.ok('streamProperty', { streamId, property: 'hasAudio', value: false });
  t.like(await other.client.event('streamPropertyChanged'), { streamId, property: 'hasAudio', value: false });
  await pub.client.ok('streamProperty', { streamId, property: 'videoDimensions', value: { width: 1280, height: 720 } });
  t.deepEqual(await other.client.event('streamPropertyChanged'),
    { type: 'streamPropertyChanged', streamId, property: 'videoDimensions', value: { width: 1280, height: 720 } });
  await pub.client.ok('streamProperty', { streamId, property: 'videoDimensions', value: { width: 1280, height: 720 } });
  await pub.client.ok('signal', { signalType: 'marker' });
  await other.client.event('signal');
  const changes = other.client.received.filter((m) => m.type === 'streamPropertyChanged');
  t.is(changes.length, 3, 'one event per change, none for a repeated value');

  // A later joiner gets the current values in its ack.
  const late = await joined(t, server, sessionId);
  const ack = late.client.received[0] as unknown as ConnectAck;
  t.like(ack.streams[0], { streamId, hasAudio: false, hasVideo: false, videoWidth: 1280, videoHeight: 720 });
});

test('streamProperty from another connection or for an unknown stream is 1113 (publisher not found) and changes nothing', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const pub = await joined(t, server, sessionId);
  const stranger = await joined(t, server, sessionId);
  const streamId = (await pub.client.ok('publish', {}))['streamId'] as string;
  t.like(await stranger.client.request('streamProperty', { streamId, property: 'hasVideo', value: false }),
    { type: 'error', code: ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND });
  t.like(await stranger.client.request('streamProperty', { streamId: 's-nope', property: 'hasVideo', value: false }),
    { type: 'error', code: ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND });
  // A stream of another session, even with the owner's own connection elsewhere: not found here.
  const elsewhere = server.createSession({ mediaMode: 'relayed' }).sessionId;
  const far = await joined(t, server, elsewhere);
  t.like(await far.client.request('streamProperty', { streamId, property: 'hasAudio', value: false }),
    { type: 'error', code: ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND });
  await pub.client.ok('signal', { signalType: 'marker' });
  await stranger.client.event('signal');
  t.false(stranger.client.received.some((m) => m.type === 'streamPropertyChanged'));
  t.like(server.store.getSession(sessionId)!.streams.get(streamId), { hasAudio: true, hasVideo: true });
  // After unpublishing, the owner's own stream is unknown too.
  await pub.client.ok('unpublish', { streamId });
  t.like(await pub.client.request('streamProperty', { streamId, property: 'hasVideo', value: false }),
    { type: 'error', code: ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND });
});

test('bad streamProperty fields are 1011 and the connection stays', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const pub = await joined(t, server, sessionId);
  const streamId = (await pub.client.ok('publish', {}))['streamId'] as string;
  const bad: Array<Record<string, unknown>> = [
    { property: 'hasVideo', value: false },
    { streamId: 42, property: 'hasVideo', value: false },
    { streamId: 'x'.repeat(200), property: 'hasVideo', value: false },
    { streamId, property: 'name', value: 'renamed' },
    { streamId, property: 'hasVideo' },
    { streamId, property: 'hasVideo', value: 'false' },
    { streamId, property: 'hasAudio', value: 1 },
    { streamId, property: 'videoDimensions', value: 'big' },
    { streamId, property: 'videoDimensions', value: [640, 480] },
    { streamId, property: 'videoDimensions', value: null },
    { streamId, property: 'videoDimensions', value: { width: 0, height: 480 } },
    { streamId, property: 'videoDimensions', value: { width: 640.5, height: 480 } },
    { streamId, property: 'videoDimensions', value: { width: 640, height: 16385 } },
    { streamId, property: 'videoDimensions', value: { width: -640, height: 480 } },
    { streamId, property: 'videoDimensions', value: { width: 640 } },
  ];
  for (const fields of bad) {
    t.like(await pub.client.request('streamProperty', fields), { type: 'error', code: ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER },
      JSON.stringify(fields));
  }
  t.like(server.store.getSession(sessionId)!.streams.get(streamId), { hasAudio: true, hasVideo: true });
  t.is(server.store.getSession(sessionId)!.streams.get(streamId)!.videoWidth, undefined);
  await pub.client.ok('streamProperty', { streamId, property: 'videoDimensions', value: { width: 16384, height: 1 } });
});

test('a flood of streamProperty requests is closed with 4006 like any other request', async (t) => {
  const server = await startServer(t, { limits: { messagesPerSecond: 5, messageBurst: 20 } });
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const pub = await joined(t, server, sessionId);
  const other = await joined(t, server, sessionId);
  const streamId = (await pub.client.ok('publish', {}))['streamId'] as string;
  for (let i = 0; i < 200; ++i) {
    pub.client.sendRaw(JSON.stringify({ type: 'streamProperty', id: `f${i}`, streamId, property: 'hasVideo', value: i % 2 === 0 }));
  }
  t.is((await pub.client.waitClose()).code, CloseCode.RATE_LIMITED);
  // The others heard at most one change per request the bucket let through.
  const heard = other.client.received.filter((m) => m.type === 'streamPropertyChanged').length;
  t.true(heard <= 20, `${heard} changes broadcast`);
});

test('the journal keeps a stream\'s changed properties across a restart', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-props-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(dir);
  const store = new SessionStore('47000001', Infinity, new SessionJournal(db));
  const session = store.createSession({ mediaMode: 'relayed' });
  const conn = store.addConnection(session, 'publisher', '', false);
  const stream = store.addStream(session, {
    connectionId: conn.info.connectionId, name: 'cam', hasAudio: true, hasVideo: true, videoType: 'camera', e2ee: false, videoCodec: 'VP8', audioCodec: 'opus',
  });
  t.true(store.setStreamProperty(session, stream, { property: 'hasAudio', value: false }));
  t.false(store.setStreamProperty(session, stream, { property: 'hasAudio', value: false }));
  t.true(store.setStreamProperty(session, stream, { property: 'videoDimensions', value: { width: 320, height: 180 } }));
  db.close();
  const reopened = openDatabase(dir);
  t.teardown(() => reopened.close());
  const copy = new SessionStore('47000001', Infinity, new SessionJournal(reopened));
  copy.restore();
  t.like(copy.getSession(session.sessionId)!.streams.get(stream.streamId), { hasAudio: false, hasVideo: true, videoWidth: 320, videoHeight: 180 });
});
