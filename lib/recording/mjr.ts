// Janus's recording container (.mjr, version 2): "MJR00002", a 2-byte big-endian length and a
// JSON header ({ t: 'a'|'v'|'d', c: codec, s: created µs, u: first frame µs, e: true when the
// media is end-to-end encrypted, ... }), then one record per RTP packet: "MEET", 4 bytes of
// milliseconds since the first packet, 2 bytes of length, the packet (its header as Janus
// rewrote it: one SSRC, continuous sequence numbers and timestamps).

const MAGIC = 'MJR00002';
const FRAME_MAGIC = 'MEET';

export interface MjrInfo {
  /** 'a' audio, 'v' video, 'd' data. */
  t: 'a' | 'v' | 'd';
  /** Codec name as Janus writes it: 'vp8', 'vp9', 'h264', 'opus', ... */
  c: string;
  /** Set when the recorded media is end-to-end encrypted: janus-pp-rec refuses such files. */
  e?: boolean;
  [field: string]: unknown;
}

export interface MjrPacket {
  /** Milliseconds since the recording's first packet. */
  offsetMs: number;
  /** One RTP packet. */
  packet: Buffer;
}

export interface Mjr {
  info: MjrInfo;
  packets: MjrPacket[];
  /** Bytes at the end that do not make a whole record (a recording cut short): ignored. */
  trailingBytes: number;
}

export class MjrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MjrError';
  }
}

export interface ParseMjrOptions {
  /**
   * The file may be one Janus is still writing: a start of it too short to hold the whole header
   * (Janus writes the magic when it opens the file, the JSON header with the first packet) gives
   * undefined instead of an MjrError. A record cut short at the end is ignored either way.
   */
  growing?: boolean;
}

/** Parses a whole .mjr file. Throws MjrError on anything that is not one. */
export function parseMjr(data: Buffer): Mjr;
/** With `growing`: undefined while the header is not all written yet. */
export function parseMjr(data: Buffer, options: ParseMjrOptions): Mjr | undefined;
export function parseMjr(data: Buffer, options: ParseMjrOptions = {}): Mjr | undefined {
  if (options.growing && data.length < MAGIC.length + 2 && MAGIC.startsWith(data.toString('latin1', 0, Math.min(MAGIC.length, data.length)))) {
    return undefined;
  }
  if (data.length < MAGIC.length + 2 || data.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    const head = data.toString('latin1', 0, Math.min(8, data.length));
    throw new MjrError(head.startsWith('MJR') ? `unsupported .mjr version ${JSON.stringify(head)} (only MJR00002)` : 'not a Janus recording (.mjr)');
  }
  let at = MAGIC.length;
  const infoLength = data.readUInt16BE(at);
  at += 2;
  if (at + infoLength > data.length) {
    if (options.growing) return undefined;
    throw new MjrError('the .mjr header is cut short');
  }
  let info: MjrInfo;
  try {
    info = JSON.parse(data.toString('utf8', at, at + infoLength)) as MjrInfo;
  } catch {
    throw new MjrError('the .mjr header is not JSON');
  }
  if (typeof info !== 'object' || info === null || !['a', 'v', 'd'].includes(info.t) || typeof info.c !== 'string') {
    throw new MjrError('the .mjr header lacks its media type or codec');
  }
  at += infoLength;
  const packets: MjrPacket[] = [];
  while (at + 10 <= data.length) {
    if (data.toString('latin1', at, at + 4) !== FRAME_MAGIC) throw new MjrError(`no packet record at byte ${at}`);
    const offsetMs = data.readUInt32BE(at + 4);
    const length = data.readUInt16BE(at + 8);
    if (at + 10 + length > data.length) break;
    packets.push({ offsetMs, packet: data.subarray(at + 10, at + 10 + length) });
    at += 10 + length;
  }
  return { info, packets, trailingBytes: data.length - at };
}

/** Writes a .mjr file's bytes. */
export function serializeMjr(info: MjrInfo, packets: readonly MjrPacket[]): Buffer {
  const header = Buffer.from(JSON.stringify(info), 'utf8');
  if (header.length > 0xffff) throw new MjrError('the .mjr header is too long');
  const parts: Buffer[] = [Buffer.from(MAGIC, 'latin1'), u16(header.length), header];
  for (const { offsetMs, packet } of packets) {
    if (packet.length > 0xffff) throw new MjrError(`an RTP packet of ${packet.length} bytes does not fit a .mjr record`);
    const record = Buffer.alloc(10);
    record.write(FRAME_MAGIC, 0, 'latin1');
    record.writeUInt32BE(Math.max(0, Math.min(0xffffffff, Math.round(offsetMs))), 4);
    record.writeUInt16BE(packet.length, 8);
    parts.push(record, packet);
  }
  return Buffer.concat(parts);
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}
