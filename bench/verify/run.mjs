// bench/verify: how many verify-only E2EE subscriptions to 640x360@30 routed streams one process
// holds on this machine, with its threads, CPU and memory, and where that CPU goes.
//
// P publishers (bots publishing a --kbps VP8 file of 640x360@30 as it is, --source file, the default;
// or build-bench/call_bench processes encoding the test pattern, --source pattern) publish into
// one routed session through Janus; one subscriber process (bench/verify/subscriber.mjs, the
// package API) adds verify-only subscriptions to them round-robin, --step at a time, and after
// each step measures every subscription's opened frames per second over --seconds. A step holds
// when every verify-only subscription opened >= 29 fps. At the end perf samples the subscriber
// process at the largest step (by library and by thread).
//
//   npm run bench:verify     (builds call_bench, then scripts/netns-run.sh node bench/verify/run.mjs)
//
// Options: --source file|pattern, --kbps K (the file's bitrate, default 600), --publishers P (default 2), --step N (default 20), --max N (default 240), --seconds S
// (default 5), --audio (subscribe to audio too; default video only), --decode-every K (every Kth
// subscription decodes, default 0: none), --janus-event-loops N (Janus's shared event loops;
// default 0: Janus's thread per handle). Progress on stderr, the markdown table on stdout.
import { execFile, fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import * as os from 'node:os';
import * as path from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values: opts } = parseArgs({
  options: {
    publishers: { type: 'string', default: '2' },
    step: { type: 'string', default: '20' },
    max: { type: 'string', default: '240' },
    seconds: { type: 'string', default: '5' },
    audio: { type: 'boolean', default: false },
    'decode-every': { type: 'string', default: '0' },
    'janus-event-loops': { type: 'string', default: '0' },
    perf: { type: 'boolean', default: true },
    source: { type: 'string', default: 'file' },
    kbps: { type: 'string', default: '600' },
  },
  allowNegative: true,
});
const PUBLISHERS = Number(opts.publishers);
const STEP = Number(opts.step);
const MAX = Number(opts.max);
const SECONDS = Number(opts.seconds);
const DECODE_EVERY = Number(opts['decode-every']);
const EVENT_LOOPS = Number(opts['janus-event-loops']);
const SOURCE = opts.source;
const KBPS = Number(opts.kbps);
const API_KEY = '47000001';
const API_SECRET = 'c'.repeat(40);
const SECRET = 'verify bench shared secret';
const MIN_FPS = 29;
const binary = process.env.CALL_BENCH_BIN || path.join(root, 'build-bench', 'call_bench');
const log = (line) => process.stderr.write(`${line}\n`);
const die = (line) => {
  log(`bench/verify: ${line}`);
  process.exit(1);
};

for (const [name, value, min, max] of [['publishers', PUBLISHERS, 1, 16], ['step', STEP, 1, 200], ['max', MAX, 1, 1000],
  ['seconds', SECONDS, 1, 120], ['kbps', KBPS, 100, 5000], ['decode-every', DECODE_EVERY, 0, 1000], ['janus-event-loops', EVENT_LOOPS, 0, 16]]) {
  if (!Number.isInteger(value) || value < min || value > max) die(`--${name} must be an integer from ${min} to ${max}`);
}
if (SOURCE !== 'file' && SOURCE !== 'pattern') die('--source must be file or pattern');
if (process.env.OTC_NETNS !== '1') die('run inside the network namespace: npm run bench:verify (scripts/netns-run.sh)');
if (!existsSync(path.join(root, 'dist', 'lib', 'index.js'))) die('build first: npm run build:ts');
if (!existsSync(binary)) die(`${binary} is missing: npm run bench:verify builds it`);

const { SessionServer } = await import(path.join(root, 'dist', 'lib', 'server', 'index.js'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A 10 s 640x360@30 VP8 IVF of ffmpeg's testsrc2 at --kbps, made once per run. */
async function makeVideoFile(dir) {
  const file = path.join(dir, 'publish.ivf');
  await promisify(execFile)('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-t', '10', '-c:v', 'libvpx',
    '-b:v', `${KBPS}k`, '-minrate', `${KBPS}k`, '-maxrate', `${KBPS}k`, '-g', '150', '-deadline', 'realtime', '-cpu-used', '8', '-y', file],
  { timeout: 120_000 });
  return file;
}

function startPublisher(server, sessionId, index, videoFile) {
  if (videoFile) {
    // The file as it is (no encoder): a bot publishing it, subscribing to nothing.
    const child = spawn(process.execPath, [path.join(root, 'dist', 'lib', 'cli', 'index.js'), 'bot', '--url', server.signalingUrl,
      '--token', server.generateToken(sessionId, { data: `publisher ${index}` }), '--secret', SECRET, '--publish', 'encoded',
      '--media', videoFile, '--no-subscribe', '--duration', '7200', '--name', `publisher ${index}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { child, published: Promise.resolve() };
  }
  const child = spawn(binary, ['publish', server.signalingUrl, sessionId, server.generateToken(sessionId, { data: `publisher ${index}` }), '1', 'VP8', SECRET],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, CALL_BENCH_HOLD: '7200' } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
  const published = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`publisher ${index}: not published within 30 s: ${stderr}`)), 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('"published"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`publisher ${index} exited (${code}): ${stderr}`)));
  });
  return { child, published };
}

function startSubscriber(server, sessionId) {
  const child = fork(path.join(root, 'bench', 'verify', 'subscriber.mjs'), [server.signalingUrl, API_KEY, sessionId,
    server.generateToken(sessionId, { data: 'verify-only subscriber' }), SECRET, String(PUBLISHERS), opts.audio ? '1' : '0', String(DECODE_EVERY)],
  { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue = [];
  let waiting;
  child.on('message', (message) => {
    if (message.type === 'error') die(`subscriber process: ${message.message}`);
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(message);
    } else {
      queue.push(message);
    }
  });
  child.on('exit', (code) => { if (code) die(`the subscriber process exited with ${code}`); });
  const next = (timeoutMs) => (queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`subscriber process: no answer within ${timeoutMs} ms`)), timeoutMs);
    waiting = (m) => {
      clearTimeout(timer);
      resolve(m);
    };
  }));
  const ask = async (message, timeoutMs) => {
    child.send(message);
    return next(timeoutMs);
  };
  return { child, next, ask };
}

/** perf's share of samples by a sort key ('dso' or 'comm') in one process, top rows. */
async function perfBreakdown(pid, seconds) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'otc-verify-perf-'));
  const data = path.join(dir, 'perf.data');
  const run = promisify(execFile);
  try {
    await run('perf', ['record', '-F', '499', '-p', String(pid), '-o', data, '--', 'sleep', String(seconds)], { timeout: (seconds + 30) * 1000 });
    const report = async (sort) => {
      const { stdout } = await run('perf', ['report', '-i', data, '--stdio', '--sort', sort, '--percent-limit', '2'], { maxBuffer: 16 << 20 });
      return stdout.split('\n').filter((l) => /^\s+[\d.]+%/.test(l)).map((l) => l.trim().replace(/\s+/g, ' ')).slice(0, 8);
    };
    return { dso: await report('dso'), comm: await report('comm') };
  } catch (error) {
    return { error: error.message.split('\n')[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const started = Date.now();
const load0 = os.loadavg()[0];
const router = { janus: { eventLoops: EVENT_LOOPS } };
// The server's per-stream and per-connection subscription limits are for hostile clients; this
// one process subscribes to each stream hundreds of times over one connection.
const limits = { maxSubscribersPerStream: 1000, maxSubscriptionsPerStreamPerConnection: 1000, maxSubscriptionsPerConnection: 1000,
  messagesPerSecond: 5000, messageBurst: 5000 };
const server = await SessionServer.start({ apiKey: API_KEY, apiSecret: API_SECRET, router, limits });
const janusPid = server.router.instances[0].pid;
log(`bench/verify: Janus ${server.router.instances[0].label}, ${PUBLISHERS} publisher(s), steps of ${STEP} up to ${MAX} (load ${load0.toFixed(2)}, ${os.cpus().length} CPUs)`);
const publishers = [];
const workDir = mkdtempSync(path.join(os.tmpdir(), 'otc-verify-bench-'));
let subscriber;
const steps = [];
let perf;
let setupFailure;
try {
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  const videoFile = SOURCE === 'file' ? await makeVideoFile(workDir) : undefined;
  for (let i = 0; i < PUBLISHERS; i++) publishers.push(startPublisher(server, sessionId, i + 1, videoFile));
  await Promise.all(publishers.map((p) => p.published));
  subscriber = startSubscriber(server, sessionId);
  const ready = await subscriber.next(60_000);
  log(`  subscriber process ready: ${ready.baseline.threads} threads, ${ready.baseline.rssMb.toFixed(0)} MB`);
  let total = 0;
  while (total < MAX) {
    const count = Math.min(STEP, MAX - total);
    const added = await subscriber.ask({ type: 'add', count }, 120_000);
    total += count;
    if (added.failure) {
      setupFailure = { n: total, message: added.failure };
      log(`  ${total} subscriptions: could not set them all up: ${added.failure}`);
      break;
    }
    await sleep(2000);
    const janus0 = cpuSeconds(janusPid);
    const pubs0 = publishers.map((p) => cpuSeconds(p.child.pid));
    const sample = await subscriber.ask({ type: 'sample', seconds: SECONDS }, (SECONDS + 30) * 1000);
    const janusPct = (100 * (cpuSeconds(janusPid) - janus0)) / sample.seconds;
    const pubPct = publishers.reduce((sum, p, i) => sum + cpuSeconds(p.child.pid) - pubs0[i], 0) * 100 / sample.seconds;
    const verify = sample.per.filter((p) => !p.decoding);
    const fps = verify.map((p) => p.fps);
    const step = {
      n: total, minFps: Math.min(...fps), meanFps: fps.reduce((a, b) => a + b, 0) / fps.length,
      kbps: verify.reduce((a, p) => a + p.kbps, 0) / verify.length,
      gaps: verify.reduce((a, p) => a + p.gaps, 0), freezes: verify.reduce((a, p) => a + p.freezes, 0),
      notOpened: verify.reduce((a, p) => a + p.notOpened, 0),
      cpuPct: sample.cpuPct, ctxPerS: sample.ctxPerS, threads: sample.threads, rssMb: sample.rssMb, fds: sample.fds,
      janusPct, pubPct, load: os.loadavg()[0],
    };
    steps.push(step);
    log(`  ${step.n} subscriptions: min ${step.minFps.toFixed(1)} / mean ${step.meanFps.toFixed(1)} fps, ${step.kbps.toFixed(0)} kb/s each, ` +
      `subscriber ${step.cpuPct.toFixed(0)}% CPU, ${step.threads} threads, ${step.rssMb.toFixed(0)} MB; Janus ${step.janusPct.toFixed(0)}%, ` +
      `publishers ${step.pubPct.toFixed(0)}%; gaps ${step.gaps}, freezes ${step.freezes}`);
    if (step.minFps < MIN_FPS) break;
  }
  if (opts.perf && steps.length) {
    log(`  perf: sampling the subscriber process for ${SECONDS * 2} s at ${total} subscriptions`);
    perf = await perfBreakdown(subscriber.child.pid, SECONDS * 2);
  }
} finally {
  if (subscriber) {
    subscriber.child.send({ type: 'stop' });
    await Promise.race([new Promise((resolve) => subscriber.child.once('exit', resolve)), sleep(15_000)]);
    subscriber.child.kill('SIGKILL');
  }
  for (const p of publishers) {
    p.child.stdin?.end();
    p.child.kill('SIGTERM');
  }
  await server.close();
  rmSync(workDir, { recursive: true, force: true });
}

const held = steps.filter((s) => s.minFps >= MIN_FPS).at(-1);
process.stdout.write('| verify-only subscriptions | min / mean fps opened | subscriber CPU (% of a core) | threads | RSS | context switches/s | Janus CPU | publishers CPU | gaps / freezes |\n');
process.stdout.write('|---|---|---|---|---|---|---|---|---|\n');
for (const s of steps) {
  process.stdout.write(`| ${s.n} | ${s.minFps.toFixed(1)} / ${s.meanFps.toFixed(1)} | ${s.cpuPct.toFixed(0)}% | ${s.threads} | ${s.rssMb.toFixed(0)} MB | ` +
    `${Math.round(s.ctxPerS)} | ${s.janusPct.toFixed(0)}% | ${s.pubPct.toFixed(0)}% | ${s.gaps} / ${s.freezes} |\n`);
}
if (setupFailure) process.stdout.write(`\nAt ${setupFailure.n} subscriptions the ramp ended: ${setupFailure.message}\n`);
process.stdout.write(`\nHeld at >= ${MIN_FPS} fps opened by every verify-only subscription: ${held ? held.n : 'none'} ` +
  `(${PUBLISHERS} routed 640x360@30 VP8 E2EE streams, ${SOURCE === 'file' ? `a ${KBPS} kb/s VP8 file published as it is` : 'the test pattern encoded live'}, ${opts.audio ? 'audio and video' : 'video only'}` +
  `${DECODE_EVERY ? `, every ${DECODE_EVERY}th subscription decoding` : ''}; ${SECONDS} s windows; Janus ` +
  `${EVENT_LOOPS ? `${EVENT_LOOPS} event loops` : 'thread per handle'}). ${steps[0] ? `${Math.round(steps[0].kbps)} kb/s per stream. ` : ''}` +
  `Node ${process.version}, ${os.cpus().length} CPUs, load average ${load0.toFixed(2)} before, ${Math.round((Date.now() - started) / 1000)} s ` +
  `(${new Date().toISOString().slice(0, 10)}).\n`);
if (perf) {
  if (perf.error) process.stdout.write(`\nperf: ${perf.error}\n`);
  else {
    process.stdout.write(`\nWhere the subscriber process's CPU goes at the last step's ${steps.at(-1).n}${setupFailure ? ` (+${setupFailure.n - steps.at(-1).n} being set up)` : ''} subscriptions (perf, share of samples):\n\n`);
    process.stdout.write(`- by library: ${perf.dso.join('; ')}\n- by thread: ${perf.comm.join('; ')}\n`);
  }
}
