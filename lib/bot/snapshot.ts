// A decoded frame as a PNG file, made by ffmpeg from the I420 planes.
import { execFile } from 'node:child_process';
import type { VideoFrame } from '../subscriber';

export function writePng(frame: VideoFrame, file: string, ffmpeg = 'ffmpeg'): Promise<void> {
  const { width, height } = frame;
  const chromaWidth = Math.ceil(width / 2);
  const rows = (plane: Buffer, stride: number, w: number, h: number): Buffer[] =>
    Array.from({ length: h }, (_, r) => plane.subarray(r * stride, r * stride + w));
  const packed = Buffer.concat([
    ...rows(frame.y, frame.strideY, width, height),
    ...rows(frame.u, frame.strideU, chromaWidth, Math.ceil(height / 2)),
    ...rows(frame.v, frame.strideV, chromaWidth, Math.ceil(height / 2)),
  ]);
  return new Promise((resolve, reject) => {
    const child = execFile(ffmpeg, ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${width}x${height}`, '-i', '-',
      '-frames:v', '1', file], (err, _stdout, stderr) => (err ? reject(new Error(`${ffmpeg}: ${stderr || err.message}`)) : resolve()));
    child.stdin?.end(packed);
  });
}
