// Reading a recording Janus is still writing: a whole file, the same file cut at every byte of its
// header and of its last two packets, a file growing record by record (VP8 key frames through
// sealed frames' clear prefix), files that are not recordings, and finding a session's files.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { FrameCryptor } from '../lib/frame-cryptor';
import { RecordingError } from '../lib/recording/decrypt-recording';
import { type RecordedFrame as PacketizedFrame, packetize } from '../lib/recording/frames';
import { type LiveRecordingSnapshot, findRecordings, readLiveRecording } from '../lib/recording/live-frames';
import { type MjrInfo, type MjrPacket, serializeMjr } from '../lib/recording/mjr';
import { type RtpPacket, parseRtp } from '../lib/recording/rtp';

const SESSION = '1_MX40NzAwMDAwMX5-live-frames-test';
const SECRET = 'live frames unit secret';
const VIDEO_INFO: MjrInfo = { t: 'v', c: 'vp8', s: 1_700_000_000_000_000, u: 1_700_000_000_100_000, e: true };

function tmpDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-live-frames-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An RTP header alone (the template packetize copies into every packet of a frame). */
function rtpHeader(sequence: number, timestamp: number, payloadType: number): RtpPacket {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = 0x80 | payloadType;
  header.writeUInt16BE(sequence & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(0xabcd, 8);
  return parseRtp(header)!;
}

/** VP8 frames of these sizes, key frames where `key` says (the P bit of the first byte). */
function vp8Frames(sizes: readonly number[], keys: readonly number[]): Buffer[] {
  return sizes.map((size, i) => {
    const frame = Buffer.alloc(size, i + 1);
    frame[0] = keys.includes(i) ? 0x10 : 0x11;
    return frame;
  });
}

/** Frames as a recording's packets (VP8 split at 1200 bytes), sequence numbers across the 16-bit wrap. */
function records(codec: 'vp8' | 'opus', frames: readonly Buffer[], payloadType = 96): MjrPacket[] {
  const step = codec === 'vp8' ? 3000 : 960;
  const packetized: PacketizedFrame[] = frames.map((data, i) => ({
    data, first: rtpHeader(65530, 1000 + i * step, payloadType), offsetMs: i * 20, lastOffsetMs: i * 20 + 5,
  }));
  return packetize(codec, packetized);
}

/** The sealed recording of the tests: 7 frames in 14 packets, key frames 0 and 4, the last two packets ending frames 5 and 6. */
async function sealedRecording(t: ExecutionContext): Promise<{ plain: Buffer[]; sealed: Buffer[]; packets: MjrPacket[]; bytes: Buffer; cryptor: FrameCryptor }> {
  const cryptor = await FrameCryptor.create({ sessionId: SESSION, secret: SECRET });
  t.teardown(() => cryptor.delete());
  const plain = vp8Frames([3000, 1500, 800, 2000, 2500, 1300, 600], [0, 4]);
  const sealed = plain.map((frame) => cryptor.seal(frame, { codec: 'VP8' }));
  const packets = records('vp8', sealed);
  return { plain, sealed, packets, bytes: serializeMjr(VIDEO_INFO, packets), cryptor };
}

test('a whole recording: codec, encryption mark, packets, frames, the last frame and key frame as recorded', async (t) => {
  const { plain, sealed, packets, bytes, cryptor } = await sealedRecording(t);
  t.is(packets.length, 14);
  const file = path.join(tmpDir(t), `${SESSION}-s-01234567-89ab-cdef-0123-456789abcdef-video-0.mjr`);
  fs.writeFileSync(file, bytes);
  const snapshot = await readLiveRecording(file);
  t.like(snapshot, { file, codec: 'vp8', packets: 14, frames: 7, bytes: bytes.length, encrypted: true });
  t.like(snapshot.lastFrame, { index: 6, timestamp: 1000 + 6 * 3000, keyFrame: false });
  t.like(snapshot.lastKeyFrame, { index: 4, timestamp: 1000 + 4 * 3000, keyFrame: true });
  t.true(Buffer.from(snapshot.lastFrame!.data).equals(sealed[6]!), 'the frame as recorded: sealed');
  t.true(Buffer.from(snapshot.lastKeyFrame!.data).equals(sealed[4]!));
  const opened = cryptor.open(snapshot.lastKeyFrame!.data, { codec: 'VP8' });
  t.is(opened.outcome, 'decrypted');
  t.true(opened.frame!.equals(plain[4]!));

  const audio = path.join(path.dirname(file), 'audio.mjr');
  const opus = [Buffer.from([0x78, 1, 2, 3]), Buffer.from([0x78, 4, 5]), Buffer.from([0x78, 6])];
  fs.writeFileSync(audio, serializeMjr({ t: 'a', c: 'opus' }, records('opus', opus, 111)));
  const audioSnapshot = await readLiveRecording(audio);
  t.like(audioSnapshot, { codec: 'opus', packets: 3, frames: 3, encrypted: false });
  t.like(audioSnapshot.lastFrame, { index: 2, timestamp: 1000 + 2 * 960, keyFrame: true });
  t.deepEqual(audioSnapshot.lastKeyFrame, audioSnapshot.lastFrame, 'every Opus frame stands on its own');
  t.deepEqual([...audioSnapshot.lastFrame!.data], [...opus[2]!]);

  const h264 = path.join(path.dirname(file), 'h264.mjr');
  fs.writeFileSync(h264, serializeMjr({ t: 'v', c: 'h264', e: true }, packets));
  t.like(await readLiveRecording(h264), { codec: 'h264', packets: 14, frames: 0, lastFrame: null, lastKeyFrame: null, encrypted: true });
});

test('the recording cut at every byte of its header and of its last two packets: never rejects, never more frames than the whole', async (t) => {
  const { packets, bytes } = await sealedRecording(t);
  const full = serializeMjr(VIDEO_INFO, packets);
  const headerEnd = serializeMjr(VIDEO_INFO, []).length;
  const end = (records: number): number => serializeMjr(VIDEO_INFO, packets.slice(0, records)).length;
  const n = packets.length;
  const file = path.join(tmpDir(t), 'cut.mjr');
  const header = Array.from({ length: end(1) }, (_, i) => i); // up to the first whole packet
  const lastTwo = Array.from({ length: full.length - end(n - 2) + 1 }, (_, i) => end(n - 2) + i);
  let checked = 0;
  for (const cuts of [header, lastTwo]) {
    let previous = 0;
    for (const cut of cuts) {
      fs.writeFileSync(file, bytes.subarray(0, cut));
      const snapshot = await readLiveRecording(file); // a rejection fails the test
      const expected = cut < end(1) ? { packets: 0, frames: 0 } : cut < end(n - 1) ? { packets: n - 2, frames: 5 }
        : cut < full.length ? { packets: n - 1, frames: 6 } : { packets: n, frames: 7 };
      t.like(snapshot, { ...expected, bytes: cut, codec: cut < headerEnd ? '' : 'vp8', encrypted: cut >= headerEnd }, `cut at ${cut}`);
      t.true(snapshot.frames <= 7 && snapshot.frames >= previous, `cut at ${cut}: frames only grow, never past the whole file's`);
      previous = snapshot.frames;
      t.is(snapshot.lastFrame?.index ?? -1, snapshot.frames - 1);
      t.is(snapshot.lastKeyFrame?.index ?? -1, snapshot.frames === 0 ? -1 : 4);
      checked++;
    }
  }
  t.true(checked > 1200, `${checked} cuts`);
});

test('a recording growing record by record: the last frame appears with its marker packet, the last key frame follows VP8 key frames', async (t) => {
  const plain = vp8Frames([2600, 700, 700, 1900, 3000, 500, 500, 500], [0, 3, 4]);
  const packets = records('vp8', plain);
  const file = path.join(tmpDir(t), 'growing.mjr');
  fs.writeFileSync(file, 'MJR00002'); // Janus writes the magic when it opens the file, the header with the first packet
  t.like(await readLiveRecording(file), { codec: '', packets: 0, frames: 0, lastFrame: null, lastKeyFrame: null, encrypted: false });
  fs.writeFileSync(file, serializeMjr({ t: 'v', c: 'vp8' }, []));
  t.like(await readLiveRecording(file), { codec: 'vp8', packets: 0, frames: 0, encrypted: false });
  const seen: Array<[number, number | undefined, number | undefined]> = [];
  for (const packet of packets) {
    const record = serializeMjr({ t: 'v', c: 'vp8' }, [packet]).subarray(serializeMjr({ t: 'v', c: 'vp8' }, []).length);
    fs.appendFileSync(file, record);
    const snapshot = await readLiveRecording(file);
    seen.push([snapshot.frames, snapshot.lastFrame?.index, snapshot.lastKeyFrame?.index]);
    if (snapshot.lastFrame) t.true(Buffer.from(snapshot.lastFrame.data).equals(plain[snapshot.lastFrame.index]!));
    t.is(snapshot.lastKeyFrame?.keyFrame ?? true, true);
  }
  t.deepEqual(seen, [
    [0, undefined, undefined], [0, undefined, undefined], [1, 0, 0], // frame 0: 3 packets
    [2, 1, 0], [3, 2, 0], // frames 1 and 2: one packet each
    [3, 2, 0], [4, 3, 3], // frame 3 (key): 2 packets
    [4, 3, 3], [4, 3, 3], [5, 4, 4], // frame 4 (key): 3 packets
    [6, 5, 4], [7, 6, 4], [8, 7, 4], // delta frames
  ]);
});

test('a file that is not a recording rejects with a clear error; so do another .mjr version and a missing file', async (t) => {
  const dir = tmpDir(t);
  const text = path.join(dir, 'notes.mjr');
  fs.writeFileSync(text, 'these are not the frames you are looking for\n');
  const error = await t.throwsAsync(readLiveRecording(text), { instanceOf: RecordingError, message: /not a Janus recording/ });
  t.true(error!.message.includes(text), error!.message);
  const old = path.join(dir, 'old.mjr');
  fs.writeFileSync(old, Buffer.concat([Buffer.from('MJR00001'), Buffer.alloc(40)]));
  await t.throwsAsync(readLiveRecording(old), { instanceOf: RecordingError, message: /version/ });
  const short = path.join(dir, 'short.mjr');
  fs.writeFileSync(short, 'JPG');
  await t.throwsAsync(readLiveRecording(short), { instanceOf: RecordingError, message: /not a Janus recording/ });
  await t.throwsAsync(readLiveRecording(path.join(dir, 'missing.mjr')), { instanceOf: RecordingError, message: /cannot read/ });
});

test('findRecordings: only that session\'s .mjr files, by the router\'s naming, numbers in order', async (t) => {
  const dir = tmpDir(t);
  const stream = 's-01234567-89ab-cdef-0123-456789abcdef';
  const other = 's-fedcba98-7654-3210-fedc-ba9876543210';
  const ours = [`${SESSION}-${stream}-audio-0.mjr`, `${SESSION}-${stream}-video-0.mjr`, `${SESSION}-${stream}-video-2.mjr`,
    `${SESSION}-${stream}-video-10.mjr`, `${SESSION}-${other}-video-0.mjr`];
  const theirs = [`${SESSION}-x-${stream}-video-0.mjr`, `x${SESSION}-${stream}-video-0.mjr`, `${SESSION}-${stream}-video-0.mjr.tmp`,
    `${SESSION}-${stream}-screen-0.mjr`, `${SESSION}-video-0.mjr`, `${SESSION}.txt`];
  for (const name of [...ours, ...theirs]) fs.writeFileSync(path.join(dir, name), '');
  fs.mkdirSync(path.join(dir, `${SESSION}-${stream}-audio-1.mjr`));
  t.deepEqual(await findRecordings(dir, SESSION), [ours[0]!, ours[1]!, ours[2]!, ours[3]!, ours[4]!].map((name) => path.join(dir, name)));
  t.deepEqual(await findRecordings(dir, `${SESSION}-x`), [path.join(dir, theirs[0]!)]);
  t.deepEqual(await findRecordings(dir, 'no-such-session'), []);
});

test('cheap enough to poll: a 4 MB recording read in well under a second', async (t) => {
  const plain = vp8Frames(Array.from({ length: 160 }, (_, i) => (i % 30 === 0 ? 60_000 : 20_000)), Array.from({ length: 6 }, (_, i) => i * 30));
  const bytes = serializeMjr(VIDEO_INFO, records('vp8', plain));
  const file = path.join(tmpDir(t), 'big.mjr');
  fs.writeFileSync(file, bytes);
  t.true(bytes.length > 3_500_000, `${bytes.length} bytes`);
  const start = process.hrtime.bigint();
  const reads = 10;
  let snapshot: LiveRecordingSnapshot | undefined;
  for (let i = 0; i < reads; i++) snapshot = await readLiveRecording(file);
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / reads;
  t.log(`${(bytes.length / 1e6).toFixed(1)} MB, ${snapshot!.packets} packets: ${ms.toFixed(1)} ms a read`);
  t.like(snapshot, { frames: 160, lastFrame: { index: 159, keyFrame: false }, lastKeyFrame: { index: 150, keyFrame: true } });
  t.true(ms < 250, `${ms} ms`);
});
