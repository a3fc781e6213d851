// The test pattern on a canvas: moving bars and a bouncing box under the frame code band
// (lib/web/frame-code.ts), so that whoever receives the stream (a node-otc bot's media check,
// another page) reads each frame's number and capture time from the decoded picture.
import { type FrameCode, codeBandHeight, grayFromLuma, writeFrameCode } from '../frame-code';

export interface TestPatternOptions {
  width: number;
  height: number;
  fps: number;
  /**
   * Capture time for the code, in ms: the machine's monotonic clock when the page knows it
   * (ServerClock), so a subscriber on the same machine measures latency; default performance.now().
   */
  clock?: () => number;
}

type CaptureTrack = MediaStreamTrack & { requestFrame?: () => void };

export class CanvasTestPattern {
  readonly canvas: HTMLCanvasElement;
  readonly track: MediaStreamTrack;
  readonly #context: CanvasRenderingContext2D;
  readonly #luma: Uint8Array;
  readonly #band: ImageData | null;
  readonly #bandHeight: number;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #clock: () => number;
  #frame = 0;

  constructor(readonly options: TestPatternOptions) {
    const { width, height, fps } = options;
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    this.#context = this.canvas.getContext('2d', { willReadFrequently: false })!;
    this.#bandHeight = codeBandHeight(width, height);
    this.#luma = new Uint8Array(width * Math.max(this.#bandHeight, 1));
    this.#band = this.#bandHeight > 0 ? this.#context.createImageData(width, this.#bandHeight) : null;
    this.#clock = options.clock ?? (() => performance.now());
    // Frames are pushed one per draw, so each carries exactly the code drawn into it.
    this.track = this.canvas.captureStream(0).getVideoTracks()[0]!;
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), 1000 / fps);
  }

  /** Frames drawn so far. */
  get frames(): number {
    return this.#frame;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.track.stop();
  }

  #draw(): void {
    const { width, height } = this.options;
    const n = this.#frame++;
    const g = this.#context;
    const top = this.#bandHeight;
    const bars = ['#c0c0c0', '#c0c000', '#00c0c0', '#00c000', '#c000c0', '#c00000', '#0000c0', '#101010'];
    const barWidth = Math.ceil(width / bars.length);
    const shift = (n * 4) % width;
    for (let i = -1; i <= bars.length; i++) {
      g.fillStyle = bars[((i % bars.length) + bars.length) % bars.length]!;
      g.fillRect(i * barWidth + shift - (shift > 0 ? width : 0), top, barWidth, height - top);
      g.fillRect(i * barWidth + shift, top, barWidth, height - top);
    }
    const box = Math.max(8, Math.floor(height / 5));
    const span = Math.max(1, width - box);
    const phase = (n * 6) % (2 * span);
    const x = phase < span ? phase : 2 * span - phase;
    const y = top + ((n * 3) % Math.max(1, height - top - box));
    g.fillStyle = '#ffffff';
    g.fillRect(x, y, box, box);
    g.fillStyle = '#000000';
    g.fillRect(x + box / 4, y + box / 4, box / 2, box / 2);
    if (this.#band) {
      const code: FrameCode = { frameNumber: n, captureTimeMs: Math.floor(this.#clock()) >>> 0 };
      writeFrameCode(code, this.#luma, width, width, height);
      const rgba = this.#band.data;
      for (let i = 0, j = 0; i < width * top; i++, j += 4) {
        const level = grayFromLuma(this.#luma[i]!);
        rgba[j] = level;
        rgba[j + 1] = level;
        rgba[j + 2] = level;
        rgba[j + 3] = 255;
      }
      g.putImageData(this.#band, 0, 0);
    }
    (this.track as CaptureTrack).requestFrame?.();
  }
}
