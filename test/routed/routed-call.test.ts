// Routed E2EE sessions through a real Janus VideoRoom. These files run inside the private
// network namespace scripts/netns-run.sh makes (scripts/test.sh runs them there): Janus gathers
// ICE candidates only on 127.0.0.1 moved onto a veth, and nothing can reach any other address.
// One session server with its own private Janus serves every test of this file.
import test from 'ava';
import * as otc from '../../lib/index';
import { measureWindow } from '../helpers/media-window';
import { until } from '../helpers/wait';
import { joinSession, sharedRoutedServer, streamOn } from './helpers';

const SECRET = 'routed sessions: correct horse battery staple';
const WIDTH = 320;
const HEIGHT = 180;
const FPS = 30;
const WINDOW_MS = 5000;


const server = sharedRoutedServer(test, { initMedia: true });

test.serial('an E2EE routed call through Janus delivers >= 90% of the sealed frames, opened only at the subscriber', async (t) => {
  t.timeout(90_000);
  const { sessionId } = server().createSession({ e2ee: true, mediaMode: 'routed' });
  const a = await joinSession(t, server(), sessionId, 'publisher', SECRET);
  const b = await joinSession(t, server(), sessionId, 'subscriber', SECRET);
  t.true(a.isE2ee && b.isE2ee);
  t.is(otc.audio.captureTone(440, 0.5), otc.ErrorCode.OTC_SUCCESS);
  const publisher = new otc.Publisher({ name: 'routed', videoCodec: 'VP8', testPattern: { width: WIDTH, height: HEIGHT, fps: FPS } });
  t.teardown(() => publisher.delete());
  const publisherErrors: string[] = [];
  publisher.on('error', (error) => publisherErrors.push(error.message));
  const joinedAt = Date.now();
  const published = await a.publish(publisher);
  const stream = await streamOn(b, published.streamId);
  t.true(stream.e2ee);

  const subscriber = b.subscribe(stream);
  const errors: string[] = [];
  subscriber.on('error', (error) => errors.push(error.message));
  subscriber.on('encryptionSecretMismatch', (error) => errors.push(error.message));
  await subscriber.connected(20_000);
  await until(t, () => subscriber.mediaCheck().framesReceived >= 1, 20_000, () => `a first frame (${JSON.stringify(subscriber.stats())})`);
  t.log(`publish() to the first decrypted frame at the subscriber: ${Date.now() - joinedAt} ms`);
  const room = server().router!.roomOf(sessionId);
  t.truthy(room, 'the session has a room on Janus');

  const { sealed, received, check: check1 } = await measureWindow(publisher, subscriber, WINDOW_MS);
  const detail = `sealed ${sealed}, received ${received}; check ${JSON.stringify(check1)}; subscriber ${JSON.stringify(subscriber.stats())}`;
  t.log(detail);
  t.true(sealed >= (WINDOW_MS / 1000) * FPS * 0.5, `the publisher sealed too few frames: ${detail}`);
  t.true(received >= 0.9 * sealed, `under 90% of the sealed frames read through Janus: ${detail}`);
  t.true(check1.latencyMeanMs > 0);
  const subStats = subscriber.stats();
  t.true(subStats.videoFramesOpened > 0 && subStats.audioFramesOpened > 0, JSON.stringify(subStats));
  t.is(subStats.framesMismatch, 0);
  t.is(subStats.framesIntegrityFailure, 0);
  t.is(subStats.framesUnencrypted, 0);
  t.is(publisher.stats().subscribers, 1, 'the publisher sends one stream, to the router');
  t.deepEqual(errors, []);
  t.deepEqual(publisherErrors, []);

  // Unpublishing ends the routed subscription.
  const disconnected = new Promise<void>((resolve) => subscriber.once('disconnected', () => resolve()));
  t.is(a.unpublish(publisher), otc.ErrorCode.OTC_SUCCESS);
  await disconnected;
  subscriber.delete();
  await Promise.all([a.disconnect(), b.disconnect()]);
  await until(t, () => server().router!.roomOf(sessionId) === undefined, 5000, () => 'the room to go when the session empties');
});

test.serial('a moderator stops a routed stream: its subscription ends forceUnpublished, the publisher publishes again and frames flow through Janus anew', async (t) => {
  t.timeout(90_000);
  const { sessionId } = server().createSession({ e2ee: true, mediaMode: 'routed' });
  const a = await joinSession(t, server(), sessionId, 'publisher', SECRET);
  const b = await joinSession(t, server(), sessionId, 'moderator', SECRET, 'moderator');
  const publisher = new otc.Publisher({ name: 'stopped', videoCodec: 'VP8', testPattern: { width: WIDTH, height: HEIGHT, fps: FPS } });
  t.teardown(() => publisher.delete());
  const first = await a.publish(publisher);
  const subscriber = b.subscribe(await streamOn(b, first.streamId));
  t.teardown(() => subscriber.delete());
  await subscriber.connected(20_000);
  await until(t, () => subscriber.mediaCheck().framesReceived >= 10, 20_000, () => `frames (${JSON.stringify(subscriber.stats())})`);

  const ended = new Promise<otc.EndReason>((resolve) => subscriber.once('disconnected', (end) => resolve(end)));
  const destroyed = new Promise<otc.EndReason>((resolve) => publisher.once('streamDestroyed', (_stream, end) => resolve(end)));
  t.is(b.forceUnpublish(first), otc.ErrorCode.OTC_SUCCESS);
  t.like(await destroyed, { reason: 'forceUnpublished' });
  t.like(await ended, { reason: 'forceUnpublished' });

  const second = await a.publish(publisher);
  t.not(second.streamId, first.streamId);
  const again = b.subscribe(await streamOn(b, second.streamId));
  t.teardown(() => again.delete());
  await again.connected(20_000);
  await until(t, () => again.mediaCheck().framesReceived >= 10, 20_000, () => `frames again (${JSON.stringify(again.stats())})`);
  t.is(again.stats().framesMismatch, 0);
});
