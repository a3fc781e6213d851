// `node-otc bot` as a CI job uses it (inside scripts/netns-run.sh): bots in their own processes
// join a routed E2EE session, publish the test pattern or a media file, subscribe to each other,
// and exit 0 or 1 on their thresholds, with a JSON report and PNG snapshots.
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import type { BotReport } from '../../lib/bot/bot';
import type { SessionServer } from '../../lib/server/index';
import { requireNetns, startRoutedServer } from './helpers';

const run = promisify(execFile);
const CLI = path.join(__dirname, '../../lib/cli/index.js');
const SECRET = 'bots share this secret';

let server: SessionServer;
let dir: string;

test.before(async () => {
  requireNetns();
  server = await startRoutedServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-bots-'));
});
test.after.always(async () => {
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface BotRun {
  code: number | null;
  stdout: string;
}

/** Runs `node-otc bot` with a fresh token of `sessionId`; resolves when it exits (killed after 60 s). */
function bot(t: ExecutionContext, sessionId: string, args: string[]): Promise<BotRun> {
  const token = server.generateToken(sessionId, { data: args.join(' ').slice(0, 200) });
  const child = spawn(process.execPath, [CLI, 'bot', '--url', server.signalingUrl, '--token', token, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout });
  }));
}

test.serial('two pattern bots: the judging one passes its thresholds, writes a report and a PNG snapshot; impossible thresholds fail', async (t) => {
  t.timeout(90_000);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  const report = path.join(dir, 'report.json');
  const snapshots = path.join(dir, 'snaps');
  const [other, judge, strict] = await Promise.all([
    bot(t, sessionId, ['--secret', SECRET, '--name', 'other', '--size', '320x180', '--duration', '11']),
    bot(t, sessionId, ['--secret', SECRET, '--name', 'judge', '--size', '320x180', '--duration', '9', '--expect-fps', '25',
      '--max-latency-ms', '400', '--report', report, '--snapshots', snapshots]),
    bot(t, sessionId, ['--secret', SECRET, '--name', 'strict', '--publish', 'none', '--duration', '9', '--expect-fps', '200']),
  ]);
  t.log(judge.stdout.split('\n').filter((l) => /PASS|FAIL|fps over/.test(l)).join('\n'));
  t.is(judge.code, 0, judge.stdout);
  t.is(other.code, 0, other.stdout);
  t.is(strict.code, 1, strict.stdout);
  t.regex(strict.stdout, /FAIL/);
  t.regex(strict.stdout, /under the expected 200/);
  t.regex(judge.stdout, /\d+\/9 s \| sending \d+ fps/, 'a status line a second');

  const parsed = JSON.parse(fs.readFileSync(report, 'utf8')) as BotReport;
  t.true(parsed.ok);
  t.true(parsed.e2ee);
  t.is(parsed.sessionId, sessionId);
  t.is(parsed.subscriptions.length, 1, 'the judge subscribed to the other publisher (strict publishes nothing)');
  const [sub] = parsed.subscriptions;
  t.is(sub!.name, 'other');
  t.true(sub!.judged && sub!.fps >= 25, JSON.stringify(sub));
  t.true(sub!.mediaCheck.latencyP95Ms > 0 && sub!.mediaCheck.latencyP95Ms <= 400);
  t.true(sub!.stats.videoFramesOpened > 0);
  t.is(parsed.snapshots.length, 1);
  const png = fs.readFileSync(parsed.snapshots[0]!);
  t.is(png.subarray(1, 4).toString('latin1'), 'PNG');
});

test.serial('a bot publishing a media file is received at its rate; a bot with the wrong secret fails on 6003', async (t) => {
  t.timeout(90_000);
  const media = path.join(dir, 'clip.mkv');
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000',
    '-t', '3', '-c:v', 'ffv1', '-c:a', 'pcm_s16le', media]);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  const [file, watcher, wrong] = await Promise.all([
    bot(t, sessionId, ['--secret', SECRET, '--name', 'file', '--media', media, '--size', '320x180', '--duration', '11', '--no-subscribe']),
    bot(t, sessionId, ['--secret', SECRET, '--name', 'watcher', '--publish', 'none', '--duration', '9', '--expect-fps', '20']),
    bot(t, sessionId, ['--secret', 'a different secret', '--name', 'wrong', '--publish', 'none', '--duration', '9', '--expect-fps', '20']),
  ]);
  t.log(watcher.stdout.split('\n').filter((l) => /PASS|FAIL|fps over/.test(l)).join('\n'));
  t.is(file.code, 0, file.stdout);
  t.is(watcher.code, 0, watcher.stdout);
  t.regex(watcher.stdout, /file: \d+\.\d fps .*no test-pattern code/);
  t.is(wrong.code, 1, wrong.stdout);
  t.regex(wrong.stdout, /did not open with this secret \(6003\)/);
});
