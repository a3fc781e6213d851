// bench/routed: routed E2EE sessions through Janus on this machine.
//   1. join to first frame: a publisher's connect() to the first decrypted frame at a waiting
//      subscriber, and a subscriber's connect() to its first decrypted frame of a live stream
//      (both ends in this process, the package API, 640x360@30 VP8 + Opus);
//   2. CPU per stream in the client process: one publisher and one subscriber process
//      (build-bench/call_bench, as bench/call) in a routed session, plus Janus's own CPU;
//   3. the most 640x360@30 E2EE subscriptions one client process (this one) holds at 30 fps:
//      subscriptions to a call_bench publisher are added two at a time until one of them decodes
//      under 29 fps over a 5 s window.
//
// Run inside the private network namespace Janus needs (docs/platform-facts.md section 2.1):
//   npm run bench:routed      (builds call_bench, then scripts/netns-run.sh node bench/routed/run.mjs)
// Options: --joins N (default 5), --cpu-runs N (default 3), --seconds S (default 10), --max N
// (default 40 subscriptions). Progress on stderr, the markdown tables on stdout.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as os from 'node:os';
import * as path from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values: opts } = parseArgs({
  options: {
    joins: { type: 'string', default: '5' },
    'cpu-runs': { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    max: { type: 'string', default: '40' },
  },
});
const JOINS = Number(opts.joins);
const CPU_RUNS = Number(opts['cpu-runs']);
const SECONDS = Number(opts.seconds);
const MAX_SUBSCRIPTIONS = Number(opts.max);
const API_KEY = '47000001';
const API_SECRET = 'c'.repeat(40);
const SECRET = 'routed bench shared secret';
const binary = process.env.CALL_BENCH_BIN || path.join(root, 'build-bench', 'call_bench');
const log = (line) => process.stderr.write(`${line}\n`);
const die = (line) => {
  log(`bench/routed: ${line}`);
  process.exit(1);
};

if (process.env.OTC_NETNS !== '1') die('run inside the network namespace: npm run bench:routed (scripts/netns-run.sh)');
if (!existsSync(path.join(root, 'dist', 'lib', 'index.js'))) die('build first: npm run build:ts');
if (!existsSync(binary)) die(`${binary} is missing: npm run bench:routed builds it`);

const otc = await import(path.join(root, 'dist', 'lib', 'index.js'));
const { SessionServer } = await import(path.join(root, 'dist', 'lib', 'server', 'index.js'));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const range = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

async function until(test, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (test()) return;
    await sleep(5);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

async function joinSession(server, sessionId, name) {
  const session = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  const ready = session.encryptionKeyReady();
  session.setEncryptionSecret(SECRET);
  await ready; // the key is derived before the clock starts, as a client would before joining
  return { session, connect: () => session.connect(server.generateToken(sessionId, { data: name })) };
}

// ---- 1. join to first frame -------------------------------------------------------------
async function joinTimes(server) {
  const publisherJoin = [];
  const subscriberJoin = [];
  for (let i = 0; i < JOINS; i++) {
    const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
    const watcher = await joinSession(server, sessionId, 'watcher');
    await watcher.connect();
    let firstSubscriber;
    watcher.session.on('streamCreated', (stream) => { firstSubscriber ??= watcher.session.subscribe(stream); });
    const pub = await joinSession(server, sessionId, 'publisher');
    const publisher = new otc.Publisher({ name: 'bench', testPattern: { width: 640, height: 360, fps: 30 } });
    const t0 = performance.now();
    await pub.connect();
    await pub.session.publish(publisher);
    await until(() => firstSubscriber && firstSubscriber.mediaCheck().framesReceived > 0, 20_000, 'first frame at the waiting subscriber');
    publisherJoin.push(performance.now() - t0);
    // A live stream in its steady state: libwebrtc answers no second key frame request within a
    // few hundred ms of the first, which would time that instead of the join.
    await sleep(1500);

    const late = await joinSession(server, sessionId, 'late subscriber');
    const t1 = performance.now();
    await late.connect();
    await until(() => late.session.streams.some((s) => s.name === 'bench'), 10_000, 'the stream at the late subscriber');
    const stream = late.session.streams.find((s) => s.name === 'bench');
    const subscriber = late.session.subscribe(stream);
    await until(() => subscriber.mediaCheck().framesReceived > 0, 20_000, 'first frame at the late subscriber');
    subscriberJoin.push(performance.now() - t1);
    log(`  join ${i + 1}/${JOINS}: publisher connect() → first frame at a subscriber ${publisherJoin.at(-1).toFixed(0)} ms; ` +
      `subscriber connect() → first frame ${subscriberJoin.at(-1).toFixed(0)} ms`);
    for (const s of [subscriber, firstSubscriber]) s.delete();
    publisher.delete();
    for (const { session } of [late, pub, watcher]) {
      await session.disconnect();
      session.delete();
    }
  }
  return { publisherJoin, subscriberJoin };
}

// ---- 2. CPU per stream (call_bench processes) ----------------------------------------------
function startNative(args, env = {}) {
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line));
    } catch {
      return;
    }
    for (const w of [...waiters]) w();
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const wait = (type, timeoutMs) => new Promise((resolve, reject) => {
    const check = () => {
      const found = lines.find((l) => l.type === type);
      const failed = lines.find((l) => l.type === 'error');
      if (found || failed) {
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(check), 1);
        if (found) resolve(found);
        else reject(new Error(`${args[0]}: ${failed.message}`));
      }
    };
    const timer = setTimeout(() => reject(new Error(`${args[0]}: no ${type} within ${timeoutMs} ms; ${stderr.slice(-500)}`)), timeoutMs);
    waiters.push(check);
    check();
  });
  return { child, wait, exited };
}

/** CPU seconds (user + sys) of a process from /proc. */
function processCpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

async function cpuRun(server) {
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  const env = { CALL_BENCH_SYNC: 'stdin' };
  const pub = startNative(['publish', server.signalingUrl, sessionId, server.generateToken(sessionId), String(SECONDS), 'VP8', SECRET], env);
  await pub.wait('published', 30_000);
  const sub = startNative(['subscribe', server.signalingUrl, sessionId, server.generateToken(sessionId), String(SECONDS), SECRET], env);
  await sub.wait('first_frame', 60_000);
  pub.child.stdin.write('start\n');
  const janusPid = server.router.instances[0].pid;
  const warmupS = Number(process.env.CALL_BENCH_WARMUP ?? 2);
  await sleep(warmupS * 1000);
  const janus0 = processCpuSeconds(janusPid);
  const t0 = performance.now();
  const [p, s] = await Promise.all([pub.wait('result', (SECONDS + 60) * 1000), sub.wait('result', (SECONDS + 60) * 1000)]);
  const janusPct = (100 * (processCpuSeconds(janusPid) - janus0)) / ((performance.now() - t0) / 1000);
  sub.child.stdin.end();
  pub.child.stdin.end();
  await Promise.all([sub.exited, pub.exited]);
  return { pub: p, sub: s, janusPct };
}

// ---- 3. subscriptions one process holds ----------------------------------------------------
async function capacity(server) {
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  // Its own 1 s measurement is not used; it then holds the stream until stdin closes.
  const pub = startNative(['publish', server.signalingUrl, sessionId, server.generateToken(sessionId), '1', 'VP8', SECRET],
    { CALL_BENCH_HOLD: '3600' });
  const { session, connect } = await joinSession(server, sessionId, 'capacity');
  await connect();
  const published = await pub.wait('published', 30_000);
  await until(() => session.streams.some((s) => s.streamId === published.stream_id), 10_000, 'the stream');
  const stream = session.streams.find((s) => s.streamId === published.stream_id);
  const subscribers = [];
  const steps = [];
  let held = 0;
  try {
    while (subscribers.length < MAX_SUBSCRIPTIONS) {
      for (let i = 0; i < 2; i++) subscribers.push(session.subscribe(stream));
      await until(() => subscribers.every((s) => s.mediaCheck().framesDecoded > 0), 30_000, `frames on ${subscribers.length} subscriptions`);
      await sleep(3000);
      const before = subscribers.map((s) => s.mediaCheck().framesDecoded);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await sleep(5000);
      const secs = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const fps = subscribers.map((s, i) => (s.mediaCheck().framesDecoded - before[i]) / secs);
      const step = { n: subscribers.length, minFps: Math.min(...fps), meanFps: fps.reduce((a, b) => a + b, 0) / fps.length,
        cpuPct: (100 * (cpu.user + cpu.system)) / 1e6 / secs };
      steps.push(step);
      log(`  ${step.n} subscriptions: min ${step.minFps.toFixed(1)} fps, mean ${step.meanFps.toFixed(1)} fps, this process ${step.cpuPct.toFixed(0)}% of a core`);
      if (step.minFps < 29) break;
      held = step.n;
    }
  } finally {
    for (const s of subscribers) s.delete();
    await session.disconnect();
    session.delete();
    pub.child.stdin.end();
    pub.child.kill('SIGTERM');
    await pub.exited;
  }
  return { held, steps };
}

// ---- main ----------------------------------------------------------------------------------
const started = Date.now();
const load0 = os.loadavg()[0];
otc.init();
otc.audio.captureTone(440, 0.3);
const server = await SessionServer.start({ apiKey: API_KEY, apiSecret: API_SECRET, router: {} });
log(`bench/routed: Janus ${server.router.instances[0].label}, session server ${server.url} (load average ${load0.toFixed(2)}, ${os.cpus().length} CPUs)`);
try {
  log(`1. join to first frame (${JOINS} runs)`);
  const joins = await joinTimes(server);
  log(`2. CPU per stream (${CPU_RUNS} runs of ${SECONDS} s)`);
  const cpu = [];
  for (let i = 0; i < CPU_RUNS; i++) {
    const r = await cpuRun(server);
    cpu.push(r);
    log(`  run ${i + 1}: publisher ${r.pub.cpu_pct.toFixed(1)}%, subscriber ${r.sub.cpu_pct.toFixed(1)}%, Janus ${r.janusPct.toFixed(1)}% of a core; ` +
      `${r.sub.fps.toFixed(1)} fps, latency p50 ${r.sub.latency_p50_ms.toFixed(0)} ms, first frame ${r.sub.first_frame_ms.toFixed(0)} ms`);
  }
  log('3. subscriptions one process holds at 30 fps');
  const cap = await capacity(server);

  const cell = (xs, unit = '', digits = 1) => `${median(xs).toFixed(digits)}${unit} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
  const rows = [
    ['publisher connect() → first decrypted frame at a waiting subscriber', `${median(joins.publisherJoin).toFixed(0)} ms (${range(joins.publisherJoin)})`],
    ['subscriber connect() → first decrypted frame of a live stream', `${median(joins.subscriberJoin).toFixed(0)} ms (${range(joins.subscriberJoin)})`],
    ['published 640x360 stream, client process CPU (% of a core)', cell(cpu.map((r) => r.pub.cpu_pct), '%')],
    ['subscribed 640x360 stream, client process CPU (% of a core)', cell(cpu.map((r) => r.sub.cpu_pct), '%')],
    ['Janus forwarding it (% of a core)', cell(cpu.map((r) => r.janusPct), '%')],
    ['received fps / latency capture → decode p50', `${median(cpu.map((r) => r.sub.fps)).toFixed(1)} fps / ${median(cpu.map((r) => r.sub.latency_p50_ms)).toFixed(0)} ms`],
    ['640x360@30 E2EE subscriptions one client process holds at ≥ 29 fps each', `${cap.held} (this process at ${cap.steps.find((s) => s.n === cap.held)?.cpuPct.toFixed(0) ?? '?'}% of a core; ` +
      `${cap.steps.at(-1).n} gave min ${cap.steps.at(-1).minFps.toFixed(1)} fps)`],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`| routed E2EE session through Janus${' '.repeat(Math.max(0, width - 33))} | measured |\n|${'-'.repeat(width + 2)}|---|\n`);
  for (const [name, value] of rows) process.stdout.write(`| ${name.padEnd(width)} | ${value} |\n`);
  process.stdout.write(`\nCells: median (min–max) of ${JOINS} joins and ${CPU_RUNS} CPU runs; CPU = user + sys of the whole process over ${SECONDS} s ` +
    `after 2 s of warm-up (Janus: /proc over the same window). VP8 640x360@30 + Opus, all E2EE, Janus ${server.router.instances[0].label} ` +
    `inside scripts/netns-run.sh. Capacity steps: ${cap.steps.map((s) => `${s.n}: ${s.minFps.toFixed(1)} fps min`).join(', ')}. ` +
    `Node ${process.version}, ${os.cpus().length} CPUs, load average ${load0.toFixed(2)} before and ${os.loadavg()[0].toFixed(2)} after, ` +
    `${Math.round((Date.now() - started) / 1000)} s (${new Date().toISOString().slice(0, 10)}).\n`);
} finally {
  await server.close();
  otc.destroy();
}
