import { native } from './binding';
import { type ErrorCode } from './error-code';
import { requireType } from './errors';

/**
 * A device of the default audio module (PulseAudio): `id` is the server's name for it (what
 * `pactl` shows, stable while the device exists), `name` its description.
 */
export interface AudioModuleDevice {
  readonly id: string;
  readonly name: string;
}

/**
 * The process-wide audio device, as in the Linux SDK: one per process, shared by every publisher
 * (capture) and subscriber (playout; there is no sound card). Capture is mono 16-bit PCM at
 * 48 kHz, taken 10 ms (480 samples) at a time; silence until told otherwise. Calls return the C
 * API's status (OTC_MEDIA_ENGINE_NOT_INITIALIZED before `otc.init()`); arguments of the wrong
 * type throw a TypeError.
 */
export interface AudioDevice {
  /** Capture sample rate: 48 000 Hz. */
  readonly sampleRate: number;
  /** Samples the device captures at a time (10 ms): 480. */
  readonly samplesPerFrame: number;
  /** How many pushed samples the device buffers (1 s); more is refused with OTC_MEDIA_BUFFER_FULL. */
  readonly maxBufferedSamples: number;
  /** Captures silence. */
  captureSilence(): ErrorCode;
  /**
   * Captures a sine tone: frequencyHz in 20..20000, amplitude in (0, 1] (default 0.5);
   * OTC_MEDIA_INVALID_PARAMETER otherwise.
   */
  captureTone(frequencyHz: number, amplitude?: number): ErrorCode;
  /**
   * Switches to pushed PCM (mono, 48 kHz) and queues samples: OTC_SUCCESS, or
   * OTC_MEDIA_BUFFER_FULL when they do not fit (nothing is queued then). When the queue runs dry
   * the device captures silence until more arrives.
   */
  pushSamples(samples: Int16Array): ErrorCode;
  /** Samples pushed and not yet captured. */
  readonly bufferedSamples: number;
  /**
   * The PulseAudio server's sources: real devices first, then the monitors of its sinks. Empty
   * when no server answers (after a few seconds at most; the call waits on this thread).
   */
  inputDevices(): AudioModuleDevice[];
  /** The PulseAudio server's sinks. Empty when no server answers. */
  outputDevices(): AudioModuleDevice[];
  /**
   * Chooses the source (by id) the default audio module captures from, for the whole process and
   * across init/destroy; null: the server's default. A running capture moves to it. Node programs
   * capture through the synthetic device (above), so this choice applies where the default audio
   * module is in use (C code of the same process, otc_set_audio_device(NULL)). OTC_INVALID_PARAM
   * for an id the server does not list, OTC_FATAL when no server answers.
   */
  selectInputDevice(id: string | null): ErrorCode;
  /** The same for the sink the default audio module plays out to. */
  selectOutputDevice(id: string | null): ErrorCode;
}

/** The process-wide audio device (see AudioDevice). */
export const audio: AudioDevice = Object.freeze({
  sampleRate: native.mediaConstants.sampleRate,
  samplesPerFrame: native.mediaConstants.samplesPerFrame,
  maxBufferedSamples: native.mediaConstants.maxBufferedSamples,
  captureSilence(): ErrorCode {
    return native.audioCaptureSilence() as ErrorCode;
  },
  captureTone(frequencyHz: number, amplitude = 0.5): ErrorCode {
    requireType(typeof frequencyHz === 'number', 'frequencyHz', 'a number');
    requireType(typeof amplitude === 'number', 'amplitude', 'a number');
    return native.audioCaptureTone(frequencyHz, amplitude) as ErrorCode;
  },
  pushSamples(samples: Int16Array): ErrorCode {
    requireType(samples instanceof Int16Array, 'samples', 'an Int16Array');
    return native.audioPushCaptureSamples(samples) as ErrorCode;
  },
  get bufferedSamples(): number {
    return native.audioBufferedCaptureSamples();
  },
  inputDevices(): AudioModuleDevice[] {
    return native.audioInputDevices();
  },
  outputDevices(): AudioModuleDevice[] {
    return native.audioOutputDevices();
  },
  selectInputDevice(id: string | null): ErrorCode {
    requireType(typeof id === 'string' || id === null, 'id', 'a string or null');
    return native.audioSelectInputDevice(id) as ErrorCode;
  },
  selectOutputDevice(id: string | null): ErrorCode {
    requireType(typeof id === 'string' || id === null, 'id', 'a string or null');
    return native.audioSelectOutputDevice(id) as ErrorCode;
  },
});
