// ICE servers handed to clients: TURN credentials in coturn's shared-secret scheme (checked by a
// real coturn), the connect ack's iceServers, the private coturn (start, restart with the same
// secret, stop with the server), Janus's TURN lines, and serve's ICE flags. Everything on
// loopback; calls through TURN between NATs are test/topology's.
import { execFile, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import test from 'ava';
import { IceServers, TurnProcess, checkTurnCredential, parseTurnUrl, turnCredential } from '../../lib/server/index';
import { janusConfigFiles } from '../../lib/server/router/janus-config';
import { sleep, until } from '../helpers/wait';
import { TestClient } from './helpers/client';
import { startServer } from './helpers/server';

const CLI = path.join(__dirname, '../../lib/cli/index.js');
const hasCoturn = spawnSync('turnserver', ['--version']).status === 0 || fs.existsSync('/usr/bin/turnserver');

/**
 * Allocates on a TURN server on 127.0.0.1 with turnutils_uclient (Debian coturn), asking it to
 * relay to its default peer, 127.0.0.1: 'allocated' when the allocation succeeded (the relay to a
 * loopback peer is then refused, 403 Forbidden IP, as coturn does by default), 'refused' when the
 * allocation was.
 */
function allocate(port: number, username: string, credential: string): 'allocated' | 'refused' | string {
  const result = spawnSync('turnutils_uclient', ['-y', '-n', '1', '-m', '1', '-l', '100', '-t', '-u', username, '-w', credential,
    '-p', String(port), '127.0.0.1'], { timeout: 20_000, encoding: 'utf8' });
  const out = `${result.stdout}${result.stderr}`;
  if (/channel bind: error 403 \(Forbidden IP\)/.test(out)) return 'allocated';
  if (/Cannot complete Allocation/.test(out)) return 'refused';
  return out.slice(-600);
}

/** Whether `port` on 127.0.0.1 can be bound now, over `kind`. */
function bindable(kind: 'tcp' | 'udp', port: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (kind === 'tcp') {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    } else {
      const socket = dgram.createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    }
  });
}

/**
 * A port for a coturn (UDP and TCP listeners) with its relay range above it: below Linux's
 * ephemeral ports (32768 up), where a random pick once met a client socket's port (coturn: bind:
 * Address already in use), and free on both transports now.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + crypto.randomInt(0, 12_000);
    if (await bindable('tcp', port) && await bindable('udp', port)) return port;
  }
}

test('turnCredential: "<expiry>:<id>" and base64 HMAC-SHA1 of it under the secret; checkTurnCredential reads it back', (t) => {
  const now = Date.UTC(2026, 0, 1);
  const { username, credential } = turnCredential('shh', 'c-1', 3600, now);
  t.is(username, `${now / 1000 + 3600}:c-1`);
  t.is(Buffer.from(credential, 'base64').length, 20);
  t.true(checkTurnCredential('shh', username, credential, now));
  t.false(checkTurnCredential('other', username, credential, now));
  t.false(checkTurnCredential('shh', username, credential, now + 3600_000));
  t.throws(() => turnCredential('shh', 'a:b', 60), { instanceOf: TypeError });
  t.throws(() => turnCredential('shh', 'a', 0), { instanceOf: TypeError });
});

test('IceServers: a STUN entry, and TURN URLs with a credential of each connection own; bad options are TypeErrors', (t) => {
  const ice = new IceServers({ stun: ['stun:198.18.0.1:3478'], turn: { urls: ['turn:198.18.0.1:3478?transport=udp', 'turns:[::1]:5349'], secret: 's' } });
  const a = ice.forConnection('c-a');
  const b = ice.forConnection('c-b');
  t.deepEqual(a[0], { urls: ['stun:198.18.0.1:3478'] });
  t.deepEqual(a[1]!.urls, ['turn:198.18.0.1:3478?transport=udp', 'turns:[::1]:5349']);
  t.regex(a[1]!.username!, /^\d+:c-a$/);
  t.not(a[1]!.credential, b[1]!.credential);
  t.true(checkTurnCredential('s', a[1]!.username!, a[1]!.credential!));
  const expiry = Number(a[1]!.username!.split(':')[0]);
  t.true(Math.abs(expiry - (Date.now() / 1000 + 86_400)) < 5, 'default TTL 24 h');
  t.true(new IceServers({}).empty);
  for (const bad of [
    { stun: ['http://x'] }, { stun: ['stun:host:99999'] }, { turn: { urls: [], secret: 's' } },
    { turn: { urls: ['turn:h?transport=sctp'], secret: 's' } }, { turn: { urls: ['turn:h'], secret: '' } },
    { turn: { urls: ['turn:h'], secret: 's', ttlSeconds: 10 } }, { turn: { urls: Array(17).fill('turn:h'), secret: 's' } },
  ]) {
    t.throws(() => new IceServers(bad as never), { instanceOf: TypeError }, JSON.stringify(bad));
  }
  t.deepEqual(parseTurnUrl('turn:198.18.0.1:3478?transport=tcp'), { host: '198.18.0.1', port: 3478, transport: 'tcp' });
  t.deepEqual(parseTurnUrl('turns:example.org'), { host: 'example.org', port: 5349, transport: 'tls' });
});

test('the connect ack carries iceServers with fresh credentials per connection; [] without ICE servers', async (t) => {
  const plain = await startServer(t);
  const session = plain.createSession({ mediaMode: 'relayed' });
  const server = await startServer(t, { ice: { stun: ['stun:192.0.2.1'], turn: { urls: ['turn:192.0.2.1:3478?transport=udp'], secret: 'k', ttlSeconds: 600 } } });
  const s = server.createSession({ mediaMode: 'relayed' });
  const acks = [];
  for (let i = 0; i < 2; ++i) {
    const client = await TestClient.open(server.signalingUrl);
    t.teardown(() => client.close());
    acks.push(await client.connect(server.generateToken(s.sessionId)));
  }
  for (const ack of acks) {
    t.deepEqual(ack.iceServers[0], { urls: ['stun:192.0.2.1'] });
    const turn = ack.iceServers[1]!;
    t.is(turn.username, `${turn.username!.split(':')[0]}:${ack.connectionId}`);
    t.true(checkTurnCredential('k', turn.username!, turn.credential!));
    t.true(Number(turn.username!.split(':')[0]) - Date.now() / 1000 <= 601);
  }
  const plainClient = await TestClient.open(plain.signalingUrl);
  t.teardown(() => plainClient.close());
  t.deepEqual((await plainClient.connect(plain.generateToken(session.sessionId))).iceServers, []);
});

test('Janus relays through the TURN server given: nat.turn_* lines', (t) => {
  const files = janusConfigFiles({
    configDir: '/tmp/x', apiSocket: '/tmp/x/a', adminSocket: '/tmp/x/b', apiSecret: 'a', adminSecret: 'b', iceEnforce: '198.18.3.2',
    rtpPortRange: '20000-40000', debugLevel: 3, turn: { host: '198.18.0.1', port: 3478, transport: 'udp', username: '1:janus', credential: 'c2VjcmV0' },
  });
  const jcfg = files['janus.jcfg']!;
  for (const line of ['turn_server = "198.18.0.1"', 'turn_port = 3478', 'turn_type = "udp"', 'turn_user = "1:janus"', 'turn_pwd = "c2VjcmV0"',
    'ice_enforce_list = "198.18.3.2"']) {
    t.true(jcfg.includes(line), line);
  }
});

test('Janus shares event loops when asked (general.event_loops), a thread per handle by default, and refuses nonsense', (t) => {
  const base = { configDir: '/tmp/x', apiSocket: '/tmp/x/a', adminSocket: '/tmp/x/b', apiSecret: 'a', adminSecret: 'b', iceEnforce: '127.0.0.1',
    rtpPortRange: '20000-40000', debugLevel: 3 };
  t.false(janusConfigFiles(base)['janus.jcfg']!.includes('event_loops'));
  t.regex(janusConfigFiles({ ...base, eventLoops: 2 })['janus.jcfg']!, /^\s*event_loops = 2$/m);
  for (const eventLoops of [-1, 1.5, 65, Number.NaN]) t.throws(() => janusConfigFiles({ ...base, eventLoops }), { instanceOf: TypeError });
});

test.serial('a private coturn: credentials of its secret allocate, expired or foreign ones do not, loopback peers are refused', async (t) => {
  if (!hasCoturn) return t.fail('coturn is missing: bash scripts/install-system-deps.sh');
  const port = await freePort();
  const turn = await TurnProcess.start({ ip: '127.0.0.1', port, relayPorts: `${port + 1}-${port + 200}` });
  t.teardown(() => turn.stop());
  t.deepEqual(turn.urls, { stun: [`stun:127.0.0.1:${port}`], turn: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`] });
  const mode = fs.statSync(turn.dir).mode & 0o777;
  t.is(mode, 0o700);
  t.false(fs.readFileSync(path.join(turn.dir, 'turnserver.conf'), 'utf8').includes('allow-loopback-peers'));
  const good = turnCredential(turn.secret, 'c-1', 600);
  t.is(allocate(port, good.username, good.credential), 'allocated');
  const expired = turnCredential(turn.secret, 'c-1', 60, Date.now() - 3_600_000);
  t.is(allocate(port, expired.username, expired.credential), 'refused');
  const foreign = turnCredential('another secret', 'c-1', 600);
  t.is(allocate(port, foreign.username, foreign.credential), 'refused');
  await turn.stop();
  t.false(fs.existsSync(turn.dir));
});

test.serial('the server\'s private coturn: restarted with the same secret and port when it dies, stopped with the server', async (t) => {
  if (!hasCoturn) return t.fail('coturn is missing: bash scripts/install-system-deps.sh');
  const port = await freePort();
  const lines: string[] = [];
  const server = await startServer(t, { ice: { privateTurn: { ip: '127.0.0.1', port, relayPorts: `${port + 1}-${port + 200}` } }, log: (l) => lines.push(l) });
  const turn = server.privateTurn!;
  const first = turn.process;
  const firstPid = first.pid;
  const credential = server.iceServers!.turnCredential('c-x')!;
  t.is(allocate(port, credential.username, credential.credential), 'allocated');
  first.kill('SIGKILL');
  await until(t, () => turn.process !== first && turn.process.running, 15_000, () => lines.join('\n'));
  t.not(turn.process.pid, firstPid);
  t.is(turn.process.port, port);
  t.true(lines.some((l) => /turn: the TURN server was killed by SIGKILL/.test(l)));
  t.is(allocate(port, credential.username, credential.credential), 'allocated', 'a credential handed out before the restart');
  const pid = turn.process.pid!;
  await server.close();
  await sleep(100);
  t.throws(() => process.kill(pid, 0), undefined, 'coturn is gone with the server');
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

test('serve\'s ICE flags: bad combinations exit 2 with a reason', async (t) => {
  for (const [args, reason] of [
    [['--turn-url', 'turn:192.0.2.1'], /--turn-url needs --turn-secret/],
    [['--turn-secret', 'x'], /--turn-secret needs --turn-url/],
    [['--turn', '--turn-url', 'turn:192.0.2.1', '--turn-secret', 'x'], /excludes --turn-url/],
    [['--turn-ip', '127.0.0.1'], /--turn-ip needs --turn/],
    [['--turn', '--host', '0.0.0.0'], /give --turn-ip/],
    [['--turn', '--turn-ip', 'example.org'], /--turn-ip must be an IP address/],
    [['--turn', '--turn-relay-ports', '10-5'], /--turn-relay-ports must be/],
    [['--turn-ttl', '600'], /--turn-ttl needs/],
  ] as Array<[string[], RegExp]>) {
    const { code, stderr } = await cli(['serve', '--no-router', ...args]);
    t.is(code, 2, args.join(' '));
    t.regex(stderr, reason, args.join(' '));
  }
  const { code, stderr } = await cli(['serve', '--no-router', '--turn-url', 'http://x', '--turn-secret', 'x']);
  t.is(code, 1);
  t.regex(stderr, /turn URLs: not a turn/);
});

test.serial('serve --turn: prints the private coturn and the ICE servers, and stops it on SIGTERM', async (t) => {
  if (!hasCoturn) return t.fail('coturn is missing: bash scripts/install-system-deps.sh');
  const port = await freePort();
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [CLI, 'serve', '--no-router', '--turn', '--turn-port', String(port), '--turn-relay-ports',
    `${port + 1}-${port + 200}`]);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { out += c; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => child.kill('SIGKILL'));
  await until(t, () => /^ice servers: .*$/m.test(out), 15_000, () => out);
  t.regex(out, new RegExp(`^turn: private coturn on 127\\.0\\.0\\.1:${port} pid \\d+$`, 'm'));
  t.regex(out, new RegExp(`^ice servers: stun:127\\.0\\.0\\.1:${port} turn:127\\.0\\.0\\.1:${port}\\?transport=udp turn:127\\.0\\.0\\.1:${port}\\?transport=tcp$`, 'm'));
  t.regex(out, /loopback address: only clients on this machine/);
  const pid = Number(/pid (\d+)$/m.exec(out)![1]);
  child.kill('SIGTERM');
  t.is(await exited, 0, out);
  t.throws(() => process.kill(pid, 0), undefined, 'coturn stopped with serve');
});
