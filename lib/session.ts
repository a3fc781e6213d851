import { native, type NativeSession } from './binding';
import { ErrorCode } from './error-code';
import { OtcError, check, nativeCall, requireType } from './errors';
import { type IceConfig, checkIceConfig } from './ice-config';
import { Publisher, publisherInternals } from './publisher';
import { type Secret, isSecretType, validateSecret } from './secret';
import { Subscriber, subscriberInternals } from './subscriber';
import type { ConnectionEvent, SessionEvents, SignalOptions, StreamEvent } from './session-types';
import { TypedEmitter } from './typed-emitter';

export type { ConnectionEvent, SessionEvents, SignalEvent, SignalOptions, StreamEvent } from './session-types';

export interface SessionOptions {
  /**
   * The session server's "ws://host:port/v1/signaling", or "wss://host:port/v1/signaling" over
   * TLS (default: env OTC_SIGNALING_URL).
   */
  signalingUrl?: string;
  /**
   * wss:// only: a PEM file of the certificate authorities to trust instead of the system store
   * (default: env OTC_CA_FILE, else the system store). The server's certificate must chain to
   * one of them, be valid now and name the URL's host; TLS 1.2 or newer. connect() rejects with
   * OTC_SESSION_CONNECTION_FAILED (1006) and a message naming the failed check otherwise.
   */
  caFile?: string;
  /** wss:// only: the same as PEM text (with caFile, both are trusted). */
  ca?: string | Buffer;
  /**
   * The client's own ICE servers and policy (the Linux SDK's custom ICE configuration): added to
   * the ICE servers the session server hands out, or instead of them (useCustomTurnOnly);
   * forceTurn: relay candidates only. TypeError for a wrong shape; OtcError 1011 for a URL or
   * credential the C API refuses.
   */
  iceConfig?: IceConfig;
  /**
   * How long the session keeps trying to reconnect after its link to the server drops, ms:
   * 1000 to 600000 (default 60000), or 0 to never reconnect ('disconnected' with a 1022 reason
   * at once). Meanwhile 'reconnecting'; then 'reconnected', or 'disconnected' with the reason.
   */
  reconnectionTimeoutMs?: number;
}

/** Errors that end a connection attempt: connect() rejects with them. */
const CONNECT_ERRORS = new Set<number>([
  ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE, ErrorCode.OTC_SESSION_INVALID_SESSION,
  ErrorCode.OTC_SESSION_CONNECTION_FAILED, ErrorCode.OTC_SESSION_CONNECTION_TIMED_OUT,
  ErrorCode.OTC_SESSION_CONNECTION_REFUSED, ErrorCode.OTC_SESSION_ENCRYPTION_SECRET_MISSING,
]);

/**
 * A session, as `otc_session` in the C API: a session's identity, its end-to-end encryption
 * secret, and its connection to the session server (signals, connections and streams).
 * Publishers are published in it and its streams subscribed to (publish, subscribe). While
 * connecting or connected the session keeps the process alive; after 'disconnected' it lets go,
 * and its subscribers are destroyed and its publishers unpublished.
 */
export class Session extends TypedEmitter<SessionEvents> {
  #native: NativeSession | null;
  // The addon holds this only weakly (so an unreferenced Session can be collected): keep it here.
  readonly #onEvent = (name: string, ...args: unknown[]): void => this.#onNative(name, args);
  readonly apiKey: string;
  readonly sessionId: string;
  /** The pending connect(): settled by 'connected', or by the error or 'disconnected' ending it. */
  #connecting: { resolve: () => void; reject: (error: OtcError) => void } | null = null;
  #disconnecting: Array<() => void> = [];
  #state: 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'disconnecting' = 'disconnected';
  /** The 1022 error that precedes a 'disconnected' the session did not ask for (its reason). */
  #dropped: OtcError | undefined;
  /** Streams of the session now (from 'streamCreated', and this client's own). */
  readonly #streams = new Map<string, StreamEvent>();
  /** Publishers published (or being published) in this session. */
  readonly #publishers = new Set<Publisher>();
  /** Subscribers made from this session's streams and not destroyed. */
  readonly #subscribers = new Set<Subscriber>();

  constructor(apiKey: string, sessionId: string, options: SessionOptions = {}) {
    super();
    requireType(typeof apiKey === 'string' && apiKey.length > 0, 'apiKey', 'a non-empty string');
    requireType(typeof sessionId === 'string' && sessionId.length > 0, 'sessionId', 'a non-empty string');
    requireType(typeof options === 'object' && options !== null, 'options', 'an object');
    const url = options.signalingUrl;
    requireType(url === undefined || typeof url === 'string', 'options.signalingUrl', 'a string');
    const { caFile, ca } = options;
    requireType(caFile === undefined || (typeof caFile === 'string' && caFile !== ''), 'options.caFile', 'a file name');
    requireType(ca === undefined || ((typeof ca === 'string' || Buffer.isBuffer(ca)) && ca.length > 0), 'options.ca', 'a PEM string or Buffer');
    const iceConfig = options.iceConfig === undefined ? undefined : checkIceConfig(options.iceConfig);
    const reconnect = options.reconnectionTimeoutMs;
    requireType(reconnect === undefined || (Number.isInteger(reconnect) && (reconnect === 0 || (reconnect >= 1000 && reconnect <= 600_000))),
      'options.reconnectionTimeoutMs', '0 or an integer from 1000 to 600000');
    this.apiKey = apiKey;
    this.sessionId = sessionId;
    this.#native = nativeCall(() => new native.NativeSession(apiKey, sessionId, this.#onEvent, {
      ...(iceConfig !== undefined && { iceConfig }),
      ...(url !== undefined && { signalingUrl: url }),
      ...(caFile !== undefined && { caFile }),
      ...(ca !== undefined && { ca: typeof ca === 'string' ? ca : ca.toString('utf8') }),
      ...(reconnect !== undefined && { reconnectionTimeoutMs: reconnect }),
    }));
  }

  #onNative(name: string, args: unknown[]): void {
    if (name === 'encryptionKeyReady') {
      this.emit('encryptionKeyReady', args[0] as number);
    } else if (name === 'connected') {
      this.#state = 'connected';
      const pending = this.#connecting;
      this.#connecting = null;
      pending?.resolve();
      this.emit('connected');
    } else if (name === 'disconnected') {
      this.#state = 'disconnected';
      this.#endMedia();
      const pending = this.#connecting;
      this.#connecting = null;
      pending?.reject(new OtcError(ErrorCode.OTC_SESSION_CONNECTION_FAILED, 'disconnected while connecting'));
      const waiting = this.#disconnecting;
      this.#disconnecting = [];
      for (const resolve of waiting) resolve();
      const reason = this.#dropped;
      this.#dropped = undefined;
      this.emit('disconnected', reason);
    } else if (name === 'reconnecting') {
      if (this.#state === 'connected') this.#state = 'reconnecting';
      this.emit('reconnecting');
    } else if (name === 'reconnected') {
      if (this.#state === 'reconnecting') this.#state = 'connected';
      this.emit('reconnected');
    } else if (name === 'connectionCreated' || name === 'connectionDestroyed') {
      this.emit(name, args[0] as ConnectionEvent);
    } else if (name === 'streamCreated' || name === 'streamDestroyed') {
      const stream = args[0] as StreamEvent;
      if (name === 'streamCreated') this.#streams.set(stream.streamId, stream);
      else this.#streams.delete(stream.streamId);
      this.emit(name, stream);
    } else if (name === 'signal') {
      this.emit('signal', { type: args[0] as string, data: args[1] as string, from: args[2] as string });
    } else if (name === 'error') {
      const error = new OtcError(args[0] as ErrorCode, args[1] as string);
      if (error.code === ErrorCode.OTC_SESSION_CONNECTION_DROPPED && this.#state !== 'connecting') this.#dropped = error;
      if (this.#connecting && this.#state === 'connecting' && CONNECT_ERRORS.has(error.code)) {
        // The attempt is over: connect() rejects with it (and it is not emitted twice).
        this.#state = 'disconnected';
        const pending = this.#connecting;
        this.#connecting = null;
        pending.reject(error);
        return;
      }
      // Like EventEmitter's 'error', but never throws from a native callback: unheard errors
      // are reported as warnings.
      if (this.listenerCount('error') > 0) this.emit('error', error);
      else process.emitWarning(error.message, 'OtcSessionWarning');
    }
  }

  #live(): NativeSession {
    if (!this.#native) throw new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the session is deleted');
    return this.#native;
  }

  /**
   * Sets the end-to-end encryption secret. Returns OTC_SUCCESS at once (the key is derived on a
   * native thread; 'encryptionKeyReady' follows), or OTC_SESSION_INVALID_ENCRYPTION_SECRET when
   * the secret breaks the rules, in which case the previous secret stays in use.
   */
  setEncryptionSecret(secret: Secret): ErrorCode {
    const handle = this.#live();
    if (!isSecretType(secret)) return ErrorCode.OTC_SESSION_INVALID_ENCRYPTION_SECRET;
    const valid = validateSecret(secret);
    if (valid !== ErrorCode.OTC_SUCCESS) return valid;
    return handle.setEncryptionSecret(secret) as ErrorCode;
  }

  /** The epoch id of the key in use, or null while none is derived yet. */
  get encryptionEpoch(): number | null {
    return this.#live().getEncryptionEpoch();
  }

  get hasEncryptionSecret(): boolean {
    return this.#live().hasEncryptionSecret();
  }

  /** Resolves when the key of the secret last set is in use. */
  async encryptionKeyReady(): Promise<number> {
    this.#live();
    return new Promise<number>((resolve) => this.once('encryptionKeyReady', resolve));
  }

  /**
   * Connects with a client token. Resolves once connected; rejects with an OtcError whose code
   * says why not (1004 token refused, 1005 wrong or unknown session, 1006 server unreachable or
   * no signaling URL, 6000 an end-to-end encrypted session and no secret set).
   */
  connect(token: string): Promise<void> {
    requireType(typeof token === 'string' && token.length > 0, 'token', 'a non-empty string');
    const handle = this.#live();
    if (this.#state !== 'disconnected') {
      return Promise.reject(new OtcError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, `the session is ${this.#state}`));
    }
    return new Promise<void>((resolve, reject) => {
      const status = handle.connect(token);
      if (status !== ErrorCode.OTC_SUCCESS) {
        reject(new OtcError(status as ErrorCode));
        return;
      }
      this.#state = 'connecting';
      this.#connecting = { resolve, reject };
    });
  }

  /** Leaves the session; resolves once disconnected (at once when not connected). */
  disconnect(): Promise<void> {
    if (!this.#native || this.#state === 'disconnected') return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#disconnecting.push(resolve);
      if (this.#state !== 'disconnecting') {
        const status = this.#native!.disconnect();
        if (status === ErrorCode.OTC_SUCCESS) this.#state = 'disconnecting';
      }
    });
  }

  /**
   * Sends a signal to every client of the session, or to the connection `to`. Throws an
   * OtcError for limits broken here (type: 1414 too long, 1461 bad characters; data: 1413 over
   * 8 KiB) or when not connected (1010); errors the server answers with arrive as 'error'.
   */
  sendSignal(signal: SignalOptions): void {
    requireType(typeof signal === 'object' && signal !== null, 'signal', 'an object');
    const { type = '', data, to } = signal;
    requireType(typeof type === 'string', 'signal.type', 'a string');
    requireType(typeof data === 'string', 'signal.data', 'a string');
    requireType(to === undefined || (typeof to === 'string' && to.length > 0), 'signal.to', 'a connection id');
    check(this.#live().sendSignal(type, data, to ?? null));
  }

  /** This client's connection id while connected, else null. */
  get connectionId(): string | null {
    return this.#native ? this.#native.getConnectionId() : null;
  }

  /** Whether the server says the session is end-to-end encrypted (known once connected). */
  get isE2ee(): boolean {
    return this.#live().isE2ee();
  }

  /** Publishing and subscribing in this session are over (disconnected or deleted). */
  #endMedia(): void {
    for (const subscriber of [...this.#subscribers]) subscriberInternals.sessionEnded(subscriber);
    this.#subscribers.clear();
    for (const publisher of [...this.#publishers]) publisherInternals.sessionEnded(publisher);
    this.#publishers.clear();
    this.#streams.clear();
  }

  /**
   * Publishes a stream (as otc_session_publish). Resolves with the stream once the server
   * accepted it (the publisher emits 'streamCreated' too). Rejects with an OtcError:
   * OTC_SESSION_NOT_CONNECTED (1010), OTC_SESSION_ILLEGAL_STATE (already published),
   * OTC_PUBLISHER_ENCRYPTION_SECRET_MISSING (6000: an encrypted session and no secret),
   * OTC_MEDIA_ENGINE_NOT_INITIALIZED (otc.init() first), or the publisher error that ends the
   * attempt (1500 refused, e.g. a subscriber token; 1541 timed out; 1610; 6001), or
   * OTC_PUBLISHER_SESSION_DISCONNECTED / OTC_E2EE_DELETED when the session or the publisher goes
   * first. Throws a TypeError for a non-Publisher and OTC_E2EE_DELETED for a deleted session or
   * destroyed publisher.
   */
  publish(publisher: Publisher): Promise<StreamEvent> {
    requireType(publisher instanceof Publisher, 'publisher', 'a Publisher');
    const handle = this.#live();
    const nativePublisher = publisherInternals.native(publisher);
    return new Promise<StreamEvent>((resolve, reject) => {
      const status = handle.publish(nativePublisher);
      if (status !== ErrorCode.OTC_SUCCESS) {
        reject(new OtcError(status as ErrorCode));
        return;
      }
      this.#publishers.add(publisher);
      publisherInternals.begin(publisher, {
        resolve,
        reject,
        created: (stream) => {
          if (this.#native) this.#streams.set(stream.streamId, stream);
        },
        ended: (stream) => {
          this.#publishers.delete(publisher);
          if (stream) this.#streams.delete(stream.streamId);
        },
      });
    });
  }

  /**
   * Stops publishing (as otc_session_unpublish): OTC_SUCCESS, then the publisher emits
   * 'streamDestroyed' (a publish() still pending rejects), or OTC_SESSION_PUBLISHER_NOT_FOUND
   * when the publisher is not published in this session.
   */
  unpublish(publisher: Publisher): ErrorCode {
    requireType(publisher instanceof Publisher, 'publisher', 'a Publisher');
    const handle = this.#live();
    if (publisherInternals.destroyed(publisher)) return ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND;
    const status = handle.unpublish(publisherInternals.native(publisher)) as ErrorCode;
    if (status === ErrorCode.OTC_SUCCESS) publisherInternals.unpublished(publisher);
    return status;
  }

  /**
   * Starts receiving a stream of this session (given as its 'streamCreated' event or its id) and
   * returns its Subscriber; await `subscriber.connected()` for media to flow. Throws an OtcError:
   * OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM (1604: the session has no such stream now),
   * OTC_SESSION_NOT_CONNECTED, OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISSING (6000: an encrypted stream
   * and no secret), OTC_MEDIA_ENGINE_NOT_INITIALIZED; later failures arrive as the subscriber's
   * 'error'. A stream of this client's own publisher can be subscribed to as well.
   */
  subscribe(stream: StreamEvent | string): Subscriber {
    const streamId = typeof stream === 'string' ? stream
      : typeof stream === 'object' && stream !== null ? (stream as { streamId?: unknown }).streamId : undefined;
    requireType(typeof streamId === 'string' && streamId.length > 0, 'stream', 'a StreamEvent or a stream id');
    const id = streamId as string;
    const handle = this.#live();
    const known = this.#streams.get(id) ?? (typeof stream === 'object' ? stream : undefined);
    if (!known) throw new OtcError(ErrorCode.OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM, `the session has no stream ${id}`);
    const subscriber = subscriberInternals.create(handle, known, (gone) => this.#subscribers.delete(gone));
    const status = handle.subscribe(subscriberInternals.native(subscriber));
    if (status !== ErrorCode.OTC_SUCCESS) {
      subscriber.destroy();
      throw new OtcError(status as ErrorCode);
    }
    this.#subscribers.add(subscriber);
    return subscriber;
  }

  /**
   * Stops receiving (as otc_session_unsubscribe): OTC_SUCCESS, then the subscriber emits
   * 'disconnected'; OTC_SESSION_SUBSCRIBER_NOT_FOUND when it is not subscribed in this session.
   * The subscriber stays usable for stats until destroy().
   */
  unsubscribe(subscriber: Subscriber): ErrorCode {
    requireType(subscriber instanceof Subscriber, 'subscriber', 'a Subscriber');
    const handle = this.#live();
    if (subscriber.destroyed) return ErrorCode.OTC_SESSION_SUBSCRIBER_NOT_FOUND;
    return handle.unsubscribe(subscriberInternals.native(subscriber)) as ErrorCode;
  }

  /**
   * Moves every sender of the session to the next ratchet step of its key (forward secrecy
   * without a new secret); receivers follow on their own. OTC_SUCCESS, or OTC_E2EE_KEY_NOT_READY
   * while no key is derived.
   */
  ratchetEncryptionKey(): ErrorCode {
    return this.#live().ratchetEncryptionKey() as ErrorCode;
  }

  /** The streams of the session now, this client's own included once published. */
  get streams(): StreamEvent[] {
    return [...this.#streams.values()];
  }

  /**
   * Wipes the session's keys, leaves the session without waiting (no 'disconnected' follows) and
   * frees it; idempotent. Its subscribers are destroyed (each emits 'disconnected' first if it
   * had not) and its publishers unpublished (a pending publish() rejects); the publishers stay
   * usable. Further calls throw OTC_E2EE_DELETED.
   */
  delete(): void {
    this.#native?.delete();
    this.#native = null;
    this.#endMedia();
    const pending = this.#connecting;
    this.#connecting = null;
    pending?.reject(new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the session is deleted'));
    const waiting = this.#disconnecting;
    this.#disconnecting = [];
    for (const resolve of waiting) resolve();
    this.#state = 'disconnected';
  }

  get deleted(): boolean {
    return this.#native === null;
  }
}
