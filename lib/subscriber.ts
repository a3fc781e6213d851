import type { IceCandidateType } from './ice-config';
import { native, type NativeSession, type NativeSubscriber } from './binding';
import { ErrorCode } from './error-code';
import { OtcError, nativeCall, requireType } from './errors';
import type { StreamEvent, SubscriberFrameStats, SubscriberStateEvents } from './session-types';
import { TypedEmitter } from './typed-emitter';

/** A decoded video frame (I420), copied out of the media thread; the buffers are the listener's. */
export interface VideoFrame {
  width: number;
  height: number;
  /** The luma plane, strideY bytes a row, height rows. */
  y: Buffer;
  /** The chroma planes, strideU / strideV bytes a row, (height + 1) / 2 rows. */
  u: Buffer;
  v: Buffer;
  /** Packed planes: strideY is width, strideU and strideV are (width + 1) / 2. */
  strideY: number;
  strideU: number;
  strideV: number;
  /** Render time of the frame in microseconds (libwebrtc's clock). */
  timestampUs: number;
}

/** 10 ms of decoded audio of the stream. */
export interface AudioData {
  /** 16-bit PCM, interleaved when channels > 1: sampleRate / 100 * channels samples. */
  samples: Int16Array;
  sampleRate: number;
  channels: number;
}

/**
 * A snapshot of a subscriber's counters (`otc_subscriber_stats`, camelCase) and of its delivery
 * to JS: what became of its frames (session-types.ts), and the transport's figures.
 */
export interface SubscriberStats extends SubscriberFrameStats {
  /** Frames of a stream without E2EE (not opened). */
  framesUnencrypted: number;
  mismatchEpisodes: number;
  /** Dropped by the decoder or jitter buffer. */
  videoFramesDropped: number;
  packetsLost: number;
  bytesReceived: number;
  /** Over the last stats interval. */
  videoBitrateBps: number;
  audioBitrateBps: number;
  /** -1 when unknown. */
  rttMs: number;
  /** Mean, video. */
  jitterBufferDelayMs: number;
  /** Epoch id of the last frame opened; 0 none. */
  encryptionEpoch: number;
  /**
   * Decoded frames not delivered as 'videoFrame' because the listener fell behind: a frame that
   * finds 4 frames already waiting (in the addon, or 4 in JS) is dropped.
   */
  videoFramesDroppedForJs: number;
  /** The same for 'audioData' (50 blocks, 500 ms, waiting). */
  audioDataDroppedForJs: number;
  /** The selected ICE candidate pair: local and remote candidate types ('' before one is selected). */
  localCandidateType: IceCandidateType;
  remoteCandidateType: IceCandidateType;
  /** How a relay local candidate reaches its TURN server ('udp', 'tcp', 'tls'); '' otherwise. */
  relayProtocol: string;
}

/**
 * What the subscriber's media check read from the test pattern's frame code in the frames it
 * decoded (`otc_media_check`, camelCase). Frames without a readable code (a pushed source) count
 * only as unreadable.
 */
export interface MediaCheck {
  /** Every decoded frame the check looked at. */
  framesDecoded: number;
  /** Frames with a readable code, each frame number counted once. */
  framesReceived: number;
  framesUnreadable: number;
  /** Numbers missing between the first and the highest seen. */
  framesLost: number;
  /** A frame number delivered again (a frozen picture). */
  framesRepeated: number;
  framesOutOfOrder: number;
  /** Gaps between new frames over max(3 x mean, mean + 150 ms). */
  freezes: number;
  maxGapMs: number;
  /** Capture (the publisher's clock) to decode: meaningful on one machine only. */
  latencyMeanMs: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyMaxMs: number;
  firstFrameNumber: number;
  /** The highest seen. */
  lastFrameNumber: number;
  /** When the first readable frame was decoded (CLOCK_MONOTONIC, µs). */
  firstFrameTimeUs: number;
}

/** Events of a Subscriber: its state and E2EE events (session-types.ts), and decoded media. */
export interface SubscriberEvents extends SubscriberStateEvents {
  /**
   * A decoded frame. Frames are copied out of the media thread only while this event has a
   * listener. At most one media event of each kind is emitted per event-loop turn, so a slow
   * listener never starves timers and sockets; frames arriving while 4 are waiting are dropped
   * (stats().videoFramesDroppedForJs).
   */
  videoFrame: [frame: VideoFrame];
  /** 10 ms of decoded audio; delivered only while this event has a listener. */
  audioData: [data: AudioData];
}

/** How Session makes and ends subscribers; not public API. */
export interface SubscriberInternals {
  /** A new subscriber for stream (throws OtcError 1604 when the session holds no such stream). */
  create(session: NativeSession, stream: StreamEvent, removed: (subscriber: Subscriber) => void): Subscriber;
  /** The native handle; throws OtcError OTC_E2EE_DELETED once destroyed. */
  native(subscriber: Subscriber): NativeSubscriber;
  /** The session disconnected or is deleted: 'disconnected' if not yet, then destroy. */
  sessionEnded(subscriber: Subscriber): void;
}

/** Filled in by Subscriber's static block. */
export const subscriberInternals = {} as SubscriberInternals;

type Waiter = { resolve: () => void; reject: (error: OtcError) => void };

/** Media events waiting for JS here (besides at most as many in the addon); more are dropped. */
const MAX_VIDEO_QUEUED = 4;
const MAX_AUDIO_QUEUED = 50;

/**
 * A subscriber, as `otc_subscriber`: receives one stream of a session. Made by
 * `session.subscribe(stream)`, which has already started it; `connected()` resolves once media
 * flows. Every frame of an encrypted stream is opened before the decoder; a frame that does not
 * decrypt never reaches it. `destroy()` unsubscribes and frees it.
 */
export class Subscriber extends TypedEmitter<SubscriberEvents> {
  /** The stream this subscriber receives. */
  readonly stream: StreamEvent;
  #native: NativeSubscriber | null;
  readonly #onEvent = (name: string, ...args: unknown[]): void => this.#onNative(name, args);
  #removed: ((subscriber: Subscriber) => void) | null;
  #state: 'connecting' | 'connected' | 'disconnected' = 'connecting';
  #waiting: Waiter[] = [];
  #deliverVideo = false;
  #deliverAudio = false;
  // Media events are emitted one per event-loop turn (setImmediate), not inside the addon's
  // delivery: a listener slower than the frame rate must not keep timers and sockets from
  // running. Frames arriving while the queue is full are dropped and counted.
  #videoQueue: VideoFrame[] = [];
  #audioQueue: AudioData[] = [];
  #videoDropped = 0;
  #audioDropped = 0;
  #drain: NodeJS.Immediate | null = null;

  private constructor(session: NativeSession, stream: StreamEvent, removed: (subscriber: Subscriber) => void) {
    super();
    this.stream = stream;
    this.#removed = removed;
    this.#native = nativeCall(() => new native.NativeSubscriber(session, stream.streamId, this.#onEvent));
  }

  static {
    subscriberInternals.create = (session, stream, removed) => new Subscriber(session, stream, removed);
    subscriberInternals.native = (subscriber) => subscriber.#live();
    subscriberInternals.sessionEnded = (subscriber) => {
      subscriber.#disconnected(new OtcError(ErrorCode.OTC_SUBSCRIBER_SESSION_DISCONNECTED, 'the session disconnected'));
      subscriber.destroy();
    };
  }

  /** Registers a listener; listening to 'videoFrame' / 'audioData' turns their delivery on. */
  override on<E extends keyof SubscriberEvents & string>(event: E, listener: (...args: SubscriberEvents[E]) => void): this {
    super.on(event, listener);
    this.#updateDelivery();
    return this;
  }

  /** Registers a one-time listener; delivery of media events follows as for on(). */
  override once<E extends keyof SubscriberEvents & string>(event: E, listener: (...args: SubscriberEvents[E]) => void): this {
    super.once(event, listener);
    this.#updateDelivery();
    return this;
  }

  /** Removes a listener; without 'videoFrame' / 'audioData' listeners their delivery stops. */
  override off<E extends keyof SubscriberEvents & string>(event: E, listener: (...args: SubscriberEvents[E]) => void): this {
    super.off(event, listener);
    this.#updateDelivery();
    return this;
  }

  #updateDelivery(): void {
    if (!this.#native || this.#native.isDeleted()) return;
    const video = this.listenerCount('videoFrame') > 0;
    const audio = this.listenerCount('audioData') > 0;
    if (video !== this.#deliverVideo) {
      this.#deliverVideo = video;
      this.#native.setVideoFrameDelivery(video);
    }
    if (audio !== this.#deliverAudio) {
      this.#deliverAudio = audio;
      this.#native.setAudioDataDelivery(audio);
    }
  }

  /** The end of the subscription: waiters reject with `error`, then 'disconnected' (once). */
  #disconnected(error: OtcError): void {
    if (this.#state === 'disconnected') return;
    this.#state = 'disconnected';
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const waiter of waiting) waiter.reject(error);
    this.emit('disconnected');
  }

  #queueMedia(): void {
    if (this.#drain === null && (this.#videoQueue.length > 0 || this.#audioQueue.length > 0)) {
      this.#drain = setImmediate(() => this.#emitMedia());
    }
  }

  /** One turn: at most one video frame and one audio block, then yield to the event loop. */
  #emitMedia(): void {
    this.#drain = null;
    const frame = this.#videoQueue.shift();
    if (frame && this.#deliverVideo) this.emit('videoFrame', frame);
    const audio = this.#audioQueue.shift();
    if (audio && this.#deliverAudio) this.emit('audioData', audio);
    this.#updateDelivery(); // a once() listener may have gone
    if (!this.#deliverVideo) this.#videoQueue = [];
    if (!this.#deliverAudio) this.#audioQueue = [];
    this.#queueMedia();
  }

  #onNative(name: string, args: unknown[]): void {
    if (name === 'videoFrame') {
      if (!this.#deliverVideo) return;
      if (this.#videoQueue.length >= MAX_VIDEO_QUEUED) this.#videoDropped++;
      else this.#videoQueue.push(args[0] as VideoFrame);
      this.#queueMedia();
    } else if (name === 'audioData') {
      if (!this.#deliverAudio) return;
      if (this.#audioQueue.length >= MAX_AUDIO_QUEUED) this.#audioDropped++;
      else this.#audioQueue.push(args[0] as AudioData);
      this.#queueMedia();
    } else if (name === 'connected') {
      if (this.#state === 'disconnected') return;
      this.#state = 'connected';
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const waiter of waiting) waiter.resolve();
      this.emit('connected');
    } else if (name === 'disconnected') {
      this.#disconnected(new OtcError(ErrorCode.OTC_SUBSCRIBER_SESSION_DISCONNECTED, 'disconnected before media flowed'));
    } else if (name === 'encryptionSecretMatch') {
      this.emit('encryptionSecretMatch');
    } else if (name === 'error') {
      const error = new OtcError(args[0] as ErrorCode, args[1] as string);
      if (error.code === ErrorCode.OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH) {
        this.emit('encryptionSecretMismatch', error);
        return;
      }
      // Before media flows an error ends the attempt: connected() waiters reject with it.
      let heard = false;
      if (this.#state === 'connecting' && this.#waiting.length > 0) {
        const waiting = this.#waiting;
        this.#waiting = [];
        for (const waiter of waiting) waiter.reject(error);
        heard = true;
      }
      if (this.listenerCount('error') > 0) this.emit('error', error);
      else if (!heard) process.emitWarning(error.message, 'OtcSubscriberWarning');
    }
  }

  #live(): NativeSubscriber {
    // The native object also goes when its session is deleted (or collected) first.
    if (!this.#native || this.#native.isDeleted()) throw new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the subscriber is destroyed');
    return this.#native;
  }

  /** The id of the stream received. */
  get streamId(): string {
    return this.stream.streamId;
  }

  /** Whether media is flowing ('connected' was emitted and 'disconnected' was not). */
  get isConnected(): boolean {
    return this.#state === 'connected';
  }

  /**
   * Resolves once media flows (at once if it already does). Rejects with the error that ends the
   * attempt, with OTC_SUBSCRIBER_SESSION_DISCONNECTED when the subscription ends first, with
   * OTC_E2EE_DELETED when destroyed, or with OTC_SUBSCRIBER_TIMED_OUT after timeoutMs.
   */
  connected(timeoutMs?: number): Promise<void> {
    requireType(timeoutMs === undefined || (typeof timeoutMs === 'number' && timeoutMs >= 0), 'timeoutMs', 'a number >= 0');
    if (this.#state === 'connected') return Promise.resolve();
    if (this.destroyed) return Promise.reject(new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the subscriber is destroyed'));
    if (this.#state === 'disconnected') {
      return Promise.reject(new OtcError(ErrorCode.OTC_SUBSCRIBER_SESSION_DISCONNECTED, 'the subscriber is disconnected'));
    }
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      };
      this.#waiting.push(waiter);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#waiting = this.#waiting.filter((w) => w !== waiter);
          reject(new OtcError(ErrorCode.OTC_SUBSCRIBER_TIMED_OUT, `not connected within ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }

  /**
   * Resolves with the next decoded video frame (delivery is on while it waits). Rejects with
   * OTC_SUBSCRIBER_TIMED_OUT after timeoutMs, or OTC_E2EE_DELETED if destroyed first.
   */
  firstFrame(timeoutMs?: number): Promise<VideoFrame> {
    requireType(timeoutMs === undefined || (typeof timeoutMs === 'number' && timeoutMs >= 0), 'timeoutMs', 'a number >= 0');
    this.#live();
    return new Promise<VideoFrame>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onFrame = (frame: VideoFrame): void => {
        clearTimeout(timer);
        this.off('disconnected', onGone);
        resolve(frame);
      };
      const onGone = (): void => {
        clearTimeout(timer);
        this.off('videoFrame', onFrame);
        reject(new OtcError(ErrorCode.OTC_SUBSCRIBER_SESSION_DISCONNECTED, 'disconnected before a frame arrived'));
      };
      this.once('videoFrame', onFrame);
      this.once('disconnected', onGone);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.off('videoFrame', onFrame);
          this.off('disconnected', onGone);
          reject(new OtcError(ErrorCode.OTC_SUBSCRIBER_TIMED_OUT, `no video frame within ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }

  /** A snapshot of the subscriber's counters. Throws an OtcError if the C API refuses. */
  stats(): SubscriberStats {
    const handle = this.#live();
    const stats = nativeCall(() => handle.getStats());
    stats.videoFramesDroppedForJs += this.#videoDropped;
    stats.audioDataDroppedForJs += this.#audioDropped;
    return stats;
  }

  /** What the media check read so far from the test pattern's frame code. */
  mediaCheck(): MediaCheck {
    const handle = this.#live();
    return nativeCall(() => handle.getMediaCheck());
  }

  /** Stops or resumes receiving audio (packets are dropped before decoding). */
  setSubscribeToAudio(enabled: boolean): ErrorCode {
    requireType(typeof enabled === 'boolean', 'enabled', 'a boolean');
    return this.#live().setSubscribeToAudio(enabled) as ErrorCode;
  }

  /** Stops or resumes receiving video (frames are dropped before decoding). */
  setSubscribeToVideo(enabled: boolean): ErrorCode {
    requireType(typeof enabled === 'boolean', 'enabled', 'a boolean');
    return this.#live().setSubscribeToVideo(enabled) as ErrorCode;
  }

  /**
   * Unsubscribes if needed and frees the subscriber; idempotent. Pending connected() calls reject
   * with OTC_E2EE_DELETED; no further events are emitted. Further calls throw OTC_E2EE_DELETED.
   */
  destroy(): void {
    const handle = this.#native;
    this.#native = null;
    handle?.delete();
    if (this.#drain !== null) clearImmediate(this.#drain);
    this.#drain = null;
    this.#videoQueue = [];
    this.#audioQueue = [];
    if (this.#state !== 'disconnected') {
      this.#state = 'disconnected';
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const waiter of waiting) waiter.reject(new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the subscriber is destroyed'));
    }
    const removed = this.#removed;
    this.#removed = null;
    removed?.(this);
  }

  /** Whether destroy() was called (or its session was deleted). */
  get destroyed(): boolean {
    return this.#native === null || this.#native.isDeleted();
  }
}
