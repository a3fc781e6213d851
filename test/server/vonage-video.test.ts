// The current Vonage server SDK (npm `@vonage/video`) against the server, unchanged: an
// application (id + RS256 key pair; the server keeps the public key) signs the REST requests
// (`Authorization: Bearer`) and the client tokens; every call of the SDK works or answers 501.
// Applications are projects of their own: they reach only their sessions, and tokens verify only
// for the project that owns the session.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import jwt from 'jsonwebtoken';
import { ErrorCode } from '../../lib/error-code';
import { CloseCode } from '../../lib/protocol/messages';
import { SessionServer, signRestAuth } from '../../lib/server/index';
import { joined, openClient, startServer } from './helpers/server';
import { tempDir } from '../helpers/temp-dir';

// The SDK's classes (CommonJS; its types are not needed beyond what the tests call).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Video } = require('@vonage/video') as {
  Video: new (auth: { applicationId: string; privateKey: string }, config: { videoHost: string }) => VonageVideo;
};

type VonageVideo = Record<string, (...args: unknown[]) => Promise<unknown>> & {
  createSession(opts?: Record<string, unknown>): Promise<{ sessionId: string; mediaMode: string; location: unknown }>;
  generateClientToken(sessionId: string, opts?: Record<string, unknown>): string;
};

const cli = path.join(__dirname, '..', '..', 'lib', 'cli', 'index.js');

function client(server: SessionServer, app: { applicationId: string; privateKey: string }): VonageVideo {
  return new Video({ applicationId: app.applicationId, privateKey: app.privateKey }, { videoHost: server.url });
}

/** The HTTP status the SDK's error carries (VetchError), or 0 when it resolved. */
async function status(run: Promise<unknown>): Promise<number> {
  try {
    await run;
    return 0;
  } catch (err) {
    const response = (err as { response?: { status?: number } }).response;
    if (typeof response?.status !== 'number') throw err;
    return response.status;
  }
}

test('an application creates sessions (location null accepted), its client tokens connect with their role and data, REST calls on the session work', async (t) => {
  const server = await startServer(t);
  const app = await server.applications.create('video app');
  const video = client(server, app);
  const created = await video.createSession({});
  t.is(created.mediaMode, 'disabled');
  t.is(created.location, null, 'the SDK sent location=null');
  const relayed = await video.createSession({ mediaMode: 'enabled' });
  t.is(server.store.getSession(relayed.sessionId)?.mediaMode, 'relayed');
  t.is(server.store.getSession(created.sessionId)?.mediaMode, 'routed');

  const token = video.generateClientToken(relayed.sessionId, { role: 'moderator', data: 'name=ada', initialLayoutClassList: ['focus'] });
  t.is(jwt.decode(token, { complete: true })?.header.alg, 'RS256');
  const a = await joined(t, server, relayed.sessionId, {}, token);
  t.like(a.client.received[0], { type: 'ack', role: 'moderator', data: 'name=ada' });
  const b = await joined(t, server, relayed.sessionId, {}, video.generateClientToken(relayed.sessionId));
  const streamId = (await a.client.ok('publish', { name: 'ada' }))['streamId'] as string;

  t.like(await video['getStreamInfo']!(relayed.sessionId), { count: 1, items: [{ id: streamId, name: 'ada', layoutClassList: ['focus'] }] });
  t.like(await video['getStreamInfo']!(relayed.sessionId, streamId), { id: streamId, videoType: 'camera' });
  await video['setStreamClassLists']!(relayed.sessionId, [{ id: streamId, layoutClassList: ['full'] }]);
  t.deepEqual(server.store.getSession(relayed.sessionId)!.classLists.get(streamId), ['full']);

  await video['sendSignal']!({ type: 'hello', data: 'from the app' }, relayed.sessionId);
  t.like(await b.client.event('signal'), { from: '', signalType: 'hello', data: 'from the app' });
  await video['sendSignal']!({ type: 'only', data: 'to a' }, relayed.sessionId, a.connectionId);
  t.like(await a.client.event('signal', (e) => e.signalType === 'only'), { data: 'to a' });

  await video['muteStream']!(relayed.sessionId, streamId);
  t.like(await a.client.event('muteForced'), { streamId });
  await video['forceMuteAll']!(relayed.sessionId, []);
  t.like(await b.client.event('forceMuteChanged'), { active: true });
  await video['disableForceMute']!(relayed.sessionId);
  t.like(await b.client.event('forceMuteChanged', (e) => !e.active), { active: false });

  await video['disconnectClient']!(relayed.sessionId, b.connectionId);
  t.like(await b.client.waitClose(), { code: CloseCode.FORCE_DISCONNECTED });
  t.like(await a.client.event('connectionDestroyed'), { connectionId: b.connectionId, reason: 'forceDisconnected' });
  t.is(await status(video['disconnectClient']!(relayed.sessionId, b.connectionId)), 404);
});

test('every @vonage/video call this server cannot serve answers 501', async (t) => {
  const server = await startServer(t);
  const app = await server.applications.create();
  const video = client(server, app);
  const { sessionId } = await video.createSession({});
  const token = video.generateClientToken(sessionId);
  const calls: Array<[string, ...unknown[]]> = [
    ['updateArchiveLayout', 'a-1', { type: 'bestFit' }],
    ['startBroadcast', sessionId, { outputs: { hls: {} } }], ['stopBroadcast', 'b-1'], ['getBroadcast', 'b-1'], ['searchBroadcasts'],
    ['addStreamToBroadcast', 'b-1', 's-1'], ['removeStreamFromBroadcast', 'b-1', 's-1'], ['updateBroadcast', { broadcastId: 'b-1' }],
    ['initiateSIPCall', sessionId, { token, sip: { uri: 'sip:someone@127.0.0.1' } }], ['playDTMF', sessionId, '1234'],
    ['playDTMF', sessionId, '1234', 'c-1'],
    ['startExperienceComposerRender', sessionId, token, { url: 'https://127.0.0.1/' }], ['getExperienceComposerRender', 'r-1'],
    ['listExperienceComposerRenders'], ['stopExperienceComposerRender', 'r-1'],
    ['connectToWebsocket', sessionId, token, { uri: 'wss://127.0.0.1/' }], ['disconnectWebsocket', 'call-1'],
    ['enableCaptions', sessionId, token], ['disableCaptions', 'cap-1'], ['getCaptionStatus', 'cap-1'],
  ];
  for (const [name, ...args] of calls) t.is(await status(video[name]!(...args)), 501, name);
});

test('applications are projects of their own: each reaches only its sessions, tokens verify only for the owner, unknown or deleted apps are refused', async (t) => {
  const server = await startServer(t);
  const first = await server.applications.create('first');
  const second = await server.applications.create('second');
  const one = client(server, first);
  const two = client(server, second);
  const own = (await one.createSession({ mediaMode: 'enabled' })).sessionId;
  const projects = server.createSession({ mediaMode: 'relayed' }).sessionId;

  t.is(await status(two['getStreamInfo']!(own)), 404, 'another application\'s session');
  t.is(await status(two['getStreamInfo']!(projects)), 404, 'the API key\'s session');
  const res = await fetch(`${server.url}/v2/project/${server.apiKey}/session/${own}/stream`, {
    headers: { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, server.apiSecret) }, signal: AbortSignal.timeout(5000),
  });
  t.is(res.status, 404, 'the API key does not reach an application\'s session');
  await res.text();

  // Tokens: signed by an application for a session it does not own, or HS256 for an application's session.
  for (const [what, token] of [
    ['second app, first app\'s session', two.generateClientToken(own)],
    ['first app, the API key\'s session', one.generateClientToken(projects)],
  ] as const) {
    const c = await openClient(t, server);
    t.like(await c.request('connect', { token }), { type: 'error', code: ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE }, what);
  }
  const forged = jwt.sign({ scope: 'session.connect', session_id: own, role: 'moderator', application_id: first.applicationId,
    exp: Math.floor(Date.now() / 1000) + 60 }, second.privateKey, { algorithm: 'RS256' });
  const c = await openClient(t, server);
  t.like(await c.request('connect', { token: forged }), { type: 'error', code: ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE }, 'signed with another key');

  // REST credentials: an unknown application, another key, a client token, a JWT living too long.
  const stranger = { applicationId: 'not-registered', privateKey: first.privateKey };
  t.is(await status(client(server, stranger).createSession({})), 403);
  const wrongKey = { applicationId: first.applicationId, privateKey: second.privateKey };
  t.is(await status(client(server, wrongKey).createSession({})), 403);
  const bearer = async (token: string): Promise<number> => {
    const r = await fetch(`${server.url}/v2/project/${first.applicationId}/session/${own}/stream`, {
      headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000),
    });
    await r.text();
    return r.status;
  };
  t.is(await bearer(one.generateClientToken(own)), 403, 'a client token is not a REST credential');
  const now = Math.floor(Date.now() / 1000);
  t.is(await bearer(jwt.sign({ application_id: first.applicationId, iat: now, exp: now + 2 * 86400 }, first.privateKey, { algorithm: 'RS256' })), 403);
  t.is(await bearer(jwt.sign({ application_id: first.applicationId, iat: now, exp: now + 60 }, first.privateKey, { algorithm: 'RS256' })), 200);
  t.is(await bearer(jwt.sign({ application_id: first.applicationId, iat: now - 120, exp: now - 60 }, first.privateKey, { algorithm: 'RS256' })), 403, 'expired');
  t.is(await bearer('not a jwt'), 403);
  // The path's project must be the credentials'.
  const mismatch = await fetch(`${server.url}/v2/project/${second.applicationId}/session/${own}/stream`, {
    headers: { Authorization: `Bearer ${jwt.sign({ application_id: first.applicationId, iat: now, exp: now + 60 }, first.privateKey, { algorithm: 'RS256' })}` },
    signal: AbortSignal.timeout(5000),
  });
  t.is(mismatch.status, 403);
  await mismatch.text();

  // A deleted application: its credentials and tokens are refused from then on.
  const token = one.generateClientToken(own);
  t.true(await server.applications.remove(first.applicationId));
  t.is(await status(one['getStreamInfo']!(own)), 403);
  const late = await openClient(t, server);
  t.like(await late.request('connect', { token }), { type: 'error', code: ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE });
  await t.throwsAsync(server.applications.create('x'.repeat(201)), { instanceOf: TypeError });
});

test('node-otc app create/list/delete on a running server\'s data directory: the server accepts the new application at once, and after a restart', async (t) => {
  const dataDir = tempDir(t, 'otc-apps-');
  const server = await SessionServer.start({ dataDir });
  const run = promisify(execFile);
  const created = await run(process.execPath, [cli, 'app', 'create', '--data', dataDir, '--name', 'from the cli']);
  const applicationId = /^application id: (\S+)$/m.exec(created.stdout)?.[1];
  const privateKey = /-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----/.exec(created.stdout)?.[0];
  t.truthy(applicationId, created.stdout);
  t.truthy(privateKey);
  const app = { applicationId: applicationId!, privateKey: `${privateKey!}\n` };
  const { sessionId } = await client(server, app).createSession({ mediaMode: 'enabled' });
  await joined(t, server, sessionId, {}, client(server, app).generateClientToken(sessionId));
  t.regex((await run(process.execPath, [cli, 'app', 'list', '--data', dataDir])).stdout, new RegExp(`${applicationId!}.*"from the cli"`));

  const keyFile = path.join(dataDir, 'second.pem');
  const second = await run(process.execPath, [cli, 'app', 'create', '--data', dataDir, '--private-key-file', keyFile]);
  t.false(second.stdout.includes('PRIVATE KEY'), 'the key went to the file only');
  t.is(fs.statSync(keyFile).mode & 0o777, 0o600);
  await t.throwsAsync(run(process.execPath, [cli, 'app', 'create', '--data', dataDir, '--private-key-file', keyFile]),
    { message: /exists/ }, 'an existing key file is never overwritten');

  await server.close();
  const restarted = await SessionServer.start({ dataDir });
  t.teardown(() => restarted.close());
  t.like(await client(restarted, app)['getStreamInfo']!(sessionId), { count: 0 }, 'the application and its session after a restart');
  await run(process.execPath, [cli, 'app', 'delete', '--data', dataDir, applicationId!]);
  t.is(await status(client(restarted, app)['getStreamInfo']!(sessionId)), 403, 'deleted while the server runs');
  const gone = await t.throwsAsync<Error & { code: number; stdout: string }>(run(process.execPath, [cli, 'app', 'delete', '--data', dataDir, applicationId!]));
  t.is(gone?.code, 1);
  t.regex(gone?.stdout ?? '', /no application/);
  await t.throwsAsync(run(process.execPath, [cli, 'app', 'create']), { message: /--data/ });
  await t.throwsAsync(run(process.execPath, [cli, 'app', 'rename', '--data', dataDir]), { message: /not a subcommand/ });
});
