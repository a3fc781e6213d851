// The Session option iceConfig (the Linux SDK's custom ICE configuration through the addon): its
// shape checks (TypeError) and value checks (OtcError 1011 from the C API), and an E2EE call
// forced through a real coturn (Debian coturn, started here on 127.0.0.1 with loopback peers
// allowed and the shared-secret scheme) whose selected candidate pair is relay on both ends.
import test, { type ExecutionContext } from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import * as otc from '../lib/index';
import { startServer } from './server/helpers/server';
import { sleep, until } from './helpers/wait';

const API_KEY = '47000001';
const SECRET = 'correct horse battery staple, ICE test';

test.before(() => otc.init());
test.after.always(() => otc.destroy());

test('iceConfig: wrong shapes are TypeErrors, values the C API refuses are OtcError 1011', (t) => {
  const make = (iceConfig: unknown): otc.Session =>
    new otc.Session(API_KEY, 'a-session', { signalingUrl: 'ws://127.0.0.1:9/v1/signaling', iceConfig: iceConfig as otc.IceConfig });
  const wrongShapes: unknown[] = [
    'turn:x', [], null, { iceServers: 'stun:x' }, { iceServers: [1] }, { iceServers: [{}] }, { iceServers: [{ urls: 5 }] },
    { iceServers: [{ urls: [] }] }, { iceServers: [{ urls: ['stun:a', 7] }] }, { iceServers: [{ urls: 'stun:a', username: 1 }] },
    { iceServers: [{ urls: 'stun:a', credential: {} }] }, { forceTurn: 'yes' }, { useCustomTurnOnly: 1 },
    { connectTimeoutMs: 5 }, { connectTimeoutMs: 1500.5 }, { iceServers: Array.from({ length: 17 }, () => ({ urls: 'stun:a' })) },
  ];
  for (const config of wrongShapes) {
    t.throws(() => make(config), { instanceOf: TypeError }, JSON.stringify(config));
  }
  const badValues: otc.IceConfig[] = [
    { iceServers: [{ urls: 'http://127.0.0.1:3478' }] },
    { iceServers: [{ urls: 'stun:host:99999' }] },
    { iceServers: [{ urls: 'turn:127.0.0.1:3478' }] },  // TURN without credentials
    { iceServers: [{ urls: 'turn:127.0.0.1:3478?transport=sctp', username: 'u', credential: 'c' }] },
  ];
  for (const config of badValues) {
    const error = t.throws(() => make(config), { instanceOf: otc.OtcError }, JSON.stringify(config));
    t.is(error?.code, otc.ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  }
  const good = make({ iceServers: [{ urls: ['stun:127.0.0.1:3478', 'turn:127.0.0.1:3478?transport=tcp'], username: 'u', credential: 'c' }],
    forceTurn: true, useCustomTurnOnly: false, connectTimeoutMs: 5000 });
  good.delete();
  make({}).delete();
  t.pass();
});

/** coturn on 127.0.0.1 and a free port, stopped by pid when the test ends. */
async function startCoturn(t: ExecutionContext): Promise<{ url: string; credentials: (name: string) => { username: string; credential: string } }> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(free));
    }).on('error', reject);
  });
  const secret = crypto.randomBytes(16).toString('hex');
  const child: ChildProcess = spawn('turnserver', ['-n', '--listening-ip', '127.0.0.1', '--relay-ip', '127.0.0.1',
    '--listening-port', String(port), '--allow-loopback-peers', '--use-auth-secret', '--static-auth-secret', secret,
    '--realm', 'node-otc', '--no-cli', '--no-tls', '--no-dtls', '--log-file', 'stdout', '--simple-log'], { stdio: 'ignore' });
  t.teardown(() => { if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL'); });
  const listening = (): Promise<boolean> => new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); }).on('error', () => resolve(false));
  });
  const deadline = Date.now() + 10_000;
  while (!(await listening())) {
    if (Date.now() > deadline) throw new Error('coturn (turnserver) did not listen within 10 s');
    await sleep(50);
  }
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    credentials: (name) => {
      const username = `${Math.floor(Date.now() / 1000) + 3600}:${name}`;
      return { username, credential: crypto.createHmac('sha1', secret).update(username).digest('base64') };
    },
  };
}

test.serial('a call forced through TURN selects a relay pair on both ends and its frames decrypt', async (t) => {
  t.timeout(90_000);
  const turn = await startCoturn(t);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'relayed' });
  const iceConfig = (name: string): otc.IceConfig =>
    ({ iceServers: [{ urls: turn.url, ...turn.credentials(name) }], forceTurn: true, useCustomTurnOnly: true });
  const a = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl, iceConfig: iceConfig('a') });
  const b = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl, iceConfig: iceConfig('b') });
  t.teardown(() => { a.delete(); b.delete(); });
  const keys = Promise.all([a.encryptionKeyReady(), b.encryptionKeyReady()]);
  a.setEncryptionSecret(SECRET);
  b.setEncryptionSecret(SECRET);
  await keys;
  await a.connect(server.generateToken(sessionId));
  await b.connect(server.generateToken(sessionId));
  otc.audio.captureTone(440, 0.5);
  const publisher = new otc.Publisher({ name: 'relayed', testPattern: { width: 320, height: 180, fps: 30 } });
  t.teardown(() => publisher.delete());
  const seen = new Promise<otc.StreamEvent>((resolve) => b.once('streamCreated', resolve));
  await a.publish(publisher);
  const subscriber = b.subscribe(await seen);
  await subscriber.connected(20_000);
  await until(t, () => subscriber.stats().videoFramesOpened >= 60 && subscriber.stats().localCandidateType !== '', 15_000,
    () => `60 frames opened and a selected pair (${JSON.stringify(subscriber.stats())})`);
  const sub = subscriber.stats();
  const pub = publisher.stats();
  t.log(`subscriber pair ${sub.localCandidateType}/${sub.remoteCandidateType} (${sub.relayProtocol}), publisher pair ` +
    `${pub.localCandidateType}/${pub.remoteCandidateType}; opened ${sub.videoFramesOpened}, mismatch ${sub.framesMismatch}`);
  t.is(sub.localCandidateType, 'relay');
  t.is(sub.remoteCandidateType, 'relay');
  t.is(sub.relayProtocol, 'udp');
  t.is(pub.localCandidateType, 'relay');
  t.is(pub.remoteCandidateType, 'relay');
  t.is(pub.subscribersRefused, 0);
  t.is(sub.framesMismatch, 0);
  const check = subscriber.mediaCheck();
  t.true(check.framesReceived >= 0.9 * (check.framesReceived + check.framesLost), JSON.stringify(check));
});
