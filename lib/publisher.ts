import type { IceCandidateType } from './ice-config';
import { native, type NativePublisher, type NativePublisherSettings } from './binding';
import { ErrorCode } from './error-code';
import { OtcError, nativeCall, requireType } from './errors';
import type { PublisherEvents, StreamEvent } from './session-types';
import { TypedEmitter } from './typed-emitter';

/** Video codecs a publisher can encode with. */
export type VideoCodec = 'VP8' | 'VP9' | 'H264';
/** Where a publisher's video comes from: the built-in test pattern, or frames you push. */
export type VideoSource = 'testPattern' | 'pushed';
/** Layouts of pushed frames: I420 (planes Y, U, V, packed) or RGBA (4 bytes a pixel). */
export type VideoFrameFormat = 'I420' | 'RGBA';

const VIDEO_CODECS: readonly VideoCodec[] = ['VP8', 'VP9', 'H264'];
const VIDEO_SOURCES: readonly VideoSource[] = ['testPattern', 'pushed'];
const FRAME_FORMATS: readonly VideoFrameFormat[] = ['I420', 'RGBA'];

/** The built-in test pattern's size and rate. */
export interface TestPatternOptions {
  /** Even, 64..1920 (default 640). */
  width?: number;
  /** Even, 64..1080 (default 360). */
  height?: number;
  /** 1..60 (default 30). */
  fps?: number;
}

/** What `new Publisher(options)` takes; every field is optional. */
export interface PublisherOptions {
  /** The stream's name, at most 1024 bytes of UTF-8 (default ''). */
  name?: string;
  /** Whether the stream has audio, from the process-wide audio device (`otc.audio`); default true. */
  audio?: boolean;
  /** Whether the stream has video (default true). Audio and video cannot both be off. */
  video?: boolean;
  /** Default 'VP8'. */
  videoCodec?: VideoCodec;
  /** Default 'testPattern'. */
  videoSource?: VideoSource;
  /** The test pattern's size and rate (with videoSource 'testPattern'). */
  testPattern?: TestPatternOptions;
}

/** One frame for `pushVideoFrame`. */
export interface PushedVideoFrame {
  format: VideoFrameFormat;
  /** Even, 16..3840. */
  width: number;
  /** Even, 16..2160. */
  height: number;
  /** Exactly the bytes format, width and height need (I420: w*h + 2*((w+1)/2)*((h+1)/2); RGBA: 4*w*h). */
  data: Uint8Array;
}

/** A snapshot of a publisher's counters (`otc_publisher_stats`); transport figures refresh once a second. */
export interface PublisherStats {
  /** Peer connections carrying this stream now. */
  subscribers: number;
  /** Frames encrypted by the frame cryptor (0 without E2EE). */
  videoFramesSealed: number;
  audioFramesSealed: number;
  /** Encoded frames handed to the packetizer. */
  videoFramesSent: number;
  audioFramesSent: number;
  /** Frames dropped because sealing failed. */
  sealErrors: number;
  videoFramesCaptured: number;
  /** RTP payload bytes, all peers. */
  bytesSent: number;
  /** Over the last stats interval, all peers. */
  videoBitrateBps: number;
  audioBitrateBps: number;
  /** Encoded frames per second, first peer. */
  videoFps: number;
  /** Encoded size, first peer. */
  videoWidth: number;
  videoHeight: number;
  /** Round-trip time reported by the receiver, first peer; -1 when unknown. */
  rttMs: number;
  /** Epoch id of the key sealing now; 0 without E2EE. */
  encryptionEpoch: number;
  /** Whether this publisher seals its frames. */
  e2ee: boolean;
  /** Subscriptions refused because the publisher had its most peer connections already (64). */
  subscribersRefused: number;
  /** The first peer's selected ICE candidate pair: local and remote candidate types ('' before one is selected). */
  localCandidateType: IceCandidateType;
  remoteCandidateType: IceCandidateType;
  /** How a relay local candidate reaches its TURN server ('udp', 'tcp', 'tls'); '' otherwise. */
  relayProtocol: string;
}

export type { PublisherEvents };

/** What a session hands a publisher when it publishes it (see publisherInternals). */
interface PublishAttempt {
  resolve: (stream: StreamEvent) => void;
  reject: (error: OtcError) => void;
  /** The stream was created: the session knows it (for subscribing to it). */
  created: (stream: StreamEvent) => void;
  /** Publishing ended (stream destroyed, attempt failed, destroyed): the session lets go. */
  ended: (stream: StreamEvent | null) => void;
}

/** How Session reaches a publisher's native handle and publishing state; not public API. */
export interface PublisherInternals {
  /** The native handle; throws OtcError OTC_E2EE_DELETED once destroyed. */
  native(publisher: Publisher): NativePublisher;
  /** Whether destroy() was called. */
  destroyed(publisher: Publisher): boolean;
  /** session.publish() succeeded natively: the attempt now waits for 'streamCreated'. */
  begin(publisher: Publisher, attempt: PublishAttempt): void;
  /** session.unpublish() succeeded natively. */
  unpublished(publisher: Publisher): void;
  /** The session disconnected or was deleted: publishing in it is over. */
  sessionEnded(publisher: Publisher): void;
}

/** Filled in by Publisher's static block (it alone can read the private fields). */
export const publisherInternals = {} as PublisherInternals;

// process.exit() runs no native cleanup hooks: stop this environment's media while JS still
// runs, so that libwebrtc is torn down before exit() destroys what its threads use.
process.once('exit', () => native.shutdownMedia());

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

const INT32_MAX = 2 ** 31 - 1;

function settingsOf(options: PublisherOptions): NativePublisherSettings {
  requireType(typeof options === 'object' && options !== null && !Array.isArray(options), 'options', 'an object');
  const { name, audio, video, videoCodec, videoSource, testPattern } = options;
  requireType(name === undefined || typeof name === 'string', 'options.name', 'a string');
  requireType(audio === undefined || typeof audio === 'boolean', 'options.audio', 'a boolean');
  requireType(video === undefined || typeof video === 'boolean', 'options.video', 'a boolean');
  requireType(videoCodec === undefined || VIDEO_CODECS.includes(videoCodec), 'options.videoCodec', "'VP8', 'VP9' or 'H264'");
  requireType(videoSource === undefined || VIDEO_SOURCES.includes(videoSource), 'options.videoSource', "'testPattern' or 'pushed'");
  const settings: NativePublisherSettings = {};
  if (name !== undefined) settings.name = name;
  if (audio !== undefined) settings.audio = audio;
  if (video !== undefined) settings.video = video;
  if (videoCodec !== undefined) settings.videoCodec = videoCodec;
  if (videoSource !== undefined) settings.videoSource = videoSource;
  if (testPattern !== undefined) {
    requireType(typeof testPattern === 'object' && testPattern !== null && !Array.isArray(testPattern),
      'options.testPattern', 'an object { width, height, fps }');
    const { width = native.mediaConstants.testPatternWidth, height = native.mediaConstants.testPatternHeight,
      fps = native.mediaConstants.testPatternFps } = testPattern;
    requireType(isInteger(width), 'options.testPattern.width', 'an integer');
    requireType(isInteger(height), 'options.testPattern.height', 'an integer');
    requireType(isInteger(fps), 'options.testPattern.fps', 'an integer');
    settings.testPattern = { width, height, fps };
  }
  if (audio === false && video === false) {
    throw new OtcError(ErrorCode.OTC_MEDIA_INVALID_PARAMETER, 'a publisher needs audio or video');
  }
  return settings;
}

/**
 * A publisher, as `otc_publisher`: one stream of audio and/or video this client sends into a
 * session (`session.publish(publisher)`). In a session with an encryption secret every frame is
 * sealed before it is packetized. Video comes from the built-in test pattern (moving bars with a
 * machine-readable frame number and capture time, which a subscriber's `mediaCheck()` reads) or
 * from frames you push; audio from the process-wide audio device (`otc.audio`).
 *
 * While published the publisher keeps the process alive; `destroy()` unpublishes and frees it.
 */
export class Publisher extends TypedEmitter<PublisherEvents> {
  #native: NativePublisher | null;
  // The addon holds this only weakly while unpublished: keep it here.
  readonly #onEvent = (name: string, ...args: unknown[]): void => this.#onNative(name, args);
  #attempt: PublishAttempt | null = null;
  #stream: StreamEvent | null = null;

  /** Throws a TypeError for options of the wrong type, an OtcError (OTC_MEDIA_INVALID_PARAMETER) for values out of range. */
  constructor(options: PublisherOptions = {}) {
    super();
    const settings = settingsOf(options);
    this.#native = nativeCall(() => new native.NativePublisher(settings, this.#onEvent));
  }

  static {
    publisherInternals.native = (publisher) => publisher.#live();
    publisherInternals.destroyed = (publisher) => publisher.destroyed;
    publisherInternals.begin = (publisher, attempt) => {
      publisher.#attempt = attempt;
      publisher.#stream = null;
    };
    publisherInternals.unpublished = (publisher) => {
      // Before the stream exists nothing else will end the attempt.
      if (publisher.#attempt && !publisher.#stream) {
        publisher.#end(new OtcError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, 'unpublished before the stream was created'));
      }
    };
    publisherInternals.sessionEnded = (publisher) => {
      publisher.#end(new OtcError(ErrorCode.OTC_PUBLISHER_SESSION_DISCONNECTED, 'the session disconnected'));
    };
  }

  /** Ends the current publishing: a pending publish() rejects with `error`, the session lets go. */
  #end(error: OtcError): void {
    const attempt = this.#attempt;
    const stream = this.#stream;
    this.#attempt = null;
    this.#stream = null;
    if (!attempt) return;
    if (!stream) attempt.reject(error);
    attempt.ended(stream);
  }

  #onNative(name: string, args: unknown[]): void {
    if (name === 'streamCreated') {
      const stream = args[0] as StreamEvent;
      this.#stream = stream;
      const attempt = this.#attempt;
      attempt?.created(stream);
      attempt?.resolve(stream);
      this.emit('streamCreated', stream);
    } else if (name === 'streamDestroyed') {
      const stream = args[0] as StreamEvent;
      if (!this.#stream || this.#stream.streamId === stream.streamId) {
        this.#end(new OtcError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, 'the stream was destroyed before it was created'));
      }
      this.emit('streamDestroyed', stream);
    } else if (name === 'error') {
      const error = new OtcError(args[0] as ErrorCode, args[1] as string);
      if (this.#attempt && !this.#stream) {
        // The attempt is over: publish() rejects with it (and it is not emitted twice).
        this.#end(error);
        return;
      }
      if (this.listenerCount('error') > 0) this.emit('error', error);
      else process.emitWarning(error.message, 'OtcPublisherWarning');
    }
  }

  #live(): NativePublisher {
    if (!this.#native || this.#native.isDeleted()) throw new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the publisher is destroyed');
    return this.#native;
  }

  /**
   * Pushes one frame into a publisher made with videoSource 'pushed' (capture time: now).
   * Returns OTC_SUCCESS, OTC_MEDIA_INVALID_PARAMETER (bad size, or data not exactly the size the
   * format needs) or OTC_MEDIA_ILLEGAL_STATE (a test-pattern publisher). Frames pushed while
   * nobody subscribes are dropped, as a camera's would be. Throws a TypeError for arguments of
   * the wrong type.
   */
  pushVideoFrame(frame: PushedVideoFrame): ErrorCode {
    requireType(typeof frame === 'object' && frame !== null, 'frame', 'an object { format, width, height, data }');
    const { format, width, height, data } = frame;
    requireType(FRAME_FORMATS.includes(format), 'frame.format', "'I420' or 'RGBA'");
    requireType(isInteger(width), 'frame.width', 'an integer');
    requireType(isInteger(height), 'frame.height', 'an integer');
    requireType(data instanceof Uint8Array, 'frame.data', 'a Uint8Array or Buffer');
    const handle = this.#live();
    if (Math.abs(width) > INT32_MAX || Math.abs(height) > INT32_MAX) return ErrorCode.OTC_MEDIA_INVALID_PARAMETER;
    return handle.pushVideoFrame(format, width, height, data) as ErrorCode;
  }

  /** Stops or resumes sending audio (the track stays; subscribers get silence). */
  setPublishAudio(enabled: boolean): ErrorCode {
    requireType(typeof enabled === 'boolean', 'enabled', 'a boolean');
    return this.#live().setPublishAudio(enabled) as ErrorCode;
  }

  /** Stops or resumes sending video (the track stays; subscribers get black frames). */
  setPublishVideo(enabled: boolean): ErrorCode {
    requireType(typeof enabled === 'boolean', 'enabled', 'a boolean');
    return this.#live().setPublishVideo(enabled) as ErrorCode;
  }

  /** A snapshot of the publisher's counters. Throws an OtcError if the C API refuses. */
  stats(): PublisherStats {
    const handle = this.#live();
    return nativeCall(() => handle.getStats());
  }

  /** The stream id while published (after 'streamCreated'), else null. */
  get streamId(): string | null {
    return this.destroyed ? null : this.#native!.getStreamId();
  }

  /** The stream while published (after 'streamCreated'), else null. */
  get stream(): StreamEvent | null {
    return this.#stream;
  }

  /**
   * Unpublishes if needed, closes every peer connection and frees the publisher; idempotent.
   * A pending session.publish() rejects with OTC_E2EE_DELETED; further calls throw it.
   */
  destroy(): void {
    this.#native?.delete();
    this.#native = null;
    this.#end(new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the publisher is destroyed'));
  }

  /** Whether destroy() was called. */
  get destroyed(): boolean {
    return this.#native === null || this.#native.isDeleted();
  }
}
