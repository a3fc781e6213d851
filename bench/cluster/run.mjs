// bench/cluster: what a cluster of `node-otc serve --redis` processes costs and gives on one
// machine. For 1, 2 and 3 processes sharing one private Redis (Debian's redis-server, on
// loopback), each configuration started fresh:
//   1. connect latency: --connects clients open a WebSocket and send `connect`; the time to the
//      ack, p50/p95/p99, for all and separately for clients that reached their session's home
//      process (direct) and those relayed to it. Clients are spread round-robin over the
//      processes (as a TCP load balancer would), sessions created round-robin over them too, so
//      about (k-1)/k of the clients are relayed.
//   2. signaling throughput: --sessions sessions x --clients clients; every client sends `signal`
//      to its whole session (which delivers it to every client, the sender included) at --rate
//      signals per second for --seconds; one pass per rate in the --rate list (the later ones
//      look for saturation). Measured: deliveries per second (sum over receivers, received within
//      the sending window), delivery latency p50/p95 (send time in the data; one clock, the
//      driver's), loss (deliveries expected vs received once the queues drained).
//   3. the spread of the load: per process CPU% (of one core) over the sending window
//      (/proc/PID/stat; Redis's and the driver's too, and how busy the whole machine was, so that
//      another job running beside the bench shows), and at the end of the configuration its
//      /health: connections, homedSessions, relayedSockets, rssBytes. After the clients leave,
//      every process must be back to 0 connections, detached connections and relayed sockets.
//
//   npm run bench:cluster     (or: node bench/cluster/run.mjs [flags]); dist/ must be built.
//   --processes 1,2,3   --connects 300   --connect-concurrency 4   --sessions 20   --clients 5
//   --seconds 10   --rate 10,50,100 (signals/s per client, one pass each)   --json FILE (raw results)
//   --logs DIR (each server process's output, DIR/serve-<k>-<i>.log)
// About 2 minutes with the defaults.
//
// The bench driver (all clients, one Node process) shares the machine's cores with the servers
// and Redis: its CPU is reported too. Progress goes to stderr, the markdown table to stdout; exit
// 1 when a process fails or exits, a client cannot connect or is closed, a request is refused, a
// signal is lost, state is left behind, or a server logs anything beyond its per-client lines.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { cpuSeconds } from '../proc-stats.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(root, 'dist', 'lib', 'cli', 'index.js');
const API_KEY = '47000001';
const API_SECRET = '0123456789abcdef0123456789abcdef01234567';
const TICKS = 100; // USER_HZ on Linux
const SUBPROTOCOL = 'otc-signaling-v1';

const { values: opts } = parseArgs({
  options: {
    processes: { type: 'string', default: '1,2,3' },
    connects: { type: 'string', default: '300' },
    'connect-concurrency': { type: 'string', default: '4' },
    sessions: { type: 'string', default: '20' },
    clients: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '10,50,100' },
    json: { type: 'string' },
    logs: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
const USAGE = 'usage: node bench/cluster/run.mjs [--processes 1,2,3] [--connects 300] [--connect-concurrency 4] [--sessions 20] [--clients 5] [--seconds 10] [--rate 10,50,100] [--json FILE] [--logs DIR]\n';
if (opts.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const list = (text) => text.split(',').filter((s) => s !== '').map(Number);
const PROCESSES = list(opts.processes);
const CONNECTS = Number(opts.connects);
const CONCURRENCY = Number(opts['connect-concurrency']);
const SESSIONS = Number(opts.sessions);
const PER_SESSION = Number(opts.clients);
const SECONDS = Number(opts.seconds);
const RATES = list(opts.rate);
const positiveInt = (n) => Number.isInteger(n) && n >= 1;
if (!(PROCESSES.length > 0 && PROCESSES.every((n) => positiveInt(n) && n <= 16) && positiveInt(CONNECTS) && positiveInt(CONCURRENCY)
  && positiveInt(SESSIONS) && positiveInt(PER_SESSION) && SECONDS > 0 && RATES.length > 0 && RATES.every((r) => r > 0))) {
  process.stderr.write(`bench/cluster: bad flags\n${USAGE}`);
  process.exit(64);
}
if (process.platform !== 'linux') {
  process.stderr.write('bench/cluster: reads /proc; Linux only\n');
  process.exit(1);
}
if (!fs.existsSync(CLI)) {
  process.stderr.write('bench/cluster: dist/lib/cli/index.js not found; build first (npm run build:ts)\n');
  process.exit(1);
}
const { generateToken } = await import(pathToFileURL(path.join(root, 'dist/lib/server/tokens.js')).href);
const { signRestAuth } = await import(pathToFileURL(path.join(root, 'dist/lib/server/rest-auth.js')).href);

// What one machine's benchmark needs raised: every client comes from 127.0.0.1, so the per-address
// limits would count the whole bench as one client; signals per client up to the highest rate.
const maxRate = Math.max(...RATES);
const LIMITS = {
  maxConnectionsPerAddress: 100_000,
  maxUnauthenticatedPerAddress: 100_000,
  maxUnauthenticated: 100_000,
  restRequestsPerSecondPerAddress: 10_000,
  restBurstPerAddress: 10_000,
  messagesPerSecond: Math.max(100, Math.ceil(maxRate * 2)),
  messageBurst: Math.max(500, Math.ceil(maxRate * 10)),
};

const log = (text) => process.stderr.write(`${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- child processes, cleaned up on any exit ----

const children = new Set();
const tmpDirs = new Set();
function killAll(signal = 'SIGKILL') {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try { child.kill(signal); } catch { /* gone */ }
    }
  }
}
process.on('exit', () => {
  killAll('SIGKILL');
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    killAll('SIGKILL');
    process.exit(130);
  });
}

async function stopChild(child, ms = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRedis() {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-bench-redis-'));
  tmpDirs.add(dir);
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'notice'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => { out += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk) => { out += chunk; });
  child.on('error', (err) => { out += `spawn: ${err.message}`; });
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start: ${out}`);
    }
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, child, dir, output: () => out };
}

/** One `node-otc serve --redis` process; resolves once it printed `api secret:`. */
async function startServe(redisUrl, index) {
  const port = await freePort();
  const args = [CLI, 'serve', '--redis', redisUrl, '--no-router', '--host', '127.0.0.1', '--port', String(port),
    ...Object.entries(LIMITS).flatMap(([name, value]) => ['--limit', `${name}=${value}`])];
  const child = spawn(process.execPath, args, { env: { ...process.env, OTC_API_KEY: API_KEY, OTC_API_SECRET: API_SECRET }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const proc = { index, child, pid: child.pid, lines: [], url: undefined, signaling: undefined, exit: undefined };
  const onLine = (line) => {
    proc.lines.push(line);
    if (proc.lines.length > 20_000) proc.lines.splice(0, 10_000);
    const url = /^url: (\S+)$/.exec(line);
    if (url) proc.url = url[1];
    const sig = /^signaling: (\S+)$/.exec(line);
    if (sig) proc.signaling = sig[1];
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  child.on('exit', (code, signal) => { proc.exit = code ?? signal; });
  const deadline = Date.now() + 30_000;
  while (!proc.lines.some((l) => l.startsWith('api secret: '))) {
    if (proc.exit !== undefined || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve #${index} not ready (${proc.exit ?? 'timeout'}):\n${proc.lines.join('\n')}`);
    }
    await sleep(50);
  }
  proc.readyLine = proc.lines.length;
  return proc;
}

/** The whole machine's busy and total CPU time, seconds summed over cores (/proc/stat). */
function machineCpu() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - f[3] - f[4]) / TICKS, total: total / TICKS };
}
/** Percent of all cores busy between two machineCpu() readings. */
const machinePct = (a, b) => (100 * (b.busy - a.busy)) / (b.total - a.total);
const driverCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

// ---- REST ----

async function createSession(proc) {
  const res = await fetch(`${proc.url}/session/create`, {
    method: 'POST',
    headers: { 'X-OPENTOK-AUTH': signRestAuth(API_KEY, API_SECRET), 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: 'p2p.preference=enabled',
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST ${proc.url}/session/create: ${res.status} ${text}`);
  return JSON.parse(text)[0].session_id;
}

async function health(proc) {
  const res = await fetch(`${proc.url}/health`);
  if (res.status !== 200) throw new Error(`GET ${proc.url}/health: ${res.status}`);
  return res.json();
}

// ---- a minimal signaling client ----

class Client {
  constructor(url, onSignal) {
    this.ws = new WebSocket(url, SUBPROTOCOL, { perMessageDeflate: false });
    this.nextId = 1;
    this.pending = new Map();
    this.errors = [];
    this.closed = undefined;
    this.onSignal = onSignal;
    this.closedPromise = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        for (const { reject } of this.pending.values()) reject(new Error(`closed ${code} ${reason}`));
        this.pending.clear();
        resolve(this.closed);
      });
    });
    this.ws.on('error', (err) => { this.socketError = err.message; });
    this.ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString());
      if (m.type === 'signal') {
        this.onSignal?.(m);
      } else if (m.type === 'ack' || m.type === 'error') {
        const waiter = this.pending.get(m.id);
        if (waiter) {
          this.pending.delete(m.id);
          if (m.type === 'ack') waiter.resolve(m);
          else waiter.reject(new Error(`${waiter.type} refused: ${m.code} ${m.message}`));
        } else if (m.type === 'error') {
          this.errors.push(m);
        }
      }
    });
  }

  opened(timeoutMs = 10_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.ws.terminate(); reject(new Error('open timed out')); }, timeoutMs);
      this.ws.once('open', () => { clearTimeout(timer); resolve(); });
      this.ws.once('close', (code) => { clearTimeout(timer); reject(new Error(`closed ${code} before open${this.socketError ? `: ${this.socketError}` : ''}`)); });
    });
  }

  request(type, fields = {}, timeoutMs = 10_000) {
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`${type}: no reply within ${timeoutMs} ms`)); }, timeoutMs);
      this.pending.set(id, {
        type,
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.ws.send(JSON.stringify({ ...fields, type, id }));
    });
  }

  /** A signal to the whole session, its ack not awaited (errors land in this.errors). */
  signal(signalType, data) {
    this.ws.send(JSON.stringify({ type: 'signal', id: `s${this.nextId++}`, signalType, data }));
  }

  async disconnect() {
    if (this.ws.readyState === WebSocket.OPEN) {
      try { this.ws.send(JSON.stringify({ type: 'disconnect', id: 'bye' })); } catch { /* closing */ }
    }
    const timer = setTimeout(() => this.ws.terminate(), 2000);
    await this.closedPromise;
    clearTimeout(timer);
  }
}

/** Opens and connects one client; the latency from opening the socket to the ack, ms. */
async function connectClient(url, sessionId, onSignal) {
  const token = generateToken(API_KEY, API_SECRET, sessionId);
  const t0 = performance.now();
  const client = new Client(url, onSignal);
  await client.opened();
  const ack = await client.request('connect', { token, sessionId, sdk: { name: 'bench-cluster', version: '0' }, e2ee: false });
  client.connectMs = performance.now() - t0;
  client.connectionId = ack.connectionId;
  return client;
}

// ---- statistics ----

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
function summary(values) {
  const sorted = Float64Array.from(values).sort();
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}
const ms = (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : '-');

// ---- one configuration ----

async function runConfiguration(k) {
  const result = { processes: k, problems: [], passes: [] };
  log(`== ${k} process${k > 1 ? 'es' : ''}: starting Redis and ${k} x serve --redis (load average ${os.loadavg()[0].toFixed(1)})`);
  const redis = await startRedis();
  const started = await Promise.allSettled(Array.from({ length: k }, (_, i) => startServe(redis.url, i)));
  const failedStart = started.find((r) => r.status === 'rejected');
  if (failedStart) {
    await Promise.all(started.filter((r) => r.status === 'fulfilled').map((r) => stopChild(r.value.child)));
    await stopChild(redis.child);
    throw failedStart.reason;
  }
  const procs = started.map((r) => r.value);
  log(`   ${procs.map((p) => `#${p.index} ${p.url} pid ${p.pid}`).join(', ')}`);
  const all = [];
  try {
    // 1. connect latency
    const connectSessions = Math.max(1, Math.ceil(CONNECTS / 10));
    const cSessions = [];
    for (let s = 0; s < connectSessions; s++) cSessions.push({ id: await createSession(procs[s % k]), home: s % k });
    // Warm-up (not measured): each process connects a few clients to a session of each process
    // first, so that the table does not measure JIT compilation and first Redis connections.
    const warm = await Promise.all(procs.flatMap((p, at) => cSessions.slice(0, k).map((session) => connectClient(p.signaling, session.id))));
    await Promise.all(warm.map((cl) => cl.disconnect()));
    const latencies = { all: [], direct: [], relayed: [] };
    const connectClients = [];
    let next = 0;
    let failures = 0;
    const worker = async () => {
      while (next < CONNECTS) {
        const i = next++;
        const session = cSessions[Math.floor((i * connectSessions) / CONNECTS)];
        const at = i % k;
        try {
          const client = await connectClient(procs[at].signaling, session.id);
          connectClients.push(client);
          latencies.all.push(client.connectMs);
          latencies[at === session.home ? 'direct' : 'relayed'].push(client.connectMs);
        } catch (err) {
          failures++;
          if (failures <= 5) result.problems.push(`connect #${i} via process #${at} (home #${session.home}): ${err.message}`);
        }
      }
    };
    const cpuBefore = { procs: procs.map((p) => cpuSeconds(p.pid)), redis: cpuSeconds(redis.child.pid), driver: driverCpu(), machine: machineCpu() };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const connectWall = (performance.now() - t0) / 1000;
    const cpuPct = (a, b) => (a === undefined || b === undefined ? NaN : (100 * (b - a)) / connectWall);
    const connectCpu = { procs: procs.map((p, i) => cpuPct(cpuBefore.procs[i], cpuSeconds(p.pid))), redis: cpuPct(cpuBefore.redis, cpuSeconds(redis.child.pid)), driver: cpuPct(cpuBefore.driver, driverCpu()), machine: machinePct(cpuBefore.machine, machineCpu()) };
    if (failures > 0) result.problems.push(`${failures} of ${CONNECTS} connects failed`);
    result.connect = { all: summary(latencies.all), direct: summary(latencies.direct), relayed: summary(latencies.relayed), failures, perSecond: latencies.all.length / connectWall, cpu: connectCpu };
    const c = result.connect;
    log(`   connect: ${c.all.n}/${CONNECTS} in ${connectWall.toFixed(1)} s (CPU ${connectCpu.procs.map((v) => `${v.toFixed(0)}%`).join(' ')} redis ${connectCpu.redis.toFixed(0)}% driver ${connectCpu.driver.toFixed(0)}%, machine ${connectCpu.machine.toFixed(0)}% busy), p50/p95/p99 ${ms(c.all.p50)}/${ms(c.all.p95)}/${ms(c.all.p99)} ms; `
      + `direct (${c.direct.n}) p50/p95 ${ms(c.direct.p50)}/${ms(c.direct.p95)}, relayed (${c.relayed.n}) p50/p95 ${ms(c.relayed.p50)}/${ms(c.relayed.p95)}`);
    const closedEarly = connectClients.filter((cl) => cl.closed);
    if (closedEarly.length) result.problems.push(`${closedEarly.length} connect-phase clients closed before the end: ${[...new Set(closedEarly.map((cl) => cl.closed.code))].join(',')}`);
    await Promise.all(connectClients.map((cl) => cl.disconnect()));

    // 2. throughput
    const sessions = [];
    for (let s = 0; s < SESSIONS; s++) sessions.push({ id: await createSession(procs[s % k]), home: s % k });
    const state = { tag: '', inWindow: false, received: 0, windowReceived: 0, latencies: [] };
    const onSignal = (m) => {
      if (m.signalType !== state.tag) { state.stale = (state.stale ?? 0) + 1; return; }
      const now = performance.now();
      state.received++;
      if (state.inWindow) state.windowReceived++;
      state.latencies.push(now - Number(m.data.slice(0, m.data.indexOf(':'))));
    };
    const clients = [];
    for (let s = 0; s < SESSIONS; s++) {
      const members = await Promise.all(Array.from({ length: PER_SESSION }, (_, c) => {
        const g = s * PER_SESSION + c;
        return connectClient(procs[g % k].signaling, sessions[s].id, onSignal).then((client) => Object.assign(client, { index: g, session: s }));
      }));
      clients.push(...members);
    }
    const relayedClients = clients.filter((cl) => cl.index % k !== sessions[cl.session].home).length;
    log(`   throughput: ${SESSIONS} sessions x ${PER_SESSION} clients connected (${relayedClients} relayed)`);
    await sleep(500);

    for (const [passIndex, rate] of RATES.entries()) {
      state.tag = `b${passIndex}`;
      state.received = 0;
      state.windowReceived = 0;
      state.latencies = [];
      state.inWindow = true;
      const sent = new Array(clients.length).fill(0);
      const phase = clients.map((_, i) => i / clients.length);
      const cpu0 = { procs: procs.map((p) => cpuSeconds(p.pid)), redis: cpuSeconds(redis.child.pid), driver: driverCpu(), machine: machineCpu() };
      const start = performance.now();
      const durationMs = SECONDS * 1000;
      let lastProgress = start;
      await new Promise((resolve) => {
        const tick = () => {
          const now = performance.now();
          const elapsed = Math.min(now - start, durationMs);
          for (let i = 0; i < clients.length; i++) {
            const cl = clients[i];
            if (cl.ws.readyState !== WebSocket.OPEN) continue;
            const due = Math.floor((elapsed * rate) / 1000 + phase[i]);
            while (sent[i] < due) {
              cl.signal(state.tag, `${performance.now().toFixed(3)}:${i}:${sent[i]}`);
              sent[i]++;
            }
          }
          if (now - lastProgress >= 2000) {
            lastProgress = now;
            log(`   rate ${rate}/s: ${((now - start) / 1000).toFixed(0)} s, sent ${sent.reduce((a, b) => a + b, 0)}, received ${state.received}`);
          }
          if (now - start >= durationMs) resolve();
          else setTimeout(tick, 5);
        };
        tick();
      });
      const windowS = (performance.now() - start) / 1000;
      state.inWindow = false;
      const cpu1 = { procs: procs.map((p) => cpuSeconds(p.pid)), redis: cpuSeconds(redis.child.pid), driver: driverCpu(), machine: machineCpu() };
      const totalSent = sent.reduce((a, b) => a + b, 0);
      const expected = totalSent * PER_SESSION;
      // Drain: until everything arrived, or nothing more for 3 s (at most 20 s).
      const drainStart = performance.now();
      let last = state.received;
      let lastChange = performance.now();
      while (state.received < expected && performance.now() - lastChange < 3000 && performance.now() - drainStart < 20_000) {
        await sleep(100);
        if (state.received !== last) { last = state.received; lastChange = performance.now(); }
      }
      const drainS = (performance.now() - drainStart) / 1000;
      const pct = (a, b) => (a === undefined || b === undefined ? NaN : (100 * (b - a)) / windowS);
      const lat = summary(state.latencies);
      const pass = {
        rate, offered: (clients.length * rate), sentPerSecond: totalSent / windowS, expected, received: state.received,
        deliveredPerSecond: state.windowReceived / windowS, loss: expected > 0 ? (expected - state.received) / expected : 0, drainS,
        latency: lat,
        cpu: procs.map((p, i) => pct(cpu0.procs[i], cpu1.procs[i])), redisCpu: pct(cpu0.redis, cpu1.redis), driverCpu: pct(cpu0.driver, cpu1.driver),
        machineBusy: machinePct(cpu0.machine, cpu1.machine),
      };
      // What the rest of the machine (anything but the servers, Redis and this driver) used, in
      // percent of all cores: another job on the machine makes the figures worth less.
      pass.othersBusy = Math.max(0, pass.machineBusy - (pass.cpu.reduce((a, b) => a + b, 0) + pass.redisCpu + pass.driverCpu) / os.availableParallelism());
      result.passes.push(pass);
      log(`   rate ${rate}/s per client: sent ${totalSent} (${pass.sentPerSecond.toFixed(0)}/s), delivered ${state.received}/${expected} `
        + `(${pass.deliveredPerSecond.toFixed(0)}/s in the window, drained in ${drainS.toFixed(1)} s), latency p50/p95/max ${ms(lat.p50)}/${ms(lat.p95)}/${ms(lat.max)} ms, `
        + `CPU ${pass.cpu.map((v) => `${v.toFixed(0)}%`).join(' ')} redis ${pass.redisCpu.toFixed(0)}% driver ${pass.driverCpu.toFixed(0)}%, `
        + `machine ${pass.machineBusy.toFixed(0)}% busy (others ${pass.othersBusy.toFixed(0)}%)`);
      const closedNow = clients.filter((cl) => cl.closed).length;
      if (closedNow) log(`   ${closedNow} clients closed by now`);
      if (state.received < expected) result.problems.push(`rate ${rate}/s: ${expected - state.received} of ${expected} deliveries lost (${(pass.loss * 100).toFixed(3)}%)`);
      if (state.received > expected) result.problems.push(`rate ${rate}/s: ${state.received - expected} deliveries more than sent (duplicates)`);
      await sleep(300);
    }
    if (state.stale) result.problems.push(`${state.stale} signals arrived after their pass had ended`);

    // 3. the spread, from /health, with the throughput clients still connected
    result.health = await Promise.all(procs.map((p) => health(p).catch((err) => {
      result.problems.push(`process #${p.index}: GET /health failed: ${err.message}${p.exit !== undefined ? ` (it exited: ${p.exit})` : ''}`);
      return { connections: NaN, homedSessions: NaN, relayedSockets: NaN, rssBytes: NaN, refusedSockets: 0, detachedConnections: NaN };
    })));
    log(`   health: ${result.health.map((h, i) => `#${i} connections ${h.connections} homed ${h.homedSessions} relayed ${h.relayedSockets} rss ${(h.rssBytes / 1048576).toFixed(0)} MB refused ${h.refusedSockets}`).join('; ')}`);
    for (const [i, h] of result.health.entries()) {
      if (h.refusedSockets > 0) result.problems.push(`process #${i}: ${h.refusedSockets} sockets refused at accept`);
    }
    const closed = clients.filter((cl) => cl.closed);
    if (closed.length) {
      const codes = {};
      for (const cl of closed) codes[`${cl.closed.code} ${cl.closed.reason}`] = (codes[`${cl.closed.code} ${cl.closed.reason}`] ?? 0) + 1;
      result.problems.push(`${closed.length} throughput clients closed during the run: ${JSON.stringify(codes)}`);
    }
    const errors = clients.flatMap((cl) => cl.errors);
    if (errors.length) result.problems.push(`${errors.length} requests refused, e.g. ${JSON.stringify(errors[0])}`);
    all.push(...clients);
    await Promise.all(clients.map((cl) => cl.disconnect()));
    // Everything let go? Connections, detached ones and relayed sockets back to 0 on every process.
    let after;
    for (let tries = 0; tries < 20; tries++) {
      await sleep(100);
      after = await Promise.all(procs.filter((p) => p.exit === undefined).map((p) => health(p).then((h) => ({ ...h, index: p.index }))));
      if (after.every((h) => h.connections === 0 && h.detachedConnections === 0 && (h.relayedSockets ?? 0) === 0)) break;
    }
    for (const h of after) {
      const i = h.index;
      if (h.connections !== 0 || h.detachedConnections !== 0 || (h.relayedSockets ?? 0) !== 0) {
        result.problems.push(`process #${i} 2 s after every client disconnected: connections ${h.connections}, detached ${h.detachedConnections}, relayedSockets ${h.relayedSockets}`);
      }
    }
  } catch (err) {
    log(`   FAILED: ${err.stack ?? err.message}`);
    result.problems.push(`failed: ${err.message}`);
  } finally {
    for (const cl of all) if (cl.ws.readyState !== WebSocket.CLOSED) cl.ws.terminate();
    for (const p of procs) {
      if (p.exit !== undefined) result.problems.push(`process #${p.index} exited (${p.exit}) during the run; its last lines: ${p.lines.slice(-3).join(' | ').slice(0, 600)}`);
    }
    await Promise.all(procs.map((p) => stopChild(p.child)));
    await stopChild(redis.child);
    fs.rmSync(redis.dir, { recursive: true, force: true });
    tmpDirs.delete(redis.dir);
    // What the servers logged beyond their start and the expected per-client lines.
    // Lines are `<ISO time> <text>`; a session created, a client connected, relayed, disconnected
    // (and its socket closed 1000) and the shutdown are what this bench does; anything else is
    // reported (refusals, drops, detaches, late liveness ticks, relay and Redis errors).
    const expectedLine = /^(session created |connect c-\S+ session=|relay \S+ to \S+ \(session |disconnect c-\S+ clientDisconnected|close c-\S+ 1000 |SIG(TERM|INT): shutting down)/;
    for (const p of procs) {
      const odd = p.lines.slice(p.readyLine ?? 0).map((l) => l.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, '')).filter((l) => !expectedLine.test(l));
      if (odd.length) {
        const kinds = {};
        for (const l of odd) {
          const kind = l.replace(/c-[0-9a-f-]{36}/g, 'c-…').replace(/1_[\w-]{20,}/g, '1_…').replace(/\d+/g, 'N').slice(0, 100);
          kinds[kind] = (kinds[kind] ?? 0) + 1;
        }
        result.problems.push(`process #${p.index} logged ${odd.length} unexpected lines: ${Object.entries(kinds).map(([kind, n]) => `${n} x "${kind}"`).join('; ')}; first: ${odd[0].slice(0, 300)}`);
      }
    }
    result.logLines = procs.map((p) => p.lines.length);
    if (opts.logs) {
      fs.mkdirSync(opts.logs, { recursive: true });
      for (const p of procs) fs.writeFileSync(path.join(opts.logs, `serve-${k}-${p.index}.log`), `${p.lines.join('\n')}\n`);
    }
  }
  for (const problem of result.problems) log(`   PROBLEM: ${problem}`);
  return result;
}

// ---- main ----

const began = Date.now();
const results = [];
let failed = false;
for (const k of PROCESSES) {
  try {
    results.push(await runConfiguration(k));
  } catch (err) {
    log(`   FAILED: ${err.stack ?? err.message}`);
    results.push({ processes: k, problems: [`failed: ${err.message}`], passes: [] });
  }
  if (results.at(-1).problems.length) failed = true;
}
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ flags: opts, limits: LIMITS, results }, null, 2));

const cpus = os.cpus();
console.log(`\n${os.availableParallelism()} cores (${cpus[0]?.model ?? '?'}), Node ${process.version}, ${os.platform()} ${os.release()}; all on one machine over loopback: `
  + `the servers, Redis and the bench driver (all clients in one Node process) share these cores. ${((Date.now() - began) / 1000).toFixed(0)} s in all.`);
console.log(`Per configuration: one private redis-server, k x \`serve --redis --no-router\`; ${CONNECTS} connects (${CONCURRENCY} at once) over ${Math.ceil(CONNECTS / 10)} sessions; `
  + `throughput ${SESSIONS} sessions x ${PER_SESSION} clients, every client signalling its session (delivered to all ${PER_SESSION}, itself included) for ${SECONDS} s per rate.`);
console.log('CPU% per process, Redis, driver: percent of one core over the sending window; machine busy: percent of all cores (others: what neither the servers, Redis nor the driver used). '
  + 'delivered msgs/s: signal events received within the sending window, summed over receivers; loss: deliveries expected (signals sent x clients per session) but not received once drained.');
console.log(`Limits raised for one machine (every client is 127.0.0.1): ${Object.entries(LIMITS).map(([n, v]) => `${n}=${v}`).join(' ')}`);
console.log('');
console.log('| processes | connect p50/p95/p99 ms (all) | direct p50/p95 ms (n) | relayed p50/p95 ms (n) | offered signals/s (per client) | delivered msgs/s | delivery p50/p95 ms | loss | CPU% per process | Redis / driver CPU% | machine busy % (others) | connections per process | homed sessions / relayed sockets per process | RSS MB per process |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const c = r.connect;
  const h = r.health;
  const n = (v) => (Number.isFinite(v) ? String(v) : '-');
  const spread = h ? [h.map((x) => n(x.connections)).join(' / '), h.map((x) => `${n(x.homedSessions)}/${n(x.relayedSockets)}`).join(' , '),
    h.map((x) => (Number.isFinite(x.rssBytes) ? (x.rssBytes / 1048576).toFixed(0) : '-')).join(' / ')] : ['-', '-', '-'];
  const connectCols = c ? [`${ms(c.all.p50)} / ${ms(c.all.p95)} / ${ms(c.all.p99)}`, `${ms(c.direct.p50)} / ${ms(c.direct.p95)} (${c.direct.n})`, `${ms(c.relayed.p50)} / ${ms(c.relayed.p95)} (${c.relayed.n})`] : ['-', '-', '-'];
  const passes = r.passes.length ? r.passes : [undefined];
  for (const [i, p] of passes.entries()) {
    const first = i === 0;
    const cols = [first ? String(r.processes) : '', ...(first ? connectCols : ['', '', ''])];
    if (p) {
      cols.push(`${p.offered} (${p.rate})${Math.abs(p.sentPerSecond - p.offered) > 0.05 * p.offered ? `, sent ${p.sentPerSecond.toFixed(0)}` : ''}`,
        p.deliveredPerSecond.toFixed(0), `${ms(p.latency.p50)} / ${ms(p.latency.p95)}`, `${(p.loss * 100).toFixed(p.loss ? 3 : 0)}%`,
        p.cpu.map((v) => v.toFixed(0)).join(' / '), `${p.redisCpu.toFixed(0)} / ${p.driverCpu.toFixed(0)}`, `${p.machineBusy.toFixed(0)} (${p.othersBusy.toFixed(0)})`);
    } else {
      cols.push('-', '-', '-', '-', '-', '-', '-');
    }
    cols.push(...(i === passes.length - 1 ? spread : ['', '', '']));
    console.log(`| ${cols.join(' | ')} |`);
  }
}
const problems = results.flatMap((r) => r.problems.map((p) => `${r.processes} process(es): ${p}`));
if (problems.length) {
  console.log('\nProblems:');
  for (const p of problems) console.log(`- ${p}`);
}
console.log(`\nverdict: ${failed ? 'FAIL' : 'pass'}`);
process.exit(failed ? 1 : 0);
