// Pre-encoded media through the Node API and the bot (PublisherOptions.encodedMedia, `node-otc bot
// --publish encoded`): an IVF VP8 file and an Ogg Opus file made by ffmpeg, published as they are
// in a relayed E2EE session of the in-process session server; the subscriber opens and decodes
// them (the byte-for-byte comparison is the C++ test's, rtc_encoded_media_test). A file that is
// not media fails the publish with its reason.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import { startServer } from './server/helpers/server';
import { until } from './helpers/wait';

const run = promisify(execFile);
const CLI = path.join(__dirname, '../lib/cli/index.js');
const API_KEY = '47000001';
const SECRET = 'encoded media test secret';
let dir: string;
let ivf: string;
let ogg: string;

test.before(async () => {
  otc.init();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-encoded-'));
  ivf = path.join(dir, 'clip.ivf');
  ogg = path.join(dir, 'tone.ogg');
  await run('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-t', '3', '-g', '30',
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', ivf]);
  await run('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '3',
    '-c:a', 'libopus', '-b:a', '32k', ogg]);
});
test.after.always(() => {
  otc.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function session(t: ExecutionContext, server: Awaited<ReturnType<typeof startServer>>, sessionId: string): Promise<otc.Session> {
  const s = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => s.delete());
  const key = s.encryptionKeyReady();
  t.is(s.setEncryptionSecret(SECRET), otc.ErrorCode.OTC_SUCCESS);
  await key;
  await s.connect(server.generateToken(sessionId));
  return s;
}

test.serial('an IVF VP8 file and an Ogg Opus file are published as they are, opened and decoded by the subscriber', async (t) => {
  t.timeout(60_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const a = await session(t, server, sessionId);
  const b = await session(t, server, sessionId);
  // The codec follows the file's, whatever videoCodec said.
  const publisher = new otc.Publisher({ name: 'encoded', videoCodec: 'H264', encodedMedia: { video: ivf, audio: ogg } });
  t.teardown(() => publisher.delete());
  const seen = new Promise<otc.StreamEvent>((resolve) => b.once('streamCreated', resolve));
  const published = await a.publish(publisher);
  t.is(published.videoCodec, 'VP8');
  const stream = await seen;
  const subscriber = b.subscribe(stream);
  await subscriber.connected(15_000);
  await until(t, () => subscriber.stats().videoFramesDecoded >= 45 && subscriber.stats().audioFramesOpened >= 45, 20_000,
    () => `frames decoded and opened: ${JSON.stringify(subscriber.stats())}`);
  const frame = await subscriber.firstFrame(5000);
  t.is(frame.width, 320);
  t.is(frame.height, 180);
  const sub = subscriber.stats();
  const pub = publisher.stats();
  t.true(pub.e2ee && pub.videoFramesSealed >= 45 && pub.audioFramesSealed >= 45, JSON.stringify(pub));
  t.is(pub.sealErrors, 0);
  t.true(sub.videoFramesOpened >= 45, JSON.stringify(sub));
  t.is(sub.framesMismatch + sub.framesIntegrityFailure, 0);
  t.log(`publisher ${JSON.stringify(pub)}`);
});

test.serial('a file that is not encoded media fails the publish with its reason; bad options throw', async (t) => {
  t.timeout(30_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const a = await session(t, server, sessionId);
  const bogus = path.join(dir, 'bogus.ivf');
  fs.writeFileSync(bogus, 'DKIF but nothing else that an IVF file has');
  const publisher = new otc.Publisher({ encodedMedia: { video: bogus } });
  t.teardown(() => publisher.delete());
  const reported: string[] = [];
  publisher.on('error', (error) => reported.push(error.message));
  const error = await t.throwsAsync(a.publish(publisher));
  t.regex(error?.message ?? '', /UNABLE_TO_PUBLISH/);
  await until(t, () => reported.length > 0, 5000, () => 'a publisher error event');
  t.regex(reported.join(' '), /encoded video: .*bogus\.ivf: /);
  t.throws(() => new otc.Publisher({ encodedMedia: {} }), { message: /encodedMedia/ });
  t.throws(() => new otc.Publisher({ encodedMedia: { video: 3 as unknown as string } }), { message: /encodedMedia\.video/ });
});

interface BotRun { code: number | null; stdout: string }

function bot(t: ExecutionContext, signalingUrl: string, token: string, args: string[]): Promise<BotRun> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'bot', '--url', signalingUrl, '--token', token, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout });
  }));
}

test.serial('node-otc bot --publish encoded --media VIDEO,AUDIO is received at the file\'s rate', async (t) => {
  t.timeout(90_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const [sender, watcher] = await Promise.all([
    bot(t, server.signalingUrl, server.generateToken(sessionId), ['--secret', SECRET, '--name', 'encoded', '--publish', 'encoded',
      '--media', `${ivf},${ogg}`, '--duration', '14', '--no-subscribe']),
    bot(t, server.signalingUrl, server.generateToken(sessionId), ['--secret', SECRET, '--name', 'watcher', '--publish', 'none',
      '--duration', '9', '--expect-fps', '20']),
  ]);
  t.log(watcher.stdout.split('\n').filter((l) => /PASS|FAIL|fps over/.test(l)).join('\n'));
  t.is(sender.code, 0, sender.stdout);
  t.regex(sender.stdout, /publishing \S+ \(as encoded: .*clip\.ivf, .*tone\.ogg\)/);
  t.is(watcher.code, 0, watcher.stdout);
  t.regex(watcher.stdout, /encoded: \d+\.\d fps/);
});
