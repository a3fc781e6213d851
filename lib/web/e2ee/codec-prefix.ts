// docs/e2ee-frame-format.md section 5: the bytes of each codec left in the clear (authenticated),
// and (section 4.4) the H.264 emulation prevention across the boundary between them and the
// sealed rest.

/** Codecs as SDP and OpenTok spell them, as the Node API does. */
export type Codec = 'opus' | 'VP8' | 'VP9' | 'AV1' | 'H264';
export const CODECS: readonly Codec[] = ['opus', 'VP8', 'VP9', 'AV1', 'H264'];

/** The codec of an SDP or MIME codec name in any case ('vp8', 'VP8'), or undefined. */
export function codecOfName(name: string): Codec | undefined {
  const lower = name.toLowerCase();
  return CODECS.find((codec) => codec.toLowerCase() === lower);
}

function findStartCode(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 2 < bytes.length; i++) if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) return i;
  return -1;
}

/**
 * H.264: every byte before the first slice NAL unit (type 1 or 5, after a 3- or 4-byte start
 * code), its header byte and the 3 bytes after it; 0 without a slice, or with fewer than 3 bytes
 * after the header of the first one, within the first `length` bytes.
 */
export function h264PrefixLength(bytes: Uint8Array, length = bytes.length): number {
  for (let from = 0; ;) {
    const i = findStartCode(bytes, from);
    if (i < 0 || i + 3 >= length) return 0;
    const type = bytes[i + 3]! & 0x1f;
    if (type === 1 || type === 5) return i + 7 <= length ? i + 7 : 0;
    from = i + 3;
  }
}

/** The clear prefix of a frame whose original length is `length` (a receiver knows it from the trailer). */
export function clearPrefixLength(codec: Codec, frame: Uint8Array, length = frame.length): number {
  switch (codec) {
    case 'opus':
    case 'VP9':
    case 'AV1':
      return 0;
    case 'VP8':
      return length === 0 ? 0 : Math.min(length, (frame[0]! & 1) === 0 ? 10 : 3);
    case 'H264':
      return h264PrefixLength(frame, length);
  }
}

function trailingZeros(prefix: Uint8Array): number {
  let zeros = 0;
  for (let i = prefix.length - 1; i >= 0 && zeros < 2 && prefix[i] === 0; i--) zeros++;
  return zeros;
}

/** Inserts 0x03 before every byte <= 0x03 that follows two 0x00 (the prefix's trailing zeros count). */
export function h264Escape(prefix: Uint8Array, body: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = trailingZeros(prefix);
  for (const b of body) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}

/** Removes every 0x03 that follows two 0x00 (the inverse of h264Escape). */
export function h264Unescape(prefix: Uint8Array, escaped: Uint8Array): Uint8Array {
  const out = new Uint8Array(escaped.length);
  let n = 0;
  let zeros = trailingZeros(prefix);
  for (const b of escaped) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}
