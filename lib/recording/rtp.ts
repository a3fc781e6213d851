// Just enough RTP (RFC 3550) to take recorded packets apart and build new ones.

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** The packet up to the payload (fixed header, CSRCs, extension), kept for rebuilding. */
  header: Buffer;
  payload: Buffer;
}

/** Parses one RTP packet; undefined when it is not one (too short, version not 2, bad lengths). */
export function parseRtp(packet: Buffer): RtpPacket | undefined {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return undefined;
  const padding = (packet[0]! & 0x20) !== 0;
  const extension = (packet[0]! & 0x10) !== 0;
  const csrcCount = packet[0]! & 0x0f;
  let at = 12 + 4 * csrcCount;
  if (extension) {
    if (at + 4 > packet.length) return undefined;
    at += 4 + 4 * packet.readUInt16BE(at + 2);
  }
  let end = packet.length;
  if (padding) end -= packet[packet.length - 1]!;
  if (at > end) return undefined;
  return {
    marker: (packet[1]! & 0x80) !== 0,
    payloadType: packet[1]! & 0x7f,
    sequence: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    header: packet.subarray(0, at),
    payload: packet.subarray(at, end),
  };
}

/** A packet with `template`'s header (extensions kept, padding dropped) and a new payload, marker and sequence number. */
export function buildRtp(template: RtpPacket, payload: Buffer, marker: boolean, sequence: number): Buffer {
  const header = Buffer.from(template.header);
  header[0] = header[0]! & ~0x20; // no padding
  header[1] = (marker ? 0x80 : 0) | template.payloadType;
  header.writeUInt16BE(sequence & 0xffff, 2);
  return Buffer.concat([header, payload]);
}

/** Puts packets in sequence order, unwrapping 16-bit sequence numbers from the first one. */
export function inSequenceOrder<T extends { rtp: RtpPacket }>(packets: readonly T[]): T[] {
  if (packets.length === 0) return [];
  let last = packets[0]!.rtp.sequence;
  let extended = last;
  const keyed = packets.map((item) => {
    let delta = item.rtp.sequence - last;
    if (delta > 0x8000) delta -= 0x10000;
    else if (delta < -0x8000) delta += 0x10000;
    extended += delta;
    last = item.rtp.sequence;
    return { item, key: extended };
  });
  keyed.sort((a, b) => a.key - b.key);
  return keyed.map((k) => k.item);
}
