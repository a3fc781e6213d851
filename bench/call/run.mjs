// bench/call: CPU of one published and one subscribed 640x360@30 stream (VP8 + Opus tone), with
// end-to-end encryption off and on in one run, the time from connect() to the first decrypted
// frame, and the direct cost of the frame cryptor at the call's frame sizes and rates.
//
// Build and run (no npm needed; the TypeScript session server must be built: npm run build:ts):
//
//   cmake -S . -B build-bench -DOTC_BUILD_BENCH=ON -DOTC_WITH_LIBWEBRTC=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
//     && cmake --build build-bench -j2 --target call_bench && node bench/call/run.mjs
//
// (-DOTC_WITH_LIBWEBRTC=ON matters when build-bench was last configured by bench/cryptor/run.mjs,
// which turns it off.)
//
// Options: --runs R (runs per condition, default 3), --seconds N (measured window, default 10),
// --warmup W (seconds skipped after media flows, default 2), --codec VP8|VP9|H264 (default VP8),
// --profile auto|on|off (one more E2EE call under `perf record` for the in-call cost of encryption;
// auto: when perf works), --json FILE (also write every run's raw results there).
// CALL_BENCH_BIN overrides the binary (default build-bench/call_bench); CALL_BENCH_KEEP_PERF=1 keeps
// the profiled call's perf.data files (their folder is printed) for `perf report`.
//
// How: the driver starts the session server (node dist/lib/cli/index.js serve --port 0), then for
// each run creates a relayed session (plain, or --e2ee with the same secret on both ends) and runs
// `call_bench publish` and `call_bench subscribe` as two processes, so each end's CPU is its own
// process's getrusage (user + sys, all threads) over the same steady-state window. Runs alternate
// off/on in ABBA order (off on, on off, off on, ...) so a drift in machine load cancels out of the
// pairwise differences. The A/B difference is honest but noisy (a few % of the call run to run on a
// busy 2-core machine), so the direct cost of encryption is measured too, two ways: `call_bench
// crypto` times the frame cryptor alone on frames of the sizes the calls produced (warm, and with
// L1/L2 evicted before each frame), which at the calls' frame rates is a CPU share; and, when perf
// works, one more E2EE call runs under `perf record` and the share of each end's samples in the
// measured window under our frame transformer (seal/open, plus its buffer and copy) is read off.
// Progress goes to stderr, the markdown table to stdout.
import { spawn, execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs, promisify } from 'node:util';
import { cliOutput, startSessionServer, stopSessionServer } from '../session-server.mjs';
import * as os from 'node:os';
import * as path from 'node:path';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = path.join(root, 'dist', 'lib', 'cli', 'index.js');
const binary = process.env.CALL_BENCH_BIN || path.join(root, 'build-bench', 'call_bench');
const API_KEY = '47000001'; // call_bench uses this key
const API_SECRET = '0123456789abcdef0123456789abcdef01234567';
const SECRET = 'call bench shared secret';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    codec: { type: 'string', default: 'VP8' },
    json: { type: 'string' },
    profile: { type: 'string', default: 'auto' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/call/run.mjs [--runs 3] [--seconds 10] [--warmup 2] [--codec VP8|VP9|H264] [--profile auto|on|off] [--json results.json]\n');
  process.exit(0);
}
const RUNS = Number(opts.runs);
const SECONDS = Number(opts.seconds);
const WARMUP = Number(opts.warmup);
const CODEC = String(opts.codec).toUpperCase();
const PROFILE = String(opts.profile);
if (!(Number.isInteger(RUNS) && RUNS >= 1 && SECONDS > 0 && WARMUP >= 0 && ['VP8', 'VP9', 'H264'].includes(CODEC) && ['auto', 'on', 'off'].includes(PROFILE))) {
  console.error('bench/call: --runs >= 1, --seconds > 0, --warmup >= 0, --codec VP8|VP9|H264, --profile auto|on|off');
  process.exit(64);
}

const log = (text) => process.stderr.write(`${text}\n`);

function die(message) {
  console.error(`bench/call: ${message}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// The session server
// ---------------------------------------------------------------------------------------------

async function newSession(server, e2ee) {
  const sessionId = await cliOutput(cli, ['create-session', '--url', server.url, '--api-key', API_KEY, '--api-secret', API_SECRET,
    '--relayed', ...(e2ee ? ['--e2ee'] : [])]);
  const token = (role) => cliOutput(cli, ['token', '--api-key', API_KEY, '--api-secret', API_SECRET, '--session', sessionId, '--role', role]);
  const [publisherToken, subscriberToken] = await Promise.all([token('publisher'), token('subscriber')]);
  return { sessionId, publisherToken, subscriberToken };
}

// ---------------------------------------------------------------------------------------------
// One run: a publisher and a subscriber process
// ---------------------------------------------------------------------------------------------

// A call_bench process whose stdout JSON lines are handed to onMessage.
function startNative(args, label, perfData) {
  const [file, argv] = perfData
    ? ['perf', ['record', '-q', '-k', 'CLOCK_MONOTONIC', '-F', String(PERF_HZ), '--call-graph', `dwarf,${PERF_STACK}`, '-o', perfData, '--', binary, ...args]]
    : [binary, args];
  const child = spawn(file, argv, {
    env: { ...process.env, CALL_BENCH_WARMUP: String(WARMUP), CALL_BENCH_SYNC: 'stdin' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const proc = { child, label, stderr: '', messages: [], waiters: [] };
  proc.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (error) => {
      proc.stderr += `${error.message}\n`;
      resolve({ code: -1, signal: null });
    });
  });
  child.stderr.on('data', (chunk) => {
    proc.stderr += chunk;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      proc.stderr += `(stdout) ${line}\n`;
      return;
    }
    proc.messages.push(message);
    proc.waiters = proc.waiters.filter((w) => !w(message));
  });
  return proc;
}

// The first message of `type`, or an error when the process exits or the time runs out.
function waitFor(proc, type, timeoutMs) {
  const existing = proc.messages.find((m) => m.type === type || m.type === 'error');
  if (existing) return existing.type === 'error' ? Promise.reject(nativeError(proc, existing.message)) : Promise.resolve(existing);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(nativeError(proc, `no "${type}" after ${timeoutMs / 1000} s`)), timeoutMs);
    proc.waiters.push((m) => {
      if (m.type !== type && m.type !== 'error') return false;
      clearTimeout(timer);
      if (m.type === 'error') reject(nativeError(proc, m.message));
      else resolve(m);
      return true;
    });
    proc.exited.then(({ code, signal }) => {
      setTimeout(() => {
        clearTimeout(timer);
        reject(nativeError(proc, `exited (${code ?? signal}) before "${type}"`));
      }, 50);
    });
  });
}

function nativeError(proc, message) {
  const tail = proc.stderr.trim().split('\n').slice(-15).join('\n');
  return new Error(`${proc.label}: ${message}${tail ? `\n--- ${proc.label} stderr ---\n${tail}` : ''}`);
}

async function endNative(proc, graceMs = 15_000) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited;
  proc.child.stdin.end();
  const timer = setTimeout(() => proc.child.kill('SIGTERM'), graceMs);
  const killer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs + 5000);
  const result = await proc.exited;
  clearTimeout(timer);
  clearTimeout(killer);
  return result;
}

// One call; with perf = { pub, sub } (perf.data paths) both ends run under perf record.
async function runCall(server, e2ee, perf) {
  const { sessionId, publisherToken, subscriberToken } = await newSession(server, e2ee);
  const secret = e2ee ? [SECRET] : [];
  const publisher = startNative(['publish', server.signaling, sessionId, publisherToken, String(SECONDS), CODEC, ...secret], 'publisher', perf?.pub);
  let subscriber;
  try {
    await waitFor(publisher, 'published', 30_000);
    subscriber = startNative(['subscribe', server.signaling, sessionId, subscriberToken, String(SECONDS), ...secret], 'subscriber', perf?.sub);
    // Both ends start their warm-up at the subscriber's first frame, so the windows coincide.
    await waitFor(subscriber, 'first_frame', 60_000);
    publisher.child.stdin.write('start\n');
    const budget = (WARMUP + SECONDS + 60) * 1000;
    const results = [waitFor(publisher, 'result', budget), waitFor(subscriber, 'result', budget)];
    for (const r of results) r.catch(() => {}); // the first failure is reported by Promise.all
    const [pub, sub] = await Promise.all(results);
    // Both results are in: hang up (stdin EOF), subscriber first.
    const subExit = await endNative(subscriber);
    if (subExit.code !== 0) throw nativeError(subscriber, `exited (${subExit.code ?? subExit.signal}) after its result`);
    const pubExit = await endNative(publisher);
    if (pubExit.code !== 0) throw nativeError(publisher, `exited (${pubExit.code ?? pubExit.signal}) after its result`);
    check(pub, sub, e2ee);
    return { e2ee, pub, sub };
  } finally {
    for (const proc of [subscriber, publisher]) {
      if (proc && proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    }
  }
}

// The run must be the call it claims to be: frames sealed and opened with E2EE, none without.
function check(pub, sub, e2ee) {
  const problems = [];
  if (e2ee) {
    if (!(pub.video_frames_sealed > 0 && pub.audio_frames_sealed > 0)) problems.push('publisher sealed no frames');
    if (!(sub.video_frames_opened > 0 && sub.audio_frames_opened > 0)) problems.push('subscriber opened no frames');
    if (sub.frames_mismatch > 0) problems.push(`${sub.frames_mismatch} frames did not decrypt`);
  } else {
    if (pub.video_frames_sealed > 0 || sub.video_frames_opened > 0) problems.push('frames were encrypted in the plain session');
  }
  if (!(sub.check_received > 0)) problems.push('the media check read no frame in the window');
  if (problems.length) throw new Error(`E2EE ${e2ee ? 'on' : 'off'}: ${problems.join('; ')}`);
  const warnings = [];
  if (pub.min_width !== pub.max_width || pub.min_height !== pub.max_height) warnings.push(`encoder resolution moved ${pub.min_width}x${pub.min_height}..${pub.max_width}x${pub.max_height}`);
  if (sub.fps < 25) warnings.push(`subscriber rendered only ${sub.fps.toFixed(1)} fps`);
  if (sub.check_lost > 0.01 * sub.check_received) warnings.push(`${sub.check_lost} of ${sub.check_lost + sub.check_received} frames lost`);
  for (const w of warnings) log(`  warning: ${w}`);
}

// ---------------------------------------------------------------------------------------------
// Statistics and the table
// ---------------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const min = (xs) => Math.min(...xs);
const max = (xs) => Math.max(...xs);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const stdev = (xs) => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

function cell(xs, digits, unit = '') {
  const m = median(xs).toFixed(digits);
  if (xs.length < 2) return `${m}${unit}`;
  return `${m}${unit} (${min(xs).toFixed(digits)}–${max(xs).toFixed(digits)})`;
}

const signed = (x, digits) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;

function printTable(rows) {
  const header = rows[0];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const fmt = (cells) => `| ${cells.map((text, c) => text.padEnd(widths[c])).join(' | ')} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows.slice(1)) console.log(fmt(r));
}

// ---------------------------------------------------------------------------------------------
// In-call profile: one more E2EE call with both ends under perf record (CPU-time samples with
// call stacks); the share of each end's samples inside the window that fall under our frame
// transformer is what encryption costs there, caches and all.
// ---------------------------------------------------------------------------------------------

const PERF_HZ = 4999;
const PERF_STACK = 4096; // bytes of stack per sample: enough from a crypto leaf up to the transformer

function perfUsable() {
  try {
    const file = path.join(os.tmpdir(), `call-bench-perf-check-${process.pid}.data`);
    execFileSync('perf', ['record', '-q', '-k', 'CLOCK_MONOTONIC', '--call-graph', `dwarf,${PERF_STACK}`, '-o', file, '--', 'true'], { stdio: 'ignore', timeout: 20_000 });
    rmSync(file, { force: true });
    return true;
  } catch {
    return false;
  }
}

// Percent of the window's samples under each symbol (children included), by symbol name prefix.
function perfShares(file, result, symbols) {
  const time = `${(result.window_start_us / 1e6).toFixed(6)},${(result.window_end_us / 1e6).toFixed(6)}`;
  const text = execFileSync('perf', ['report', '-i', file, '--no-inline', '--time', time, '--children', '--sort', 'symbol', '--stdio', '-g', 'none'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20, timeout: 120_000 });
  const shares = Object.fromEntries(symbols.map((sym) => [sym, 0]));
  for (const line of text.split('\n')) {
    const m = /^\s*([\d.]+)%\s+[\d.]+%\s+\[[.k]\]\s+(\S.*)$/.exec(line);
    if (!m) continue;
    for (const sym of symbols) if (m[2].startsWith(sym)) shares[sym] = Math.max(shares[sym], Number(m[1]));
  }
  return shares;
}

const TRANSFORM = 'otc::rtc::E2eeFrameTransformer::Transform';
const SEAL = 'otc::e2ee::FrameSealer::seal';
const OPEN = 'otc::e2ee::FrameOpener::open';

async function profileCall(server) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'call-bench-'));
  const perf = { pub: path.join(dir, 'publisher.data'), sub: path.join(dir, 'subscriber.data') };
  try {
    const run = await runCall(server, true, perf);
    const pub = perfShares(perf.pub, run.pub, [TRANSFORM, SEAL]);
    const sub = perfShares(perf.sub, run.sub, [TRANSFORM, OPEN]);
    return { run, pub, sub };
  } finally {
    if (process.env.CALL_BENCH_KEEP_PERF) log(`perf data kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  if (!existsSync(cli)) die(`the session server is missing: ${path.relative(root, cli)} (build it with npm run build:ts, or npx tsc -p .)`);
  if (!existsSync(binary)) {
    die(`the benchmark binary is missing: ${binary}\nbuild it with:\n  cmake -S . -B build-bench -DOTC_BUILD_BENCH=ON -DOTC_WITH_LIBWEBRTC=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build-bench -j2 --target call_bench\n(or set CALL_BENCH_BIN)`);
  }
  let profile = PROFILE !== 'off';
  if (profile && !perfUsable()) {
    if (PROFILE === 'on') die('--profile on: perf record does not work here (is perf installed, kernel.perf_event_paranoid <= 2?)');
    log('perf record does not work here: no in-call profile');
    profile = false;
  }
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  log(`bench/call: ${RUNS} runs each of E2EE off and on${profile ? ' and one profiled E2EE call' : ''}, ${CODEC} 640x360@30 + Opus, ` +
    `${WARMUP} s warm-up + ${SECONDS} s measured per run (load average ${loadBefore.toFixed(2)}, ${os.cpus().length} CPUs)`);
  let server;
  const runs = [];
  let prof = null;
  try {
    server = await startSessionServer(cli, { apiKey: API_KEY, apiSecret: API_SECRET });
    log(`session server at ${server.url}`);
    // ABBA: off on, on off, off on, ... so linear drift cancels out of the pairwise differences.
    const order = [];
    for (let i = 0; i < RUNS; i++) order.push(...(i % 2 === 0 ? [false, true] : [true, false]));
    for (const [i, e2ee] of order.entries()) {
      const t0 = Date.now();
      const run = await runCall(server, e2ee);
      run.pair = i >> 1;
      runs.push(run);
      const { pub, sub } = run;
      log(`[${i + 1}/${order.length}] E2EE ${e2ee ? 'on ' : 'off'}: publisher ${pub.cpu_pct.toFixed(1)}%, subscriber ${sub.cpu_pct.toFixed(1)}% of a core; ` +
        `${pub.width}x${pub.height} ${sub.fps.toFixed(1)} fps ${pub.video_kbps.toFixed(0)} kbit/s; first frame ${sub.first_frame_ms.toFixed(0)} ms; ` +
        `latency p50 ${sub.latency_p50_ms.toFixed(1)} ms; load ${os.loadavg()[0].toFixed(2)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    if (profile) {
      const t0 = Date.now();
      log('profiling one more E2EE call (perf record, both ends)...');
      try {
        prof = await profileCall(server);
      } catch (error) {
        if (PROFILE === 'on') throw error;
        log(`  the profiled call failed, going on without it: ${error.message}`);
      }
      if (prof) log(`  in the window, under ${TRANSFORM}: publisher ${prof.pub[TRANSFORM].toFixed(2)}%, subscriber ${prof.sub[TRANSFORM].toFixed(2)}% of the samples ` +
        `(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } catch (error) {
    await stopSessionServer(server);
    die(error.message);
  }
  await stopSessionServer(server);

  // The frame cryptor alone on frames of the calls' mean sizes (the cost is linear in the size,
  // so the mean frame gives the mean cost).
  const videoBytes = median(runs.map((r) => r.pub.video_frame_bytes));
  const audioBytes = median(runs.map((r) => r.pub.audio_frame_bytes));
  log(`timing the frame cryptor on ${videoBytes.toFixed(0)} B video and ${audioBytes.toFixed(0)} B audio frames...`);
  let crypto;
  try {
    const { stdout } = await execFileAsync(binary, ['crypto', String(videoBytes), String(audioBytes), CODEC, '1'], { timeout: 120_000 });
    crypto = JSON.parse(stdout.trim().split('\n').pop());
  } catch (error) {
    die(`call_bench crypto failed: ${error.message}`);
  }

  if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ runs, profile: prof, crypto }, null, 2)}\n`);

  // --- table 1: the A/B runs ------------------------------------------------------------------
  const off = runs.filter((r) => !r.e2ee);
  const on = runs.filter((r) => r.e2ee);
  const total = (r) => r.pub.cpu_pct + r.sub.cpu_pct;
  const pairs = [];
  for (let p = 0; p < RUNS; p++) {
    const a = runs.find((r) => r.pair === p && !r.e2ee);
    const b = runs.find((r) => r.pair === p && r.e2ee);
    pairs.push({ pub: b.pub.cpu_pct - a.pub.cpu_pct, sub: b.sub.cpu_pct - a.sub.cpu_pct, total: total(b) - total(a), callOff: total(a) });
  }
  const callOn = median(on.map(total));
  const diffCell = (key) => {
    const d = pairs.map((p) => p[key]);
    const pct = pairs.map((p) => (100 * p[key]) / p.callOff);
    const spread = d.length > 1 ? ` (${signed(min(d), 1)}…${signed(max(d), 1)})` : '';
    return `${signed(median(d), 1)} pts${spread} = ${signed(median(pct), 1)}% of the call`;
  };
  const diffPlain = (xs, ys, digits, unit) => `${signed(median(ys) - median(xs), digits)}${unit}`;
  printTable([
    ['', 'E2EE off', 'E2EE on', 'difference (on − off)'],
    ['published stream CPU (% of a core)', cell(off.map((r) => r.pub.cpu_pct), 1, '%'), cell(on.map((r) => r.pub.cpu_pct), 1, '%'), diffCell('pub')],
    ['subscribed stream CPU (% of a core)', cell(off.map((r) => r.sub.cpu_pct), 1, '%'), cell(on.map((r) => r.sub.cpu_pct), 1, '%'), diffCell('sub')],
    ['call total (publisher + subscriber)', cell(off.map(total), 1, '%'), cell(on.map(total), 1, '%'), diffCell('total')],
    ['connect() → first decrypted frame', cell(off.map((r) => r.sub.first_frame_ms), 0, ' ms'), cell(on.map((r) => r.sub.first_frame_ms), 0, ' ms'),
      diffPlain(off.map((r) => r.sub.first_frame_ms), on.map((r) => r.sub.first_frame_ms), 0, ' ms')],
    ['latency capture → decode, p50', cell(off.map((r) => r.sub.latency_p50_ms), 1, ' ms'), cell(on.map((r) => r.sub.latency_p50_ms), 1, ' ms'),
      diffPlain(off.map((r) => r.sub.latency_p50_ms), on.map((r) => r.sub.latency_p50_ms), 1, ' ms')],
  ]);
  console.log();

  // --- table 2: what encryption itself costs ----------------------------------------------------
  const pubFps = median(on.map((r) => r.pub.fps));
  const subFps = median(on.map((r) => r.sub.fps));
  const pubAudioFps = median(on.map((r) => r.pub.audio_fps));
  const subAudioFps = median(on.map((r) => r.sub.audio_fps));
  // microseconds per second -> percent of a core
  const sealPct = (k) => (pubFps * crypto[`video_seal${k}_us`] + pubAudioFps * crypto[`audio_seal${k}_us`]) / 1e4;
  const openPct = (k) => (subFps * crypto[`video_open${k}_us`] + subAudioFps * crypto[`audio_open${k}_us`]) / 1e4;
  const ofCall = (pts, call) => `${((100 * pts) / call).toFixed(2)}%`;
  const us = (x) => x.toFixed(1);
  const cryptoRows = [
    ['direct cost of encryption', 'seal (publisher)', 'open (subscriber)', 'both, % of the call'],
  ];
  for (const [label, k] of [['frame cryptor alone, back to back', ''], ['frame cryptor alone, L1/L2 evicted before each frame', '_cold']]) {
    cryptoRows.push([label,
      `${us(crypto[`video_seal${k}_us`])} µs/video + ${us(crypto[`audio_seal${k}_us`])} µs/audio frame = ${sealPct(k).toFixed(3)}% of a core`,
      `${us(crypto[`video_open${k}_us`])} + ${us(crypto[`audio_open${k}_us`])} µs = ${openPct(k).toFixed(3)}% of a core`,
      ofCall(sealPct(k) + openPct(k), callOn)]);
  }
  let inCall = null;
  if (prof) {
    // Shares of each end's CPU samples, applied to the unprofiled E2EE-on medians (perf's own
    // sampling overhead inflates the profiled run's CPU a little).
    const pubCpu = median(on.map((r) => r.pub.cpu_pct));
    const subCpu = median(on.map((r) => r.sub.cpu_pct));
    const pts = (share, cpu) => (share * cpu) / 100;
    // 95% interval from the sample counts (Poisson): a share s of N samples has a standard error
    // of sqrt(s N) / N; in points of a core that is scaled by the end's CPU.
    const interval = (terms) => {
      let variance = 0;
      for (const [share, result, cpu] of terms) {
        const total = PERF_HZ * result.window_s * (result.cpu_pct / 100);
        variance += ((share / 100) * total / total ** 2) * cpu ** 2;
      }
      return (1.96 * Math.sqrt(variance) * 100) / callOn;
    };
    const sealIn = pts(prof.pub[SEAL], pubCpu);
    const openIn = pts(prof.sub[OPEN], subCpu);
    const trIn = pts(prof.pub[TRANSFORM], pubCpu) + pts(prof.sub[TRANSFORM], subCpu);
    inCall = {
      crypto: (100 * (sealIn + openIn)) / callOn,
      transform: (100 * trIn) / callOn,
      transformInterval: interval([[prof.pub[TRANSFORM], prof.run.pub, pubCpu], [prof.sub[TRANSFORM], prof.run.sub, subCpu]]),
      cryptoInterval: interval([[prof.pub[SEAL], prof.run.pub, pubCpu], [prof.sub[OPEN], prof.run.sub, subCpu]]),
    };
    cryptoRows.push(['in the call (perf): seal / open', `${prof.pub[SEAL].toFixed(2)}% of the publisher's CPU = ${sealIn.toFixed(3)}% of a core`,
      `${prof.sub[OPEN].toFixed(2)}% of the subscriber's = ${openIn.toFixed(3)}% of a core`,
      `${ofCall(sealIn + openIn, callOn)} ± ${inCall.cryptoInterval.toFixed(2)}`]);
    cryptoRows.push(['in the call (perf): our whole frame transformer', `${prof.pub[TRANSFORM].toFixed(2)}% of the publisher's CPU`,
      `${prof.sub[TRANSFORM].toFixed(2)}% of the subscriber's`, `${ofCall(trIn, callOn)} ± ${inCall.transformInterval.toFixed(2)}`]);
  }
  printTable(cryptoRows);
  console.log();

  // --- verdict ------------------------------------------------------------------------------------
  const tot = pairs.map((p) => (100 * p.total) / p.callOff);
  const lo = min(tot);
  const hi = max(tot);
  let ab;
  if (RUNS < 2) ab = 'a single pair, no spread to judge it by';
  else if (hi < 2) ab = 'under 2% in every pair';
  else if (lo > 2) ab = 'over 2% in every pair';
  else ab = `which cannot decide 2% at this noise (pairs ${signed(lo, 1)}% … ${signed(hi, 1)}%, standard deviation ${stdev(tot).toFixed(1)}%)`;
  let direct;
  if (inCall) {
    const [v, i] = [inCall.transform, inCall.transformInterval];
    const state = v + i < 2 ? 'under 2%' : v - i > 2 ? 'over 2%' : 'at 2% (its interval spans it)';
    direct = `our frame transformer in the profiled call ${v.toFixed(2)}% ± ${i.toFixed(2)} of the call, ${state}`;
  } else {
    const v = (100 * (sealPct('_cold') + openPct('_cold'))) / callOn;
    direct = `the frame cryptor with evicted caches ${v.toFixed(2)}% of the call, ${v < 2 ? 'under' : 'over'} 2%, but a lower ` +
      `bound (in a profiled call seal/open cost about twice this: run where perf works for that figure)`;
  }
  console.log(`E2EE overhead: A/B ${signed(median(tot), 1)}% of the call (median of ${RUNS} ABBA pairs), ${ab}. Direct: ${direct}. ` +
    `The direct measure leaves out libwebrtc's own frame-transformer plumbing (frames handed to and back from the transformer ` +
    `across its task queues), which only the A/B difference contains.`);
  console.log();
  const pick = (fn, d) => median(runs.map(fn)).toFixed(d);
  console.log(`Cells: median of ${RUNS} runs (min–max). CPU: user + sys of the whole process (every thread), getrusage over ${SECONDS} s after ` +
    `${WARMUP} s of warm-up; publisher and subscriber are separate processes on one host, run concurrently, measuring the same window. ` +
    `Difference: median of the pairwise differences of ABBA-ordered runs, with their range. ${CODEC} ${pick((r) => r.pub.width, 0)}x` +
    `${pick((r) => r.pub.height, 0)}, ${pick((r) => r.sub.fps, 1)} fps rendered, ${pick((r) => r.pub.video_kbps, 0)} kbit/s video + ` +
    `${pick((r) => r.pub.audio_kbps, 0)} kbit/s Opus (${pick((r) => r.pub.video_frame_bytes, 0)} B / ${pick((r) => r.pub.audio_frame_bytes, 0)} B per frame), ` +
    `relayed session over 127.0.0.1. First frame: connect() to the first decoded frame whose test-pattern code reads, the publisher already ` +
    `publishing, the key derived before connect(). Latency: capture → decode on one clock, whole subscription. Direct cost: ` +
    `\`call_bench crypto\` times otc_frame_cryptor_seal/open on frames of the calls' mean sizes, at ${pubFps.toFixed(1)} video + ` +
    `${pubAudioFps.toFixed(0)} audio frames/s${prof ? `; perf: ${PERF_HZ} Hz CPU-time samples with DWARF call stacks in one more E2EE call, ` +
    `the share of each end's samples inside the measured window under FrameSealer::seal / FrameOpener::open and under ` +
    `${TRANSFORM} (which adds the frame buffer and copy), times that end's median E2EE-on CPU (the profiled run's own CPU is inflated by perf); ± is the 95% sampling interval of that one profile, not the run-to-run variation` : ''}. Node ${process.version}, ${os.cpus().length} CPUs, load average ` +
    `${loadBefore.toFixed(2)} before and ${os.loadavg()[0].toFixed(2)} after, ${((Date.now() - started) / 1000).toFixed(0)} s ` +
    `(${new Date().toISOString().slice(0, 10)}).`);
}

main().catch((error) => die(error.stack ?? String(error)));
