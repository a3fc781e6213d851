// Reads the trailer (docs/e2ee-frame-format.md section 4.1) of a sealed frame with the TypeScript
// API only: for H.264 the part after the clear prefix is unescaped first; then the last byte is
// len(H) and the SFrame header sits just before it.
import * as otc from '../../lib/index';

/** H.264 clear prefix length (docs/e2ee-frame-format.md section 5.3) of the first `length` bytes. */
export function h264PrefixLength(buf: Uint8Array, length = buf.length): number {
  for (let i = 0; i + 3 < length; i++) {
    if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 1) {
      const type = buf[i + 3]! & 0x1f;
      if (type === 1 || type === 5) return i + 7 <= length ? i + 7 : 0;
      i += 2;
    }
  }
  return 0;
}

/** Clear prefix length of a plain frame (docs/e2ee-frame-format.md section 5). */
export function clearPrefixLength(codec: otc.Codec, frame: Uint8Array): number {
  switch (codec) {
    case 'VP8':
      if (frame.length === 0) return 0;
      return Math.min(frame.length, (frame[0]! & 1) === 0 ? 10 : 3);
    case 'H264':
      return h264PrefixLength(frame);
    default:
      return 0;
  }
}

/** Removes every 0x03 that follows two 0x00 bytes, counting zeros at the end of the prefix. */
export function h264Unescape(prefix: Uint8Array, escaped: Uint8Array): Buffer {
  let zeros = 0;
  for (let i = prefix.length - 1; i >= 0 && zeros < 2 && prefix[i] === 0; i--) zeros++;
  const out: number[] = [];
  for (const b of escaped) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

/** True when the bytes from `from` on (reading from two bytes earlier) hold 00 00 00/01/02. */
export function hasStartCodeEmulation(buf: Uint8Array, from: number): boolean {
  for (let i = Math.max(0, from - 2); i + 2 < buf.length; i++) {
    if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2]! <= 2) return true;
  }
  return false;
}

export interface Trailer {
  kid: bigint;
  ctr: bigint;
  epochId: number;
  senderId: number;
  headerLength: number;
  /** The unescaped sealed frame: P || ct || tag || H || len(H). */
  unescaped: Buffer;
}

export function readTrailer(sealed: Uint8Array, codec: otc.Codec): Trailer {
  let data = Buffer.from(sealed);
  if (codec === 'H264') {
    const p = h264PrefixLength(data);
    data = Buffer.concat([data.subarray(0, p), h264Unescape(data.subarray(0, p), data.subarray(p))]);
  }
  if (data.length < 2) throw new Error(`sealed frame of ${data.length} bytes has no trailer`);
  const headerLength = data[data.length - 1]!;
  const start = data.length - 1 - headerLength;
  if (headerLength < 1 || headerLength > 17 || start < 0) throw new Error(`bad header length byte ${headerLength}`);
  const header = otc.sframe.decodeHeader(data.subarray(start, data.length - 1));
  if (header.size !== headerLength) throw new Error(`header of ${header.size} bytes, length byte says ${headerLength}`);
  return {
    kid: header.kid,
    ctr: header.ctr,
    epochId: Number(header.kid >> 32n),
    senderId: Number(header.kid & 0xffffffffn),
    headerLength,
    unescaped: data,
  };
}
