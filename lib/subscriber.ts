import { EventEmitter } from 'node:events';
import type { SubscriberApi } from './api-surface';
import { native, type NativeSession, type NativeSubscriber } from './binding';
import { emitError } from './emit-error';
import { ErrorCode } from './error-code';
import { OtcError, nativeCall, requireType } from './errors';
import {
  type AudioData, type MediaCheck, type NativeSubscriberEvent, type SubscriberStats, type VerifyStats, type VideoFrame,
  unknownNativeEvent,
} from './native-types';
import type { EndReason, StreamEvent, SubscriberStateEvents } from './session-types';

export type {
  AudioData, MediaCheck, SubscribeOptions, SubscriberStats, VerifyKindStats, VerifyNotOpened, VerifyStats, VideoFrame,
} from './native-types';

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
  /** The native handle; throws OtcError OTC_E2EE_DELETED once deleted. */
  native(subscriber: Subscriber): NativeSubscriber;
  /** The session disconnected or is deleted: 'disconnected' if not yet, then delete. */
  sessionEnded(subscriber: Subscriber): void;
}

/** Filled in by Subscriber's static block. */
export const subscriberInternals = {} as SubscriberInternals;

type Waiter = { resolve: () => void; reject: (error: OtcError) => void };

/** Media events waiting for JS here (besides at most as many in the addon); more are dropped. */
const MAX_VIDEO_QUEUED = 4;
const MAX_AUDIO_QUEUED = 50;

/** How long `await using` waits for 'disconnected' after unsubscribing before deleting anyway. */
const DISPOSE_WAIT_MS = 5000;

/**
 * A subscriber, as `otc_subscriber`: receives one stream of a session. Made by
 * `session.subscribe(stream)`, which has already started it; `connected()` resolves once media
 * flows. Every frame of an encrypted stream is opened before the decoder; a frame that does not
 * decrypt never reaches it. `delete()` unsubscribes and frees it.
 *
 * An EventEmitter. Decoded media is copied out of the media thread only while 'videoFrame' /
 * 'audioData' have listeners: `for await (const frame of events.on(subscriber, 'videoFrame'))`
 * switches delivery on, and leaving the loop (which removes its listener) switches it off.
 */
export class Subscriber extends EventEmitter<SubscriberEvents> implements SubscriberApi<SubscriberEvents> {
  /** The stream this subscriber receives. */
  readonly stream: StreamEvent;
  #native: NativeSubscriber | null;
  readonly #session: NativeSession;
  readonly #onEvent = (...event: NativeSubscriberEvent): void => this.#onNative(event);
  #removed: ((subscriber: Subscriber) => void) | null;
  /** What connected() waits on; the C core owns the subscription itself. */
  #state: 'connecting' | 'connected' | 'disconnected' = 'connecting';
  #waiting: Waiter[] = [];
  /** Whether native delivery is switched on (it follows the listener counts). */
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
  // 'newListener' fires before the listener is added: a media listener coming turns delivery on.
  readonly #onNewListener = (event: string | symbol): void => {
    if (event === 'videoFrame' || event === 'audioData') this.#updateDelivery(event);
  };
  // 'removeListener' fires after it is gone (also for once() listeners and events.on() loops).
  readonly #onRemoveListener = (event: string | symbol): void => {
    if (event === 'videoFrame' || event === 'audioData') this.#updateDelivery();
  };

  private constructor(session: NativeSession, stream: StreamEvent, removed: (subscriber: Subscriber) => void) {
    super();
    this.stream = stream;
    this.#session = session;
    this.#removed = removed;
    this.#native = nativeCall(() => new native.NativeSubscriber(session, stream.streamId, this.#onEvent));
    this.#watchListeners();
  }

  static {
    subscriberInternals.create = (session, stream, removed) => new Subscriber(session, stream, removed);
    subscriberInternals.native = (subscriber) => subscriber.#live();
    subscriberInternals.sessionEnded = (subscriber) => {
      subscriber.#disconnected(new OtcError(ErrorCode.OTC_SUBSCRIBER_SESSION_DISCONNECTED, 'the session disconnected'),
        { reason: 'sessionDisconnected', code: ErrorCode.OTC_SUBSCRIBER_SESSION_DISCONNECTED });
      subscriber.delete();
    };
  }

  #watchListeners(): void {
    // Node's own events, which SubscriberEvents does not list.
    const emitter = this as unknown as EventEmitter;
    if (!emitter.listeners('newListener').includes(this.#onNewListener)) emitter.on('newListener', this.#onNewListener);
    if (!emitter.listeners('removeListener').includes(this.#onRemoveListener)) emitter.on('removeListener', this.#onRemoveListener);
  }

  /** As EventEmitter's; media delivery follows (and the listener watchers above stay). */
  override removeAllListeners(event?: string | symbol): this {
    if (event === undefined) super.removeAllListeners();
    else super.removeAllListeners(event);
    this.#watchListeners();
    this.#updateDelivery();
    return this;
  }

  /** Switches native delivery to what the listeners ask for; `adding`: a listener of that event is about to be added. */
  #updateDelivery(adding?: 'videoFrame' | 'audioData'): void {
    if (!this.#native || this.#native.isDeleted()) return;
    const video = adding === 'videoFrame' || this.listenerCount('videoFrame') > 0;
    const audio = adding === 'audioData' || this.listenerCount('audioData') > 0;
    if (video !== this.#deliverVideo) {
      this.#deliverVideo = video;
      this.#native.setVideoFrameDelivery(video);
      if (!video) this.#videoQueue = [];
    }
    if (audio !== this.#deliverAudio) {
      this.#deliverAudio = audio;
      this.#native.setAudioDataDelivery(audio);
      if (!audio) this.#audioQueue = [];
    }
  }

  /** The end of the subscription: waiters reject with `error`, then 'disconnected' (once). */
  #disconnected(error: OtcError, end: EndReason): void {
    if (this.#state === 'disconnected') return;
    this.#state = 'disconnected';
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const waiter of waiting) waiter.reject(error);
    this.emit('disconnected', end);
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
    this.#queueMedia();
  }

  #onNative(event: NativeSubscriberEvent): void {
    switch (event[0]) {
      case 'videoFrame':
        if (!this.#deliverVideo) return;
        if (this.#videoQueue.length >= MAX_VIDEO_QUEUED) this.#videoDropped++;
        else this.#videoQueue.push(event[1]);
        this.#queueMedia();
        return;
      case 'audioData':
        if (!this.#deliverAudio) return;
        if (this.#audioQueue.length >= MAX_AUDIO_QUEUED) this.#audioDropped++;
        else this.#audioQueue.push(event[1]);
        this.#queueMedia();
        return;
      case 'connected': {
        if (this.#state === 'disconnected') return;
        this.#state = 'connected';
        const waiting = this.#waiting;
        this.#waiting = [];
        for (const waiter of waiting) waiter.resolve();
        this.emit('connected');
        return;
      }
      case 'disconnected':
        this.#disconnected(new OtcError(ErrorCode.OTC_SUBSCRIBER_SESSION_DISCONNECTED, 'disconnected before media flowed'), event[1]);
        return;
      case 'encryptionSecretMatch':
        this.emit('encryptionSecretMatch');
        return;
      case 'error':
        this.#onError(new OtcError(event[1] as ErrorCode, event[2]));
        return;
      default:
        unknownNativeEvent(event);
    }
  }

  #onError(error: OtcError): void {
    if (error.code === ErrorCode.OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH) {
      this.emit('encryptionSecretMismatch', error);
      return;
    }
    // Before media flows an error ends the attempt: connected() waiters reject with it (then
    // nobody listening to 'error' is no reason for a warning).
    if (this.#state === 'connecting' && this.#waiting.length > 0) {
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const waiter of waiting) waiter.reject(error);
      if (this.listenerCount('error') > 0) this.emit('error', error);
      return;
    }
    emitError(this, error, 'OtcSubscriberWarning');
  }

  #live(): NativeSubscriber {
    // The native object also goes when its session is deleted (or collected) first.
    if (!this.#native || this.#native.isDeleted()) throw new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the subscriber is deleted');
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
   * OTC_E2EE_DELETED when deleted, or with OTC_SUBSCRIBER_TIMED_OUT after timeoutMs.
   */
  connected(timeoutMs?: number): Promise<void> {
    requireType(timeoutMs === undefined || (typeof timeoutMs === 'number' && timeoutMs >= 0), 'timeoutMs', 'a number >= 0');
    if (this.#state === 'connected') return Promise.resolve();
    if (this.deleted) return Promise.reject(new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the subscriber is deleted'));
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
   * OTC_SUBSCRIBER_TIMED_OUT after timeoutMs, OTC_SUBSCRIBER_SESSION_DISCONNECTED when the
   * subscription is over (at once if it already is), or OTC_E2EE_DELETED if deleted first.
   */
  firstFrame(timeoutMs?: number): Promise<VideoFrame> {
    requireType(timeoutMs === undefined || (typeof timeoutMs === 'number' && timeoutMs >= 0), 'timeoutMs', 'a number >= 0');
    // An asynchronous operation: a deleted subscriber rejects, as connected() does, instead of throwing.
    if (this.deleted) return Promise.reject(new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the subscriber is deleted'));
    if (this.#state === 'disconnected') {
      return Promise.reject(new OtcError(ErrorCode.OTC_SUBSCRIBER_SESSION_DISCONNECTED, 'the subscriber is disconnected'));
    }
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

  /**
   * What the frame cryptor opened and could not, per kind, with gaps and freezes (VerifyStats):
   * counted for every subscription, the only figures of a verify-only one.
   */
  verifyStats(): VerifyStats {
    const handle = this.#live();
    return nativeCall(() => handle.getVerifyStats());
  }

  /**
   * Verify-only: frames are opened and counted (verifyStats()) but never decoded, and no
   * 'videoFrame' or 'audioData' is emitted. Settable at any time; set false, decoding resumes
   * from a key frame asked for at once.
   */
  get verifyOnly(): boolean {
    return this.#live().getVerifyOnly();
  }

  set verifyOnly(verifyOnly: boolean) {
    this.setVerifyOnly(verifyOnly);
  }

  /** As the verifyOnly setter, with the C API's status. */
  setVerifyOnly(verifyOnly: boolean): ErrorCode {
    requireType(typeof verifyOnly === 'boolean', 'verifyOnly', 'a boolean');
    return this.#live().setVerifyOnly(verifyOnly) as ErrorCode;
  }

  /** What the media check read so far from the test pattern's frame code (from verifyStats() while verify-only). */
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
   * Unsubscribes if needed and frees the subscriber (otc_subscriber_delete); idempotent. Pending
   * connected() calls reject with OTC_E2EE_DELETED; no further events are emitted. Further calls
   * throw OTC_E2EE_DELETED.
   */
  delete(): void {
    const handle = this.#native;
    this.#native = null;
    handle?.delete();
    if (this.#drain !== null) clearImmediate(this.#drain);
    this.#drain = null;
    this.#videoQueue = [];
    this.#audioQueue = [];
    this.#deliverVideo = false;
    this.#deliverAudio = false;
    if (this.#state !== 'disconnected') {
      this.#state = 'disconnected';
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const waiter of waiting) waiter.reject(new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the subscriber is deleted'));
    }
    const removed = this.#removed;
    this.#removed = null;
    removed?.(this);
  }

  /** delete(), for `using subscriber = session.subscribe(...)`. */
  [Symbol.dispose](): void {
    this.delete();
  }

  /** For `await using`: unsubscribes and waits (at most 5 s) for 'disconnected', then delete(). Never rejects. */
  async [Symbol.asyncDispose](): Promise<void> {
    const handle = this.#native;
    if (handle && !handle.isDeleted() && this.#state !== 'disconnected') {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.off('disconnected', done);
          resolve();
        };
        const timer = setTimeout(done, DISPOSE_WAIT_MS);
        this.once('disconnected', done);
        let status: number = ErrorCode.OTC_SESSION_SUBSCRIBER_NOT_FOUND;
        try {
          if (!this.#session.isDeleted()) status = this.#session.unsubscribe(handle);
        } catch {
          // The session went meanwhile: nothing to unsubscribe from.
        }
        if (status !== ErrorCode.OTC_SUCCESS) done();
      });
    }
    this.delete();
  }

  /** Whether delete() was called (or its session was deleted). */
  get deleted(): boolean {
    return this.#native === null || this.#native.isDeleted();
  }
}
