// Recorded RTP packets to encoded frames and back: VP8 frames from their packets (descriptor,
// S bit, marker, one RTP timestamp per frame), Opus one frame per packet.
import type { MjrPacket } from './mjr';
import { type RtpPacket, buildRtp, inSequenceOrder, parseRtp } from './rtp';
import { parseVp8Descriptor, vp8Descriptor } from './vp8-payload';

export type RecordedCodec = 'vp8' | 'opus';

export interface RecordedFrame {
  data: Buffer;
  /** The first packet's RTP header (timestamp, payload type, extensions) and its .mjr offset. */
  first: RtpPacket;
  offsetMs: number;
  /** The last packet's .mjr offset. */
  lastOffsetMs: number;
}

export interface Depacketized {
  frames: RecordedFrame[];
  /** Frames given up: a packet missing, or no start or end. */
  incomplete: number;
  /** Records that are not RTP of this stream's codec. */
  unreadable: number;
}

/** Largest RTP payload a rebuilt packet carries (the .mjr record holds up to 65535 bytes). */
const MAX_PAYLOAD = 1200;

export function codecOfRecording(codec: string): RecordedCodec | undefined {
  const lower = codec.toLowerCase();
  return lower === 'vp8' || lower === 'opus' ? lower : undefined;
}

export function depacketize(codec: RecordedCodec, records: readonly MjrPacket[]): Depacketized {
  let unreadable = 0;
  const parsed: Array<{ rtp: RtpPacket; offsetMs: number }> = [];
  for (const record of records) {
    const rtp = parseRtp(record.packet);
    if (rtp) parsed.push({ rtp, offsetMs: record.offsetMs });
    else unreadable++;
  }
  const ordered = inSequenceOrder(parsed);
  if (codec === 'opus') {
    return {
      frames: ordered.filter((p) => p.rtp.payload.length > 0)
        .map((p) => ({ data: Buffer.from(p.rtp.payload), first: p.rtp, offsetMs: p.offsetMs, lastOffsetMs: p.offsetMs })),
      incomplete: 0,
      unreadable,
    };
  }
  const frames: RecordedFrame[] = [];
  let incomplete = 0;
  let current: { parts: Buffer[]; first: RtpPacket; offsetMs: number; lastSequence: number; broken: boolean } | undefined;
  const finish = (lastOffsetMs: number): void => {
    if (!current) return;
    if (current.broken) incomplete++;
    else frames.push({ data: Buffer.concat(current.parts), first: current.first, offsetMs: current.offsetMs, lastOffsetMs });
    current = undefined;
  };
  for (const { rtp, offsetMs } of ordered) {
    const descriptor = parseVp8Descriptor(rtp.payload);
    if (!descriptor) {
      unreadable++;
      continue;
    }
    const data = rtp.payload.subarray(descriptor.length);
    if (current && (rtp.timestamp !== current.first.timestamp || descriptor.startsFrame)) {
      current.broken = true; // its marker never came
      finish(offsetMs);
    }
    if (!current) {
      current = { parts: [], first: rtp, offsetMs, lastSequence: rtp.sequence - 1, broken: !descriptor.startsFrame };
    }
    if (((current.lastSequence + 1) & 0xffff) !== rtp.sequence) current.broken = true;
    current.lastSequence = rtp.sequence;
    current.parts.push(data);
    if (rtp.marker) finish(offsetMs);
  }
  if (current) {
    current.broken = true;
    finish(current.offsetMs);
  }
  return { frames, incomplete, unreadable };
}

/** Frames back to .mjr records: consecutive sequence numbers, the frames' own timestamps. */
export function packetize(codec: RecordedCodec, frames: readonly RecordedFrame[]): MjrPacket[] {
  const records: MjrPacket[] = [];
  let sequence = frames[0]?.first.sequence ?? 0;
  for (const frame of frames) {
    if (codec === 'opus') {
      records.push({ offsetMs: frame.offsetMs, packet: buildRtp(frame.first, frame.data, frame.first.marker, sequence++) });
      continue;
    }
    for (let at = 0; at < frame.data.length || at === 0; at += MAX_PAYLOAD) {
      const chunk = frame.data.subarray(at, at + MAX_PAYLOAD);
      const last = at + MAX_PAYLOAD >= frame.data.length;
      const payload = Buffer.concat([vp8Descriptor(at === 0), chunk]);
      records.push({ offsetMs: last ? frame.lastOffsetMs : frame.offsetMs, packet: buildRtp(frame.first, payload, last, sequence++) });
      if (frame.data.length === 0) break;
    }
  }
  return records;
}
