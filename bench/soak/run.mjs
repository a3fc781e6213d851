// bench/soak: does a bot pair hold its memory, threads and descriptors flat over an hour? Two
// `node-otc bot` processes (the CLI on the native addon) join one end-to-end encrypted relayed
// session on the project's session server, each publishing the test pattern and subscribing to the
// other's stream, for the whole run. Every 10 s the driver reads each process's RSS (VmRSS),
// threads and open descriptors from /proc; once a minute it prints a progress line.
//
// Build and run (the addon and the TypeScript CLI must be built: npm run build):
//
//   npm run bench:soak                      # 60 minutes (plus the bots' start and stop)
//   node bench/soak/run.mjs --minutes 5     # a quick check
//
// Options: --minutes N (the run, default 60), --warmup-minutes W (excluded from the figures; default
// 5, or a fifth of the run when it is shorter than 25 minutes), --every S (sample period, default
// 10), --size WxH and --fps F (the test pattern each bot publishes, default 640x360@30), --json FILE
// (the samples and the bots' reports), --report FILE (print the table of a --json file; nothing runs).
// Run it niced on a shared machine (`nice npm run bench:soak`): the bots and the server inherit it.
//
// Table, per bot (and the session server, for information): RSS at the end of the warm-up and at the
// end, the RSS slope over the measured window by least squares (target: under 1 MB/hour for each
// bot), RSS min/max, threads and fds min/max (target: constant), and the frames each bot's
// subscription decoded. Progress goes to stderr, the markdown table to stdout; exit 1 when a bot
// fails, its slope is 1 MB/hour or more, or its threads or fds change after the warm-up.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { cliOutput, startSessionServer, stopSessionServer } from '../session-server.mjs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = path.join(root, 'dist', 'lib', 'cli', 'index.js');
const API_KEY = '47000001';
const API_SECRET = '0123456789abcdef0123456789abcdef01234567';
const SECRET = 'soak bench shared secret';
const SLOPE_LIMIT_MB_H = 1;
const BOTS = ['A', 'B'];

const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    'warmup-minutes': { type: 'string' },
    every: { type: 'string', default: '10' },
    size: { type: 'string', default: '640x360' },
    fps: { type: 'string', default: '30' },
    json: { type: 'string' },
    report: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/soak/run.mjs [--minutes 60] [--warmup-minutes 5] [--every 10] [--size 640x360] [--fps 30] [--json run.json] [--report run.json]\n');
  process.exit(0);
}
const log = (text) => process.stderr.write(`${text}\n`);

if (opts.report) {
  const saved = JSON.parse(readFileSync(opts.report, 'utf8'));
  process.stdout.write(`${report(saved).text}\n`);
  process.exit(0);
}

const MINUTES = Number(opts.minutes);
const WARMUP_MINUTES = opts['warmup-minutes'] !== undefined ? Number(opts['warmup-minutes']) : Math.min(5, MINUTES / 5);
const EVERY_S = Number(opts.every);
const FPS = Number(opts.fps);
if (!(MINUTES > 0 && WARMUP_MINUTES >= 0 && WARMUP_MINUTES < MINUTES && EVERY_S >= 1 && /^\d+x\d+$/.test(opts.size)
  && Number.isInteger(FPS) && FPS >= 1 && FPS <= 60)) {
  console.error('bench/soak: --minutes > 0, 0 <= --warmup-minutes < --minutes, --every >= 1, --size WxH, --fps 1-60');
  process.exit(64);
}
if (process.platform !== 'linux') {
  console.error('bench/soak: reads /proc; Linux only');
  process.exit(1);
}
if (!existsSync(cli)) {
  console.error('bench/soak: dist/lib/cli/index.js not found; npm run build first');
  process.exit(1);
}

/** VmRSS and RssAnon (KB: RSS less the mapped files' pages, which grow as code is first run), threads and open descriptors of a live process; undefined once it has gone. */
function probe(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
    return { rss_kb: field('VmRSS'), anon_kb: field('RssAnon'), threads: field('Threads'), fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

/** One bot: the child, its last status line's figures and, at its exit, its report and exit code. */
function startBot(name, server, token, dir) {
  const reportFile = path.join(dir, `bot-${name}.json`);
  // The run is measured by the driver: the bots run a little longer than it and are stopped by
  // SIGINT (their report then says "stopped early", which is expected here and not a failure).
  const args = [cli, 'bot', '--url', server.signaling, '--token', token, '--secret', SECRET, '--name', name,
    '--size', opts.size, '--fps', String(FPS), '--duration', String(Math.ceil(MINUTES * 60 + 120)), '--warmup', '5',
    '--report', reportFile];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const bot = { name, child, reportFile, fps: undefined, lost: undefined, output: '', exited: undefined };
  const onLine = (line) => {
    bot.output = `${bot.output}${line}\n`.slice(-8000);
    // "123/3720 s | sending 30 fps to 1 | B: 30 fps p50 35 ms lost 0"
    const other = line.split(' | ').find((part) => /^\S+: \d+ fps/.test(part));
    const match = other && /: (\d+) fps.* lost (\d+)/.exec(other);
    if (match) {
      bot.fps = Number(match[1]);
      bot.lost = Number(match[2]);
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  bot.done = new Promise((resolve) => child.on('exit', (code, signal) => {
    bot.exited = code ?? signal;
    resolve();
  }));
  return bot;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Least-squares slope of y (MB) over t (hours). */
function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den > 0 ? num / den : NaN;
}

function signedFixed(value) {
  return `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;
}

function mb(kb) {
  return (kb / 1024).toFixed(1);
}

function report(run) {
  const lines = [];
  const warmupS = run.warmupMinutes * 60;
  lines.push(`Soak: a bot pair in one E2EE relayed session, ${run.minutes} min (figures after a ${run.warmupMinutes}-min warm-up), ` +
    `test pattern ${run.size}@${run.fps} each way, sampled every ${run.everyS} s`);
  lines.push('');
  lines.push('| process | RSS at warm-up end MB | RSS at end MB | slope MB/hour | anonymous RSS slope MB/hour | RSS min-max MB | threads min-max | fds min-max | video frames decoded (audio opened) |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  let pass = true;
  const verdicts = [];
  for (const name of [...BOTS, 'server']) {
    const samples = run.samples.filter((s) => s.t >= warmupS && s[name]).map((s) => ({ t: s.t, ...s[name] }));
    if (samples.length < 2) {
      lines.push(`| ${name} | - | - | - | - | - | - | - | - |`);
      if (name !== 'server') {
        pass = false;
        verdicts.push(`- bot ${name}: fewer than 2 samples after the warm-up: FAIL`);
      }
      continue;
    }
    const rss = samples.map((s) => s.rss_kb);
    const threads = samples.map((s) => s.threads);
    const fds = samples.map((s) => s.fds);
    const perHour = slope(samples.map((s) => ({ t: s.t / 3600, y: s.rss_kb / 1024 })));
    const anonPerHour = samples.every((s) => Number.isFinite(s.anon_kb))
      ? slope(samples.map((s) => ({ t: s.t / 3600, y: s.anon_kb / 1024 }))) : NaN;
    const bot = run.bots?.[name];
    const frames = bot?.framesReceived !== undefined ? `${bot.framesReceived.toLocaleString('en-US')} (${(bot.audioFrames ?? 0).toLocaleString('en-US')})` : '-';
    const label = name === 'server' ? 'session server' : `bot ${name}`;
    lines.push(`| ${label} | ${mb(rss[0])} | ${mb(rss[rss.length - 1])} | ${signedFixed(perHour)} | ${Number.isFinite(anonPerHour) ? signedFixed(anonPerHour) : '-'} | ` +
      `${mb(Math.min(...rss))}-${mb(Math.max(...rss))} | ${Math.min(...threads)}-${Math.max(...threads)} | ` +
      `${Math.min(...fds)}-${Math.max(...fds)} | ${frames} |`);
    if (name === 'server') continue;
    const slopeOk = perHour < SLOPE_LIMIT_MB_H;
    const threadsOk = Math.min(...threads) === Math.max(...threads);
    const fdsOk = Math.min(...fds) === Math.max(...fds);
    const botOk = bot ? bot.ok : false;
    pass &&= slopeOk && threadsOk && fdsOk && botOk;
    verdicts.push(`- bot ${name}: slope ${perHour.toFixed(2)} MB/hour: ${slopeOk ? 'PASS' : 'FAIL'} (limit ${SLOPE_LIMIT_MB_H}); ` +
      `threads ${threadsOk ? 'constant' : 'NOT constant'}, fds ${fdsOk ? 'constant' : 'NOT constant'}; ` +
      `${bot ? `subscription ${bot.ok ? 'held' : `FAILED (${bot.problems.join('; ') || `exit ${bot.exit}`})`}` +
        `${bot.fps !== undefined ? `, ${bot.fps.toFixed(1)} fps decoded, ${bot.lost} lost` : ''}` : 'no report'}`);
  }
  lines.push('');
  lines.push(...verdicts);
  return { text: lines.join('\n'), pass };
}

/** What the bot's report says about its subscription to the other bot. */
function botSummary(bot) {
  const summary = { exit: bot.exited, ok: false, problems: [] };
  let data;
  try {
    data = JSON.parse(readFileSync(bot.reportFile, 'utf8'));
  } catch {
    summary.problems.push(`no report (exit ${bot.exited}): ${bot.output.slice(-500)}`);
    return summary;
  }
  const sub = data.subscriptions[0];
  if (!sub) {
    summary.problems.push('no subscription');
    return summary;
  }
  // Stopped by the driver: "stopped early" is the expected end; anything else is a problem.
  const problems = [...data.problems, ...sub.problems].filter((p) => !/^stopped early/.test(p) && !/ended .* before the end of the run/.test(p)
    && !/^the stream stopped/.test(p));
  summary.problems = problems;
  summary.ok = problems.length === 0 && sub.stats.framesMismatch === 0 && data.e2ee;
  summary.fps = sub.fps;
  summary.seconds = sub.seconds;
  summary.framesReceived = sub.stats.videoFramesDecoded;
  summary.audioFrames = sub.stats.audioFramesOpened;
  summary.lost = sub.mediaCheck.framesLost;
  summary.mediaCheck = sub.mediaCheck;
  return summary;
}

let server;
const bots = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'otc-soak-'));
try {
  server = await startSessionServer(cli, { apiKey: API_KEY, apiSecret: API_SECRET });
  log(`bench/soak: session server at ${server.url}; ${MINUTES} min, warm-up ${WARMUP_MINUTES} min, sampling every ${EVERY_S} s`);
  const sessionId = await cliOutput(cli, ['create-session', '--url', server.url, '--api-key', API_KEY, '--api-secret', API_SECRET, '--relayed', '--e2ee']);
  for (const name of BOTS) {
    const token = await cliOutput(cli, ['token', '--api-key', API_KEY, '--api-secret', API_SECRET, '--session', sessionId, '--role', 'publisher']);
    bots.push(startBot(name, server, token, dir));
  }
  const samples = [];
  const started = Date.now();
  let nextMinute = 60;
  for (let i = 0; ; i++) {
    const t = i * EVERY_S;
    if (t > MINUTES * 60) break;
    await sleep(Math.max(0, started + t * 1000 - Date.now()));
    const sample = { t };
    for (const bot of bots) {
      if (bot.exited !== undefined) throw new Error(`bot ${bot.name} exited (${bot.exited}) after ${t} s:\n${bot.output.slice(-3000)}`);
      sample[bot.name] = probe(bot.child.pid);
    }
    sample.server = probe(server.child.pid);
    for (const bot of bots) if (sample[bot.name]) Object.assign(sample[bot.name], { fps: bot.fps, lost: bot.lost });
    samples.push(sample);
    if (t >= nextMinute || t === 0) {
      if (t >= nextMinute) nextMinute += 60;
      const parts = bots.map((bot) => {
        const p = sample[bot.name];
        return `${bot.name} ${p ? `${mb(p.rss_kb)} MB ${p.threads} thr ${p.fds} fds` : 'gone'} ${bot.fps ?? '-'} fps`;
      });
      log(`bench/soak: ${(t / 60).toFixed(0)}/${MINUTES} min${t < WARMUP_MINUTES * 60 ? ' (warm-up)' : ''}: ${parts.join(' | ')} | server ${sample.server ? mb(sample.server.rss_kb) : '-'} MB`);
    }
  }
  for (const bot of bots) bot.child.kill('SIGINT');
  await Promise.race([Promise.all(bots.map((b) => b.done)), sleep(30_000)]);
  for (const bot of bots) if (bot.exited === undefined) bot.child.kill('SIGKILL');
  await Promise.all(bots.map((b) => b.done));
  const run = {
    minutes: MINUTES, warmupMinutes: WARMUP_MINUTES, everyS: EVERY_S, size: opts.size, fps: FPS,
    date: new Date().toISOString(), samples, bots: Object.fromEntries(bots.map((b) => [b.name, botSummary(b)])),
  };
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(run, null, 2)}\n`);
  const { text, pass } = report(run);
  process.stdout.write(`${text}\n`);
  process.exitCode = pass ? 0 : 1;
} catch (error) {
  console.error(`bench/soak: ${error.message}`);
  process.exitCode = 1;
} finally {
  for (const bot of bots) if (bot.exited === undefined) bot.child.kill('SIGKILL');
  await stopSessionServer(server);
  rmSync(dir, { recursive: true, force: true });
}
