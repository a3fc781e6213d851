// Archives through the REST API on a server without a media router (the recording itself is in
// test/routed/archives.test.ts): both SDKs' archive calls answer as OpenTok's do (404 for an
// unknown archive, 409 for a relayed session, 501 for what needs the router or composition),
// bodies are checked, and an archive a stopped server left recording is settled on restart.
import test from 'ava';
import { ArchiveStore } from '../../lib/server/archives/archive-store';
import { SessionServer, signRestAuth } from '../../lib/server/index';
import { openDatabase } from '../../lib/server/store/database';
import { openTokFor, sdkCall } from './helpers/opentok';
import { joined, startServer } from './helpers/server';
import { tempDir } from '../helpers/temp-dir';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Video } = require('@vonage/video') as {
  Video: new (auth: { applicationId: string; privateKey: string }, config: { videoHost: string }) => Record<string, (...args: unknown[]) => Promise<unknown>>;
};

async function rest(server: SessionServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/v2/project/${server.apiKey}/${path}`, {
    method, signal: AbortSignal.timeout(5000),
    headers: { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, server.apiSecret), 'Content-Type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : JSON.parse(text) as Record<string, unknown> };
}

test('the opentok SDK\'s archive calls: 409 for a relayed session, 501 without the router, 404 for an unknown archive, an empty list', async (t) => {
  const server = await startServer(t);
  const ot = openTokFor(server);
  const relayed = server.createSession({ mediaMode: 'relayed' }).sessionId;
  const routed = server.createSession({ mediaMode: 'routed' }).sessionId;
  await joined(t, server, relayed);
  await joined(t, server, routed);

  const [relayedErr] = await sdkCall(ot, 'startArchive', relayed, { name: 'x' });
  t.regex(String(relayedErr), /only routed sessions/);
  const relayedRest = await rest(server, 'POST', 'archive', { sessionId: relayed });
  t.like(relayedRest, { status: 409, body: { code: 409 } });
  t.regex(String(relayedRest.body['message']), /relayed session/);
  const noRouter = await rest(server, 'POST', 'archive', { sessionId: routed });
  t.is(noRouter.status, 501);
  t.regex(String(noRouter.body['message']), /media router/);
  const [unknownSession] = await sdkCall(ot, 'startArchive', 'no-such-session', {});
  t.regex(String(unknownSession), /Session not found/);

  for (const name of ['getArchive', 'stopArchive', 'deleteArchive']) {
    const [err] = await sdkCall(ot, name, '0a1b2c3d-0000-4000-8000-000000000000');
    t.regex(String(err), /Archive not found|404/, name);
  }
  t.deepEqual(await sdkCall(ot, 'listArchives', { sessionId: routed }), [null, []]);
  t.like(await rest(server, 'GET', 'archive?offset=0&count=10'), { status: 200, body: { count: 0, items: [] } });
});

test('start bodies are checked: 400 for bad fields, 501 for composed archives, layouts and transcription', async (t) => {
  const server = await startServer(t);
  const sessionId = server.createSession({ mediaMode: 'routed' }).sessionId;
  const cases: Array<[Record<string, unknown>, number, RegExp]> = [
    [{}, 400, /sessionId/],
    [{ sessionId: 5 }, 400, /sessionId/],
    [{ sessionId, hasAudio: false, hasVideo: false }, 400, /audio or video/],
    [{ sessionId, hasAudio: 'yes' }, 400, /hasAudio/],
    [{ sessionId, name: 'n'.repeat(256) }, 400, /name/],
    [{ sessionId, streamMode: 'sometimes' }, 400, /streamMode/],
    [{ sessionId, outputMode: 'mixed' }, 400, /outputMode/],
    [{ sessionId, maxDuration: 10 }, 400, /maxDuration/],
    [{ sessionId, maxDuration: 1.5e3 + 0.5 }, 400, /maxDuration/],
    [{ sessionId, outputMode: 'composed' }, 501, /composed archives are not available/],
    [{ sessionId, layout: { type: 'bestFit' } }, 501, /layout applies to composed archives/],
    [{ sessionId, resolution: '1280x720' }, 501, /resolution/],
    [{ sessionId, hasTranscription: true }, 501, /transcription/],
  ];
  for (const [body, status, message] of cases) {
    const res = await rest(server, 'POST', 'archive', body);
    t.is(res.status, status, JSON.stringify(body));
    t.regex(String(res.body['message']), message, JSON.stringify(body));
  }
  for (const query of ['count=0', 'count=1001', 'offset=-1', 'offset=x']) {
    t.is((await rest(server, 'GET', `archive?${query}`)).status, 400, query);
  }
  t.is((await rest(server, 'PATCH', 'archive/a-1/streams', {})).status, 400, 'neither addStream nor removeStream');
  t.is((await rest(server, 'PATCH', 'archive/a-1/streams', { addStream: 's-1', removeStream: 's-1' })).status, 400, 'both');
  t.is((await rest(server, 'PATCH', 'archive/a-1/streams', { addStream: 's-1' })).status, 404, 'an unknown archive');
  t.is((await rest(server, 'PUT', 'archive/a-1/layout', { type: 'bestFit' })).status, 501);
  t.is((await rest(server, 'GET', 'archive/a-1/stop')).status, 405);
});

test('@vonage/video: searchArchives, getArchive and startArchive answer for an application\'s project', async (t) => {
  const server = await startServer(t);
  const app = await server.applications.create('archives');
  const video = new Video({ applicationId: app.applicationId, privateKey: app.privateKey }, { videoHost: server.url });
  const { sessionId } = await video['createSession']!({}) as { sessionId: string };
  t.deepEqual(await video['searchArchives']!({ sessionId }), { count: 0, items: [] });
  const status = (run: Promise<unknown>): Promise<number> => run.then(() => 0, (err: { response?: { status: number } }) => err.response?.status ?? -1);
  t.is(await status(video['getArchive']!('0a1b2c3d-0000-4000-8000-000000000000')), 404);
  t.is(await status(video['startArchive']!(sessionId)), 501, 'this server has no router');
  t.is(await status(video['startArchive']!(server.createSession().sessionId)), 404, 'another project\'s session');
});

test('an archive a server left recording is settled when it starts again: available, with the reason', async (t) => {
  const dataDir = tempDir(t, 'otc-archives-');
  const first = await SessionServer.start({ dataDir });
  const { apiKey, apiSecret } = first;
  const sessionId = first.createSession().sessionId;
  await first.close();
  const db = openDatabase(dataDir);
  new ArchiveStore(db).insert({
    id: '0a1b2c3d-0000-4000-8000-000000000001', projectId: apiKey, sessionId, name: 'left recording', status: 'started', reason: '',
    createdAt: Date.now() - 5000, stoppedAt: 0, hasAudio: true, hasVideo: true, streamMode: 'auto', multiArchiveTag: '', size: 0, streams: [],
  });
  db.close();
  const server = await SessionServer.start({ dataDir, apiKey, apiSecret });
  t.teardown(() => server.close());
  const res = await rest(server, 'GET', 'archive/0a1b2c3d-0000-4000-8000-000000000001');
  t.is(res.status, 200);
  t.like(res.body, { status: 'available', reason: 'the server restarted', name: 'left recording', sessionId, outputMode: 'individual', size: 0 });
  t.true((res.body['duration'] as number) >= 4);
  // Its link: signed, but its recordings are not on this server (no recordings folder).
  const url = String(res.body['url']);
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/archive-download\/0a1b2c3d-0000-4000-8000-000000000001\?token=/);
  t.is((await fetch(url, { signal: AbortSignal.timeout(5000) })).status, 404);
  t.is((await fetch(url.replace(/token=.*/, 'token=forged'), { signal: AbortSignal.timeout(5000) })).status, 403);
  t.is((await fetch(`${server.url}/archive-download/0a1b2c3d-0000-4000-8000-000000000001`, { signal: AbortSignal.timeout(5000) })).status, 403);
  t.like(await rest(server, 'GET', `archive?sessionId=${encodeURIComponent(sessionId)}`), { body: { count: 1 } });
});
