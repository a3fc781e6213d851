// E2EE calls across two processes, and keys changed mid-call: the publisher runs in a child Node
// process against the session server of this one; re-key (new secret on both sides, receivers
// first) and ratchet happen while frames flow, and the media check must show no gap beyond one
// key-frame request (the receiver asks after ~200 ms without a decodable frame).
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import { childPrelude, runNode } from './helpers/child';
import { startServer } from './server/helpers/server';
import { sleep, until } from './helpers/wait';

const API_KEY = '47000001';
const SECRET = 'correct horse battery staple, two processes';
const NEW_SECRET = 'a fresh secret for the second half of the call';
const MAX_GAP_MS = 400;

test.before(() => otc.init());
test.after.always(() => otc.destroy());


async function joinedSession(t: ExecutionContext, signalingUrl: string, sessionId: string, token: string, secret: string): Promise<otc.Session> {
  const session = new otc.Session(API_KEY, sessionId, { signalingUrl });
  t.teardown(() => session.delete());
  const key = session.encryptionKeyReady();
  t.is(session.setEncryptionSecret(secret), otc.ErrorCode.OTC_SUCCESS);
  await key;
  await session.connect(token);
  return session;
}

test.serial('two processes: a publisher in a child process, >= 90% of its frames decrypted here, with latency', async (t) => {
  t.timeout(90_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const b = await joinedSession(t, server.signalingUrl, sessionId, server.generateToken(sessionId), SECRET);
  const streamSeen = new Promise<otc.StreamEvent>((resolve) => b.once('streamCreated', resolve));
  const child = runNode(`${childPrelude()}
    (async () => {
      otc.init();
      otc.audio.captureTone(440, 0.5);
      const session = new otc.Session(${JSON.stringify(API_KEY)}, ${JSON.stringify(sessionId)}, { signalingUrl: ${JSON.stringify(server.signalingUrl)} });
      session.setEncryptionSecret(${JSON.stringify(SECRET)});
      await session.encryptionKeyReady();
      await session.connect(${JSON.stringify(server.generateToken(sessionId))});
      const publisher = new otc.Publisher({ name: 'child', testPattern: { width: 320, height: 180, fps: 30 } });
      await session.publish(publisher);
      await new Promise((resolve) => setTimeout(resolve, 9000));
      console.log(JSON.stringify(publisher.stats()));
      publisher.delete();
      await session.disconnect();
      session.delete();
      otc.destroy();
    })().catch((error) => { console.error(error); process.exit(1); });`, 60_000);
  const stream = await streamSeen;
  t.true(stream.e2ee);
  const subscriber = b.subscribe(stream);
  await subscriber.connected(15_000);
  await until(t, () => subscriber.mediaCheck().framesReceived >= 30, 15_000, () => JSON.stringify(subscriber.mediaCheck()), 50);
  await sleep(4000);
  const check = subscriber.mediaCheck();
  const stats = subscriber.stats();
  const detail = `check ${JSON.stringify(check)}; stats ${JSON.stringify(stats)}`;
  t.log(`two processes: received ${check.framesReceived}, lost ${check.framesLost}, latency p50 ${check.latencyP50Ms} ms, p95 ${check.latencyP95Ms} ms`);
  t.true(check.framesReceived >= 100, detail);
  t.true(check.framesReceived >= 0.9 * (check.framesReceived + check.framesLost), detail);
  t.true(check.latencyP50Ms > 0 && check.latencyP50Ms < 1000, detail);
  t.true(stats.e2ee && stats.videoFramesOpened > 0 && stats.audioFramesOpened > 0, detail);
  t.is(stats.framesMismatch, 0, detail);
  const result = await child;
  t.is(result.code, 0, result.stderr);
  const published = JSON.parse(result.stdout.trim().split('\n').pop()!) as otc.PublisherStats;
  t.true(published.e2ee && published.videoFramesSealed > 0, result.stdout);
  subscriber.delete();
  await b.disconnect();
});

/** One process, a call up and frames flowing. */
async function liveCall(t: ExecutionContext): Promise<{ a: otc.Session; b: otc.Session; subscriber: otc.Subscriber; mismatches: otc.OtcError[] }> {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const a = await joinedSession(t, server.signalingUrl, sessionId, server.generateToken(sessionId), SECRET);
  const b = await joinedSession(t, server.signalingUrl, sessionId, server.generateToken(sessionId), SECRET);
  otc.audio.captureTone(440, 0.5);
  const publisher = new otc.Publisher({ name: 'keys', testPattern: { width: 320, height: 180, fps: 30 } });
  t.teardown(() => publisher.delete());
  const streamSeen = new Promise<otc.StreamEvent>((resolve) => b.once('streamCreated', resolve));
  await a.publish(publisher);
  const subscriber = b.subscribe(await streamSeen);
  t.teardown(() => subscriber.delete());
  const mismatches: otc.OtcError[] = [];
  subscriber.on('encryptionSecretMismatch', (error) => mismatches.push(error));
  await subscriber.connected(15_000);
  await until(t, () => subscriber.mediaCheck().framesReceived >= 30, 15_000, () => JSON.stringify(subscriber.mediaCheck()), 50);
  return { a, b, subscriber, mismatches };
}

async function framesKeepFlowing(t: ExecutionContext, subscriber: otc.Subscriber, label: string): Promise<void> {
  const start = subscriber.mediaCheck().framesReceived;
  await until(t, () => subscriber.mediaCheck().framesReceived >= start + 60, 10_000, () => JSON.stringify(subscriber.mediaCheck()), 50);
  const check = subscriber.mediaCheck();
  t.log(`${label}: max gap ${check.maxGapMs} ms, freezes ${check.freezes}, lost ${check.framesLost} of ${check.framesReceived + check.framesLost}`);
  t.true(check.maxGapMs < MAX_GAP_MS, `${label}: a gap of ${check.maxGapMs} ms (${JSON.stringify(check)})`);
}

test.serial('re-keying mid-call: frames keep flowing, no gap beyond a key-frame request, the new epoch in use', async (t) => {
  t.timeout(90_000);
  const { a, b, subscriber, mismatches } = await liveCall(t);
  const oldEpoch = a.encryptionEpoch;
  const bKey = b.encryptionKeyReady();
  t.is(b.setEncryptionSecret(NEW_SECRET), otc.ErrorCode.OTC_SUCCESS);  // receivers first
  await bKey;
  const aKey = a.encryptionKeyReady();
  t.is(a.setEncryptionSecret(NEW_SECRET), otc.ErrorCode.OTC_SUCCESS);
  const newEpoch = await aKey;
  t.not(newEpoch, oldEpoch);
  await framesKeepFlowing(t, subscriber, 're-key');
  t.is(subscriber.stats().encryptionEpoch, newEpoch);
  t.deepEqual(mismatches, []);
});

test.serial('ratcheting mid-call: the receiver follows on its own, frames keep flowing', async (t) => {
  t.timeout(90_000);
  const { a, b, subscriber, mismatches } = await liveCall(t);
  const oldEpoch = a.encryptionEpoch;
  t.is(a.ratchetEncryptionKey(), otc.ErrorCode.OTC_SUCCESS);
  const newEpoch = a.encryptionEpoch;
  t.not(newEpoch, oldEpoch);
  await framesKeepFlowing(t, subscriber, 'ratchet');
  t.is(subscriber.stats().encryptionEpoch, newEpoch!);
  t.is(b.encryptionEpoch, newEpoch, 'the receiver adopted the ratcheted epoch');
  t.is(subscriber.stats().framesMismatch, 0);
  t.deepEqual(mismatches, []);
});
