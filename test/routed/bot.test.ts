// `node-otc bot` as a CI job uses it (inside scripts/netns-run.sh): bots in their own processes
// join a routed E2EE session, publish the test pattern or a media file, subscribe to each other,
// and exit 0 or 1 on their thresholds, with a JSON report and PNG snapshots.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
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
  // A killed bot's stream ends 2 s after its socket drops (the tests below kill one).
  server = await startRoutedServer({ reconnectGraceMs: 2000 });
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

interface RunningBot {
  child: ChildProcess;
  /** What it printed so far. */
  output(): string;
  /** Resolves with what it printed when some line matches (rejects after timeoutMs). */
  printed(pattern: RegExp, timeoutMs: number): Promise<string>;
  exited: Promise<BotRun>;
}

/** Starts `node-otc bot` with a fresh token of `sessionId` (killed after 60 s). */
function startBot(t: ExecutionContext, sessionId: string, args: string[]): RunningBot {
  const token = server.generateToken(sessionId, { data: args.join(' ').slice(0, 200) });
  const child = spawn(process.execPath, [CLI, 'bot', '--url', server.signalingUrl, '--token', token, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  const watchers = new Set<() => void>();
  const onData = (chunk: string): void => {
    stdout += chunk;
    for (const check of watchers) check();
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<BotRun>((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout });
  }));
  const printed = (pattern: RegExp, timeoutMs: number): Promise<string> => new Promise((resolve, reject) => {
    const check = (): void => {
      if (!pattern.test(stdout)) return;
      watchers.delete(check);
      clearTimeout(giveUp);
      resolve(stdout);
    };
    const giveUp = setTimeout(() => {
      watchers.delete(check);
      reject(new Error(`the bot did not print ${String(pattern)} within ${timeoutMs} ms:\n${stdout}`));
    }, timeoutMs);
    watchers.add(check);
    check();
  });
  return { child, output: () => stdout, printed, exited };
}

/** Runs `node-otc bot` with a fresh token of `sessionId`; resolves when it exits (killed after 60 s). */
function bot(t: ExecutionContext, sessionId: string, args: string[]): Promise<BotRun> {
  return startBot(t, sessionId, args).exited;
}

test.serial('two pattern bots: the judging one passes its thresholds, writes a report and a PNG snapshot; impossible thresholds fail', async (t) => {
  t.timeout(90_000);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  const report = path.join(dir, 'report.json');
  const snapshots = path.join(dir, 'snaps');
  const [other, judge, strict] = await Promise.all([
    // Outlasts the judge by far more than the bots' start-up skew: a judged stream that ends first fails the judge.
    bot(t, sessionId, ['--secret', SECRET, '--name', 'other', '--size', '320x180', '--duration', '14']),
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
    bot(t, sessionId, ['--secret', SECRET, '--name', 'file', '--media', media, '--size', '320x180', '--duration', '14', '--no-subscribe']),
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

// The judge has read frames of the other bot's stream for six status lines (a second each): past
// its 2 s warm-up and the 2 s a subscription needs to be judged.
const JUDGING = /(other: [1-9]\d* fps[^\n]*\n[^\n]*){6}/;

test.serial('a judging bot stopped early (SIGTERM) fails and says so in its report', async (t) => {
  t.timeout(90_000);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  const report = path.join(dir, 'stopped.json');
  const other = startBot(t, sessionId, ['--secret', SECRET, '--name', 'other', '--size', '320x180', '--duration', '40', '--no-subscribe']);
  const judge = startBot(t, sessionId, ['--secret', SECRET, '--name', 'judge', '--publish', 'none', '--duration', '40',
    '--expect-fps', '5', '--report', report]);
  await judge.printed(JUDGING, 45_000);
  judge.child.kill('SIGTERM');
  const result = await judge.exited;
  other.child.kill('SIGTERM');
  await other.exited;
  t.log(result.stdout.split('\n').filter((l) => /PASS|FAIL|problem/.test(l)).join('\n'));
  t.is(result.code, 1, result.stdout);
  t.regex(result.stdout, /^FAIL/m);
  t.regex(result.stdout, /stopped early \(SIGTERM\) after \d+\.\d of 40 s/);
  const parsed = JSON.parse(fs.readFileSync(report, 'utf8')) as BotReport;
  t.false(parsed.ok);
  t.true(parsed.problems.some((p) => p.startsWith('stopped early (SIGTERM)')), JSON.stringify(parsed.problems));
  t.true(parsed.durationS < 40);
  // What it measured passed: being stopped early is what fails it.
  const [sub] = parsed.subscriptions;
  t.true(sub!.judged && sub!.fps >= 5, JSON.stringify(sub));
  t.deepEqual(sub!.problems, []);
});

test.serial('a judging bot whose publisher is killed mid-run fails, with the reason in its report', async (t) => {
  t.timeout(90_000);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  const report = path.join(dir, 'killed.json');
  const other = startBot(t, sessionId, ['--secret', SECRET, '--name', 'other', '--size', '320x180', '--duration', '60', '--no-subscribe']);
  // Long enough past the kill for the server to drop the killed connection (reconnect grace 2 s).
  const judge = startBot(t, sessionId, ['--secret', SECRET, '--name', 'judge', '--publish', 'none', '--duration', '24',
    '--expect-fps', '5', '--report', report]);
  await judge.printed(JUDGING, 45_000);
  other.child.kill('SIGKILL');
  await other.exited;
  const result = await judge.exited;
  t.log(result.stdout.split('\n').filter((l) => /PASS|FAIL|problem|ended/.test(l)).join('\n'));
  t.is(result.code, 1, result.stdout);
  t.regex(result.stdout, /^FAIL/m);
  const parsed = JSON.parse(fs.readFileSync(report, 'utf8')) as BotReport;
  t.false(parsed.ok);
  const [sub] = parsed.subscriptions;
  t.is(sub?.name, 'other');
  t.true(sub!.problems.some((p) => /^the stream (ended|stopped)/.test(p)), JSON.stringify(sub!.problems));
  t.is(sub!.ended?.reason, 'networkDisconnected', JSON.stringify(sub!.ended));
  t.is(sub!.ended?.code, 1022);
});

