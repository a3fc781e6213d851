// The routed side of the signaling protocol (docs/protocol.md), with raw protocol clients against
// a server with a private Janus (inside scripts/netns-run.sh): refusals that never reach Janus,
// and an offer Janus itself refuses arriving as peerClosed(routerFailed).
import test from 'ava';
import { openClient } from '../server/helpers/server';
import { sharedRoutedServer } from './helpers';


const server = sharedRoutedServer(test);

test('routed E2EE session: plain offers, foreign peers and answers from the wrong end are refused; a bad SDP comes back as routerFailed', async (t) => {
  const { sessionId } = server().createSession({ e2ee: true, mediaMode: 'routed' });
  const pub = await openClient(t, server());
  await pub.connect(server().generateToken(sessionId), { e2ee: true });
  const other = await openClient(t, server());
  await other.connect(server().generateToken(sessionId), { e2ee: true });

  const published = await pub.ok('publish', { name: 'raw', e2ee: true });
  const streamId = published['streamId'] as string;
  t.is(published['peerId'], `pub-${streamId}`, 'a routed publish names the router peer');

  // Not e2ee-marked in an E2EE session: refused before Janus sees it.
  const plain = await pub.request('offer', { peerId: `pub-${streamId}`, sdp: 'v=0', e2ee: false });
  t.like(plain, { type: 'error', code: 6000 });
  // Somebody else's router peer, an unknown peer, an answer from a publisher: refused.
  t.like(await other.request('offer', { peerId: `pub-${streamId}`, sdp: 'v=0', e2ee: true }), { type: 'error', code: 1015 });
  t.like(await pub.request('candidate', { peerId: 'p-nobody', candidate: '' }), { type: 'error', code: 1015 });
  t.like(await pub.request('answer', { peerId: `pub-${streamId}`, sdp: 'v=0' }), { type: 'error', code: 1015 });

  // An SDP Janus cannot use: acknowledged, then the router's refusal as peerClosed.
  await pub.ok('offer', { peerId: `pub-${streamId}`, sdp: 'v=0\r\nthis is not an SDP\r\n', e2ee: true });
  const closed = await pub.event('peerClosed', (e) => e.peerId === `pub-${streamId}`, 10_000);
  t.is(closed.reason, 'routerFailed');
  t.true(typeof closed.message === 'string' && closed.message.length > 0, JSON.stringify(closed));
  t.log(`Janus refused the bad offer: ${closed.message}`);
});
