// Where a browser publisher's media comes from: the camera and microphone, a canvas or track of
// the application's, or the generated test pattern and tone (no device needed: headless bots,
// CI, and the demo).
import { CanvasTestPattern, type TestPatternOptions } from './test-pattern';

export type VideoSourceOption = 'testPattern' | 'camera' | HTMLCanvasElement | MediaStreamTrack;
export type AudioSourceOption = 'tone' | 'microphone' | MediaStreamTrack;

export interface AcquiredMedia {
  stream: MediaStream;
  video: MediaStreamTrack | null;
  audio: MediaStreamTrack | null;
  /** The test pattern drawing the video, when it is the source. */
  pattern: CanvasTestPattern | null;
  /** Stops what was acquired here (tracks the application passed in are left running). */
  stop(): void;
}

export interface MediaRequest {
  video: VideoSourceOption | null;
  audio: AudioSourceOption | null;
  testPattern: TestPatternOptions;
}

export async function acquireMedia(request: MediaRequest): Promise<AcquiredMedia> {
  const owned: Array<() => void> = [];
  const stopOwned = (): void => {
    for (const stop of owned.splice(0)) stop();
  };
  try {
    let video: MediaStreamTrack | null = null;
    let audio: MediaStreamTrack | null = null;
    let pattern: CanvasTestPattern | null = null;
    const { width, height, fps } = request.testPattern;
    if (request.video === 'testPattern') {
      pattern = new CanvasTestPattern(request.testPattern);
      const p = pattern;
      owned.push(() => p.stop());
      video = pattern.track;
    } else if (request.video === 'camera') {
      const media = await navigator.mediaDevices.getUserMedia({ video: { width, height, frameRate: fps } });
      video = media.getVideoTracks()[0] ?? null;
      owned.push(() => media.getTracks().forEach((t) => t.stop()));
    } else if (typeof HTMLCanvasElement !== 'undefined' && request.video instanceof HTMLCanvasElement) {
      const captured = request.video.captureStream(fps);
      video = captured.getVideoTracks()[0] ?? null;
      owned.push(() => captured.getTracks().forEach((t) => t.stop()));
    } else if (request.video) {
      video = request.video as MediaStreamTrack;
    }
    if (request.audio === 'tone') {
      const context = new AudioContext({ sampleRate: 48000 });
      const oscillator = new OscillatorNode(context, { frequency: 440 });
      const gain = new GainNode(context, { gain: 0.2 });
      const destination = context.createMediaStreamDestination();
      oscillator.connect(gain).connect(destination);
      oscillator.start();
      void context.resume().catch(() => undefined);
      audio = destination.stream.getAudioTracks()[0] ?? null;
      owned.push(() => {
        oscillator.stop();
        void context.close();
      });
    } else if (request.audio === 'microphone') {
      const media = await navigator.mediaDevices.getUserMedia({ audio: true });
      audio = media.getAudioTracks()[0] ?? null;
      owned.push(() => media.getTracks().forEach((t) => t.stop()));
    } else if (request.audio) {
      audio = request.audio;
    }
    const stream = new MediaStream([video, audio].filter((t): t is MediaStreamTrack => t !== null));
    return { stream, video, audio, pattern, stop: stopOwned };
  } catch (error) {
    stopOwned();
    throw error;
  }
}
