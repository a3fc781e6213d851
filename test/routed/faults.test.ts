// Faults in routed sessions (inside scripts/netns-run.sh): Janus killed mid-call (the call heals;
// or, when Janus cannot start again, both ends get an error), and a client
// process that dies. Each test runs its own server and Janus, since they break them.
import test, { type ExecutionContext } from 'ava';
import * as otc from '../../lib/index';
import type { SessionServer } from '../../lib/server/index';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { childPrelude } from '../helpers/child';
import { describeRamp, waitForFrameRate } from '../helpers/frame-rate';
import { sleep, until } from '../helpers/wait';
import { API_KEY, joinSession, requireNetns, startRoutedServer, streamOn } from './helpers';

const SECRET = 'routed faults secret';
const PATTERN = { width: 320, height: 180, fps: 15 };
const FAST_PATTERN = { width: 320, height: 180, fps: 30 };

test.before(() => {
  requireNetns();
  otc.init();
});
test.after.always(() => otc.destroy());

async function startRouted(t: ExecutionContext): Promise<SessionServer> {
  // A dead client's connection is kept for a reconnection first (reconnectGraceMs): 1 s here.
  const server = await startRoutedServer({ pingIntervalMs: 1000, pongTimeoutMs: 3000, reconnectGraceMs: 1000, ...(process.env['OTC_DEBUG_LOG'] && { log: (l: string) => console.error(l) }) });
  t.teardown(() => server.close());
  return server;
}

test.serial('Janus killed mid-call: the router restarts it and the E2EE call resumes by itself (no error, same subscriber)', async (t) => {
  t.timeout(120_000);
  const server = await startRouted(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  const a = await joinSession(t, server, sessionId, 'publisher', SECRET);
  const b = await joinSession(t, server, sessionId, 'subscriber', SECRET);
  const publisher = new otc.Publisher({ name: 'fault', testPattern: FAST_PATTERN });
  t.teardown(() => publisher.delete());
  const streamId = (await a.publish(publisher)).streamId;
  const stream = await streamOn(b, streamId);
  const subscriber = b.subscribe(stream);
  t.teardown(() => subscriber.delete());
  await until(t, () => subscriber.mediaCheck().framesReceived > 30, 20_000, () => 'frames before the fault');

  const errors: string[] = [];
  publisher.on('error', (err) => errors.push(`publisher ${err.code}: ${err.message}`));
  subscriber.on('error', (err) => errors.push(`subscriber ${err.code}: ${err.message}`));
  let disconnected = false;
  subscriber.on('disconnected', () => { disconnected = true; });
  const [janus] = server.router!.managedProcesses;
  const oldPid = janus!.pid;
  await sleep(1000); // frames at full rate just before the kill
  const before = subscriber.mediaCheck();
  const killedAt = Date.now();
  janus!.kill('SIGKILL');

  // Frames stop (the router is gone), then come back on new peer connections to the new Janus.
  // Frames still arriving 3 s after the kill can only come through the new Janus; the recovery
  // is the end of the longest gap between new frames after the kill (it can be under 500 ms:
  // a test that waited for a stall of 500 ms before it counted a recovery missed fast ones).
  const samples: Array<{ at: number; count: number }> = [];
  await until(t, () => {
    const count = subscriber.mediaCheck().framesReceived;
    const now = Date.now();
    if (samples.length === 0 || count > samples[samples.length - 1]!.count) samples.push({ at: now, count });
    return now - killedAt > 3000 && count > before.framesReceived + 30 && samples.some((s) => s.at > killedAt + 3000);
  }, 20_000, () => `frames after the restart (${JSON.stringify(subscriber.mediaCheck())}, errors ${JSON.stringify(errors)})`, 20);
  let resumedAt = killedAt;
  let longestGap = 0;
  let previousAt = killedAt;
  for (const sample of samples) {
    if (sample.at - previousAt > longestGap) {
      longestGap = sample.at - previousAt;
      resumedAt = sample.at;
    }
    previousAt = sample.at;
  }
  const recoveredMs = resumedAt! - killedAt;
  // New peer connections start congestion control over: judged by the first 2 s window at
  // >= 20 fps within 20 s, not by a fixed window that would measure the ramp on a loaded machine.
  const ramp = await waitForFrameRate(() => [subscriber.mediaCheck().framesReceived], 20, 20_000);
  const windowEnd = subscriber.mediaCheck();
  const lost = windowEnd.framesLost - before.framesLost;
  t.log(`first frame again ${recoveredMs} ms after SIGKILL (a gap of ${longestGap} ms); longest gap between frames ${windowEnd.maxGapMs.toFixed(0)} ms; ` +
    `${lost} frame numbers missing across the fault; >= 20 fps over 2 s ${describeRamp(ramp)} after that; ` +
    `Janus pid ${oldPid} -> ${server.router!.managedProcesses[0]?.pid}`);
  t.true(recoveredMs < 20_000, `recovered within 20 s (${recoveredMs} ms)`);
  t.true(ramp[0]!.reachedMs !== undefined, `back to >= 20 fps within 20 s of recovery (best ${ramp[0]!.bestFps.toFixed(1)})`);
  t.not(server.router!.managedProcesses[0]?.pid, oldPid, 'a new Janus process');
  t.deepEqual(errors, [], 'neither end reported an error');
  t.false(disconnected, 'the subscriber was never disconnected');
  const stats = subscriber.stats();
  t.log(`subscriber frame outcomes: opened ${stats.videoFramesOpened} video, mismatch ${stats.framesMismatch}, ` +
    `integrity ${stats.framesIntegrityFailure}, replay ${stats.framesReplay}`);
  t.is(stats.framesMismatch + stats.framesIntegrityFailure, 0, 'every frame opened with the session\'s keys');
  t.true(a.connectionId !== null && b.connectionId !== null, 'the sessions stay connected');
  await Promise.all([a.disconnect(), b.disconnect()]);
});

test.serial('Janus killed and unable to start again: publisher and subscriber get a clear error; the sessions stay', async (t) => {
  t.timeout(90_000);
  // The router runs Janus through a link that is removed before the kill: the restart fails.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-janus-gone-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const binary = path.join(dir, 'janus');
  fs.symlinkSync(execFileSync('sh', ['-c', 'command -v janus']).toString().trim(), binary);
  const server = await startRoutedServer({ pingIntervalMs: 1000, pongTimeoutMs: 3000, reconnectGraceMs: 1000, router: { janus: { binary } } });
  t.teardown(() => server.close());
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  const a = await joinSession(t, server, sessionId, 'publisher', SECRET);
  const b = await joinSession(t, server, sessionId, 'subscriber', SECRET);
  const publisher = new otc.Publisher({ name: 'fault', testPattern: PATTERN });
  t.teardown(() => publisher.delete());
  const stream = await streamOn(b, (await a.publish(publisher)).streamId);
  const subscriber = b.subscribe(stream);
  t.teardown(() => subscriber.delete());
  await until(t, () => subscriber.mediaCheck().framesReceived > 10, 20_000, () => 'frames before the fault');

  const publisherError = new Promise<otc.OtcError>((resolve) => publisher.once('error', resolve));
  const subscriberError = new Promise<otc.OtcError>((resolve) => subscriber.once('error', resolve));
  const subscriberGone = new Promise<void>((resolve) => subscriber.once('disconnected', () => resolve()));
  fs.rmSync(binary);
  const killedAt = Date.now();
  server.router!.managedProcesses[0]!.kill('SIGKILL');
  const [pubErr, subErr] = await Promise.race([
    Promise.all([publisherError, subscriberError, subscriberGone]),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no error within 30 s of Janus dying')), 30_000)),
  ]);
  t.log(`errors ${Date.now() - killedAt} ms after the kill: publisher "${pubErr.message}", subscriber "${subErr.message}"`);
  t.is(pubErr.code, otc.ErrorCode.OTC_PUBLISHER_WEBRTC_ERROR);
  t.regex(pubErr.message, /media router/);
  t.is(subErr.code, otc.ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR);
  t.regex(subErr.message, /media router/);
  t.true(a.connectionId !== null && b.connectionId !== null, 'the sessions stay connected: only the media broke');
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
  t.teardown(() => subscriber.delete());
  await until(t, () => subscriber.mediaCheck().framesReceived > 5, 20_000, () => 'frames from the child');
  const destroyed = new Promise<otc.StreamEvent>((resolve) => watcher.once('streamDestroyed', resolve));
  const left = new Promise<otc.ConnectionEvent>((resolve) => watcher.once('connectionDestroyed', resolve));
  const gone = new Promise<void>((resolve) => subscriber.once('disconnected', () => resolve()));
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
