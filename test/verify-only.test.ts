// Verify-only subscriptions end to end: the session server in-process, two Sessions with a
// relayed E2EE call (test pattern + tone), the subscriber made with { verifyOnly: true }: every
// frame is opened and counted (verifyStats()), none decoded; a wrong secret opens nothing and
// reports mismatch; `node-otc bot --verify-only` judges a stream by frames opened per second.
// Serial, small picture: the machine has two cores shared with the other test files.
import { execFile } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import type { BotReport } from '../lib/bot/bot';
import * as otc from '../lib/index';
import { startServer } from './server/helpers/server';
import { sleep, until } from './helpers/wait';

const run = promisify(execFile);
const CLI = path.join(__dirname, '../lib/cli/index.js');
const API_KEY = '47000001';
const SECRET = 'verify-only test secret';
const FPS = 30;

test.before(() => otc.init());
test.after.always(() => otc.destroy());

interface Call {
  a: otc.Session;
  b: otc.Session;
  stream: otc.StreamEvent;
}

/** Two sessions (b with secretB); a publishes 320x180@30 with a tone; b sees the stream. */
async function setUpCall(t: ExecutionContext, secretB = SECRET): Promise<Call> {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const a = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  const b = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => { a.delete(); b.delete(); });
  const keys = [a.encryptionKeyReady(), b.encryptionKeyReady()];
  t.is(a.setEncryptionSecret(SECRET), otc.ErrorCode.OTC_SUCCESS);
  t.is(b.setEncryptionSecret(secretB), otc.ErrorCode.OTC_SUCCESS);
  await Promise.all(keys);
  await a.connect(server.generateToken(sessionId));
  await b.connect(server.generateToken(sessionId));
  t.is(otc.audio.captureTone(440, 0.5), otc.ErrorCode.OTC_SUCCESS);
  const publisher = new otc.Publisher({ name: 'verify', testPattern: { width: 320, height: 180, fps: FPS } });
  t.teardown(() => publisher.delete());
  const seen = new Promise<otc.StreamEvent>((resolve) => (b as unknown as EventEmitter).once('streamCreated', resolve));
  await a.publish(publisher);
  return { a, b, stream: await seen };
}

test.serial('a verify-only subscription opens and counts every frame, decodes none, and decodes again when switched off', async (t) => {
  t.timeout(90_000);
  const { b, stream } = await setUpCall(t);
  const subscriber = b.subscribe(stream, { verifyOnly: true });
  t.teardown(() => subscriber.delete());
  t.true(subscriber.verifyOnly);
  const errors: string[] = [];
  subscriber.on('error', (error) => errors.push(error.message));
  subscriber.on('encryptionSecretMismatch', (error) => errors.push(error.message));
  let rendered = 0;
  subscriber.on('videoFrame', () => { rendered++; });
  await subscriber.connected(15_000);
  await until(t, () => subscriber.verifyStats().video.framesOpened >= FPS, 15_000, () => JSON.stringify(subscriber.verifyStats()));

  const before = subscriber.verifyStats();
  const startedMs = Date.now();
  await sleep(4000);
  const after = subscriber.verifyStats();
  const seconds = (Date.now() - startedMs) / 1000;
  const videoFps = (after.video.framesOpened - before.video.framesOpened) / seconds;
  const audioFps = (after.audio.framesOpened - before.audio.framesOpened) / seconds;
  t.log(`verify-only: ${videoFps.toFixed(1)} video, ${audioFps.toFixed(1)} audio frames opened/s; ${JSON.stringify(after)}`);
  t.true(after.verifyOnly);
  t.true(videoFps >= FPS / 2 && videoFps <= FPS * 1.4, `video frames opened per second: ${videoFps}`);
  t.true(audioFps >= 25, `audio frames opened per second: ${audioFps}`);
  t.true(after.video.keyFrames >= 1);
  t.true(after.video.bytesOpened > after.video.framesOpened * 20);
  t.deepEqual(after.video.notOpened, { mismatch: 0, integrity: 0, replay: after.video.notOpened.replay, other: 0 });
  t.is(after.audio.notOpened.mismatch, 0);
  t.true(after.video.gaps <= after.video.framesOpened / 10 + 2, `video gaps: ${after.video.gaps}`);
  t.true(after.video.lastFrameTimeUs > after.video.firstFrameTimeUs);
  for (const key of ['framesOpened', 'bytesOpened', 'keyFrames', 'gaps', 'freezes', 'freezeMs', 'maxGapMs'] as const) {
    t.is(typeof after.audio[key], 'number', key);
  }
  t.is(rendered, 0, 'no frame decoded');
  t.is(subscriber.stats().videoFramesDecoded, 0);
  const check = subscriber.mediaCheck();
  t.is(check.framesDecoded, 0);
  t.true(check.framesReceived >= after.video.framesOpened, 'the media check reports the frames opened');
  t.deepEqual(errors, []);

  // Switched off: decoded frames come back.
  subscriber.verifyOnly = false;
  t.false(subscriber.verifyOnly);
  await until(t, () => rendered >= FPS, 15_000, () => `${rendered} frames decoded after leaving verify-only`);
  t.true(subscriber.mediaCheck().framesDecoded > 0);
  t.throws(() => subscriber.setVerifyOnly('yes' as unknown as boolean), { instanceOf: TypeError });
  t.throws(() => b.subscribe(stream, { verifyOnly: 1 as unknown as boolean }), { instanceOf: TypeError });
});

test.serial('a verify-only subscription with the wrong secret opens nothing and reports mismatch', async (t) => {
  t.timeout(60_000);
  const { b, stream } = await setUpCall(t, 'not the secret');
  const subscriber = b.subscribe(stream, { verifyOnly: true });
  t.teardown(() => subscriber.delete());
  const mismatch = new Promise<otc.OtcError>((resolve) => subscriber.once('encryptionSecretMismatch', resolve));
  await subscriber.connected(15_000);
  const error = await mismatch;
  t.is(error.code, otc.ErrorCode.OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH);
  await until(t, () => subscriber.verifyStats().video.notOpened.mismatch > 10, 10_000, () => JSON.stringify(subscriber.verifyStats()));
  const stats = subscriber.verifyStats();
  t.log(JSON.stringify(stats));
  t.is(stats.video.framesOpened, 0);
  t.is(stats.audio.framesOpened, 0);
  t.true(stats.audio.notOpened.mismatch > 0);
});

test.serial('bot --verify-only judges a stream by frames opened per second and passes', async (t) => {
  t.timeout(90_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-verify-bot-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const report = path.join(dir, 'report.json');
  const bot = (args: string[]): Promise<{ code: number; stdout: string }> =>
    run(process.execPath, [CLI, 'bot', '--url', server.signalingUrl, '--token', server.generateToken(sessionId), '--secret', SECRET, ...args],
      { timeout: 60_000 }).then(({ stdout, stderr }) => ({ code: 0, stdout: stdout + stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        code: typeof err.code === 'number' ? err.code : -1, stdout: `${err.stdout ?? ''}${err.stderr ?? String(err)}`,
      }));
  const [publisherBot, judge] = await Promise.all([
    bot(['--name', 'sender', '--size', '320x180', '--no-subscribe', '--duration', '14']),
    bot(['--publish', 'none', '--duration', '9', '--verify-only', '--expect-fps', '20', '--max-latency-ms', '400', '--report', report]),
  ]);
  t.log(judge.stdout.split('\n').filter((l) => /PASS|FAIL|fps/.test(l)).slice(-3).join('\n'));
  t.is(judge.code, 0, judge.stdout);
  t.is(publisherBot.code, 0, publisherBot.stdout);
  t.regex(judge.stdout, /verify-only/);
  const parsed = JSON.parse(fs.readFileSync(report, 'utf8')) as BotReport;
  t.true(parsed.ok);
  t.is(parsed.subscriptions.length, 1);
  const [sub] = parsed.subscriptions;
  t.true(sub!.verifyOnly);
  t.true(sub!.judged && sub!.fps >= 20, JSON.stringify(sub));
  t.true(sub!.verify.video.framesOpened > 0);
  t.is(sub!.mediaCheck.framesDecoded, 0);

  const misuse = await bot(['--publish', 'none', '--duration', '1', '--decode-sample', '2']);
  t.is(misuse.code, 2, misuse.stdout);
  t.regex(misuse.stdout, /--decode-sample goes with --verify-only/);
});
