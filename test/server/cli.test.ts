// The CLI: serve prints its URLs and stops cleanly on SIGTERM/SIGINT; token and create-session
// work against it; bad flags exit 2.
import { execFile } from 'node:child_process';
import test, { type ExecutionContext } from 'ava';
import { CloseCode, parseSessionId, verifyToken } from '../../lib/server/index';
import { TestClient } from './helpers/client';
import { CLI, type ServeExit, type ServeProcess, startServe } from '../helpers/serve-process';

const KEY = '47000777';
const SECRET = 'e'.repeat(40);

function run(args: string[], timeoutMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function serve(t: ExecutionContext, env: Record<string, string> = {}): Promise<ServeProcess> {
  return startServe(t, ['--port', '0'], env, 10_000);
}

async function exitWithin(s: ServeProcess, ms: number): Promise<ServeExit> {
  return Promise.race([s.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms))]);
}

test('serve prints URLs and credentials from the environment; token and create-session work against it; SIGTERM exits 0', async (t) => {
  const s = await serve(t, { OTC_API_KEY: KEY, OTC_API_SECRET: SECRET });
  t.regex(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.is(s.signalingUrl, `${s.url.replace('http:', 'ws:')}/v1/signaling`);
  t.is(s.apiKey, KEY);
  t.is(s.apiSecret, SECRET);
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.regex(s.output(), /^router: janus-1 \(private\) pid \d+$/m, 'a private Janus routes the routed sessions');

  const created = await run(['create-session', '--url', s.url, '--api-key', KEY, '--api-secret', SECRET, '--relayed', '--e2ee']);
  t.is(created.code, 0, created.stderr);
  const sessionId = created.stdout.trim();
  t.is(parseSessionId(sessionId)?.apiKey, KEY);

  const tokenRun = await run(['token', '--api-key', KEY, '--api-secret', SECRET, '--session', sessionId, '--role', 'subscriber',
    '--data', 'name=cli', '--expire-in', '600']);
  t.is(tokenRun.code, 0, tokenRun.stderr);
  const token = tokenRun.stdout.trim();
  const check = verifyToken(token, KEY, SECRET);
  t.true(check.ok);
  if (check.ok) t.like(check.grant, { sessionId, role: 'subscriber', data: 'name=cli' });

  const client = await TestClient.open(s.signalingUrl);
  t.teardown(() => client.close());
  const ack = await client.connect(token, { e2ee: true });
  t.like(ack, { session: { e2ee: true, mediaMode: 'relayed' }, role: 'subscriber' });
  const legacy = (await run(['token', '--api-key', KEY, '--api-secret', SECRET, '--session', sessionId, '--legacy'])).stdout.trim();
  t.true(legacy.startsWith('T1=='));
  const publisher = await TestClient.open(s.signalingUrl);
  t.teardown(() => publisher.close());
  await publisher.connect(legacy, { e2ee: true });
  await publisher.ok('publish', { e2ee: true });
  await publisher.ok('disconnect');

  s.child.kill('SIGTERM');
  const exit = await exitWithin(s, 1500);
  t.deepEqual(exit, { code: 0, signal: null });
  t.is((await client.waitClose()).code, CloseCode.SERVER_SHUTTING_DOWN);
  t.regex(s.output(), / connect c-/);
  t.regex(s.output(), / publish s-/);
  t.regex(s.output(), / disconnect c-.* clientDisconnected/);
});

test('serve generates credentials when none are given, and SIGINT exits 0', async (t) => {
  const s = await serve(t, { OTC_API_KEY: '', OTC_API_SECRET: '' });
  t.regex(s.apiKey, /^\d+$/);
  t.regex(s.apiSecret, /^[0-9a-f]{40}$/);
  const health = await fetch(`${s.url}/health`, { signal: AbortSignal.timeout(5000) });
  t.is(health.status, 200);
  s.child.kill('SIGINT');
  t.deepEqual(await exitWithin(s, 1500), { code: 0, signal: null });
});

test('bad flags exit 2 with usage; --help exits 0; a failing REST call exits 1', async (t) => {
  const cases = [
    [],
    ['frobnicate'],
    ['serve', '--port', 'eighty'],
    ['serve', '--bogus'],
    ['token', '--api-key', KEY, '--api-secret', SECRET],
    ['token', '--api-key', KEY, '--api-secret', SECRET, '--session', 'nonsense'],
    ['token', '--api-key', KEY, '--api-secret', SECRET, '--session', '1_x', '--role', 'king'],
    ['token', '--api-key', KEY, '--api-secret', SECRET, '--session', '1_x', '--expire-in', '-5'],
    ['create-session', '--url', 'http://127.0.0.1:1', '--api-key', KEY],
    ['create-session', '--url', 'http://127.0.0.1:1', '--api-key', KEY, '--api-secret', SECRET, '--relayed', '--routed'],
    ['create-session', '--url', 'http://127.0.0.1:1', '--api-key', KEY, '--api-secret', SECRET, '--relayed', '--archive-mode', 'always'],
    ['serve', '--janus-private', '0'],
    ['serve', '--janus-private', 'many'],
    ['serve', '--janus-url', 'http://127.0.0.1:8188'],
    ['serve', '--no-router', '--janus-ice', 'eth0'],
    ['bot'],
    ['bot', '--url', 'ws://127.0.0.1:1/v1/signaling'],
    ['bot', '--url', 'http://127.0.0.1:1', '--token', 't'],
    ['bot', '--url', 'ws://127.0.0.1:1/v1/signaling', '--token', 't', '--publish', 'movie'],
    ['bot', '--url', 'ws://127.0.0.1:1/v1/signaling', '--token', 't', '--publish', 'file'],
    ['bot', '--url', 'ws://127.0.0.1:1/v1/signaling', '--token', 't', '--size', '33x10'],
    ['bot', '--url', 'ws://127.0.0.1:1/v1/signaling', '--token', 't', '--expect-fps', 'fast'],
    ['bot', '--url', 'ws://127.0.0.1:1/v1/signaling', '--token', 't', '--snapshot-every', '2'],
    ['bot', '--url', 'ws://127.0.0.1:1/v1/signaling', '--token', 't', '--ratchet-every', '0'],
    ['demo', '--secret', 'short'],
    ['demo', '--port', 'http'],
    ['demo', '--ratchet-every', 'often'],
    ['demo', '--bogus'],
  ];
  for (const args of cases) {
    const result = await run(args);
    t.is(result.code, 2, args.join(' '));
    t.regex(result.stderr, /usage:/);
  }
  const help = await run(['--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /node-otc serve/);
  t.regex(help.stdout, /node-otc demo/);
  const unreachable = await run(['create-session', '--url', 'http://127.0.0.1:1', '--api-key', KEY, '--api-secret', SECRET]);
  t.is(unreachable.code, 1);
});
