// REST in the OpenTok shape: the real opentok SDK creates sessions here; auth, routing, limits.
import test from 'ava';
import jwt from 'jsonwebtoken';
import { type CreateSessionResponse, type SessionInfoResponse, signRestAuth } from '../../lib/server/index';
import { OpenTok, createSession } from './helpers/opentok';
import { startServer } from './helpers/server';

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

test('the opentok SDK creates relayed, routed and E2EE sessions; GET describes them', async (t) => {
  const server = await startServer(t);
  const ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
  const relayed = await createSession(ot, { mediaMode: 'relayed' });
  const routed = await createSession(ot, { mediaMode: 'routed', archiveMode: 'always', location: '10.0.0.7' });
  const e2ee = await createSession(ot, { mediaMode: 'routed', e2ee: true });
  const auth = { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, server.apiSecret) };
  const describe = async (id: string): Promise<SessionInfoResponse> => {
    const res = await call(`${server.url}/v2/project/${server.apiKey}/session/${id}`, { headers: auth });
    t.is(res.status, 200);
    return res.body as SessionInfoResponse;
  };
  t.like(await describe(relayed), { session_id: relayed, media_mode: 'relayed', e2ee: false, archive_mode: 'manual', connections: [], streams: [] });
  t.like(await describe(routed), { media_mode: 'routed', e2ee: false, archive_mode: 'always' });
  t.like(await describe(e2ee), { media_mode: 'routed', e2ee: true });
  t.is(server.store.getSession(routed)?.location, '10.0.0.7');
  // The SDK's tokens for them are accepted by our generator's rules (same API key in the id).
  t.notThrows(() => ot.generateToken(e2ee));
});

test('POST /session/create answers the documented array', async (t) => {
  const server = await startServer(t);
  const res = await call(`${server.url}/session/create`, {
    method: 'POST',
    headers: { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, server.apiSecret), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'p2p.preference=enabled&e2ee=true',
  });
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /^application\/json/);
  const [answer] = res.body as CreateSessionResponse[];
  t.like(answer, { project_id: server.apiKey, partner_id: server.apiKey, e2ee: true, media_mode: 'relayed', media_server_url: server.signalingUrl });
  t.is(typeof answer?.create_dt, 'string');
  t.truthy(server.store.getSession(answer!.session_id));
});

test('REST auth failures are 403 with a JSON message: none, wrong secret, expired, wrong iss', async (t) => {
  const server = await startServer(t);
  const now = Math.floor(Date.now() / 1000);
  const headers: Array<Record<string, string>> = [
    {},
    { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, 'not the secret') },
    { 'X-OPENTOK-AUTH': jwt.sign({ iss: server.apiKey, ist: 'project', iat: now - 400, exp: now - 100, jti: 'x' }, server.apiSecret) },
    { 'X-OPENTOK-AUTH': jwt.sign({ iss: '123', ist: 'project', iat: now, exp: now + 60, jti: 'x' }, server.apiSecret) },
  ];
  for (const h of headers) {
    const res = await call(`${server.url}/session/create`, { method: 'POST', headers: h, body: '' });
    t.is(res.status, 403, JSON.stringify(h));
    t.like(res.body, { code: 403 });
    t.is(typeof (res.body as { message: unknown }).message, 'string');
    const get = await call(`${server.url}/v2/project/${server.apiKey}/session/x`, { headers: h });
    t.is(get.status, 403);
  }
  // The SDK surfaces it as its AuthError.
  const ot = new OpenTok(server.apiKey, 'wrong secret', { apiUrl: server.url });
  await t.throwsAsync(createSession(ot, { mediaMode: 'relayed' }), { message: /Failed to createSession/ });
});

test('404, 405, 400, 413, 415 and /health', async (t) => {
  const server = await startServer(t, { restBodyLimit: 1024 });
  const auth = { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, server.apiSecret), 'Content-Type': 'application/x-www-form-urlencoded' };
  const health = (await call(`${server.url}/health`)).body as Record<string, unknown>;
  t.like(health, { ok: true, status: 'ok', connections: 0, sessions: 0 });
  t.true(typeof health['rssBytes'] === 'number' && health['rssBytes'] > 0);
  t.is((await call(`${server.url}/nope`)).status, 404);
  const wrongMethod = await call(`${server.url}/session/create`, { headers: auth });
  t.is(wrongMethod.status, 405);
  t.is(wrongMethod.headers.get('allow'), 'POST');
  t.is((await call(`${server.url}/health`, { method: 'POST' })).status, 405);
  t.is((await call(`${server.url}/v2/project/${server.apiKey}/session/1_AAAA`, { headers: auth })).status, 404);
  const other = server.createSession({ mediaMode: 'relayed' }).sessionId;
  t.is((await call(`${server.url}/v2/project/999/session/${other}`, { headers: auth })).status, 403, 'another project than the credentials');
  for (const body of ['p2p.preference=maybe', 'archiveMode=sometimes', 'e2ee=yes', 'location=example.com',
    'p2p.preference=enabled&archiveMode=always', 'e2ee=true&e2ee=false']) {
    const res = await call(`${server.url}/session/create`, { method: 'POST', headers: auth, body });
    t.is(res.status, 400, body);
    t.like(res.body, { code: 400 });
  }
  t.is((await call(`${server.url}/session/create`, { method: 'POST', headers: auth, body: 'x='.padEnd(5000, 'y') })).status, 413);
  t.is((await call(`${server.url}/session/create`, {
    method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{}',
  })).status, 415);
  // Defaults: routed, manual, not E2EE.
  const res = await call(`${server.url}/session/create`, { method: 'POST', headers: auth, body: '' });
  t.like((res.body as CreateSessionResponse[])[0], { media_mode: 'routed', e2ee: false });
});

test('pages get the browser client (plain script and ES module) and the server\'s monotonic clock', async (t) => {
  const server = await startServer(t);
  for (const file of ['otc-client.js', 'otc-client.mjs']) {
    const res = await fetch(`${server.url}/${file}`);
    t.is(res.status, 200, file);
    t.regex(res.headers.get('content-type') ?? '', /^text\/javascript/);
    t.is(res.headers.get('access-control-allow-origin'), '*');
    const text = await res.text();
    t.true(text.length > 10_000 && text.includes('RTCRtpScriptTransform'), `${file} is the bundled client`);
    t.is((await fetch(`${server.url}/${file}`, { method: 'HEAD' })).status, 200);
  }
  t.regex(await (await fetch(`${server.url}/otc-client.js`)).text(), /var OTC\s*=/, 'a plain script defines the global OTC');
  const before = Number(process.hrtime.bigint() / 1_000_000n);
  const clock = (await (await fetch(`${server.url}/clock`)).json()) as { monotonicMs: number };
  const after = Number(process.hrtime.bigint() / 1_000_000n);
  t.true(clock.monotonicMs >= before && clock.monotonicMs <= after, 'CLOCK_MONOTONIC ms, as the frame code carries');
  t.is((await fetch(`${server.url}/favicon.ico`)).status, 204);
  t.is((await fetch(`${server.url}/otc-client.css`)).status, 404);
  t.is((await fetch(`${server.url}/otc-client.js`, { method: 'POST' })).status, 404);
});
