// bench/network: E2EE calls over bad links. The kernel here has no netem, so the bad link is a
// user-space UDP relay (lib/netem) in front of a real TURN server (coturn): client A reaches TURN
// only through the relay, client B directly, both forced to relay candidates. Every packet A sends
// crosses the relay's "up" path once, every packet A receives its "down" path once, so the
// impairment of a scenario applies once to each direction of the call.
//
// Each run: A and B join one session (relayed: a peer connection each way through coturn;
// routed: through Janus, also reached through coturn), each publishes the 640x360@30 VP8 test
// pattern and subscribes to the other. After a warm-up, every decoded frame delivered to JS is
// read (its frame code gives the frame number and capture time) for the window; reported per
// direction: received fps, freezes (a gap over max(3 x mean, mean + 150 ms), the media check's
// rule), latency capture → JS p50/p95, and for the outage its time to recover (outage end → first
// new frame). E2EE off and on run back to back per scenario, so they see the same machine.
//
//   npm run bench:network         (inside scripts/netns-run.sh: Janus needs it; root; ~15 min)
// Options: --seconds S (window, default 20), --warmup S (default 4), --modes relayed,routed,
// --scenarios clean,loss2,loss5,loss10,rate1m,delay,outage, --e2ee off,on, --seed N.
// Progress on stderr, the markdown table on stdout.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '4' },
    modes: { type: 'string', default: 'relayed,routed' },
    scenarios: { type: 'string', default: 'clean,loss2,loss5,loss10,rate1m,delay,outage' },
    e2ee: { type: 'string', default: 'off,on' },
    seed: { type: 'string', default: '1' },
  },
});
const log = (line) => process.stderr.write(`${line}\n`);
const die = (line) => {
  log(`bench/network: ${line}`);
  process.exit(1);
};

const SCENARIOS = {
  clean: { label: 'clean link', impairment: {} },
  loss2: { label: '2% loss', impairment: { loss: 0.02 } },
  loss5: { label: '5% loss', impairment: { loss: 0.05 } },
  loss10: { label: '10% loss', impairment: { loss: 0.10 } },
  rate1m: { label: '1 Mbit/s cap', impairment: { rateBps: 1_000_000, queueMs: 400 } },
  delay: { label: '100 ± 50 ms delay', impairment: { delayMs: 100, jitterMs: 50 } },
  outage: { label: '3 s outage', impairment: {}, outageMs: 3000 },
};

const SECONDS = Number(opts.seconds);
const WARMUP = Number(opts.warmup);
const SEED = Number(opts.seed);
const MODES = opts.modes.split(',');
const SCENARIO_NAMES = opts.scenarios.split(',');
const E2EE_MODES = opts.e2ee.split(',').map((v) => v === 'on');
if (!(SECONDS >= 5 && SECONDS <= 600)) die('--seconds must be 5..600');
if (!(WARMUP >= 1 && WARMUP <= 60)) die('--warmup must be 1..60');
for (const m of MODES) if (m !== 'relayed' && m !== 'routed') die(`unknown mode ${m}`);
for (const s of SCENARIO_NAMES) if (!SCENARIOS[s]) die(`unknown scenario ${s} (${Object.keys(SCENARIOS).join(', ')})`);
if (process.env.OTC_NETNS !== '1') die('run inside the network namespace: npm run bench:network (scripts/netns-run.sh)');
if (!existsSync(path.join(root, 'dist', 'lib', 'index.js'))) die('build first: npm run build:ts');

const otc = await import(path.join(root, 'dist', 'lib', 'index.js'));
const { SessionServer } = await import(path.join(root, 'dist', 'lib', 'server', 'index.js'));
const { turnCredential } = await import(path.join(root, 'dist', 'lib', 'server', 'turn-credentials.js'));
const { TurnProcess } = await import(path.join(root, 'dist', 'lib', 'server', 'turn', 'turn-process.js'));
const { readFrameCode } = await import(path.join(root, 'dist', 'lib', 'web', 'frame-code.js'));

const API_KEY = '47000002';
const API_SECRET = 'd'.repeat(40);
const SECRET = 'network bench shared secret';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
async function until(test, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (test()) return;
    await sleep(20);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}
/** CLOCK_MONOTONIC in ms, truncated to 32 bits as the frame code carries it. */
const monotonicMs32 = () => Number((process.hrtime.bigint() / 1_000_000n) & 0xffffffffn);

// ---- coturn, private to the bench --------------------------------------------------------
// coturn never relays to loopback peers, so everything that talks through it (clients, Janus,
// the bad link) uses a benchmarking-range address added to the namespace's interface.
const ADDRESS = '198.18.0.1';

function addBenchAddress() {
  const r = spawnSync('ip', ['addr', 'replace', `${ADDRESS}/32`, 'dev', 'otc-veth0'], { encoding: 'utf8' });
  if (r.status !== 0) die(`cannot add ${ADDRESS} to the namespace's interface: ${r.stderr}`);
}

async function startCoturn() {
  const turn = await TurnProcess.start({ ip: ADDRESS, port: 3478, relayPorts: '49160-49999' });
  return { port: turn.port, secret: turn.secret, stop: () => turn.stop() };
}

// ---- the bad link, on its own thread so the clients' JS cannot delay its packets ----------
function startRelay(targetPort) {
  const worker = new Worker(new URL('./relay-worker.mjs', import.meta.url), {
    workerData: { root, address: ADDRESS, targetPort, seed: SEED },
  });
  let nextId = 1;
  const waiting = new Map();
  worker.on('message', (m) => {
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  const ask = (message) => new Promise((resolve) => {
    const id = nextId++;
    waiting.set(id, resolve);
    worker.postMessage({ ...message, id });
  });
  return { ask, stop: () => worker.terminate() };
}

// ---- one run ---------------------------------------------------------------------------------
function iceConfig(turnPort, secret, name) {
  const { username, credential } = turnCredential(secret, name, 3600);
  return { iceServers: [{ urls: [`turn:${ADDRESS}:${turnPort}?transport=udp`], username, credential }], forceTurn: true, useCustomTurnOnly: true };
}

async function joinClient(server, sessionId, e2ee, ice, name) {
  const session = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl, iceConfig: ice });
  if (e2ee) {
    const ready = session.encryptionKeyReady();
    session.setEncryptionSecret(SECRET);
    await ready;
  }
  await session.connect(server.generateToken(sessionId, { data: name }));
  const publisher = new otc.Publisher({ name, testPattern: { width: 640, height: 360, fps: 30 } });
  await session.publish(publisher);
  return { name, session, publisher };
}

/** Records every decoded frame's number, arrival and latency while `recording` is on. */
function watch(subscriber) {
  const w = { recording: false, frames: [], unreadable: 0 };
  subscriber.on('videoFrame', (f) => {
    if (!w.recording) return;
    const code = readFrameCode(f.y, f.strideY, f.width, f.height);
    const now = performance.now();
    if (!code) {
      w.unreadable += 1;
      return;
    }
    w.frames.push({ n: code.frameNumber, at: now, latencyMs: ((monotonicMs32() - code.captureTimeMs) >>> 0) });
  });
  return w;
}

function summarize(w, seconds, outage) {
  const seen = new Set();
  const fresh = [];
  for (const f of w.frames) {
    if (seen.has(f.n)) continue;
    seen.add(f.n);
    fresh.push(f);
  }
  const gaps = [];
  for (let i = 1; i < fresh.length; i++) gaps.push(fresh[i].at - fresh[i - 1].at);
  const meanGap = gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : NaN;
  const freezeGap = Math.max(3 * meanGap, meanGap + 150);
  const freezes = gaps.filter((g) => g > freezeGap).length;
  const latencies = fresh.map((f) => f.latencyMs).filter((l) => l < 60_000);
  let recoverMs = null;
  if (outage) {
    const first = fresh.find((f) => f.at > outage.endAt);
    recoverMs = first ? first.at - outage.endAt : Infinity;
  }
  return {
    fps: fresh.length / seconds, freezes, maxGapMs: gaps.length ? Math.max(...gaps) : NaN,
    p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), recoverMs,
  };
}

const sent = (c) => c.up.sent + c.down.sent;
const dropped = (c) => c.up.droppedLoss + c.down.droppedLoss + c.up.droppedQueue + c.down.droppedQueue + c.up.droppedOutage + c.down.droppedOutage;

async function run(server, turn, relay, mode, scenarioName, e2ee) {
  const scenario = SCENARIOS[scenarioName];
  await relay.ask({ type: 'set', impairment: scenario.impairment });
  const { sessionId } = server.createSession({ e2ee, mediaMode: mode });
  const relayPort = (await relay.ask({ type: 'address' })).port;
  const counters0 = await relay.ask({ type: 'counters' });
  const a = await joinClient(server, sessionId, e2ee, iceConfig(relayPort, turn.secret, 'a'), 'a');
  const b = await joinClient(server, sessionId, e2ee, iceConfig(turn.port, turn.secret, 'b'), 'b');
  const clients = [a, b];
  try {
    const streamOf = (client, other) => client.session.streams.find((s) => s.name === other.name);
    await until(() => streamOf(a, b) && streamOf(b, a), 15_000, 'streams seen');
    const atA = a.session.subscribe(streamOf(a, b)); // B → A: through the relay's down path
    const atB = b.session.subscribe(streamOf(b, a)); // A → B: through its up path
    const wA = watch(atA);
    const wB = watch(atB);
    await until(() => atA.mediaCheck().framesReceived > 0 && atB.mediaCheck().framesReceived > 0, 45_000, 'first frames both ways');
    await sleep(WARMUP * 1000);
    const stats0 = { a: atA.stats(), b: atB.stats() };
    wA.recording = wB.recording = true;
    const start = performance.now();
    let outage = null;
    if (scenario.outageMs) {
      await sleep(Math.min(5000, (SECONDS * 1000 - scenario.outageMs) / 2));
      const at = performance.now();
      await relay.ask({ type: 'cut', ms: scenario.outageMs });
      outage = { endAt: at + scenario.outageMs };
    }
    await sleep(Math.max(0, SECONDS * 1000 - (performance.now() - start)));
    wA.recording = wB.recording = false;
    const seconds = (performance.now() - start) / 1000;
    const stats1 = { a: atA.stats(), b: atB.stats() };
    const counters = await relay.ask({ type: 'counters' });
    // The call must be the one it claims: through TURN (relay pairs at both ends), and sealed
    // end to end exactly when E2EE is on.
    for (const [who, st] of [['A', stats1.a], ['B', stats1.b]]) {
      if (st.localCandidateType !== 'relay') throw new Error(`${mode} ${scenarioName}: ${who}'s selected pair is ${st.localCandidateType}, not relay`);
    }
    const delta = (field) => stats1.a[field] + stats1.b[field] - stats0.a[field] - stats0.b[field];
    const opened = delta('videoFramesOpened') + delta('audioFramesOpened');
    const failedToOpen = delta('framesMismatch') + delta('framesIntegrityFailure');
    const replays = delta('framesReplay');
    const decoderDropped = delta('videoFramesDropped');
    if (e2ee && opened === 0) throw new Error(`${mode} ${scenarioName}: E2EE on but no frame was opened`);
    if (!e2ee && opened !== 0) throw new Error(`${mode} ${scenarioName}: E2EE off but ${opened} frames were opened`);
    const result = {
      mode, scenario: scenarioName, e2ee,
      aToB: summarize(wB, seconds, outage), bToA: summarize(wA, seconds, outage),
      opened, failedToOpen, replays, decoderDropped,
      relayed: sent(counters) - sent(counters0), dropped: dropped(counters) - dropped(counters0),
    };
    for (const s of [atA, atB]) s.delete();
    return result;
  } finally {
    for (const c of clients) {
      c.session.unpublish(c.publisher);
      c.publisher.delete();
      await c.session.disconnect().catch(() => undefined);
      c.session.delete();
    }
  }
}

// ---- main ------------------------------------------------------------------------------------
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');

addBenchAddress();
otc.init();
otc.audio.captureTone(440, 0.3);
const turn = await startCoturn();
const relay = startRelay(turn.port);
const server = await SessionServer.start({
  apiKey: API_KEY, apiSecret: API_SECRET, ...(MODES.includes('routed') ? { router: { janus: { iceEnforce: ADDRESS } } } : {}),
});
const load0 = os.loadavg()[0];
log(`bench/network: coturn on ${ADDRESS}:${turn.port}, the bad link in front of it for client A; ${MODES.join(' + ')} × ` +
  `${SCENARIO_NAMES.join(', ')} × E2EE ${E2EE_MODES.map((e) => (e ? 'on' : 'off')).join('/')}; window ${SECONDS} s after ${WARMUP} s warm-up ` +
  `(load average ${load0.toFixed(2)}, ${os.cpus().length} CPUs)`);
const results = [];
try {
  for (const mode of MODES) {
    for (const scenario of SCENARIO_NAMES) {
      for (const e2ee of E2EE_MODES) {
        const r = await run(server, turn, relay, mode, scenario, e2ee);
        results.push(r);
        log(`  ${mode} ${SCENARIOS[scenario].label} E2EE ${e2ee ? 'on ' : 'off'}: A→B ${f1(r.aToB.fps)} fps ${r.aToB.freezes} freezes p50/p95 ` +
          `${f0(r.aToB.p50)}/${f0(r.aToB.p95)} ms${r.aToB.recoverMs !== null ? ` recover ${f0(r.aToB.recoverMs)} ms` : ''}; B→A ${f1(r.bToA.fps)} fps ` +
          `${r.bToA.freezes} freezes p50/p95 ${f0(r.bToA.p50)}/${f0(r.bToA.p95)} ms${r.bToA.recoverMs !== null ? ` recover ${f0(r.bToA.recoverMs)} ms` : ''}; ` +
          `relay sent ${r.relayed}, dropped ${r.dropped}; decoder dropped ${r.decoderDropped}` +
          `${e2ee ? `; frames opened ${r.opened}, failed to open ${r.failedToOpen}, replays dropped ${r.replays}` : ''}`);
      }
    }
  }
} finally {
  await server.close();
  await relay.stop();
  await turn.stop();
  otc.destroy();
}

const cell = (d) => `${f1(d.fps)} / ${d.freezes} / ${f0(d.p50)}–${f0(d.p95)}${d.recoverMs !== null ? ` / ${f0(d.recoverMs)}` : ''}`;
console.log(`| mode | link (each direction) | E2EE | A→B: fps / freezes / latency p50–p95 ms [/ recovery ms] | B→A: same | frames failing to open |`);
console.log('|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.mode} | ${SCENARIOS[r.scenario].label} | ${r.e2ee ? 'on' : 'off'} | ${cell(r.aToB)} | ${cell(r.bToA)} | ${r.e2ee ? r.failedToOpen : '–'} |`);
}
console.log(`\nVP8 640x360@30 + Opus each way, ${SECONDS} s window after ${WARMUP} s warm-up, TURN (coturn) forced on both clients, ` +
  `load average ${load0.toFixed(2)} at start, ${new Date().toISOString().slice(0, 10)}.`);
