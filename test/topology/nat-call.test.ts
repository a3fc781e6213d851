// E2EE calls between two clients, each behind its own NAT that refuses inbound connections
// (scripts/netns-topology.sh): they connect only through the session server's TURN server
// (`serve --turn`, a private coturn), relayed and routed through a Janus in its own namespace;
// with no TURN server the same call fails with an ICE error within a bound. Each client is a Node
// process of its own (test/topology/call-client.ts, the package API) in its client namespace.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { turnCredential } from '../../lib/server/turn-credentials';
import { generateToken } from '../../lib/server/tokens';
import type { CallClientConfig, CallClientReport, ClientError } from './call-client';
import { ADDR, CALL_CLIENT, callClientReport, CLI, type NsProcess, Topology, waitForOutput } from './topology';

const API_KEY = '47000010';
const API_SECRET = 'c'.repeat(40);
const SECRET = 'a secret both sides of the NAT share';
const TURN_PORT = 8080;
const PLAIN_PORT = 8081;
/** How long a call without a usable candidate pair may take to report it. */
const ICE_FAILURE_BOUND_MS = 45_000;

/** The private coturn's secret, given to it (--turn-secret-file) so that a client can make its own credential. */
const TURN_SECRET = 'the-private-coturn-secret-of-the-topology-tests';
let topology: Topology | undefined;
let secretDir: string | undefined;
const servers: NsProcess[] = [];

test.before(async () => {
  topology = await Topology.up();
  const env = { OTC_API_KEY: API_KEY, OTC_API_SECRET: API_SECRET };
  secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-topology-'));
  const secretFile = path.join(secretDir, 'turn-secret');
  fs.writeFileSync(secretFile, `${TURN_SECRET}\n`, { mode: 0o600 });
  // With TURN: a private coturn and a private Janus in its own namespace, relaying through it.
  servers.push(topology.spawn('pub', process.execPath, [CLI, 'serve', '--host', ADDR.pub, '--port', String(TURN_PORT), '--turn',
    '--turn-secret-file', secretFile, '--janus-ice', ADDR.janus, '--janus-netns', topology.ns('jan')], env));
  // Without: host candidates only.
  servers.push(topology.spawn('pub', process.execPath, [CLI, 'serve', '--host', ADDR.pub, '--port', String(PLAIN_PORT), '--no-router'], env));
  await Promise.all(servers.map((server) => waitForOutput(server, /^ice servers: .*$/m, 20_000)));
});

test.after.always(async () => {
  await topology?.down();
  if (secretDir) fs.rmSync(secretDir, { recursive: true, force: true });
});

function server(port: number): NsProcess {
  return servers[port === TURN_PORT ? 0 : 1]!;
}

interface CallResult {
  a: CallClientReport;
  b: CallClientReport;
}

async function call(t: ExecutionContext, port: number, mode: 'relayed' | 'routed', extra: Partial<CallClientConfig> = {}): Promise<CallResult> {
  const sessionId = await topology!.createSession(`http://${ADDR.pub}:${port}`, API_KEY, API_SECRET, mode);
  const base = {
    signalingUrl: `ws://${ADDR.pub}:${port}/v1/signaling`, apiKey: API_KEY, sessionId, secret: SECRET,
    connectTimeoutMs: ICE_FAILURE_BOUND_MS, warmupMs: 3000, windowMs: 8000, lingerMs: 20_000, ...extra,
  };
  const run = async (ns: 'ca' | 'cb', name: string): Promise<CallClientReport> => {
    const config: CallClientConfig = { ...base, name, token: generateToken(API_KEY, API_SECRET, sessionId, { data: name }) };
    const { code, output } = await topology!.node(ns, [CALL_CLIENT, JSON.stringify(config)], 120_000);
    return callClientReport(name, code, output, (line) => t.log(line));
  };
  const [a, b] = await Promise.all([run('ca', 'client A'), run('cb', 'client B')]);
  return { a, b };
}

const str = (stats: Record<string, unknown> | null, field: string): string => String(stats?.[field] ?? '');
const num = (stats: Record<string, unknown> | null, field: string): number => Number(stats?.[field] ?? 0);

/** The pair a side selected holds a relay candidate (there is no other way through these NATs). */
function assertRelayPair(t: ExecutionContext, side: string, stats: Record<string, unknown> | null): void {
  const local = str(stats, 'localCandidateType');
  const remote = str(stats, 'remoteCandidateType');
  t.true(local === 'relay' || remote === 'relay', `${side}: selected pair ${local || '?'} -> ${remote || '?'} (${JSON.stringify(stats)})`);
}

function assertMediaBothWays(t: ExecutionContext, { a, b }: CallResult): void {
  for (const side of [a, b]) {
    t.log(`${side.name}: ${side.fps.toFixed(1)} fps, subscriber pair ${str(side.subscriber, 'localCandidateType')} -> ${
      str(side.subscriber, 'remoteCandidateType')}, publisher pair ${str(side.publisher, 'localCandidateType')} -> ${str(side.publisher, 'remoteCandidateType')}`);
  }
  for (const [receiver, sender] of [[a, b], [b, a]] as const) {
    const detail = `${receiver.name} receiving from ${sender.name}: ${JSON.stringify({ receiver, senderPublisher: sender.publisher })}`;
    t.true(receiver.connected, detail);
    t.deepEqual(receiver.errors, [], detail);
    t.log(`${receiver.name}: ${receiver.fps.toFixed(1)} fps over ${receiver.windowMs} ms, connected in ${receiver.connectMs} ms; subscriber pair ${
      str(receiver.subscriber, 'localCandidateType')} -> ${str(receiver.subscriber, 'remoteCandidateType')} (${str(receiver.subscriber, 'relayProtocol')})`);
    t.true(receiver.fps >= 25, detail);
    assertRelayPair(t, `${receiver.name} subscriber`, receiver.subscriber);
    assertRelayPair(t, `${sender.name} publisher`, sender.publisher);
    // Sealed at the sender, opened only at the receiver, with the same key epoch.
    t.true(num(sender.publisher, 'videoFramesSealed') > 0, detail);
    t.true(num(receiver.subscriber, 'videoFramesOpened') > 0 && num(receiver.subscriber, 'audioFramesOpened') > 0, detail);
    t.is(num(receiver.subscriber, 'framesMismatch'), 0, detail);
    t.is(num(receiver.subscriber, 'encryptionEpoch'), num(sender.publisher, 'encryptionEpoch'), detail);
    t.true(num(receiver.subscriber, 'encryptionEpoch') > 0, detail);
  }
}

test.serial('relayed E2EE call between two NATs: only through TURN, relay pairs, >= 25 fps both ways, frames opened at the receivers', async (t) => {
  t.timeout(150_000);
  const result = await call(t, TURN_PORT, 'relayed');
  assertMediaBothWays(t, result);
});

test.serial('routed E2EE call between two NATs through Janus in its own namespace: relay pairs, >= 25 fps both ways', async (t) => {
  t.timeout(150_000);
  const result = await call(t, TURN_PORT, 'routed');
  assertMediaBothWays(t, result);
  t.regex(server(TURN_PORT).output(), /router: janus-1 \(private\) pid \d+/);
});

test.serial('without a TURN server the same call fails with an ICE error within the bound', async (t) => {
  t.timeout(150_000);
  const { a, b } = await call(t, PLAIN_PORT, 'relayed');
  for (const side of [a, b]) {
    const detail = JSON.stringify(side);
    t.false(side.connected, detail);
    const ice = side.errors.find((e: ClientError) => e.side === 'subscriber' && /ICE failed/.test(e.message));
    t.truthy(ice, detail);
    t.is(ice?.code, 1600, detail);
    t.true((ice?.ms ?? Infinity) <= ICE_FAILURE_BOUND_MS, detail);
    t.log(`${side.name}: "${ice?.message}" after ${ice?.ms} ms`);
    t.is(num(side.subscriber, 'videoFramesOpened'), 0, detail);
  }
});

test.serial('a client\'s own TURN server, relay only (iceConfig forceTurn, useCustomTurnOnly), through a server that hands out none', async (t) => {
  t.timeout(150_000);
  const credential = turnCredential(TURN_SECRET, 'own-turn', 3600);
  const iceConfig = {
    iceServers: [{ urls: [`turn:${ADDR.pub}:3478?transport=udp`], ...credential }], forceTurn: true, useCustomTurnOnly: true,
  };
  const result = await call(t, PLAIN_PORT, 'relayed', { iceConfig });
  assertMediaBothWays(t, result);
  for (const side of [result.a, result.b]) {
    // Relay only: every local candidate of the selected pairs is this client's own relay.
    t.is(str(side.subscriber, 'localCandidateType'), 'relay', JSON.stringify(side.subscriber));
    t.is(str(side.publisher, 'localCandidateType'), 'relay', JSON.stringify(side.publisher));
  }
});
