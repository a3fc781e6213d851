// Archives of routed sessions through the REST API, recorded by Janus (inside scripts/netns-run.sh):
// the opentok SDK starts, lists, gets, stops and deletes one of an E2EE session (its recordings are
// ciphertext that the session's secret opens; archive callbacks arrive signed; the session's
// clients hear archiveStarted and archiveStopped, a client joining meanwhile too); @vonage/video
// archives chosen streams only (streamMode manual) and video only.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import * as otc from '../../lib/index';
import { recordingNameParts, decryptMjr } from '../../lib/recording/decrypt-recording';
import type { SessionServer } from '../../lib/server/index';
import { openTokFor, sdkCall } from '../server/helpers/opentok';
import { tempDir } from '../helpers/temp-dir';
import { until } from '../helpers/wait';
import { receiver, verified } from '../helpers/webhook-receiver';
import { API_KEY, joinSession, requireNetns, startRoutedServer } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Video } = require('@vonage/video') as {
  Video: new (auth: { applicationId: string; privateKey: string }, config: { videoHost: string }) => Record<string, (...args: unknown[]) => Promise<unknown>>;
};

const SECRET = 'archives are for key holders';
const run = promisify(execFile);
const CLI = path.join(__dirname, '../../lib/cli/index.js');

interface ArchiveJson {
  id: string;
  status: string;
  url: string | null;
  size: number;
  duration: number;
  streams: Array<{ streamId: string; hasAudio: boolean; hasVideo: boolean }>;
}

test.before(() => {
  requireNetns();
  otc.init();
});
test.after.always(() => otc.destroy());

/** Publishes a test pattern (and a tone) until the test ends; resolves with the stream id once frames flow. */
async function publish(t: ExecutionContext, session: otc.Session, name: string): Promise<{ streamId: string; sent: () => number }> {
  const publisher = new otc.Publisher({ name, testPattern: { width: 320, height: 180, fps: 30 } });
  t.teardown(() => publisher.delete());
  await session.publish(publisher);
  await until(t, () => publisher.stats().videoFramesSent >= 30, 20_000, () => `frames sent (${JSON.stringify(publisher.stats())})`);
  return { streamId: publisher.streamId!, sent: () => publisher.stats().videoFramesSent };
}

/** The .mjr files of an archive's folder (and its part-<n>/ folders). */
function recordings(dir: string, archiveId: string): string[] {
  const root = path.join(dir, archiveId);
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.mjr')).map((f) => path.join(root, f));
}

test.serial('opentok SDK: an E2EE session\'s archive is started, listed, stopped and deleted; its recordings open with the secret; callbacks tell each status', async (t) => {
  t.timeout(120_000);
  const dir = tempDir(t, 'otc-archives-');
  const server: SessionServer = await startRoutedServer({ router: { recordingsDir: dir } });
  t.teardown(() => server.close());
  const hooks = await receiver(t);
  await server.callbacks.register(API_KEY, { group: 'archive', event: 'status', url: hooks.url });
  const ot = openTokFor(server);
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });

  const [nobody] = await sdkCall(ot, 'startArchive', sessionId, {});
  t.regex(String(nobody), /no clients are connected/);
  t.is(otc.audio.captureTone(440, 0.3), otc.ErrorCode.OTC_SUCCESS);
  const session = await joinSession(t, server, sessionId, 'archived', SECRET);
  const { streamId, sent } = await publish(t, session, 'archived');
  const heardStart = once(session, 'archiveStarted');

  const [startErr, started] = await sdkCall(ot, 'startArchive', sessionId, { name: 'board meeting', outputMode: 'individual' });
  t.is(startErr, null);
  const archive = started as ArchiveJson & Record<string, unknown>;
  t.like(archive, { status: 'started', name: 'board meeting', sessionId, outputMode: 'individual', streamMode: 'auto', hasAudio: true, hasVideo: true, duration: 0 });
  t.deepEqual(archive.streams, [{ streamId, hasAudio: true, hasVideo: true }]);
  const [again] = await sdkCall(ot, 'startArchive', sessionId, {});
  t.regex(String(again), /being archived already/);
  t.deepEqual(await heardStart, [{ id: archive.id, name: 'board meeting' }]);
  // A client joining while it records is told on connecting.
  const late = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => late.delete());
  const lateHeard = once(late, 'archiveStarted');
  const lateKey = late.encryptionKeyReady();
  late.setEncryptionSecret(SECRET);
  await lateKey;
  await late.connect(server.generateToken(sessionId, { data: 'late' }));
  t.deepEqual(await lateHeard, [{ id: archive.id, name: 'board meeting' }]);
  const heardStop = [once(session, 'archiveStopped'), once(late, 'archiveStopped')];

  const from = sent();
  await until(t, () => sent() >= from + 60, 20_000, () => 'two more seconds of frames');
  const [, listed] = await sdkCall(ot, 'listArchives', { sessionId });
  t.deepEqual((listed as ArchiveJson[]).map((a) => [a.id, a.status]), [[archive.id, 'started']]);

  const [stopErr, stopped] = await sdkCall(ot, 'stopArchive', archive.id);
  t.is(stopErr, null);
  t.like(stopped, { id: archive.id, status: 'stopped', reason: 'user initiated' });
  t.deepEqual(await Promise.all(heardStop), [[{ id: archive.id }], [{ id: archive.id }]]);
  const [, got] = await sdkCall(ot, 'getArchive', archive.id);
  const available = got as ArchiveJson;
  t.is(available.status, 'available');
  t.true(available.duration >= 2, `duration ${available.duration} s`);
  const files = recordings(dir, archive.id);
  t.deepEqual(files.map((f) => recordingNameParts(f)?.kind).sort(), ['audio', 'video'], files.join(', '));
  t.is(available.size, files.reduce((sum, f) => sum + fs.statSync(f).size, 0), 'size: the bytes of its recordings');

  // Ciphertext that the session's secret opens.
  const video = files.find((f) => recordingNameParts(f)?.kind === 'video')!;
  t.is(recordingNameParts(video)?.streamId, streamId);
  const report = await decryptMjr(video, path.join(dir, 'plain.mjr'), { sessionId, secret: SECRET });
  t.true(report.markedEncrypted);
  t.true(report.decrypted >= 30, JSON.stringify(report));
  t.is(report.notDecrypted, 0);
  t.is((await decryptMjr(video, path.join(dir, 'wrong.mjr'), { sessionId, secret: 'another secret' })).decrypted, 0);

  // Its url: a zip of the recordings that works without credentials; `decrypt-recording` makes video of it.
  t.is(archive.url, null, 'no url while it records');
  t.truthy(available.url);
  const zipped = await fetch(available.url!, { signal: AbortSignal.timeout(10_000) });
  t.is(zipped.status, 200);
  t.is(zipped.headers.get('content-type'), 'application/zip');
  const zipFile = path.join(dir, 'archive.zip');
  fs.writeFileSync(zipFile, Buffer.from(await zipped.arrayBuffer()));
  const link = new URL(available.url!);
  for (const token of [null, 'forged', link.searchParams.get('token')!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))]) {
    const forged = new URL(link);
    if (token === null) forged.searchParams.delete('token');
    else forged.searchParams.set('token', token);
    t.is((await fetch(forged, { signal: AbortSignal.timeout(10_000) })).status, 403, `token ${token}`);
  }
  const secretFile = path.join(dir, 'secret.txt');
  fs.writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
  const outDir = path.join(dir, 'video');
  const cli = await run(process.execPath, [CLI, 'decrypt-recording', '--secret-file', secretFile, zipFile, outDir]);
  t.regex(cli.stdout, new RegExp(`${streamId}\\.webm: \\d+ frames opened`));
  const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', path.join(outDir, `${streamId}.webm`)]);
  t.deepEqual(probe.stdout.trim().split('\n').sort(), ['opus', 'vp8']);
  const wrong = await run(process.execPath, [CLI, 'decrypt-recording', '--secret', 'another secret', zipFile, path.join(dir, 'nothing')])
    .then(() => undefined, (err: { code: number; stderr: string }) => err);
  t.is(wrong?.code, 1);
  t.regex(wrong?.stderr ?? '', /no frame opened/);

  const [stopAgain] = await sdkCall(ot, 'stopArchive', archive.id);
  t.regex(String(stopAgain), /not recording/);
  t.deepEqual(await sdkCall(ot, 'deleteArchive', archive.id), [null, undefined]);
  t.deepEqual(recordings(dir, archive.id), [], 'its recordings are gone');
  t.like((await sdkCall(ot, 'getArchive', archive.id))[1], { status: 'deleted', size: 0, url: null });
  t.is((await fetch(available.url!, { signal: AbortSignal.timeout(10_000) })).status, 404, 'a link to a deleted archive');

  // The callbacks: each status, signed with the API secret.
  await until(t, () => hooks.received.length >= 4, 10_000, () => `callbacks: ${hooks.received.map((r) => r.body['status']).join(', ')}`);
  t.deepEqual(hooks.received.map((r) => r.body['status']), ['started', 'stopped', 'available', 'deleted']);
  t.regex(String(hooks.received[2]!.body['url']), /^http:\/\/127\.0\.0\.1:\d+\/archive-download\//, 'the available callback carries the link');
  for (const r of hooks.received) {
    t.like(r.body, { event: 'archive', id: archive.id, sessionId, projectId: API_KEY });
    t.true(verified(r, server.apiSecret, API_KEY));
  }
});

test.serial('@vonage/video: streamMode manual records the streams added, video only; the session\'s other stream is not recorded', async (t) => {
  t.timeout(120_000);
  const dir = tempDir(t, 'otc-archives-');
  const server = await startRoutedServer({ router: { recordingsDir: dir } });
  t.teardown(() => server.close());
  const app = await server.applications.create('archiving app');
  const vonage = new Video({ applicationId: app.applicationId, privateKey: app.privateKey }, { videoHost: server.url });
  const { sessionId } = await vonage['createSession']!({}) as { sessionId: string };
  const join = async (name: string): Promise<otc.Session> => {
    const session = new otc.Session(app.applicationId, sessionId, { signalingUrl: server.signalingUrl });
    t.teardown(() => session.delete());
    await session.connect(await vonage['generateClientToken']!(sessionId, { data: name }) as unknown as string);
    return session;
  };
  const [a, b] = [await join('a'), await join('b')];
  const chosen = await publish(t, a, 'chosen');
  const other = await publish(t, b, 'other');

  const archive = await vonage['startArchive']!(sessionId, { streamMode: 'manual', hasAudio: false, name: 'chosen only' }) as ArchiveJson;
  t.like(archive, { status: 'started', streamMode: 'manual', hasAudio: false, hasVideo: true, streams: [] });
  await vonage['addArchiveStream']!(archive.id, chosen.streamId);
  const status = (run: Promise<unknown>): Promise<number> => run.then(() => 0, (err: { response?: { status: number } }) => err.response?.status ?? -1);
  t.is(await status(vonage['addArchiveStream']!(archive.id, 's-00000000-0000-4000-8000-000000000000')), 404, 'not a stream of the session');
  t.is(await status(vonage['updateArchiveLayout']!(archive.id, { type: 'bestFit' })), 501);
  const from = chosen.sent();
  await until(t, () => chosen.sent() >= from + 60, 20_000, () => 'two more seconds of frames');
  const search = await vonage['searchArchives']!({ sessionId }) as { count: number; items: ArchiveJson[] };
  t.is(search.count, 1);
  t.deepEqual(search.items[0]!.streams, [{ streamId: chosen.streamId, hasAudio: true, hasVideo: true }]);

  t.like(await vonage['stopArchive']!(archive.id), { status: 'stopped' });
  t.like(await vonage['getArchive']!(archive.id), { status: 'available' });
  t.is(await status(vonage['removeArchiveStream']!(archive.id, chosen.streamId)), 409, 'a stopped archive takes no changes');
  const files = recordings(dir, archive.id);
  t.true(files.length >= 1, files.join(', '));
  t.deepEqual([...new Set(files.map((f) => recordingNameParts(f)?.kind))], ['video'], 'video only: hasAudio false');
  t.deepEqual([...new Set(files.map((f) => recordingNameParts(f)?.streamId))], [chosen.streamId], `not ${other.streamId}`);

  // The API key's project sees none of the application's archives.
  const [, listed] = await sdkCall(openTokFor(server), 'listArchives', {});
  t.deepEqual(listed, []);
});

test.serial('archiveMode always: the first connection starts an archive, the session emptied stops it (reason "session ended"), the next connection starts another', async (t) => {
  t.timeout(90_000);
  const dir = tempDir(t, 'otc-archives-');
  const server = await startRoutedServer({ router: { recordingsDir: dir }, archiveEmptyStopMs: 300 });
  t.teardown(() => server.close());
  const ot = openTokFor(server);
  const { sessionId } = server.createSession({ mediaMode: 'routed', archiveMode: 'always' });
  const list = async (): Promise<ArchiveJson[]> => {
    const [err, items] = await sdkCall(ot, 'listArchives', { sessionId });
    if (err) throw err;
    return items as ArchiveJson[];
  };
  const waitFor = async (what: string, check: (items: ArchiveJson[]) => boolean): Promise<ArchiveJson[]> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const items = await list();
      if (check(items)) return items;
      if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(items.map((a) => [a.id, a.status]))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const first = await joinSession(t, server, sessionId, 'first', SECRET);
  const [started] = await waitFor('an archive started', (items) => items.length === 1 && items[0]!.status === 'started');
  await first.disconnect();
  const [ended] = await waitFor('the archive stopped', (items) => items[0]!.status === 'available');
  t.is(ended!.id, started!.id);
  t.like(ended, { reason: 'session ended' });
  await joinSession(t, server, sessionId, 'second', SECRET);
  const again = await waitFor('a second archive', (items) => items.length === 2 && items[0]!.status === 'started');
  t.not(again[0]!.id, started!.id, 'a new archive, newest first');
});
