// `node-otc loadtest` against the project's own server (relayed sessions; the routed run through
// Janus is test/routed/loadtest.test.ts): its exit status (0 pass, 1 a threshold or a broken run,
// 2 a usage error), its report, a wrong subscriber secret counted as mismatches, a worker that
// dies, and SIGINT. Media runs go one at a time (serial): on 2 cores they would starve each other.
import test from 'ava';
import { SessionServer } from '../lib/server/index';
import { startLoadtest, workerPids } from './helpers/loadtest-run';

const API_KEY = '47000001';
const API_SECRET = 'a'.repeat(40);

let server: SessionServer;
test.before(async () => {
  server = await SessionServer.start({ apiKey: API_KEY, apiSecret: API_SECRET });
});
test.after.always(async () => {
  await server?.close();
});

const credentials = (): string[] => ['--url', server.url, '--api-key', API_KEY, '--api-secret', API_SECRET, '--relayed'];

for (const [args, message] of [
  [['--publishers', '0'], /--publishers must be a number from 1 to 64/],
  [['--subscribers', '1001'], /--subscribers must be a number from 0 to 1000/],
  [['--publishers', '64', '--subscribers', '1000'], /64000 subscriptions, over the 10000 allowed/],
  [['--codec', 'AV1'], /--codec must be VP8, VP9 or H264/],
  [['--max-loss', '2'], /--max-loss must be a number from 0 to 1/],
  [['--min-fps', '1001'], /--min-fps must be a number from 0 to 1000/],
  [['--max-latency-p95', '200'], /--max-latency-p95 needs decoding subscribers/],
  [['--no-e2ee', '--subscriber-secret', 'x'], /--no-e2ee excludes/],
  [['--no-verify-only', '--decode-sample', '2'], /--decode-sample goes with verify-only/],
  [['--secret', 'short'], /--secret is not a valid secret/],
  [['--bogus'], /Unknown option '--bogus'/],
] as const) {
  test.serial(`loadtest ${args.join(' ')} exits 2`, async (t) => {
    const { code, output, report } = await startLoadtest(t, [...credentials(), ...args], 30_000).exited;
    t.is(code, 2);
    t.regex(output, message);
    t.is(report, undefined);
  });
}

test.serial('loadtest without credentials or with a wrong API secret exits 2', async (t) => {
  t.is((await startLoadtest(t, ['--url', server.url], 30_000).exited).code, 2);
  const wrong = await startLoadtest(t, ['--url', server.url, '--api-key', API_KEY, '--api-secret', 'b'.repeat(40)], 30_000).exited;
  t.is(wrong.code, 2);
  t.regex(wrong.output, /cannot create the session: .*answered 403/);
});

test.serial('2 publishers x 2 subscribers on 2 workers, relayed E2EE: every subscription opens ~30 fps, exit 0', async (t) => {
  const { code, output, report } = await startLoadtest(t, [...credentials(), '--publishers', '2', '--subscribers', '2', '--workers', '2',
    '--duration', '8', '--size', '320x180', '--min-fps', '15', '--max-loss', '0.5', '--decode-sample', '2']).exited;
  t.is(code, 0, output);
  t.regex(output, /^PASS: 2 publishers x 2 subscribers, 4\/4 subscriptions over .*, end-to-end encrypted, verify-only/m);
  // A progress line a second: the header, then lines with the time.
  t.true(output.split('\n').filter((line) => /^ +\d+s +\d/.test(line)).length >= 6);
  t.truthy(report);
  t.true(report!.ok);
  t.is(report!.subscriptions.length, 4);
  for (const s of report!.subscriptions) {
    t.true(s.fpsOpened >= 15, `subscriber ${s.subscriber} <- p${s.publisher}: ${s.fpsOpened} fps`);
    t.true(s.seconds >= 2);
    t.is(s.notOpened.mismatch, 0);
    // Subscriber 0 decodes (every 2nd, from 0): the test pattern's latency is known; subscriber 1
    // is verify-only: frames opened, none decoded.
    t.is(s.decode, s.subscriber === 0);
    if (s.decode) t.not(s.latencyP95Ms, null);
    else t.is(s.framesDecoded, 0);
    t.true(s.bytesOpened > 0 && s.keyFrames > 0, JSON.stringify(s));
  }
  t.is(report!.streams.length, 2);
  t.is(report!.workers.length, 2);
  for (const w of report!.workers) {
    t.is(w.exit, 'exit 0');
    t.true(w.cpuPercent > 0 && w.rssMb > 20, JSON.stringify(w));
  }
});

test.serial('an impossible threshold (--min-fps 1000) exits 1 and says why', async (t) => {
  const { code, output, report } = await startLoadtest(t, [...credentials(), '--publishers', '1', '--subscribers', '1', '--duration', '6',
    '--size', '320x180', '--min-fps', '1000']).exited;
  t.is(code, 1, output);
  t.regex(output, /^FAIL/m);
  t.regex(output, /fps opened, under 1000/);
  t.false(report!.ok);
  t.true(report!.subscriptions[0]!.fpsOpened > 5, 'frames did flow');
});

test.serial('subscribers with the wrong secret open nothing: mismatches reported, exit 1', async (t) => {
  const { code, output, report } = await startLoadtest(t, [...credentials(), '--publishers', '1', '--subscribers', '2', '--duration', '6',
    '--size', '320x180', '--secret', 'the publishers secret', '--subscriber-secret', 'not the same secret', '--settle', '5']).exited;
  t.is(code, 1, output);
  t.regex(output, /frames did not open with this secret \(mismatch\)/);
  t.is(report!.subscriptions.length, 2);
  for (const s of report!.subscriptions) {
    t.is(s.framesOpened, 0);
    t.true(s.notOpened.mismatch > 30, `${s.notOpened.mismatch} mismatches`);
    t.true(s.problems.includes('no frame opened'));
  }
});

test.serial('a worker that dies fails the run and is reported; the others finish', async (t) => {
  const run = startLoadtest(t, [...credentials(), '--publishers', '1', '--subscribers', '1', '--workers', '2', '--duration', '8',
    '--size', '320x180']);
  await run.printed(/^\* measuring for/m, 40_000);
  const workers = workerPids(run.child.pid!);
  t.is(workers.length, 2);
  process.kill(workers[1]!, 'SIGKILL');
  const { code, output, report } = await run.exited;
  t.is(code, 1, output);
  t.regex(output, /problem: worker 1 died \(killed by SIGKILL\)/);
  t.is(report!.workers[1]!.exit, 'killed by SIGKILL');
  t.is(report!.workers[0]!.exit, 'exit 0');
});

test.serial('SIGINT stops early, still prints the report and writes the JSON', async (t) => {
  const run = startLoadtest(t, [...credentials(), '--publishers', '1', '--subscribers', '1', '--workers', '2', '--duration', '60',
    '--size', '320x180']);
  await run.printed(/^\* measuring for/m, 40_000);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  run.child.kill('SIGINT');
  const { code, output, report } = await run.exited;
  t.is(code, 1, output);
  t.regex(output, /stopped early \(SIGINT\)/);
  t.regex(output, /^FAIL: 1 publisher x 1 subscriber, 1\/1 subscriptions/m);
  t.true(report!.durationS < 30);
  t.true(report!.subscriptions[0]!.framesOpened > 0);
  for (const w of report!.workers) t.is(w.exit, 'exit 0');
});
