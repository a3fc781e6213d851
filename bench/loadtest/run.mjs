// The load-test table: `node-otc loadtest` at growing sizes against the project's own server and
// its private Janus (routed, E2EE), inside scripts/netns-run.sh. Samples the CPU of the server and
// of Janus from /proc while each size runs, so the table says where the limit is: the load-test
// client (its workers), Janus, or the server.
//   bash scripts/netns-run.sh node bench/loadtest/run.mjs [PxS ...] [-- loadtest flags...]
// e.g. `... run.mjs 1x10 2x25 4x50 -- --duration 20 --size 640x360`. Writes the markdown table
// to stdout and every report (--json) to $TMPDIR/otc-loadtest-bench/.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cpuSeconds } from '../proc-stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '../../dist/lib/cli/index.js');
const API_KEY = '47000001';
const API_SECRET = 'c'.repeat(40);

const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const sizes = (split < 0 ? argv : argv.slice(0, split)).map((s) => {
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (!m) throw new Error(`sizes are PUBLISHERSxSUBSCRIBERS, not ${s}`);
  return { publishers: Number(m[1]), subscribers: Number(m[2]) };
});
if (sizes.length === 0) sizes.push({ publishers: 1, subscribers: 10 }, { publishers: 2, subscribers: 25 }, { publishers: 4, subscribers: 50 });
const extra = split < 0 ? [] : argv.slice(split + 1);
if (process.env.OTC_NETNS !== '1') {
  process.stderr.write('run inside scripts/netns-run.sh (Janus needs the namespace\'s non-loopback 127.0.0.1)\n');
  process.exit(2);
}

function startServer() {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
    env: { ...process.env, OTC_API_KEY: API_KEY, OTC_API_SECRET: API_SECRET }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const found = {};
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server not ready in 30 s:\n${output}`)); }, 30_000);
    const onLine = (line) => {
      output += `${line}\n`;
      const url = /^url: (.*)$/.exec(line);
      if (url) found.url = url[1];
      const janus = /^router: .* pid (\d+)/.exec(line);
      if (janus) found.janusPid = Number(janus[1]);
      if (/^ice servers:/.test(line) && found.url) {
        clearTimeout(timer);
        resolve({ child, url: found.url, janusPid: found.janusPid });
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${output}`)); });
  });
}


/** Samples the CPU of `pids` once a second: mean and peak percent of one core each. */
function sampleCpu(pids) {
  const series = Object.fromEntries(Object.keys(pids).map((k) => [k, []]));
  let last = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  let lastAt = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [k, pid] of Object.entries(pids)) {
      const s = cpuSeconds(pid);
      if (s !== undefined && last[k] !== undefined) series[k].push((100 * (s - last[k])) / ((now - lastAt) / 1000));
      last[k] = s;
    }
    lastAt = now;
  }, 1000);
  return () => {
    clearInterval(timer);
    // The busiest half of the run: the measured window, not the joins and teardown.
    return Object.fromEntries(Object.entries(series).map(([k, v]) => {
      const sorted = [...v].sort((a, b) => b - a);
      const top = sorted.slice(0, Math.max(1, Math.ceil(sorted.length / 2)));
      return [k, { busy: top.reduce((n, x) => n + x, 0) / top.length, peak: sorted[0] ?? 0 }];
    }));
  };
}

function runLoadtest(url, size, json) {
  const args = [CLI, 'loadtest', '--url', url, '--api-key', API_KEY, '--api-secret', API_SECRET, '--routed',
    '--publishers', String(size.publishers), '--subscribers', String(size.subscribers), '--json', json, ...extra];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (chunk) => process.stderr.write(chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

const results = path.join(os.tmpdir(), 'otc-loadtest-bench');
fs.mkdirSync(results, { recursive: true });
const server = await startServer();
const rows = [];
const load = () => os.loadavg()[0].toFixed(1);
try {
  for (const size of sizes) {
    const json = path.join(results, `loadtest-${size.publishers}x${size.subscribers}.json`);
    process.stderr.write(`== ${size.publishers} x ${size.subscribers} (load average ${load()})\n`);
    const stop = sampleCpu({ janus: server.janusPid, server: server.child.pid });
    const code = await runLoadtest(server.url, size, json);
    const cpu = stop();
    const r = JSON.parse(fs.readFileSync(json, 'utf8'));
    const measured = r.subscriptions.filter((s) => s.seconds >= 2);
    const fps = measured.map((s) => s.fpsOpened);
    const workersCpu = r.workers.reduce((n, w) => n + w.cpuPeakPercent, 0);
    const rss = r.workers.reduce((n, w) => n + w.rssPeakMb, 0);
    const p95 = r.streams.map((s) => s.latencyP95Ms).filter((v) => v !== null);
    rows.push(`| ${size.publishers} x ${size.subscribers} | ${r.totals.subscriptions}/${r.totals.expectedSubscriptions} | ${r.workers.length} | ` +
      `${fps.length ? Math.min(...fps).toFixed(1) : '-'} / ${fps.length ? (fps.reduce((a, b) => a + b, 0) / fps.length).toFixed(1) : '-'} | ` +
      `${(r.totals.loss * 100).toFixed(2)}% | ${r.totals.freezes} | ${p95.length ? `${Math.max(...p95)} ms` : '-'} | ${workersCpu.toFixed(0)}% | ${rss.toFixed(0)} MB | ` +
      `${cpu.janus.busy.toFixed(0)}% (${cpu.janus.peak.toFixed(0)}%) | ${cpu.server.busy.toFixed(0)}% | ${code === 0 ? 'pass' : `FAIL (${code})`} |`);
  }
} finally {
  server.child.kill('SIGTERM');
}
console.log(`${os.availableParallelism()} cores, load average ${load()} at the end; flags: ${extra.join(' ') || '(defaults)'}`);
console.log('| publishers x subscribers | subscriptions | workers | fps opened min / mean | loss max | freezes | latency p95 (decoding) | workers CPU (peak, sum) | workers RSS | Janus CPU busy (peak) | server CPU | verdict |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
