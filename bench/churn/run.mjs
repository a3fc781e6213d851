// bench/churn: does joining and leaving a session over and over in one process keep its memory,
// threads and file descriptors flat? One churn_bench process runs otc_init once, then N cycles of
// join/leave against the session server this driver starts, sampling every 50 cycles.
//
// Build and run (the TypeScript session server must be built: npm run build:ts):
//
//   cmake -S . -B build-bench -DOTC_BUILD_BENCH=ON -DOTC_WITH_LIBWEBRTC=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
//     && cmake --build build-bench -j2 --target churn_bench && node bench/churn/run.mjs
//
// Options: --cycles N (default 2000; CHURN_CYCLES too, for a quick check), --mode call|publish|connect
// (default call: one session publishes the test pattern, a second subscribes to it until its first
// decoded frame, then everything is unsubscribed, unpublished, disconnected and deleted; publish:
// no subscriber; connect: connect and disconnect only), --every K (sample period, default 50),
// --json FILE (the samples), --report FILE (print the table of a --json file; nothing runs). CHURN_BENCH_BIN overrides the binary (default build-bench/churn_bench);
// the native side's environment passes through (OTC_MALLOC_TRIM=0 turns the library's trimming off,
// for a before/after). --arenas N (default 2) runs churn_bench with MALLOC_ARENA_MAX=N, the setting
// the README recommends for bots and load tests (the library leaves this process-wide choice to the
// operator); --arenas default leaves glibc's own limit (8 per core); a MALLOC_ARENA_MAX already in
// the environment wins over both.
//
// Table: per sample, RSS (VmRSS, at rest 1.2 s after the cycle, and right after it), malloc's in-use bytes (mallinfo2: what is really allocated, the
// rest of RSS growth being memory the allocator keeps), threads and descriptors. Verdicts: RSS and
// in-use growth from cycle 50 to the end (target: RSS within 5 MB), threads and fds constant from
// cycle 50 on. Progress goes to stderr, the markdown table to stdout.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { cliOutput, startSessionServer, stopSessionServer } from '../session-server.mjs';
import * as path from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = path.join(root, 'dist', 'lib', 'cli', 'index.js');
const binary = process.env.CHURN_BENCH_BIN || path.join(root, 'build-bench', 'churn_bench');
const API_KEY = '47000001'; // churn_bench uses this key
const API_SECRET = '0123456789abcdef0123456789abcdef01234567';
const BASELINE = 50; // cycles after which memory should stay flat
const RSS_LIMIT_MB = 5;

const { values: opts } = parseArgs({
  options: {
    cycles: { type: 'string', default: process.env.CHURN_CYCLES || '2000' },
    mode: { type: 'string', default: 'call' },
    every: { type: 'string', default: '50' },
    arenas: { type: 'string', default: '2' },
    json: { type: 'string' },
    report: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/churn/run.mjs [--cycles 2000] [--mode call|publish|connect] [--every 50] [--arenas 2|default] [--json samples.json]\n');
  process.exit(0);
}
const saved = opts.report ? JSON.parse(readFileSync(opts.report, 'utf8')) : undefined;
const CYCLES = saved ? saved.cycles : Number(opts.cycles);
const EVERY = Number(opts.every);
const MODE = saved ? saved.mode : String(opts.mode);
const TRIM_OFF = saved ? saved.trimOff : process.env.OTC_MALLOC_TRIM === '0';
// glibc's arena limit for the native process: the environment's, else --arenas (undefined: glibc's default).
const ARENAS = saved ? saved.arenas : process.env.MALLOC_ARENA_MAX || (opts.arenas === 'default' ? undefined : opts.arenas);
if (!saved && ARENAS !== undefined && !/^[1-9]\d*$/.test(ARENAS)) {
  console.error('bench/churn: --arenas N (N >= 1) or default');
  process.exit(64);
}
if (!(Number.isInteger(CYCLES) && CYCLES >= 1 && Number.isInteger(EVERY) && EVERY >= 1 && ['call', 'publish', 'connect'].includes(MODE))) {
  console.error('bench/churn: --cycles >= 1, --every >= 1, --mode call|publish|connect');
  process.exit(64);
}
if (saved) {
  process.stdout.write(`${report(saved.samples).text}\n`);
  process.exit(0);
}
if (!existsSync(binary)) {
  console.error(`bench/churn: ${binary} not found; build it: cmake --build build-bench --target churn_bench`);
  process.exit(1);
}
if (!existsSync(cli)) {
  console.error('bench/churn: dist/lib/cli/index.js not found; npm run build:ts first');
  process.exit(1);
}

const log = (text) => process.stderr.write(`${text}\n`);

function runNative(server, sessionId, token) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    if (ARENAS !== undefined) env.MALLOC_ARENA_MAX = ARENAS;
    else delete env.MALLOC_ARENA_MAX;
    const child = spawn(binary, [server.signaling, sessionId, token, String(CYCLES), MODE, String(EVERY)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const samples = [];
    let stderr = '';
    let failure;
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        stderr += `(stdout) ${line}\n`;
        return;
      }
      if (message.type === 'error') failure = message.message;
      if (message.type !== 'sample') return;
      samples.push(message);
      const perCycle = message.cycle > 0 ? (message.ms / message.cycle).toFixed(0) : '-';
      log(`bench/churn: cycle ${message.cycle}/${CYCLES}: RSS ${(message.rss_kb / 1024).toFixed(1)} MB, in use ${(message.in_use_kb / 1024).toFixed(1)} MB, ${message.threads} threads, ${message.fds} fds (${perCycle} ms/cycle)`);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(samples);
      else reject(new Error(`churn_bench exited (${code ?? signal})${failure ? `: ${failure}` : ''}\n${stderr.slice(-4000)}`));
    });
  });
}

function mb(kb) {
  return (kb / 1024).toFixed(1);
}
function signed(kb) {
  return `${kb >= 0 ? '+' : ''}${(kb / 1024).toFixed(1)}`;
}

function report(samples) {
  const lines = [];
  lines.push(`Join/leave churn, mode ${MODE}, ${CYCLES} cycles in one process (otc_init once)${TRIM_OFF ? ', OTC_MALLOC_TRIM=0' : ''}` +
    `, ${ARENAS !== undefined ? `MALLOC_ARENA_MAX=${ARENAS}` : "glibc's default malloc arenas"}`);
  lines.push('');
  lines.push('| cycle | RSS MB | RSS right after the cycle MB | anon MB | in use MB | threads | fds | ms/cycle |');
  lines.push('|------:|-------:|------:|--------:|----------:|--------:|----:|---------:|');
  let previous;
  for (const s of samples) {
    const perCycle = previous && s.cycle > previous.cycle ? ((s.ms - previous.ms) / (s.cycle - previous.cycle)).toFixed(0) : '-';
    lines.push(`| ${s.cycle} | ${mb(s.rss_kb)} | ${s.rss_busy_kb !== undefined ? mb(s.rss_busy_kb) : '-'} | ${mb(s.rss_anon_kb)} | ${mb(s.in_use_kb)} | ${s.threads} | ${s.fds} | ${perCycle} |`);
    previous = s;
  }
  const base = samples.find((s) => s.cycle >= BASELINE) ?? samples[0];
  const last = samples[samples.length - 1];
  const after = samples.filter((s) => s.cycle >= base.cycle);
  const rssGrowth = last.rss_kb - base.rss_kb;
  const rssPeak = Math.max(...after.map((s) => s.rss_kb)) - base.rss_kb;
  const inUseGrowth = last.in_use_kb - base.in_use_kb;
  const cycles = last.cycle - base.cycle;
  const threads = new Set(after.map((s) => s.threads));
  const fds = new Set(after.map((s) => s.fds));
  lines.push('');
  const ok = rssPeak <= RSS_LIMIT_MB * 1024;
  lines.push(`- RSS from cycle ${base.cycle} to ${last.cycle}: ${signed(rssGrowth)} MB (peak ${signed(rssPeak)} MB; ${cycles > 0 ? (rssGrowth / cycles).toFixed(2) : '-'} KB/cycle): ${last.cycle < BASELINE ? 'no verdict' : ok ? 'PASS' : 'FAIL'} (limit ${RSS_LIMIT_MB} MB)`);
  lines.push(`- in use (malloc) from cycle ${base.cycle} to ${last.cycle}: ${signed(inUseGrowth)} MB (${cycles > 0 ? (inUseGrowth / cycles).toFixed(2) : '-'} KB/cycle)`);
  lines.push(`- threads from cycle ${base.cycle}: ${[...threads].join(', ')}: ${threads.size === 1 ? 'constant' : 'NOT constant'}`);
  lines.push(`- fds from cycle ${base.cycle}: ${[...fds].join(', ')}: ${fds.size === 1 ? 'constant' : 'NOT constant'}`);
  if (last.cycle < BASELINE) lines.push(`- (a run of ${last.cycle} cycles does not reach the cycle-${BASELINE} baseline: no verdict)`);
  return { text: lines.join('\n'), pass: ok && threads.size === 1 && fds.size === 1 };
}

let server;
try {
  server = await startSessionServer(cli, { apiKey: API_KEY, apiSecret: API_SECRET });
  log(`bench/churn: session server at ${server.url}`);
  const sessionId = await cliOutput(cli, ['create-session', '--url', server.url, '--api-key', API_KEY, '--api-secret', API_SECRET, '--relayed']);
  const token = await cliOutput(cli, ['token', '--api-key', API_KEY, '--api-secret', API_SECRET, '--session', sessionId, '--role', 'publisher']);
  const samples = await runNative(server, sessionId, token);
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ mode: MODE, cycles: CYCLES, trimOff: TRIM_OFF, arenas: ARENAS, samples }, null, 2));
  const { text, pass } = report(samples);
  process.stdout.write(`${text}\n`);
  process.exitCode = pass || CYCLES < BASELINE ? 0 : 1;
} catch (error) {
  console.error(`bench/churn: ${error.message}`);
  process.exitCode = 1;
} finally {
  await stopSessionServer(server);
}
