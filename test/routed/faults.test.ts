// Faults in routed sessions (inside scripts/netns-run.sh): Janus killed mid-call, and a client
// process that dies. Each test runs its own server and Janus, since they break them.
import test, { type ExecutionContext } from 'ava';
import * as otc from '../../lib/index';
import type { SessionServer } from '../../lib/server/index';
import { spawn } from 'node:child_process';
import { childPrelude } from '../helpers/child';
import { until } from '../helpers/wait';
import { API_KEY, joinSession, requireNetns, startRoutedServer, streamOn } from './helpers';

const SECRET = 'routed faults secret';
const PATTERN = { width: 320, height: 180, fps: 15 };

test.before(() => {
  requireNetns();
  otc.init();
});
test.after.always(() => otc.destroy());

async function startRouted(t: ExecutionContext): Promise<SessionServer> {
  // A dead client's connection is kept for a reconnection first (reconnectGraceMs): 1 s here.
  const server = await startRoutedServer({ pingIntervalMs: 1000, pongTimeoutMs: 3000, reconnectGraceMs: 1000 });
  t.teardown(() => server.close());
  return server;
}

test.serial('Janus killed mid-call: publisher and subscriber get a clear error within seconds; the router restarts and a new call works', async (t) => {
  t.timeout(90_000);
  const server = await startRouted(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  const a = await joinSession(t, server, sessionId, 'publisher', SECRET);
  const b = await joinSession(t, server, sessionId, 'subscriber', SECRET);
  const publisher = new otc.Publisher({ name: 'fault', testPattern: PATTERN });
  t.teardown(() => publisher.destroy());
  const stream = await streamOn(b, (await a.publish(publisher)).streamId);
  const subscriber = b.subscribe(stream);
  t.teardown(() => subscriber.destroy());
  await until(t, () => subscriber.mediaCheck().framesReceived > 10, 20_000, () => 'frames before the fault');

  const publisherError = new Promise<otc.OtcError>((resolve) => publisher.once('error', resolve));
  const subscriberError = new Promise<otc.OtcError>((resolve) => subscriber.once('error', resolve));
  const subscriberGone = new Promise<void>((resolve) => subscriber.once('disconnected', resolve));
  const [janus] = server.router!.managedProcesses;
  const killedAt = Date.now();
  janus!.kill('SIGKILL');
  const [pubErr, subErr] = await Promise.race([
    Promise.all([publisherError, subscriberError, subscriberGone]),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no error within 10 s of Janus dying')), 10_000)),
  ]);
  t.log(`errors ${Date.now() - killedAt} ms after the kill: publisher "${pubErr.message}", subscriber "${subErr.message}"`);
  t.is(pubErr.code, otc.ErrorCode.OTC_PUBLISHER_WEBRTC_ERROR);
  t.regex(pubErr.message, /media router/);
  t.is(subErr.code, otc.ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR);
  t.regex(subErr.message, /media router/);
  t.true(a.connectionId !== null && b.connectionId !== null, 'the sessions stay connected: only the media broke');

  // The private Janus comes back; publishing again works.
  await until(t, () => server.router!.instances.every((i) => i.up), 15_000, () => 'the private Janus restarted');
  a.unpublish(publisher);
  const again = new otc.Publisher({ name: 'after the fault', testPattern: PATTERN });
  t.teardown(() => again.destroy());
  const stream2 = await streamOn(b, (await a.publish(again)).streamId);
  const subscriber2 = b.subscribe(stream2);
  t.teardown(() => subscriber2.destroy());
  await until(t, () => subscriber2.mediaCheck().framesReceived > 10, 20_000, () => `frames after the restart (${JSON.stringify(subscriber2.stats())})`);
  await Promise.all([a.disconnect(), b.disconnect()]);
});

test.serial('a client process that dies is dropped within seconds and its routed stream destroyed', async (t) => {
  t.timeout(90_000);
  const server = await startRouted(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  const watcher = await joinSession(t, server, sessionId, 'watcher', SECRET);
  const created = new Promise<otc.StreamEvent>((resolve) => watcher.once('streamCreated', resolve));
  const token = server.generateToken(sessionId, { data: 'doomed' });
  // The child publishes and is killed with SIGKILL once the watcher gets its frames.
  const child = spawn(process.execPath, ['-e', `${childPrelude()}
otc.init();
const session = new otc.Session(${JSON.stringify(API_KEY)}, ${JSON.stringify(sessionId)}, { signalingUrl: ${JSON.stringify(server.signalingUrl)} });
session.setEncryptionSecret(${JSON.stringify(SECRET)});
session.encryptionKeyReady().then(() => session.connect(${JSON.stringify(token)})).then(() => {
  const publisher = new otc.Publisher({ name: 'doomed', testPattern: ${JSON.stringify(PATTERN)} });
  return session.publish(publisher);
}).catch(() => process.exit(3));
setInterval(() => {}, 1000);
`], { stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const stream = await created;
  const subscriber = watcher.subscribe(stream);
  t.teardown(() => subscriber.destroy());
  await until(t, () => subscriber.mediaCheck().framesReceived > 5, 20_000, () => 'frames from the child');
  const destroyed = new Promise<otc.StreamEvent>((resolve) => watcher.once('streamDestroyed', resolve));
  const left = new Promise<otc.ConnectionEvent>((resolve) => watcher.once('connectionDestroyed', resolve));
  const gone = new Promise<void>((resolve) => subscriber.once('disconnected', resolve));
  const killedAt = Date.now();
  child.kill('SIGKILL');
  t.is(await exited, 'SIGKILL');
  await Promise.race([
    Promise.all([destroyed, left, gone]),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the dead client was not dropped within 5 s')), 5000)),
  ]);
  t.log(`dropped ${Date.now() - killedAt} ms after SIGKILL`);
  t.is((await destroyed).streamId, stream.streamId);
  t.is((await left).connectionId, stream.connectionId);
  await until(t, () => server.router!.roomOf(sessionId) !== undefined, 1000, () => 'the room stays while the watcher is in it');
  await watcher.disconnect();
});
