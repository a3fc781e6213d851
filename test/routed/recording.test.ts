// Recordings of a routed E2EE session (inside scripts/netns-run.sh): Janus records exactly what it
// forwarded. The test reads its .mjr files and shows that no recorded video frame decodes, as
// recorded, to the picture that was sent, while every frame opens with the session's secret and
// then decodes; and that `node-otc decrypt-recording` makes a playable WebM of them.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import * as otc from '../../lib/index';
import { decryptMjr, recordingNameParts } from '../../lib/recording/decrypt-recording';
import { depacketize } from '../../lib/recording/frames';
import { serializeIvf } from '../../lib/recording/ivf';
import { parseMjr } from '../../lib/recording/mjr';
import { until } from '../helpers/wait';
import { joinSession, requireNetns, startRoutedServer } from './helpers';

const run = promisify(execFile);
const CLI = path.join(__dirname, '../../lib/cli/index.js');
const SECRET = 'the recording is for key holders only';
const WIDTH = 320;
const HEIGHT = 180;

test.before(() => {
  requireNetns();
  otc.init();
});
test.after.always(() => otc.destroy());

/** pts -> md5 of every picture ffmpeg's libvpx decoder makes of an IVF file, and whether it reported errors. */
async function decodePictures(ivf: string): Promise<{ pictures: Map<number, string>; errors: number }> {
  const { stdout, stderr } = await run('ffmpeg', ['-v', 'error', '-c:v', 'libvpx', '-i', ivf, '-f', 'framemd5', '-'],
    { maxBuffer: 64 << 20 }).catch((err: { stdout: string; stderr: string }) => err);
  const pictures = new Map<number, string>();
  for (const line of stdout.split('\n')) {
    const fields = line.split(',').map((f) => f.trim());
    if (line.startsWith('#') || fields.length < 6) continue;
    pictures.set(Number(fields[1]), fields[5]!);
  }
  return { pictures, errors: stderr.split('\n').filter((l) => /Error while decoding/.test(l)).length };
}

test.serial('a routed E2EE recording holds only ciphertext: no frame decodes as recorded, every frame opens with the secret and then decodes', async (t) => {
  t.timeout(90_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-recordings-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const server = await startRoutedServer({ router: { recordingsDir: dir } });
  t.teardown(() => server.close());
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed', archiveMode: 'always' });
  const session = await joinSession(t, server, sessionId, 'recorded', SECRET);
  t.is(otc.audio.captureTone(440, 0.3), otc.ErrorCode.OTC_SUCCESS);
  const publisher = new otc.Publisher({ name: 'recorded', testPattern: { width: WIDTH, height: HEIGHT, fps: 30 } });
  t.teardown(() => publisher.delete());
  await session.publish(publisher);
  await until(t, () => publisher.stats().videoFramesSealed >= 90, 20_000, () => `frames sealed (${JSON.stringify(publisher.stats())})`);
  session.unpublish(publisher);
  await session.disconnect();
  await server.close(); // Janus stops: every recorder is closed

  // archiveMode=always: the first connection started an archive, recorded into its own folder.
  const archives = fs.readdirSync(dir);
  t.is(archives.length, 1, `one archive folder: ${archives.join(', ')}`);
  const archiveDir = path.join(dir, archives[0]!);
  const files = fs.readdirSync(archiveDir).filter((f) => f.endsWith('.mjr')).map((f) => path.join(archiveDir, f));
  const video = files.find((f) => recordingNameParts(f)?.kind === 'video');
  const audio = files.find((f) => recordingNameParts(f)?.kind === 'audio');
  t.truthy(video && audio, `one video and one audio recording: ${files.join(', ')}`);
  t.is(recordingNameParts(video!)!.sessionId, sessionId);
  const recorded = parseMjr(fs.readFileSync(video!));
  t.like(recorded.info, { t: 'v', c: 'vp8', e: true }, 'Janus marked the recording end-to-end encrypted');
  const refused = await run('janus-pp-rec', [video!, path.join(dir, 'refused.webm')]).then(() => '', (err: { stdout: string; stderr: string }) => `${err.stdout}${err.stderr}`);
  t.regex(refused, /encrypted/i, 'janus-pp-rec refuses the encrypted recording');

  // As recorded: sealed frames, decoded without the key.
  const sealed = depacketize('vp8', recorded.packets);
  t.true(sealed.frames.length >= 60, `frames recorded: ${sealed.frames.length}`);
  const sealedIvf = path.join(dir, 'sealed.ivf');
  fs.writeFileSync(sealedIvf, serializeIvf(sealed.frames.map((f) => f.data), WIDTH, HEIGHT));
  const asRecorded = await decodePictures(sealedIvf);

  // Opened with the session's secret.
  const plainMjr = path.join(dir, 'plain.mjr');
  const report = await decryptMjr(video!, plainMjr, { sessionId, secret: SECRET });
  t.is(report.decrypted, sealed.frames.length, `every recorded frame opens: ${JSON.stringify(report)}`);
  const opened = depacketize('vp8', parseMjr(fs.readFileSync(plainMjr)).packets);
  t.is(opened.frames.length, sealed.frames.length);
  const openedIvf = path.join(dir, 'opened.ivf');
  fs.writeFileSync(openedIvf, serializeIvf(opened.frames.map((f) => f.data), WIDTH, HEIGHT));
  const decrypted = await decodePictures(openedIvf);

  const same = [...asRecorded.pictures].filter(([pts, md5]) => decrypted.pictures.get(pts) === md5).length;
  t.log(`${sealed.frames.length} recorded frames: as recorded ${sealed.frames.length - asRecorded.pictures.size} refused by the decoder, ` +
    `${asRecorded.pictures.size} garbage pictures, ${same} equal to the sent picture; opened with the secret ${decrypted.pictures.size} ` +
    `pictures, ${decrypted.errors} decoder errors`);
  t.is(same, 0, 'no recorded frame decodes, as recorded, to the picture that was sent');
  t.true(asRecorded.errors > 0);
  t.is(decrypted.errors, 0);
  t.is(decrypted.pictures.size, sealed.frames.length, 'every opened frame decodes');

  // A wrong secret opens nothing.
  const wrong = await decryptMjr(video!, path.join(dir, 'wrong.mjr'), { sessionId, secret: 'not the session secret' });
  t.is(wrong.decrypted, 0);

  // The CLI: a playable WebM for key holders (the session id read from the file names).
  const secretFile = path.join(dir, 'secret.txt');
  fs.writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
  const webm = path.join(dir, 'out.webm');
  const cli = await run(process.execPath, [CLI, 'decrypt-recording', '--secret-file', secretFile, video!, audio!, webm]);
  t.regex(cli.stdout, /frames opened from 2 recordings/);
  const probe = await run('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'csv=p=0', webm]);
  const streams = probe.stdout.trim().split('\n').map((l) => l.split(','));
  t.deepEqual(streams.map((s) => s[0]).sort(), ['opus', 'vp8']);
  t.is(Number(streams.find((s) => s[0] === 'vp8')![1]), report.decrypted, 'the WebM plays every video frame');
  const refusedCli = await run(process.execPath, [CLI, 'decrypt-recording', '--secret', 'not the session secret', video!, path.join(dir, 'x.webm')])
    .then(() => undefined, (err: { code: number; stderr: string }) => err);
  t.is(refusedCli?.code, 1);
  t.regex(refusedCli?.stderr ?? '', /no frame opened/);
});
