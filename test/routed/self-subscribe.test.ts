// A session subscribing to its own stream in a routed E2EE session: its frames go out to Janus
// and come back through a Janus subscriber (a different peer from the publisher's), sealed the
// whole way and opened by the same session.
import { once } from 'node:events';
import test from 'ava';
import * as otc from '../../lib/index';
import { until } from '../helpers/wait';
import { joinSession, sharedRoutedServer } from './helpers';

const SECRET = 'routed self-subscription: correct horse battery staple';
const server = sharedRoutedServer(test, { initMedia: true });

test.serial('a session subscribes to its own routed stream and gets its frames back through Janus, decrypted', async (t) => {
  t.timeout(90_000);
  const { sessionId } = server().createSession({ e2ee: true, mediaMode: 'routed' });
  const session = await joinSession(t, server(), sessionId, 'self', SECRET);
  t.is(otc.audio.captureTone(440, 0.5), otc.ErrorCode.OTC_SUCCESS);
  const publisher = new otc.Publisher({ name: 'self', testPattern: { width: 320, height: 180, fps: 30 } });
  t.teardown(() => publisher.delete());
  const own = await session.publish(publisher);
  const subscriber = session.subscribe(own);
  const errors: string[] = [];
  subscriber.on('error', (error) => errors.push(error.message));
  subscriber.on('encryptionSecretMismatch', (error) => errors.push(error.message));
  await subscriber.connected(30_000);
  await until(t, () => subscriber.stats().videoFramesOpened >= 60 && subscriber.mediaCheck().framesReceived >= 30, 20_000,
    () => JSON.stringify({ stats: subscriber.stats(), check: subscriber.mediaCheck() }));
  const stats = subscriber.stats();
  t.log(`own stream through Janus: ${stats.videoFramesOpened} video frames opened, latency p50 ${subscriber.mediaCheck().latencyP50Ms} ms`);
  t.true(stats.e2ee);
  t.is(stats.framesMismatch, 0);
  t.true(stats.audioFramesOpened > 0);
  t.deepEqual(errors, []);
  const ended = once(subscriber, 'disconnected');
  t.is(session.unsubscribe(subscriber), otc.ErrorCode.OTC_SUCCESS);
  const [end] = (await ended) as [otc.EndReason];
  t.deepEqual(end, { reason: 'clientUnsubscribed', code: otc.ErrorCode.OTC_SUCCESS });
});
