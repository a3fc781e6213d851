// Three session server processes of one deployment (`serve --redis`) with one Redis and one
// shared Janus, behind a TCP load balancer, in the NAT topology (scripts/netns-topology.sh). An
// E2EE call, relayed and routed, whose two clients' sockets land on different processes (one on
// the session's home, one relayed to it by another process); then the home is killed (SIGKILL)
// mid-call. Its clients reconnect through the balancer to the processes left, one of which takes
// the session over from Redis: same connection ids, nobody destroyed, no error, media on.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { JanusProcess } from '../../lib/server/router/janus-process';
import { generateToken } from '../../lib/server/tokens';
import { turnCredential } from '../../lib/server/turn-credentials';
import type { CallClientConfig, CallClientReport } from './call-client';
import { checkKeptConnection, framesBetween, recoveredAt } from './call-report';
import { ADDR, CALL_CLIENT, callClientReport, CLI, type NsProcess, Topology, waitForOutput } from './topology';

const API_KEY = '47000031';
const API_SECRET = 'e'.repeat(40);
const SECRET = 'a secret that outlives its server process';
const TURN_SECRET = 'the-shared-coturn-secret-of-the-cluster-test';
const REDIS_PORT = 6390;
/** Redis refuses clients from other addresses without a password (protected mode): the cluster's has one. */
const REDIS_PASSWORD = 'the-cluster-test-redis-password';
const BALANCER_PORT = 8090;
const PORTS = [8091, 8092, 8093] as const;
/** The process that only runs the shared coturn (`serve --turn`): never killed. */
const TURN_HOST_PORT = 8099;
const BALANCER = path.join(__dirname, 'tcp-balancer.js');
/** The call runs this long before the kill, counted from the start of the clients' windows. */
const BEFORE_KILL_MS = 6000;
const AFTER_KILL_MS = 40_000;
/** Generous: a client notices its relay closed at once and a dead socket within 10 s; then reconnects (retries up to 5 s apart) and, routed, renegotiates. */
const RECOVERY_BOUND_MS = 30_000;

let topology: Topology | undefined;
let janus: JanusProcess | undefined;
let secretDir: string | undefined;
let secretFile = '';
/** The Redis URL, password included, in a file: it stays out of the process list. */
let redisUrlFile = '';
const servers = new Map<number, NsProcess>();

function startMember(port: number): NsProcess {
  const janusFlags = janus ? ['--janus-private', '0', '--janus-url', janus.url, '--janus-api-secret', janus.apiSecret] : ['--no-router'];
  const proc = topology!.spawn('pub', process.execPath, [CLI, 'serve', '--host', ADDR.pub, '--port', String(port),
    '--redis-url-file', redisUrlFile, ...janusFlags,
    '--turn-url', `turn:${ADDR.pub}:3478?transport=udp`, '--turn-secret-file', secretFile, '--reconnect-grace', '60'],
  { OTC_API_KEY: API_KEY, OTC_API_SECRET: API_SECRET });
  servers.set(port, proc);
  return proc;
}

test.before(async () => {
  topology = await Topology.up();
  secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-cluster-'));
  secretFile = path.join(secretDir, 'turn-secret');
  fs.writeFileSync(secretFile, `${TURN_SECRET}\n`, { mode: 0o600 });
  redisUrlFile = path.join(secretDir, 'redis-url');
  fs.writeFileSync(redisUrlFile, `redis://:${REDIS_PASSWORD}@${ADDR.pub}:${REDIS_PORT}\n`, { mode: 0o600 });
  const redis = topology.spawn('pub', 'redis-server', ['--port', String(REDIS_PORT), '--bind', ADDR.pub, '--save', '', '--appendonly', 'no', '--dir', secretDir,
    '--requirepass', REDIS_PASSWORD]);
  const turnHost = topology.spawn('pub', process.execPath, [CLI, 'serve', '--host', ADDR.pub, '--port', String(TURN_HOST_PORT), '--no-router', '--turn',
    '--turn-secret-file', secretFile]);
  await waitForOutput(redis, /Ready to accept connections/, 10_000);
  await waitForOutput(turnHost, /^turn: private coturn/m, 20_000);
  // One Janus for the whole cluster, in its own namespace, relaying through the shared coturn.
  janus = await JanusProcess.start({
    netns: topology.ns('jan'), iceEnforce: ADDR.janus,
    turn: () => ({ host: ADDR.pub, port: 3478, transport: 'udp', ...turnCredential(TURN_SECRET, 'janus', 24 * 3600) }),
  });
  for (const port of PORTS) startMember(port);
  const balancer = topology.spawn('pub', process.execPath, [BALANCER, `${ADDR.pub}:${BALANCER_PORT}`, ...PORTS.map((port) => `${ADDR.pub}:${port}`)]);
  await Promise.all([...servers.values()].map((server) => waitForOutput(server, /^ice servers: .*$/m, 20_000)));
  await waitForOutput(balancer, /^balancing/m, 10_000);
});

test.after.always(async () => {
  await janus?.stop();
  await topology?.down();
  if (secretDir) fs.rmSync(secretDir, { recursive: true, force: true });
});

interface KillCall {
  a: CallClientReport;
  b: CallClientReport;
  killAt: number;
  home: number;
  sessionId: string;
}

/** The output lines of every member process that name the session. */
function sessionLines(sessionId: string): string[] {
  return [...servers.entries()].flatMap(([port, proc]) => proc.output().split('\n').filter((line) => line.includes(sessionId)).map((line) => `${port}: ${line}`));
}

async function callWithKill(t: ExecutionContext, mode: 'relayed' | 'routed', home: number): Promise<KillCall> {
  const topo = topology!;
  // Made at `home` directly (it is the session's home from the start); the clients come through the balancer.
  const sessionId = await topo.createSession(`http://${ADDR.pub}:${home}`, API_KEY, API_SECRET, mode);
  const base = {
    signalingUrl: `ws://${ADDR.pub}:${BALANCER_PORT}/v1/signaling`, apiKey: API_KEY, sessionId, secret: SECRET, connectTimeoutMs: 45_000,
    warmupMs: 3000, windowMs: BEFORE_KILL_MS + AFTER_KILL_MS, lingerMs: 20_000, sampleEveryMs: 250,
  };
  const clients = (['ca', 'cb'] as const).map((ns) => {
    const name = ns === 'ca' ? 'client A' : 'client B';
    const config: CallClientConfig = { ...base, name, token: generateToken(API_KEY, API_SECRET, sessionId, { data: name }) };
    return { name, proc: topo.spawn(ns, process.execPath, [CALL_CLIENT, JSON.stringify(config)], { OTC_LOG_LEVEL: process.env['OTC_LOG_LEVEL'] ?? 'warn' }) };
  });
  const reports = clients.map(async ({ name, proc }) => callClientReport(name, await proc.exited, proc.output(), (line) => t.log(line)));
  await Promise.all(clients.map(({ proc }) => waitForOutput(proc, /: window started/, 60_000)));
  await new Promise((resolve) => setTimeout(resolve, BEFORE_KILL_MS));
  const killAt = Date.now();
  servers.get(home)!.child.kill('SIGKILL');
  const [a, b] = await Promise.all(reports);
  return { a: a!, b: b!, killAt, home, sessionId };
}

function judge(t: ExecutionContext, { a, b, killAt, home, sessionId }: KillCall): void {
  const lines = sessionLines(sessionId);
  t.log(lines.map((line) => line.slice(0, 220)).join('\n'));
  // Before the kill: both connections were served at the home, one of them relayed there by another process.
  const connects = lines.filter((line) => line.startsWith(`${home}: `) && / connect c-/.test(line));
  t.is(connects.length, 2, lines.join('\n'));
  t.true(lines.some((line) => !line.startsWith(`${home}: `) && /relay .* to /.test(line)), `no client was relayed: ${lines.join('\n')}`);
  // After it: another process took the session over and both clients came back there.
  t.true(lines.some((line) => !line.startsWith(`${home}: `) && /cluster: session .* served here now, 2 connections waiting/.test(line)), lines.join('\n'));
  t.is(lines.filter((line) => !line.startsWith(`${home}: `) && / reconnect c-/.test(line)).length, 2, lines.join('\n'));
  for (const side of [a, b]) {
    checkKeptConnection(t, side);
    const events = side.sessionEvents.map((e) => e.name);
    t.true(events.includes('reconnecting') && events.indexOf('reconnected') > events.indexOf('reconnecting'), `${side.name}'s session events: ${events.join(', ')}`);
    const back = recoveredAt(side.samples, killAt, 15);
    const end = side.samples[side.samples.length - 1]!.at;
    const steadyFps = (framesBetween(side.samples, end - 5000, end) * 1000) / 5000;
    const before = (framesBetween(side.samples, killAt - BEFORE_KILL_MS + 500, killAt) * 1000) / (BEFORE_KILL_MS - 500);
    t.log(`${side.name}: ${before.toFixed(1)} fps before the kill, half the rate ${back === undefined ? 'never' : `${back - killAt} ms`} after it (frames per 2 s: ${
      Array.from({ length: 12 }, (_, i) => framesBetween(side.samples, killAt + i * 2000, killAt + (i + 1) * 2000)).join(' ')}), ${steadyFps.toFixed(1)} fps over the last 5 s; `
      + `session events ${side.sessionEvents.map((e) => `${e.name} +${e.at - killAt} ms`).join(', ')}`);
    t.true(back !== undefined && back - killAt <= RECOVERY_BOUND_MS, `${side.name}: media back ${back === undefined ? 'never' : back - killAt} ms after the kill`);
    t.true(steadyFps >= 15, `${side.name}: ${steadyFps} fps at the end`);
  }
}

async function restart(port: number): Promise<void> {
  await servers.get(port)!.exited;
  await waitForOutput(startMember(port), /^ice servers: .*$/m, 20_000);
}

test.serial('relayed E2EE call over two processes: the session\'s home killed mid-call, the clients reconnect to the others and carry on', async (t) => {
  t.timeout(180_000);
  const call = await callWithKill(t, 'relayed', PORTS[1]);
  judge(t, call);
  await restart(call.home);
});

test.serial('routed E2EE call through the shared Janus: the session\'s home killed mid-call, another process heals it and media flows again', async (t) => {
  t.timeout(180_000);
  const call = await callWithKill(t, 'routed', PORTS[2]);
  judge(t, call);
  // The room the dead home made at the shared Janus is destroyed by the process that took over.
  t.true(sessionLines(call.sessionId).some((line) => /room \d+ of session .*'s previous home destroyed/.test(line)), sessionLines(call.sessionId).join('\n'));
  await restart(call.home);
});
