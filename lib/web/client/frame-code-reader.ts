// Reads the frame code (lib/web/frame-code.ts) from each frame a video element presents: which
// test pattern frame arrived, how late, and whether the picture is a real decoded frame at all.
import { codeBandHeight, lumaFromRgba, readFrameCode } from '../frame-code';

export interface FrameCodeStats {
  /** Presented frames looked at. */
  framesChecked: number;
  /** Frames with a readable code, each frame number counted once. */
  framesRead: number;
  framesUnreadable: number;
  firstFrameNumber: number;
  lastFrameNumber: number;
  /** Distinct frames read over the last second. */
  fps: number;
  /** Capture to presentation, from the code's capture time (meaningful with a ServerClock). */
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyLastMs: number;
}

type VideoWithCallback = HTMLVideoElement & {
  requestVideoFrameCallback?: (callback: () => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

const LATENCY_SAMPLES = 300;

export class FrameCodeReader {
  readonly #video: VideoWithCallback;
  readonly #clock: () => number;
  readonly #canvas = document.createElement('canvas');
  readonly #context: CanvasRenderingContext2D;
  readonly #seen = new Set<number>();
  readonly #latencies: number[] = [];
  readonly #recent: number[] = [];
  #stats: FrameCodeStats = {
    framesChecked: 0, framesRead: 0, framesUnreadable: 0, firstFrameNumber: -1, lastFrameNumber: -1,
    fps: 0, latencyP50Ms: 0, latencyP95Ms: 0, latencyLastMs: 0,
  };
  /** A plane of the frame's size: the band copied in, the rows below never read. */
  #plane = new Uint8Array(0);
  #handle = 0;
  #stopped = false;

  constructor(video: HTMLVideoElement, clock: () => number = () => performance.now()) {
    this.#video = video as VideoWithCallback;
    this.#clock = clock;
    this.#context = this.#canvas.getContext('2d', { willReadFrequently: true })!;
    this.#schedule();
  }

  get stats(): FrameCodeStats {
    const now = performance.now();
    while (this.#recent.length && this.#recent[0]! < now - 1000) this.#recent.shift();
    return { ...this.#stats, fps: this.#recent.length, ...percentiles(this.#latencies) };
  }

  stop(): void {
    this.#stopped = true;
    if (this.#handle && this.#video.cancelVideoFrameCallback) this.#video.cancelVideoFrameCallback(this.#handle);
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#video.requestVideoFrameCallback) {
      this.#handle = this.#video.requestVideoFrameCallback(() => this.#check());
    } else {
      this.#handle = requestAnimationFrame(() => this.#check()) as unknown as number;
    }
  }

  #check(): void {
    const width = this.#video.videoWidth;
    const height = this.#video.videoHeight;
    const band = codeBandHeight(width, height);
    if (band > 0) {
      const at = this.#clock();
      if (this.#canvas.width !== width || this.#canvas.height !== band) {
        this.#canvas.width = width;
        this.#canvas.height = band;
      }
      // Only the band: the top `band` rows of the frame at its own size.
      this.#context.drawImage(this.#video, 0, 0, width, band, 0, 0, width, band);
      const pixels = this.#context.getImageData(0, 0, width, band).data;
      // The reader finds the band by the frame's geometry, so it gets a plane of the frame's size.
      if (this.#plane.length !== width * height) this.#plane = new Uint8Array(width * height);
      this.#plane.set(lumaFromRgba(pixels, width, band));
      const code = readFrameCode(this.#plane, width, width, height);
      this.#stats.framesChecked++;
      if (!code) {
        this.#stats.framesUnreadable++;
      } else if (!this.#seen.has(code.frameNumber)) {
        this.#seen.add(code.frameNumber);
        if (this.#seen.size > 10_000) this.#seen.clear();
        const s = this.#stats;
        s.framesRead++;
        if (s.firstFrameNumber < 0) s.firstFrameNumber = code.frameNumber;
        s.lastFrameNumber = Math.max(s.lastFrameNumber, code.frameNumber);
        s.latencyLastMs = ((Math.floor(at) >>> 0) - code.captureTimeMs) | 0;
        this.#latencies.push(s.latencyLastMs);
        if (this.#latencies.length > LATENCY_SAMPLES) this.#latencies.shift();
        this.#recent.push(performance.now());
      }
    }
    this.#schedule();
  }
}

function percentiles(samples: number[]): { latencyP50Ms: number; latencyP95Ms: number } {
  if (!samples.length) return { latencyP50Ms: 0, latencyP95Ms: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { latencyP50Ms: at(0.5), latencyP95Ms: at(0.95) };
}

