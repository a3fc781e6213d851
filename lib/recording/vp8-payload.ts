// The VP8 RTP payload descriptor (RFC 7741 section 4.2): the bytes before each packet's share
// of the frame. Janus reads them (they are outside the frame format's protection by design).

export interface Vp8Descriptor {
  /** S bit with partition index 0: the packet starts a frame. */
  startsFrame: boolean;
  /** Bytes of descriptor before the frame data. */
  length: number;
}

/** Undefined when the payload is too short for the descriptor it announces. */
export function parseVp8Descriptor(payload: Buffer): Vp8Descriptor | undefined {
  if (payload.length < 1) return undefined;
  const first = payload[0]!;
  let at = 1;
  if (first & 0x80) {
    if (payload.length < 2) return undefined;
    const ext = payload[1]!;
    at = 2;
    if (ext & 0x80) { // I: picture id, 7 or 15 bits
      if (payload.length < at + 1) return undefined;
      at += payload[at]! & 0x80 ? 2 : 1;
    }
    if (ext & 0x40) at += 1; // L: TL0PICIDX
    if (ext & 0x30) at += 1; // T or K: TID/Y/KEYIDX
  }
  if (at > payload.length) return undefined;
  return { startsFrame: (first & 0x10) !== 0 && (first & 0x07) === 0, length: at };
}

/** The one-byte descriptor of a rebuilt packet: S on the first packet of a frame, partition 0. */
export function vp8Descriptor(startsFrame: boolean): Buffer {
  return Buffer.from([startsFrame ? 0x10 : 0x00]);
}
