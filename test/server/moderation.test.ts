// Moderation from clients (docs/protocol.md, "Moderation"): a moderator's forceDisconnect (the
// connection closed with 4009, the others told forceDisconnected) and forceUnpublish (the stream
// destroyed with reason forceUnpublished, its publisher told too and free to publish again, its
// subscribers' peers closed); other roles refused with 1520 and 1535, unknown ids too; the
// stream-destroyed webhook says forceUnpublished.
import test from 'ava';
import { ErrorCode } from '../../lib/error-code';
import { CloseCode } from '../../lib/protocol/messages';
import { joined, joinedAsModerator, publishStream, startServer } from './helpers/server';



test('only moderators force: publisher, subscriber and publisheronly tokens get 1520 and 1535, and nothing happens', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const pub = await joined(t, server, sessionId);
  const streamId = await publishStream(pub, 'moderated');
  for (const role of ['publisher', 'subscriber', 'publisheronly'] as const) {
    const who = await joined(t, server, sessionId, {}, server.generateToken(sessionId, { role }));
    const disconnect = await who.client.request('forceDisconnect', { connectionId: pub.connectionId });
    t.like(disconnect, { type: 'error', code: ErrorCode.OTC_UNABLE_TO_FORCE_DISCONNECT }, role);
    t.regex((disconnect as { message: string }).message, /moderator/);
    const unpublish = await who.client.request('forceUnpublish', { streamId });
    t.like(unpublish, { type: 'error', code: ErrorCode.OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM }, role);
  }
  const mod = await joinedAsModerator(t, server, sessionId);
  t.like(await mod.client.request('forceDisconnect', { connectionId: 'c-nobody' }), { type: 'error', code: ErrorCode.OTC_UNABLE_TO_FORCE_DISCONNECT });
  t.like(await mod.client.request('forceUnpublish', { streamId: 's-nothing' }), { type: 'error', code: ErrorCode.OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM });
  t.like(await mod.client.request('forceDisconnect', {}), { type: 'error' }, 'a missing connectionId is malformed');
  t.true(server.store.getSession(sessionId)!.streams.has(streamId));
  t.true(server.store.getSession(sessionId)!.connections.has(pub.connectionId));
  t.false(pub.client.received.some((m) => m.type === 'streamDestroyed'));
});

test('a moderator forces a connection out: 4009 to it, connectionDestroyed and streamDestroyed forceDisconnected to the rest', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const pub = await joined(t, server, sessionId);
  const streamId = await publishStream(pub, 'moderated');
  const other = await joined(t, server, sessionId);
  const mod = await joinedAsModerator(t, server, sessionId);
  await mod.client.ok('forceDisconnect', { connectionId: pub.connectionId });
  t.like(await pub.client.waitClose(), { code: CloseCode.FORCE_DISCONNECTED });
  for (const who of [other, mod]) {
    t.like(await who.client.event('streamDestroyed', (e) => e.streamId === streamId), { reason: 'forceDisconnected' });
    t.like(await who.client.event('connectionDestroyed', (e) => e.connectionId === pub.connectionId), { reason: 'forceDisconnected' });
  }
  t.false(server.store.getSession(sessionId)!.connections.has(pub.connectionId));
  // A moderator may end its own connection the same way: its ack comes first.
  await mod.client.ok('forceDisconnect', { connectionId: mod.connectionId });
  t.like(await mod.client.waitClose(), { code: CloseCode.FORCE_DISCONNECTED });
});

test('a moderator stops a stream: streamDestroyed forceUnpublished to everyone, its publisher included, subscribers\' peers closed; the publisher stays and publishes again', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const pub = await joined(t, server, sessionId);
  const streamId = await publishStream(pub, 'moderated');
  const sub = await joined(t, server, sessionId);
  const peerId = (await sub.client.ok('subscribe', { streamId }))['peerId'] as string;
  const mod = await joinedAsModerator(t, server, sessionId);
  await mod.client.ok('forceUnpublish', { streamId });
  for (const who of [pub, sub, mod]) {
    t.like(await who.client.event('streamDestroyed', (e) => e.streamId === streamId), { reason: 'forceUnpublished' });
  }
  t.like(await sub.client.event('peerClosed', (e) => e.peerId === peerId), { reason: 'forceUnpublished' });
  t.false(pub.client.received.some((m) => m.type === 'peerClosed'), 'the publisher hears streamDestroyed only');
  t.false(server.store.getSession(sessionId)!.streams.has(streamId));
  t.true(server.store.getSession(sessionId)!.connections.has(pub.connectionId), 'nobody was disconnected');
  const again = await publishStream(pub, 'moderated');
  t.like(await sub.client.event('streamCreated', (e) => e.stream.streamId === again), { stream: { connectionId: pub.connectionId } });
  // The stream is gone: forcing it again is refused, unpublishing it too.
  t.like(await mod.client.request('forceUnpublish', { streamId }), { type: 'error', code: ErrorCode.OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM });
  t.like(await pub.client.request('unpublish', { streamId }), { type: 'error' });
});
