// A media file as a publisher's source: ffmpeg decodes it (Y4M, WAV, or anything it reads) at
// its own pace (-re), looping, to I420 frames of the publisher's size and 48 kHz mono PCM; the
// frames are pushed to the publisher and the samples to the process's audio device.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { audio } from '../audio';
import type { Publisher } from '../publisher';

export interface MediaFileOptions {
  file: string;
  width: number;
  height: number;
  fps: number;
  /** Push the file's audio too (when it has any). */
  audio: boolean;
  ffmpeg?: string;
  /** Why the source stopped early (ffmpeg failed or the file has no such stream). */
  onError: (message: string) => void;
}

export class MediaFileSource {
  readonly #children: ChildProcessByStdio<null, Readable, Readable>[] = [];
  #stopped = false;
  framesPushed = 0;
  samplesPushed = 0;

  constructor(publisher: Publisher, opts: MediaFileOptions) {
    const binary = opts.ffmpeg ?? 'ffmpeg';
    const input = ['-v', 'error', '-re', '-stream_loop', '-1', '-i', opts.file];
    const frameBytes = opts.width * opts.height + 2 * Math.ceil(opts.width / 2) * Math.ceil(opts.height / 2);
    this.#start(binary, [...input, '-map', '0:v:0', '-vf', `scale=${opts.width}:${opts.height},fps=${opts.fps}`, '-pix_fmt', 'yuv420p',
      '-f', 'rawvideo', '-'], frameBytes, (frame) => {
      publisher.pushVideoFrame({ format: 'I420', width: opts.width, height: opts.height, data: frame });
      this.framesPushed++;
    }, opts.onError, 'video');
    if (opts.audio) {
      // 10 ms of 48 kHz mono s16: 960 bytes.
      this.#start(binary, [...input, '-map', '0:a:0?', '-ac', '1', '-ar', '48000', '-f', 's16le', '-'], 960, (chunk) => {
        const samples = new Int16Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength));
        audio.pushSamples(samples);
        this.samplesPushed += samples.length;
      }, opts.onError, 'audio');
    }
  }

  #start(binary: string, args: string[], unit: number, onUnit: (data: Buffer) => void, onError: (message: string) => void, what: string): void {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.push(child);
    let pending: Buffer = Buffer.alloc(0);
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= unit) {
        onUnit(Buffer.from(pending.subarray(0, unit)));
        pending = pending.subarray(unit);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr = (stderr + text).slice(-2000); });
    child.on('error', (err) => onError(`cannot run ${binary}: ${err.message}`));
    child.on('exit', (code) => {
      if (!this.#stopped && code !== 0) onError(`ffmpeg stopped reading the ${what} of the media file (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`);
    });
  }

  stop(): void {
    this.#stopped = true;
    for (const child of this.#children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}
