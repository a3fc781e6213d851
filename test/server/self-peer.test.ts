// A connection subscribed to its own stream in a relayed session holds both ends of one peer:
// the server relays its offer, answer and candidates back to it, naming the end each is for
// (`to`), and takes a candidate's end from the candidate (`end`), which it then requires.
import test from 'ava';
import { ErrorCode } from '../../lib/error-code';
import { joined, startServer } from './helpers/server';

test('a self-subscription: offer, answer and candidates come back to the same connection with the end they are for', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const me = await joined(t, server, sessionId);
  const streamId = (await me.client.ok('publish', { name: 'self' }))['streamId'] as string;
  const peerId = (await me.client.ok('subscribe', { streamId }))['peerId'] as string;
  t.deepEqual(await me.client.event('subscriberJoined'), { type: 'subscriberJoined', peerId, streamId, subscriberConnectionId: me.connectionId });
  await me.client.ok('offer', { peerId, sdp: 'v=0 offer', e2ee: false });
  t.like(await me.client.event('offer'), { peerId, from: me.connectionId, to: 'subscriber', sdp: 'v=0 offer' });
  await me.client.ok('answer', { peerId, sdp: 'v=0 answer' });
  t.like(await me.client.event('answer'), { peerId, from: me.connectionId, to: 'publisher', sdp: 'v=0 answer' });
  await me.client.ok('candidate', { peerId, candidate: 'candidate:pub', sdpMid: '0', sdpMLineIndex: 0, end: 'publisher' });
  t.like(await me.client.event('candidate'), { peerId, to: 'subscriber', candidate: 'candidate:pub' });
  await me.client.ok('candidate', { peerId, candidate: 'candidate:sub', sdpMid: '0', sdpMLineIndex: 0, end: 'subscriber' });
  t.like(await me.client.event('candidate'), { peerId, to: 'publisher', candidate: 'candidate:sub' });
  // Both ends are this connection's: a candidate must say which it comes from.
  t.like(await me.client.request('candidate', { peerId, candidate: 'candidate:x' }),
    { type: 'error', code: ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER });
  t.like(await me.client.request('candidate', { peerId, candidate: 'candidate:x', end: 'both' }),
    { type: 'error', code: ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER });
});

test('a candidate naming an end the connection does not hold is refused', async (t) => {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const pub = await joined(t, server, sessionId);
  const sub = await joined(t, server, sessionId);
  const streamId = (await pub.client.ok('publish', { name: 'p' }))['streamId'] as string;
  const peerId = (await sub.client.ok('subscribe', { streamId }))['peerId'] as string;
  t.like(await sub.client.request('candidate', { peerId, candidate: 'c', end: 'publisher' }), { type: 'error', code: ErrorCode.OTC_SESSION_ILLEGAL_STATE });
  await sub.client.ok('candidate', { peerId, candidate: 'c', end: 'subscriber' });
  t.like(await pub.client.event('candidate'), { peerId, to: 'publisher', candidate: 'c' });
});
