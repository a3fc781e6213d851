// IVF, the simplest container of VP8 frames (what libvpx's tools and ffmpeg read): a 32-byte
// header, then per frame 4 bytes of size, 8 bytes of timestamp, the frame.

export function serializeIvf(frames: readonly Uint8Array[], width: number, height: number, fps = 30): Buffer {
  const header = Buffer.alloc(32);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(0, 4); // version
  header.writeUInt16LE(32, 6); // header size
  header.write('VP80', 8, 'latin1');
  header.writeUInt16LE(width, 12);
  header.writeUInt16LE(height, 14);
  header.writeUInt32LE(fps, 16); // time base: 1/fps
  header.writeUInt32LE(1, 20);
  header.writeUInt32LE(frames.length, 24);
  const parts: Buffer[] = [header];
  frames.forEach((frame, index) => {
    const frameHeader = Buffer.alloc(12);
    frameHeader.writeUInt32LE(frame.byteLength, 0);
    frameHeader.writeBigUInt64LE(BigInt(index), 4);
    parts.push(frameHeader, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
  });
  return Buffer.concat(parts);
}
