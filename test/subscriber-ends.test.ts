// What a subscriber does as documented, tried as a user would (relayed E2EE sessions, the
// session server in-process): video switched off costs no decryption and no decoding and comes
// back at once; a session subscribes to its own stream; a subscriber whose publisher is killed
// hears why ('disconnected' with networkDisconnected / 1022, as do the session's
// streamDestroyed and connectionDestroyed). Serial: each call encodes and decodes in this process.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import { childPrelude } from './helpers/child';
import { startServer } from './server/helpers/server';
import { sleep, until } from './helpers/wait';

const API_KEY = '47000001';
const SECRET = 'correct horse battery staple, subscriber ends';

test.before(() => otc.init());
test.after.always(() => otc.destroy());

async function join(t: ExecutionContext, server: Awaited<ReturnType<typeof startServer>>, sessionId: string, data: string): Promise<otc.Session> {
  const session = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => session.delete());
  const key = session.encryptionKeyReady();
  t.is(session.setEncryptionSecret(SECRET), otc.ErrorCode.OTC_SUCCESS);
  await key;
  await session.connect(server.generateToken(sessionId, { data }));
  return session;
}

function publisher(t: ExecutionContext, name: string): otc.Publisher {
  const p = new otc.Publisher({ name, testPattern: { width: 320, height: 180, fps: 30 } });
  t.teardown(() => p.delete());
  return p;
}

test.serial('video off: no video frame is decrypted or decoded; back on, frames resume at once', async (t) => {
  t.timeout(90_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const a = await join(t, server, sessionId, 'publisher');
  const b = await join(t, server, sessionId, 'subscriber');
  otc.audio.captureTone(440, 0.5);
  const seen = once(b, 'streamCreated');
  await a.publish(publisher(t, 'video-off'));
  const [stream] = (await seen) as [otc.StreamEvent];
  const subscriber = b.subscribe(stream);
  await subscriber.connected(20_000);
  await until(t, () => subscriber.stats().videoFramesDecoded >= 30, 15_000, () => JSON.stringify(subscriber.stats()));

  t.is(subscriber.setSubscribeToVideo(false), otc.ErrorCode.OTC_SUCCESS);
  await sleep(1000); // frames already past the gate
  const off0 = subscriber.stats();
  await sleep(3000);
  const off1 = subscriber.stats();
  t.log(`video off for 3 s: opened ${off0.videoFramesOpened} -> ${off1.videoFramesOpened}, decoded ${off0.videoFramesDecoded} -> ` +
    `${off1.videoFramesDecoded}, audio opened +${off1.audioFramesOpened - off0.audioFramesOpened}`);
  t.is(off1.videoFramesOpened, off0.videoFramesOpened, 'no video frame decrypted while video is off');
  t.is(off1.videoFramesDecoded, off0.videoFramesDecoded, 'no video frame decoded while video is off');
  t.true(off1.audioFramesOpened > off0.audioFramesOpened + 50, 'audio keeps flowing');

  // The media check counts frames as they are decoded (stats() refreshes once a second).
  const checkedOff = subscriber.mediaCheck().framesDecoded;
  const onAt = Date.now();
  t.is(subscriber.setSubscribeToVideo(true), otc.ErrorCode.OTC_SUCCESS);
  await until(t, () => subscriber.mediaCheck().framesDecoded > checkedOff, 5000, () => JSON.stringify(subscriber.mediaCheck()), 10);
  const resumedMs = Date.now() - onAt;
  await until(t, () => subscriber.stats().videoFramesDecoded >= off1.videoFramesDecoded + 30, 10_000, () => JSON.stringify(subscriber.stats()));
  t.log(`video back on: first decoded frame after ${resumedMs} ms`);
  t.true(resumedMs < 3000, 'a key frame is asked for at once (generous bound for a loaded machine)');
  t.true(subscriber.stats().videoFramesOpened >= off1.videoFramesOpened + 30);
});

test.serial('a session subscribes to its own stream (relayed, E2EE) and gets decrypted frames', async (t) => {
  t.timeout(90_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const a = await join(t, server, sessionId, 'self');
  otc.audio.captureTone(440, 0.5);
  const own = await a.publish(publisher(t, 'self'));
  const subscriber = a.subscribe(own);
  await subscriber.connected(20_000);
  await until(t, () => subscriber.stats().videoFramesOpened >= 60 && subscriber.mediaCheck().framesReceived >= 30, 15_000,
    () => JSON.stringify({ stats: subscriber.stats(), check: subscriber.mediaCheck() }));
  const stats = subscriber.stats();
  t.true(stats.e2ee);
  t.is(stats.framesMismatch, 0);
  t.true(stats.audioFramesOpened > 0);
  const ended = once(subscriber, 'disconnected');
  t.is(a.unsubscribe(subscriber), otc.ErrorCode.OTC_SUCCESS);
  const [end] = (await ended) as [otc.EndReason];
  t.deepEqual(end, { reason: 'clientUnsubscribed', code: otc.ErrorCode.OTC_SUCCESS });
});

test.serial('a subscriber whose publisher is killed hears why: networkDisconnected, 1022; so do streamDestroyed and connectionDestroyed', async (t) => {
  t.timeout(90_000);
  // The killed client's connection ends 1 s after its socket drops.
  const server = await startServer(t, { reconnectGraceMs: 1000 });
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const b = await join(t, server, sessionId, 'subscriber');
  const script = `${childPrelude()}
(async () => {
  otc.init();
  const s = new otc.Session(${JSON.stringify(API_KEY)}, ${JSON.stringify(sessionId)}, { signalingUrl: ${JSON.stringify(server.signalingUrl)} });
  const key = s.encryptionKeyReady();
  s.setEncryptionSecret(${JSON.stringify(SECRET)});
  await key;
  await s.connect(${JSON.stringify(server.generateToken(sessionId, { data: 'doomed' }))});
  await s.publish(new otc.Publisher({ name: 'doomed', testPattern: { width: 320, height: 180, fps: 30 } }));
  console.log('published');
  setInterval(() => undefined, 1000);
})().catch((e) => { console.error(e); process.exit(2); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  const seen = once(b, 'streamCreated');
  const [stream] = (await seen) as [otc.StreamEvent];
  const subscriber = b.subscribe(stream);
  await subscriber.connected(30_000);
  await until(t, () => subscriber.stats().videoFramesOpened >= 30, 15_000, () => JSON.stringify(subscriber.stats()));

  const subscriberEnd = once(subscriber, 'disconnected');
  const streamEnd = once(b, 'streamDestroyed');
  const connectionEnd = once(b, 'connectionDestroyed');
  child.kill('SIGKILL');
  const [end] = (await subscriberEnd) as [otc.EndReason];
  t.deepEqual(end, { reason: 'networkDisconnected', code: otc.ErrorCode.OTC_SESSION_CONNECTION_DROPPED });
  const [destroyed, streamWhy] = (await streamEnd) as [otc.StreamEvent, otc.EndReason];
  t.is(destroyed.streamId, stream.streamId);
  t.deepEqual(streamWhy, { reason: 'networkDisconnected', code: otc.ErrorCode.OTC_SESSION_CONNECTION_DROPPED });
  const [gone, connectionWhy] = (await connectionEnd) as [otc.ConnectionEvent, otc.EndReason];
  t.is(gone.connectionId, stream.connectionId);
  t.deepEqual(connectionWhy, { reason: 'networkDisconnected', code: otc.ErrorCode.OTC_SESSION_CONNECTION_DROPPED });

  // The session's own end: asked for, so clientDisconnected with OTC_SUCCESS.
  const sessionEnd = once(b, 'disconnected');
  await b.disconnect();
  const [error, own] = (await sessionEnd) as [otc.OtcError | undefined, otc.EndReason];
  t.is(error, undefined);
  t.deepEqual(own, { reason: 'clientDisconnected', code: otc.ErrorCode.OTC_SUCCESS });
});
