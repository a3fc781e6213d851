// Test frames per codec: random bodies, VP8 key and delta frames, and H.264 access units built
// from real start codes, SPS/PPS and slice NAL units with bodies rich in 00 00 0x runs.
import * as crypto from 'node:crypto';
import * as otc from '../../lib/index';

export const FRAME_SIZES = [0, 1, 2, 3, 9, 10, 11, 100, 1200, 50_000, 4 * 1024 * 1024] as const;
export const LARGE_FRAME = 4 * 1024 * 1024;

export const ALL_SUITES: otc.Suite[] = [
  otc.Suite.AES_128_CTR_HMAC_SHA256_80,
  otc.Suite.AES_128_CTR_HMAC_SHA256_64,
  otc.Suite.AES_128_CTR_HMAC_SHA256_32,
  otc.Suite.AES_128_GCM_SHA256_128,
  otc.Suite.AES_256_GCM_SHA512_128,
  otc.Suite.AES_256_CTR_HMAC_SHA512_80,
  otc.Suite.AES_256_CTR_HMAC_SHA512_64,
  otc.Suite.AES_256_CTR_HMAC_SHA512_32,
];

/** Tag length Nt of each suite (docs/e2ee-frame-format.md section 3.1). */
export const TAG_SIZE: Record<otc.Suite, number> = {
  [otc.Suite.AES_128_CTR_HMAC_SHA256_80]: 10,
  [otc.Suite.AES_128_CTR_HMAC_SHA256_64]: 8,
  [otc.Suite.AES_128_CTR_HMAC_SHA256_32]: 4,
  [otc.Suite.AES_128_GCM_SHA256_128]: 16,
  [otc.Suite.AES_256_GCM_SHA512_128]: 16,
  [otc.Suite.AES_256_CTR_HMAC_SHA512_80]: 10,
  [otc.Suite.AES_256_CTR_HMAC_SHA512_64]: 8,
  [otc.Suite.AES_256_CTR_HMAC_SHA512_32]: 4,
};

export function suiteName(suite: otc.Suite): string {
  return `${otc.Suite[suite]} (${suite})`;
}

export type FrameKind =
  | 'random'
  | 'vp8-key'
  | 'vp8-delta'
  | 'h264-idr'
  | 'h264-non-idr'
  | 'h264-no-slice'
  | 'h264-aud-sei-idr';

export interface TestFrame {
  codec: otc.Codec;
  kind: FrameKind;
  keyFrame: boolean;
  data: Buffer;
  label: string;
}

/** Random bytes where about one position in 12 starts a 00 00 0x run (x in 0..3). */
export function zeroRichBytes(size: number): Buffer {
  const out = crypto.randomBytes(size);
  const noise = crypto.randomBytes(size);
  for (let i = 0; i + 3 <= size; i++) {
    if (noise[i]! < 21) {
      out[i] = 0;
      out[i + 1] = 0;
      out[i + 2] = noise[i]! & 3;
      i += 2;
    }
  }
  return out;
}

const START4 = Buffer.from([0, 0, 0, 1]);
const START3 = Buffer.from([0, 0, 1]);
// Plausible SPS (profile 66, level 3.1) and PPS payloads.
const SPS = Buffer.from([0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xec, 0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40, 0x00, 0x00, 0x0c, 0x83, 0xc6, 0x0c, 0xa8]);
const PPS = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
const AUD = Buffer.from([0x09, 0xf0]);
const SEI = Buffer.from([0x06, 0x05, 0x04, 0xde, 0xad, 0xbe, 0xef, 0x80]);

/** An H.264 access unit of exactly `size` bytes (cut short when the NAL units do not fit). */
export function h264Frame(kind: 'h264-idr' | 'h264-non-idr' | 'h264-no-slice' | 'h264-aud-sei-idr', size: number): Buffer {
  let head: Buffer;
  switch (kind) {
    case 'h264-idr':
      head = Buffer.concat([START4, SPS, START4, PPS, START4, Buffer.from([0x65, 0x88, 0x84, 0x00])]);
      break;
    case 'h264-non-idr':
      head = Buffer.concat([START3, Buffer.from([0x41, 0x9a, 0x00, 0x00])]);
      break;
    case 'h264-aud-sei-idr':
      head = Buffer.concat([START4, AUD, START3, SEI, START3, SPS, START3, PPS, START3, Buffer.from([0x25, 0xb8, 0x00, 0x04])]);
      break;
    case 'h264-no-slice':
      head = Buffer.concat([START4, SPS, START4, PPS, START3, SEI]);
      break;
  }
  const body = zeroRichBytes(Math.max(0, size - head.length));
  return Buffer.concat([head, body]).subarray(0, size);
}

/** A VP8 frame: bit 0 of byte 0 is 0 for a key frame (then the 9d 01 2a start code and size). */
export function vp8Frame(keyFrame: boolean, size: number): Buffer {
  const frame = crypto.randomBytes(size);
  if (size > 0) frame[0] = keyFrame ? frame[0]! & 0xfe : frame[0]! | 0x01;
  if (keyFrame) {
    const header = [0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]; // 640x480
    for (let i = 0; i < header.length && 3 + i < size; i++) frame[3 + i] = header[i]!;
  }
  return frame;
}

function kindsOf(codec: otc.Codec): FrameKind[] {
  switch (codec) {
    case 'VP8':
      return ['vp8-key', 'vp8-delta'];
    case 'H264':
      return ['h264-idr', 'h264-non-idr', 'h264-aud-sei-idr', 'h264-no-slice'];
    default:
      return ['random'];
  }
}

export function makeFrame(codec: otc.Codec, kind: FrameKind, size: number): TestFrame {
  let data: Buffer;
  let keyFrame = false;
  switch (kind) {
    case 'vp8-key':
      data = vp8Frame(true, size);
      keyFrame = true;
      break;
    case 'vp8-delta':
      data = vp8Frame(false, size);
      break;
    case 'h264-idr':
    case 'h264-aud-sei-idr':
      keyFrame = true;
      data = h264Frame(kind, size);
      break;
    case 'h264-non-idr':
    case 'h264-no-slice':
      data = h264Frame(kind, size);
      break;
    case 'random':
      data = codec === 'H264' ? zeroRichBytes(size) : crypto.randomBytes(size);
      break;
  }
  return { codec, kind, keyFrame, data, label: `${codec} ${kind} ${size} B` };
}

/** Every frame kind of the codec at every size given. */
export function framesFor(codec: otc.Codec, sizes: readonly number[]): TestFrame[] {
  const frames: TestFrame[] = [];
  for (const kind of kindsOf(codec)) for (const size of sizes) frames.push(makeFrame(codec, kind, size));
  return frames;
}

export function sameBytes(a: Uint8Array | null | undefined, b: Uint8Array): boolean {
  return a !== null && a !== undefined && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

let sessionCounter = 0;

/** A fresh session id, so that no two tests share keys by accident. */
export function uniqueSessionId(tag: string): string {
  sessionCounter += 1;
  return `test-${tag}-${process.pid}-${sessionCounter}-${crypto.randomBytes(4).toString('hex')}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
