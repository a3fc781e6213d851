// The recording helpers without Janus: .mjr parsing and writing, RTP/VP8 depacketizing and
// repacketizing (sequence wrap, a lost packet, reordering), sealed frames through a recording
// and back, and the decrypt-recording CLI's refusals.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { FrameCryptor } from '../lib/frame-cryptor';
import { decryptMjr, recordingNameParts } from '../lib/recording/decrypt-recording';
import { depacketize, packetize, type RecordedFrame } from '../lib/recording/frames';
import { MjrError, parseMjr, serializeMjr } from '../lib/recording/mjr';
import { parseRtp } from '../lib/recording/rtp';

const run = promisify(execFile);
const CLI = path.join(__dirname, '../lib/cli/index.js');

function rtp(sequence: number, timestamp: number, marker: boolean, payload: Buffer, payloadType = 96): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = (marker ? 0x80 : 0) | payloadType;
  header.writeUInt16BE(sequence & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(0x1234, 8);
  return Buffer.concat([header, payload]);
}

/** A VP8 frame in packets of `chunk` bytes, the first with a full descriptor (X, I 15-bit, L, T). */
function vp8Packets(frame: Buffer, firstSequence: number, timestamp: number, chunk: number): Buffer[] {
  const packets: Buffer[] = [];
  for (let at = 0, seq = firstSequence; at < frame.length; at += chunk, seq++) {
    const descriptor = Buffer.from([0x80 | (at === 0 ? 0x10 : 0), 0xe0, 0x80 | 0x12, 0x34, 0x05, 0x20]);
    packets.push(rtp(seq, timestamp, at + chunk >= frame.length, Buffer.concat([descriptor, frame.subarray(at, at + chunk)])));
  }
  return packets;
}

test('.mjr: written and parsed back; not a recording, another version, a cut header are refused', (t) => {
  const packets = [{ offsetMs: 0, packet: rtp(1, 10, true, Buffer.from('a')) }, { offsetMs: 20, packet: rtp(2, 970, true, Buffer.from('bc')) }];
  const bytes = serializeMjr({ t: 'a', c: 'opus', e: true }, packets);
  const parsed = parseMjr(bytes);
  t.like(parsed.info, { t: 'a', c: 'opus', e: true });
  t.deepEqual(parsed.packets.map((p) => [p.offsetMs, p.packet.toString('hex')]), packets.map((p) => [p.offsetMs, p.packet.toString('hex')]));
  t.is(parseMjr(bytes.subarray(0, bytes.length - 3)).trailingBytes, 10 + 14 - 3, 'a record cut short is left over, not misread');
  t.throws(() => parseMjr(Buffer.from('hello world')), { instanceOf: MjrError, message: /not a Janus recording/ });
  t.throws(() => parseMjr(Buffer.from('MJR00001xxxxxxxx')), { instanceOf: MjrError, message: /version/ });
  t.throws(() => parseMjr(Buffer.concat([Buffer.from('MJR00002'), Buffer.from([0, 50]), Buffer.from('{"t"')])), { instanceOf: MjrError });
  t.throws(() => parseMjr(Buffer.concat([Buffer.from('MJR00002'), Buffer.from([0, 2]), Buffer.from('{}')])), { message: /media type or codec/ });
  t.throws(() => parseMjr(Buffer.concat([bytes, Buffer.from('JUNKJUNKJUNK')])), { message: /no packet record/ });
});

test('VP8 depacketizing: frames across a sequence wrap and reordering; a lost packet drops only its frame; packetize round-trips', (t) => {
  const frames = [Buffer.alloc(2500, 1), Buffer.alloc(900, 2), Buffer.alloc(3100, 3)];
  const packets: Buffer[] = [];
  let seq = 65533;
  frames.forEach((frame, i) => {
    const p = vp8Packets(frame, seq, 1000 + i * 3000, 1000);
    seq += p.length;
    packets.push(...p);
  });
  const swapped = [...packets];
  [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
  const records = swapped.map((packet, i) => ({ offsetMs: i * 10, packet }));
  const whole = depacketize('vp8', records);
  t.deepEqual(whole.frames.map((f) => f.data.toString('hex')), frames.map((f) => f.toString('hex')));
  t.is(whole.incomplete, 0);

  const lossy = depacketize('vp8', records.filter((_, i) => i !== 4)); // a middle packet of frame 2 (of 3)
  t.is(lossy.frames.length, 2);
  t.is(lossy.incomplete, 1);

  const rebuilt = depacketize('vp8', packetize('vp8', whole.frames));
  t.deepEqual(rebuilt.frames.map((f) => f.data.toString('hex')), frames.map((f) => f.toString('hex')));
  t.deepEqual(rebuilt.frames.map((f) => f.first.timestamp), whole.frames.map((f) => f.first.timestamp));
  t.is(depacketize('vp8', [{ offsetMs: 0, packet: Buffer.from('not rtp') }]).unreadable, 1);
  t.is(parseRtp(Buffer.alloc(11)), undefined);
});

test('a sealed recording opens with its secret and session only', async (t) => {
  const sessionId = '1_MX40NzAwMDAwMX5-recording-test';
  const sender = await FrameCryptor.create({ sessionId, secret: 'recording unit secret' });
  t.teardown(() => sender.delete());
  const frames: RecordedFrame[] = [];
  for (let i = 0; i < 5; i++) {
    const plain = Buffer.alloc(1500 + i * 100, i);
    plain[0] = i === 0 ? 0x10 : 0x11; // VP8: key frame first, then delta frames
    const first = parseRtp(rtp(100 + i, i * 3000, true, Buffer.alloc(0)))!;
    frames.push({ data: sender.seal(plain, { codec: 'VP8' }), first, offsetMs: i * 33, lastOffsetMs: i * 33 });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-recording-unit-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const input = path.join(dir, `${sessionId}-s-01234567-89ab-cdef-0123-456789abcdef-video-0.mjr`);
  fs.writeFileSync(input, serializeMjr({ t: 'v', c: 'vp8', e: true }, packetize('vp8', frames)));
  t.deepEqual(recordingNameParts(input), { sessionId, streamId: 's-01234567-89ab-cdef-0123-456789abcdef', kind: 'video' });
  t.is(recordingNameParts('/tmp/other.mjr'), undefined);

  const report = await decryptMjr(input, path.join(dir, 'plain.mjr'), { sessionId, secret: 'recording unit secret' });
  t.like(report, { kind: 'video', codec: 'vp8', markedEncrypted: true, frames: 5, decrypted: 5, notDecrypted: 0, incomplete: 0 });
  const plain = parseMjr(fs.readFileSync(path.join(dir, 'plain.mjr')));
  t.false('e' in plain.info, 'the plain recording is not marked encrypted');
  t.is(depacketize('vp8', plain.packets).frames[2]!.data[5], 2);
  const otherSession = await decryptMjr(input, path.join(dir, 'x.mjr'), { sessionId: `${sessionId}x`, secret: 'recording unit secret' });
  t.is(otherSession.decrypted, 0);
});

test('decrypt-recording refuses bad arguments (exit 2) and unreadable files (exit 1)', async (t) => {
  const cases = [
    ['decrypt-recording'],
    ['decrypt-recording', '--secret', 'long enough secret', 'out.webm'],
    ['decrypt-recording', '--secret', 'long enough secret', 'in.txt', 'out.webm'],
    ['decrypt-recording', '--secret', 'long enough secret', '/tmp/unnamed.mjr', 'out.webm'],
    ['decrypt-recording', '--session', 'x', 'a.mjr', 'out.webm'],
    ['decrypt-recording', '--session', 'x', '--secret', 'a', '--secret-file', 'f', 'a.mjr', 'out.webm'],
  ];
  for (const args of cases) {
    const result = await run(process.execPath, [CLI, ...args]).then(() => ({ code: 0, stderr: '' }), (err: { code: number; stderr: string }) => err);
    t.is(result.code, 2, args.join(' '));
    t.regex(result.stderr, /usage:/);
  }
  const missing = await run(process.execPath, [CLI, 'decrypt-recording', '--session', 'x', '--secret', 'long enough secret', '/nonexistent/a.mjr', 'o.webm'])
    .then(() => ({ code: 0, stderr: '' }), (err: { code: number; stderr: string }) => err);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /cannot read/);
});
