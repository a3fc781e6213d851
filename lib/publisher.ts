import { EventEmitter } from 'node:events';
import type { PublisherApi } from './api-surface';
import { native, type EncodedMediaOptions, type NativePublisher, type NativePublisherSettings } from './binding';
import { emitError } from './emit-error';
import { ErrorCode } from './error-code';
import { OtcError, nativeCall, requireType } from './errors';
import {
  type NativePublisherEvent, type PublisherStats, type VideoCodec, type VideoFrameFormat, type VideoSource, unknownNativeEvent,
} from './native-types';
import type { PublisherEvents, StreamEvent } from './session-types';

export type { PublisherStats, VideoCodec, VideoFrameFormat, VideoSource } from './native-types';

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
  /**
   * Files sent as they are, without decoding or re-encoding: `video` an IVF (VP8, VP9) or raw
   * H.264 Annex B file, `audio` an Ogg Opus file (either may be left out). The format comes from
   * the content; the video codec becomes the file's. Frames loop at the end, are sealed in an
   * E2EE session, and a key-frame request is answered by the file's next key frame. A file that
   * cannot be read fails `session.publish` with the reason.
   */
  encodedMedia?: EncodedMediaOptions;
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

export type { PublisherEvents, EncodedMediaOptions };

/** What a session hands a publisher when it publishes it (see publisherInternals). */
interface PublishAttempt {
  resolve: (stream: StreamEvent) => void;
  reject: (error: OtcError) => void;
  /** The stream was created: the session knows it (for subscribing to it). */
  created: (stream: StreamEvent) => void;
  /** Publishing ended (stream destroyed, attempt failed, deleted): the session lets go. */
  ended: (stream: StreamEvent | null) => void;
  /** session.unpublish(this publisher), for a graceful `await using`. */
  unpublish: () => ErrorCode;
}

/** How Session reaches a publisher's native handle and publishing state; not public API. */
export interface PublisherInternals {
  /** The native handle; throws OtcError OTC_E2EE_DELETED once deleted. */
  native(publisher: Publisher): NativePublisher;
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
/** How long `await using` waits for the stream to end before deleting anyway. */
const DISPOSE_WAIT_MS = 5000;

function settingsOf(options: PublisherOptions): NativePublisherSettings {
  requireType(typeof options === 'object' && options !== null && !Array.isArray(options), 'options', 'an object');
  const { name, audio, video, videoCodec, videoSource, testPattern, encodedMedia } = options;
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
  if (encodedMedia !== undefined) {
    requireType(typeof encodedMedia === 'object' && encodedMedia !== null && !Array.isArray(encodedMedia),
      'options.encodedMedia', 'an object { video?, audio?, frameRate? }');
    const { video: videoFile, audio: audioFile, frameRate } = encodedMedia;
    requireType(videoFile === undefined || typeof videoFile === 'string', 'options.encodedMedia.video', 'a string');
    requireType(audioFile === undefined || typeof audioFile === 'string', 'options.encodedMedia.audio', 'a string');
    requireType(frameRate === undefined || isInteger(frameRate), 'options.encodedMedia.frameRate', 'an integer');
    requireType(videoFile !== undefined || audioFile !== undefined, 'options.encodedMedia', 'a video or an audio file');
    settings.encodedMedia = { ...(videoFile !== undefined && { video: videoFile }),
      ...(audioFile !== undefined && { audio: audioFile }), ...(frameRate !== undefined && { frameRate }) };
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
 * While published the publisher keeps the process alive; `delete()` unpublishes and frees it
 * (`await using` unpublishes and waits for 'streamDestroyed' first).
 */
export class Publisher extends EventEmitter<PublisherEvents> implements PublisherApi {
  #native: NativePublisher | null;
  // The addon holds this only weakly while unpublished: keep it here.
  readonly #onEvent = (...event: NativePublisherEvent): void => this.#onNative(event);
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

  #onNative(event: NativePublisherEvent): void {
    switch (event[0]) {
      case 'streamCreated': {
        const stream = event[1];
        this.#stream = stream;
        const attempt = this.#attempt;
        attempt?.created(stream);
        attempt?.resolve(stream);
        this.emit('streamCreated', stream);
        return;
      }
      case 'streamDestroyed': {
        const stream = event[1];
        if (!this.#stream || this.#stream.streamId === stream.streamId) {
          this.#end(new OtcError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, 'the stream was destroyed before it was created'));
        }
        this.emit('streamDestroyed', stream, event[2]);
        return;
      }
      case 'muteForced':
        this.emit('muteForced');
        return;
      case 'error': {
        const error = new OtcError(event[1] as ErrorCode, event[2]);
        if (this.#attempt && !this.#stream) {
          // The attempt is over: publish() rejects with it; 'error' listeners (events.once
          // included) hear it too, but nobody listening is no reason for a warning.
          this.#end(error);
          if (this.listenerCount('error') > 0) this.emit('error', error);
          return;
        }
        emitError(this, error, 'OtcPublisherWarning');
        return;
      }
      default:
        unknownNativeEvent(event);
    }
  }

  #live(): NativePublisher {
    if (!this.#native || this.#native.isDeleted()) throw new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the publisher is deleted');
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
    return this.deleted ? null : this.#native!.getStreamId();
  }

  /** The stream while published (after 'streamCreated'), else null. */
  get stream(): StreamEvent | null {
    return this.#stream;
  }

  /**
   * Unpublishes if needed, closes every peer connection and frees the publisher
   * (otc_publisher_delete); idempotent. A pending session.publish() rejects with
   * OTC_E2EE_DELETED; further calls throw it.
   */
  delete(): void {
    this.#native?.delete();
    this.#native = null;
    this.#end(new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the publisher is deleted'));
  }

  /** delete(), for `using publisher = new Publisher(...)`. */
  [Symbol.dispose](): void {
    this.delete();
  }

  /** For `await using`: unpublishes and waits (at most 5 s) for 'streamDestroyed', then delete(). Never rejects. */
  async [Symbol.asyncDispose](): Promise<void> {
    const attempt = this.#attempt;
    if (attempt && this.#stream && !this.deleted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, DISPOSE_WAIT_MS);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.once('streamDestroyed', done);
        if (attempt.unpublish() !== ErrorCode.OTC_SUCCESS) done();
      });
    }
    this.delete();
  }

  /** Whether delete() was called. */
  get deleted(): boolean {
    return this.#native === null || this.#native.isDeleted();
  }
}
