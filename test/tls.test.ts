// TLS everywhere (issue 10): the session server serving HTTPS and WSS, the CLI's REST client and
// the real opentok SDK over HTTPS with a private CA, and the package's Session over wss:// with
// the CA from options or OTC_CA_FILE, against certificates made at test time (openssl CLI):
// a good chain, an unknown CA, an expired certificate, a wrong host, ws:// to a TLS port and the
// reverse, and bad certificate/key pairs given to the server.
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ErrorCode, OtcError, Session } from '../lib/index';
import { SessionServer, ServerTlsError } from '../lib/server/index';
import { type TestCerts, makeTestCerts } from './helpers/tls-certs';

const CLI = path.join(__dirname, '../lib/cli/index.js');

let certs: TestCerts;
let good: SessionServer;       // server.pem: localhost, 127.0.0.1, ::1, leaf + intermediate
let expired: SessionServer;    // valid only in 2020
let wronghost: SessionServer;  // for wrong.example only
let plain: SessionServer;

test.before(async () => {
  certs = makeTestCerts();
  const start = (name: string): Promise<SessionServer> =>
    SessionServer.start({ tls: { cert: certs.read(`${name}.pem`), key: certs.read(`${name}.key`) } });
  [good, expired, wronghost, plain] = await Promise.all([start('server'), start('expired'), start('wronghost'), SessionServer.start()]);
});

test.after.always(async () => {
  await Promise.all([good, expired, wronghost, plain].map((server) => server?.close()));
  certs?.remove();
});

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: 20_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

function withScheme(url: string, scheme: string, host?: string): string {
  const parsed = new URL(url);
  return `${scheme}://${host ?? parsed.hostname}:${parsed.port}${parsed.pathname}`;
}

/** A session of `server`'s and a Session for url with opts, deleted after the test. */
function sessionFor(t: ExecutionContext, server: SessionServer, url: string, opts: { caFile?: string; ca?: string | Buffer } = {}):
  { session: Session; token: string } {
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const session = new Session(server.apiKey, sessionId, { signalingUrl: url, ...opts });
  t.teardown(() => session.delete());
  return { session, token: server.generateToken(sessionId) };
}

async function connectsAndSignals(t: ExecutionContext, session: Session, token: string): Promise<void> {
  await session.connect(token);
  const signal = new Promise<string>((resolve) => session.once('signal', (s) => resolve(`${s.type}:${s.data}`)));
  session.sendSignal({ type: 'tls', data: 'over wss' });
  t.is(await signal, 'tls:over wss');
  await session.disconnect();
}

/**
 * connect() rejects with 1006 and a message matching `message` (after OtcError's code name),
 * well before the 10 s connect timeout. Returns that message.
 */
async function failsWith(t: ExecutionContext, session: Session, token: string, message: RegExp): Promise<string> {
  const begin = Date.now();
  const error = await t.throwsAsync(session.connect(token), { instanceOf: OtcError });
  t.is(error?.code, ErrorCode.OTC_SESSION_CONNECTION_FAILED, error?.message);
  const text = (error?.message ?? '').replace(/^OTC_SESSION_CONNECTION_FAILED: /, '');
  t.regex(text, message);
  t.true(Date.now() - begin < 5000, `took ${Date.now() - begin} ms`);
  return text;
}

test('the server serves https:// and wss:// with a certificate, http:// and ws:// without', (t) => {
  t.regex(good.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  t.regex(good.signalingUrl, /^wss:\/\/127\.0\.0\.1:\d+\/v1\/signaling$/);
  t.regex(plain.url, /^http:\/\//);
  t.regex(plain.signalingUrl, /^ws:\/\//);
});

test('a good chain: Session over wss:// with caFile (by address) and ca as a Buffer (by name)', async (t) => {
  const byAddress = sessionFor(t, good, good.signalingUrl, { caFile: certs.file('ca.pem') });
  await connectsAndSignals(t, byAddress.session, byAddress.token);
  const byName = sessionFor(t, good, withScheme(good.signalingUrl, 'wss', 'localhost'), { ca: certs.read('ca.pem') });
  await connectsAndSignals(t, byName.session, byName.token);
});

// Serial: OTC_CA_FILE is process-wide, and the other tests' sessions read it at connect.
test.serial('the CA from OTC_CA_FILE; options come first', async (t) => {
  const saved = process.env['OTC_CA_FILE'];
  t.teardown(() => {
    if (saved === undefined) delete process.env['OTC_CA_FILE'];
    else process.env['OTC_CA_FILE'] = saved;
  });
  process.env['OTC_CA_FILE'] = certs.file('ca.pem');
  const byEnv = sessionFor(t, good, good.signalingUrl);
  await connectsAndSignals(t, byEnv.session, byEnv.token);
  process.env['OTC_CA_FILE'] = certs.file('other-ca.pem');
  const byOption = sessionFor(t, good, good.signalingUrl, { caFile: certs.file('ca.pem') });
  await connectsAndSignals(t, byOption.session, byOption.token);
  const untrusted = sessionFor(t, good, good.signalingUrl);
  await failsWith(t, untrusted.session, untrusted.token, /^TLS: certificate is not trusted \(unable to get local issuer certificate\)$/);
});

test('an unknown CA, and the system store, do not trust the test CA', async (t) => {
  const other = sessionFor(t, good, good.signalingUrl, { caFile: certs.file('other-ca.pem') });
  await failsWith(t, other.session, other.token, /^TLS: certificate is not trusted \(unable to get local issuer certificate\)$/);
  const system = sessionFor(t, good, good.signalingUrl);
  await failsWith(t, system.session, system.token, /^TLS: certificate is not trusted/);
});

test('an expired certificate', async (t) => {
  const { session, token } = sessionFor(t, expired, expired.signalingUrl, { caFile: certs.file('ca.pem') });
  await failsWith(t, session, token, /^TLS: certificate has expired \(valid until Dec 31 23:59:59 2020 GMT\)$/);
});

test('a certificate for another host, by address and by name', async (t) => {
  const byAddress = sessionFor(t, wronghost, wronghost.signalingUrl, { caFile: certs.file('ca.pem') });
  t.is(await failsWith(t, byAddress.session, byAddress.token, /^TLS: hostname mismatch/),
    'TLS: hostname mismatch (certificate is for wrong.example, connected to 127.0.0.1)');
  const byName = sessionFor(t, wronghost, withScheme(wronghost.signalingUrl, 'wss', 'localhost'), { caFile: certs.file('ca.pem') });
  t.is(await failsWith(t, byName.session, byName.token, /^TLS: hostname mismatch/),
    'TLS: hostname mismatch (certificate is for wrong.example, connected to localhost)');
});

test('ws:// to the TLS port and wss:// to a plain port fail at once, saying so', async (t) => {
  const toTls = sessionFor(t, good, withScheme(good.signalingUrl, 'ws'));
  await failsWith(t, toTls.session, toTls.token, /a TLS server\? use wss:\/\//);
  const toPlain = sessionFor(t, plain, withScheme(plain.signalingUrl, 'wss'), { caFile: certs.file('ca.pem') });
  await failsWith(t, toPlain.session, toPlain.token, /^TLS: server did not answer TLS \(plain ws:\/\/ server\?\)$/);
});

test('a CA file that is missing or holds no certificate', async (t) => {
  const missing = sessionFor(t, good, good.signalingUrl, { caFile: certs.file('missing.pem') });
  await failsWith(t, missing.session, missing.token,
    /^TLS: cannot read the CA file .*missing\.pem \(from the session settings\): No such file or directory$/);
  const key = sessionFor(t, good, good.signalingUrl, { ca: certs.read('ca.key') });
  await failsWith(t, key.session, key.token, /^TLS: the CA PEM \(from the session settings\) holds no PEM certificate/);
  t.throws(() => new Session('1', '1_x', { caFile: '' }), { instanceOf: TypeError });
  t.throws(() => new Session('1', '1_x', { ca: 42 as unknown as string }), { instanceOf: TypeError });
});

test('the server refuses a certificate and key that do not match, or that are not PEM', async (t) => {
  await t.throwsAsync(SessionServer.start({ tls: { cert: certs.read('server.pem'), key: certs.read('wronghost.key') } }),
    { instanceOf: ServerTlsError, message: /certificate and private key do not match/ });
  await t.throwsAsync(SessionServer.start({ tls: { cert: 'not a certificate', key: certs.read('server.key') } }),
    { instanceOf: ServerTlsError, message: /TLS certificate is not a PEM certificate/ });
  await t.throwsAsync(SessionServer.start({ tls: { cert: certs.read('server.pem'), key: certs.read('server.pem') } }),
    { instanceOf: ServerTlsError, message: /private key is not an unencrypted PEM private key/ });
});

test('serve --tls-cert/--tls-key: unreadable and mismatched files are clear errors (exit 2)', async (t) => {
  const missing = await run([CLI, 'serve', '--no-router', '--tls-cert', certs.file('nope.pem'), '--tls-key', certs.file('server.key')]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /cannot read --tls-cert .*nope\.pem: ENOENT/);
  const mismatch = await run([CLI, 'serve', '--no-router', '--tls-cert', certs.file('server.pem'), '--tls-key', certs.file('expired.key')]);
  t.is(mismatch.code, 2);
  t.regex(mismatch.stderr, /--tls-cert\/--tls-key: the TLS certificate and private key do not match/);
  const alone = await run([CLI, 'serve', '--no-router', '--tls-cert', certs.file('server.pem')]);
  t.is(alone.code, 2);
  t.regex(alone.stderr, /--tls-cert and --tls-key go together/);
});

test('create-session over https:// with --ca-file or NODE_EXTRA_CA_CERTS; refused without', async (t) => {
  const args = [CLI, 'create-session', '--url', good.url, '--api-key', good.apiKey, '--api-secret', good.apiSecret, '--relayed'];
  const withFile = await run([...args, '--ca-file', certs.file('ca.pem')]);
  t.is(withFile.code, 0, withFile.stderr);
  t.regex(withFile.stdout.trim(), /^1_/);
  const withEnv = await run(args, { NODE_EXTRA_CA_CERTS: certs.file('ca.pem') });
  t.is(withEnv.code, 0, withEnv.stderr);
  t.regex(withEnv.stdout.trim(), /^1_/);
  const untrusted = await run(args);
  t.is(untrusted.code, 1);
  t.regex(untrusted.stderr, /TLS: certificate is not trusted/);
  const expiredRun = await run([CLI, 'create-session', '--url', expired.url, '--api-key', expired.apiKey, '--api-secret', expired.apiSecret,
    '--ca-file', certs.file('ca.pem')]);
  t.is(expiredRun.code, 1);
  t.regex(expiredRun.stderr, /TLS: certificate has expired/);
  const plainToTls = await run([CLI, 'create-session', '--url', withScheme(plain.url, 'https'), '--api-key', plain.apiKey,
    '--api-secret', plain.apiSecret, '--ca-file', certs.file('ca.pem')]);
  t.is(plainToTls.code, 1);
  t.regex(plainToTls.stderr, /TLS: server did not answer TLS/);
});

test('the opentok SDK creates a session over https:// trusting the CA through NODE_EXTRA_CA_CERTS', async (t) => {
  const script = `const OpenTok = require('opentok');
const ot = new OpenTok(process.argv[1], process.argv[2], { apiUrl: process.argv[3] });
ot.createSession({ mediaMode: 'relayed' }, (err, session) => {
  if (err) { console.error(err.message); process.exit(1); }
  console.log(session.sessionId);
});`;
  const args = ['-e', script, good.apiKey, good.apiSecret, good.url];
  const trusted = await run(args, { NODE_EXTRA_CA_CERTS: certs.file('ca.pem'), NODE_PATH: path.resolve(__dirname, '../../node_modules') });
  t.is(trusted.code, 0, trusted.stderr);
  t.regex(trusted.stdout.trim(), /^1_/);
  const untrusted = await run(args, { NODE_PATH: path.resolve(__dirname, '../../node_modules') });
  t.is(untrusted.code, 1);
  t.regex(untrusted.stderr, /certificate/i);
});

test('bot --ca-file goes with a wss:// URL and a readable file', async (t) => {
  const withWs = await run([CLI, 'bot', '--url', plain.signalingUrl, '--token', 'T', '--ca-file', certs.file('ca.pem')]);
  t.is(withWs.code, 2);
  t.regex(withWs.stderr, /--ca-file goes with a wss:\/\/ --url/);
  const missing = await run([CLI, 'bot', '--url', good.signalingUrl, '--token', 'T', '--ca-file', certs.file('nope.pem')]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /cannot read --ca-file/);
});

test('a socket that never finishes its TLS handshake, and plain HTTP on the TLS port, are dropped', async (t) => {
  const bounded = await SessionServer.start({
    tls: { cert: certs.read('server.pem'), key: certs.read('server.key') }, limits: { httpHeadersTimeoutMs: 500 },
  });
  t.teardown(() => bounded.close());
  const port = Number(new URL(bounded.url).port);
  /** Connects, writes `send` (if any), and resolves with the ms until the server closes the socket and what it answered. */
  const closedAfter = (send?: string): Promise<{ ms: number; answer: string }> => new Promise((resolve, reject) => {
    const begin = Date.now();
    let answer = '';
    const socket = net.connect(port, '127.0.0.1', () => {
      if (send !== undefined) socket.write(send);
    });
    socket.setEncoding('latin1').on('data', (chunk: string) => { answer += chunk; });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ ms: Date.now() - begin, answer }));
    setTimeout(() => reject(new Error('the server kept the socket for 10 s')), 10_000).unref();
  });
  const silent = await closedAfter();
  t.true(silent.ms >= 400 && silent.ms < 3000, `a silent socket closed after ${silent.ms} ms`);
  const http = await closedAfter('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
  t.true(http.ms < 1000, `plain HTTP dropped after ${http.ms} ms`);
  t.false(http.answer.includes('"ok"'), 'no plain-text answer from the TLS port');
});


test('wss:// to a server that accepts and never answers times out (1021) naming the TLS handshake', async (t) => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const port = (silent.address() as net.AddressInfo).port;
  const { session, token } = sessionFor(t, good, `wss://127.0.0.1:${port}/v1/signaling`, { caFile: certs.file('ca.pem') });
  const begin = Date.now();
  const error = await t.throwsAsync(session.connect(token), { instanceOf: OtcError });
  t.is(error?.code, ErrorCode.OTC_SESSION_CONNECTION_TIMED_OUT, error?.message);
  t.regex(error?.message ?? '', /timed out connecting to the signaling server \(in the TLS handshake: no answer from the server\)/);
  t.true(Date.now() - begin < 15_000, `bounded by the 10 s connect timeout (${Date.now() - begin} ms)`);
});
