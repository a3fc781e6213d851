// The calls and events a Session, a Publisher and a Subscriber offer, written once: the Node
// classes (lib/session.ts, publisher.ts, subscriber.ts) and the browser client's
// (lib/web/client/) both `implements` these, so the compiler keeps the two surfaces alike.
// Types only: the browser bundle imports this file too.
import type { ErrorCode } from './error-code';
import type {
  PublisherEvents, SessionCapabilities, SessionEvents, SignalOptions, StreamEvent, SubscriberFrameStats, SubscriberStateEvents,
} from './session-types';

/** A stats() that is synchronous in Node (otc_*_get_stats) and asynchronous in a page (getStats); `await` works on both. */
export type MaybePromise<T> = T | Promise<T>;

/** on / once / off with the event names and listener arguments of Events. */
export interface Listenable<Events extends Record<keyof Events, unknown[]>> {
  on<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this;
  once<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this;
  off<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this;
}

/** One verb to free an object: delete() at once, or `await using` for a graceful end first. */
export interface Deletable {
  /** Frees the object now (idempotent); further calls throw OTC_E2EE_DELETED or return a code. */
  delete(): void;
  readonly deleted: boolean;
  /** Ends gracefully (disconnects, unpublishes or unsubscribes, waiting a bounded time), then delete(). */
  [Symbol.asyncDispose](): Promise<void>;
}

/** What the Node API and the browser client report of a publisher alike. */
export interface PublisherStatsCommon {
  /** Peer connections carrying this stream now. */
  subscribers: number;
  videoFramesSealed: number;
  audioFramesSealed: number;
  videoFramesSent: number;
  bytesSent: number;
  videoFps: number;
  videoWidth: number;
  videoHeight: number;
  /** Whether this publisher seals its frames. */
  e2ee: boolean;
  /** The selected candidate pair: 'host' | 'srflx' | 'prflx' | 'relay' ('' before one is selected). */
  localCandidateType: string;
  remoteCandidateType: string;
  relayProtocol: string;
}

export interface PublisherApi extends Listenable<PublisherEvents>, Deletable {
  /** The stream while published, else null. */
  readonly stream: StreamEvent | null;
  stats(): MaybePromise<PublisherStatsCommon>;
}

/** Events: the state events of both, and in Node the decoded media ('videoFrame', 'audioData') as well. */
export interface SubscriberApi<Events extends SubscriberStateEvents & Record<keyof Events, unknown[]> = SubscriberStateEvents> extends Listenable<Events>, Deletable {
  readonly stream: StreamEvent;
  readonly streamId: string;
  /** Whether media flows ('connected' was emitted and 'disconnected' was not). */
  readonly isConnected: boolean;
  /** Resolves once media flows, at once if it already does; rejects with the OtcError that ends the attempt. */
  connected(timeoutMs?: number): Promise<void>;
  stats(): MaybePromise<SubscriberFrameStats>;
}

export interface SessionApi<P extends PublisherApi, S extends Deletable & { readonly stream: StreamEvent }> extends Listenable<SessionEvents>, Deletable {
  readonly apiKey: string;
  readonly sessionId: string;
  /** This client's connection id while connected, else null. */
  readonly connectionId: string | null;
  readonly isE2ee: boolean;
  readonly streams: StreamEvent[];
  /**
   * The session's forced-mute state (a moderator's forceMuteAll until disableForceMute; 'muteForced'
   * says when it changes). The moderator's calls themselves differ: Node's mirror the C functions
   * (a code, refusals as 'error' 1540), the browser's OpenTok.js's (Promises).
   */
  readonly forceMuteActive: boolean;
  /** What the token lets this client do: publish, and a moderator's powers (false while not connected). */
  readonly capabilities: SessionCapabilities;
  /** Mirrors otc_session_set_encryption_secret: a code, and 'encryptionKeyReady' once the key is in use. */
  setEncryptionSecret(secret: string | Uint8Array): ErrorCode;
  /** Resolves with the epoch id once the key of the secret last set is in use (at once if it is). */
  encryptionKeyReady(): Promise<number>;
  ratchetEncryptionKey(): ErrorCode;
  connect(token: string): Promise<void>;
  disconnect(): Promise<void>;
  publish(publisher: P): Promise<StreamEvent>;
  unpublish(publisher: P): ErrorCode;
  subscribe(stream: StreamEvent | string): S;
  unsubscribe(subscriber: S): ErrorCode;
  /** Mirrors otc_session_send_signal: a code; what the server answers later arrives as 'error'. */
  sendSignal(signal: SignalOptions): ErrorCode;
}
