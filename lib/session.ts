import { EventEmitter } from 'node:events';
import type { SessionApi } from './api-surface';
import { native, type NativeSession } from './binding';
import { emitError } from './emit-error';
import { ErrorCode } from './error-code';
import { OtcError, nativeCall, requireType } from './errors';
import { type IceConfig, checkIceConfig } from './ice-config';
import { Publisher, publisherInternals } from './publisher';
import { type Secret, isSecretType, validateSecret } from './secret';
import { type SubscribeOptions, Subscriber, subscriberInternals } from './subscriber';
import { type NativeSessionEvent, unknownNativeEvent } from './native-types';
import {
  type ConnectionEvent, type SessionCapabilities, type SessionEvents, type SignalOptions, type StreamEvent, streamPropertyChange,
} from './session-types';

export type {
  ArchiveStartedEvent, ArchiveStoppedEvent, ConnectionEvent, EndReason, SessionCapabilities, SessionEvents, SignalEvent, SignalOptions, StreamEvent, StreamProperty, StreamPropertyChangedEvent,
} from './session-types';

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

/** What idOf asks for, by the event's id field (the TypeError's text). */
const ID_WANTED = {
  streamId: 'a StreamEvent or a stream id',
  connectionId: 'a ConnectionEvent or a connection id',
} as const;

/**
 * The id of an event (its `field`: a StreamEvent's streamId, a ConnectionEvent's connectionId)
 * or an id given as a string; a TypeError naming `name` for anything else (the C API judges the id).
 */
function idOf(value: unknown, field: keyof typeof ID_WANTED, name: string): string {
  const id = typeof value === 'string' ? value
    : typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
  requireType(typeof id === 'string', name, ID_WANTED[field]);
  return id as string;
}

/** How long `await using` waits for a graceful disconnect before deleting anyway. */
const DISPOSE_WAIT_MS = 5000;

/**
 * A session, as `otc_session` in the C API: a session's identity, its end-to-end encryption
 * secret, and its connection to the session server (signals, connections and streams).
 * Publishers are published in it and its streams subscribed to (publish, subscribe). While
 * connecting or connected the session keeps the process alive; after 'disconnected' it lets go,
 * and its subscribers are deleted and its publishers unpublished.
 *
 * An EventEmitter: `await events.once(session, 'connected')` rejects if 'error' comes first.
 * The C core owns the connection state; this class keeps only what JS waits on.
 */
export class Session extends EventEmitter<SessionEvents> implements SessionApi<Publisher, Subscriber> {
  #native: NativeSession | null;
  // The addon holds this only weakly (so an unreferenced Session can be collected): keep it here.
  readonly #onEvent = (...event: NativeSessionEvent): void => this.#onNative(event);
  readonly apiKey: string;
  readonly sessionId: string;
  /** The pending connect(): settled by 'connected', or by the error ending the attempt (the C API's contract). */
  #connecting: { resolve: () => void; reject: (error: OtcError) => void } | null = null;
  #disconnecting: Array<() => void> = [];
  /** A secret was set and its key is not derived yet (encryptionKeyReady() waits). */
  #keyPending = false;
  #keyWaiters: Array<{ resolve: (epochId: number) => void; reject: (error: OtcError) => void }> = [];
  /** The session's mute state as the events delivered so far said (forceMuteActive). */
  #forceMuteActive = false;
  /** The 1022 error that precedes a 'disconnected' the session did not ask for (its reason). */
  #dropped: OtcError | undefined;
  /** Streams of the session now (from 'streamCreated', and this client's own): subscribe(id) needs them. */
  readonly #streams = new Map<string, StreamEvent>();
  /** Publishers published (or being published) in this session. */
  readonly #publishers = new Set<Publisher>();
  /** Subscribers made from this session's streams and not deleted. */
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

  #onNative(event: NativeSessionEvent): void {
    switch (event[0]) {
      case 'encryptionKeyReady': {
        this.#keyPending = false;
        const waiting = this.#keyWaiters;
        this.#keyWaiters = [];
        for (const waiter of waiting) waiter.resolve(event[1]);
        this.emit('encryptionKeyReady', event[1]);
        return;
      }
      case 'connected': {
        this.#forceMuteActive = event[1];
        const pending = this.#connecting;
        this.#connecting = null;
        pending?.resolve();
        this.emit('connected');
        return;
      }
      case 'disconnected': {
        this.#forceMuteActive = false;
        this.#endMedia();
        const pending = this.#connecting;
        this.#connecting = null;
        pending?.reject(new OtcError(ErrorCode.OTC_SESSION_CONNECTION_FAILED, 'disconnected while connecting'));
        const waiting = this.#disconnecting;
        this.#disconnecting = [];
        for (const resolve of waiting) resolve();
        const reason = this.#dropped;
        this.#dropped = undefined;
        this.emit('disconnected', reason, event[1]);
        return;
      }
      case 'reconnecting':
      case 'reconnected':
        this.emit(event[0]);
        return;
      case 'connectionCreated':
        this.emit('connectionCreated', event[1]);
        return;
      case 'connectionDestroyed':
        this.emit('connectionDestroyed', event[1], event[2]);
        return;
      case 'streamCreated':
        this.#streams.set(event[1].streamId, event[1]);
        this.emit('streamCreated', event[1]);
        return;
      case 'streamDestroyed':
        this.#streams.delete(event[1].streamId);
        this.emit('streamDestroyed', event[1], event[2]);
        return;
      case 'signal':
        this.emit('signal', { type: event[1], data: event[2], from: event[3] === '' ? null : event[3] });
        return;
      case 'streamPropertyChanged': {
        const change = streamPropertyChange(this.#streams.get(event[1].streamId), event[2], event[3]);
        if (!change) return;
        this.#streams.set(change.stream.streamId, change.stream);
        this.emit('streamPropertyChanged', change.event);
        return;
      }
      case 'muteForced':
        // Reported once per change of the mute state, as the browser client does; a moderator's
        // mute of one stream is its Publisher's 'muteForced' alone.
        if (event[1] === this.#forceMuteActive) return;
        this.#forceMuteActive = event[1];
        this.emit('muteForced', { active: event[1] });
        return;
      case 'archiveStarted':
        this.emit('archiveStarted', { id: event[1], name: event[2] });
        return;
      case 'archiveStopped':
        this.emit('archiveStopped', { id: event[1] });
        return;
      case 'error':
        this.#onError(new OtcError(event[1] as ErrorCode, event[2]));
        return;
      default:
        unknownNativeEvent(event);
    }
  }

  #onError(error: OtcError): void {
    if (this.#keyPending && error.code === ErrorCode.OTC_SESSION_INTERNAL_ERROR) {
      // The key derivation failed (the only error the secret's installer reports): it ends no
      // connection attempt, only what waits for the key.
      this.#keyPending = false;
      const waiting = this.#keyWaiters;
      this.#keyWaiters = [];
      for (const waiter of waiting) waiter.reject(error);
      emitError(this, error, 'OtcSessionWarning');
      return;
    }
    if (this.#connecting) {
      // otc_session_connect's contract: any other error while connecting ends the attempt.
      // connect() rejects with it; 'error' listeners (an events.once(session, 'connected') among
      // them) hear it too, but nobody listening is no reason for a warning: the promise reports it.
      const pending = this.#connecting;
      this.#connecting = null;
      pending.reject(error);
      if (this.listenerCount('error') > 0) this.emit('error', error);
      return;
    }
    // 'disconnected' follows and carries it as its reason.
    if (error.code === ErrorCode.OTC_SESSION_CONNECTION_DROPPED) this.#dropped = error;
    emitError(this, error, 'OtcSessionWarning');
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
    const status = handle.setEncryptionSecret(secret) as ErrorCode;
    if (status === ErrorCode.OTC_SUCCESS) this.#keyPending = true;
    return status;
  }

  /** The epoch id of the key in use, or null while none is derived yet. */
  get encryptionEpoch(): number | null {
    return this.#live().getEncryptionEpoch();
  }

  get hasEncryptionSecret(): boolean {
    return this.#live().hasEncryptionSecret();
  }

  /**
   * Resolves with the epoch id once the key of the secret last set is in use: at once (in a
   * microtask, so a setEncryptionSecret() right after the call counts) when it already is, else
   * at the next 'encryptionKeyReady'. Rejects with OTC_SESSION_INTERNAL_ERROR
   * if the derivation fails, OTC_E2EE_DELETED if the session is deleted first.
   */
  encryptionKeyReady(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#live();
      this.#keyWaiters.push({ resolve, reject });
      // Checked after the current synchronous code: `const ready = session.encryptionKeyReady();
      // session.setEncryptionSecret(s)` waits for the key of s, not the one in use before.
      queueMicrotask(() => {
        const epoch = this.#native?.getEncryptionEpoch() ?? null;
        if (this.#keyPending || epoch === null) return;
        const waiting = this.#keyWaiters;
        this.#keyWaiters = [];
        for (const waiter of waiting) waiter.resolve(epoch);
      });
    });
  }

  /**
   * Connects with a client token. Resolves once connected; rejects with an OtcError whose code
   * says why not (1004 token refused, 1005 wrong or unknown session, 1006 server unreachable or
   * no signaling URL, 6000 an end-to-end encrypted session and no secret set).
   */
  connect(token: string): Promise<void> {
    requireType(typeof token === 'string' && token.length > 0, 'token', 'a non-empty string');
    return new Promise<void>((resolve, reject) => {
      // OTC_SESSION_ILLEGAL_STATE when already connecting or connected: the C core says.
      const status = this.#live().connect(token);
      if (status !== ErrorCode.OTC_SUCCESS) {
        reject(new OtcError(status as ErrorCode));
        return;
      }
      this.#connecting = { resolve, reject };
    });
  }

  /** Leaves the session; resolves once disconnected (at once when not connected or connecting). */
  disconnect(): Promise<void> {
    const handle = this.#native;
    if (!handle) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const joining = this.#disconnecting.length > 0;
      this.#disconnecting.push(resolve);
      // OTC_SESSION_ILLEGAL_STATE: not connected, so nothing to wait for.
      if (!joining && handle.disconnect() !== ErrorCode.OTC_SUCCESS) {
        const waiting = this.#disconnecting;
        this.#disconnecting = [];
        for (const done of waiting) done();
      }
    });
  }

  /**
   * Sends a signal to every client of the session, or to the connection `to` (as
   * otc_session_send_signal): OTC_SUCCESS, or the limit broken (type: 1414 too long, 1461 bad
   * characters; data: 1413 over 8 KiB; to: 1011 over 128 bytes), or 1010 when not connected.
   * Errors the server answers with arrive as 'error'.
   */
  sendSignal(signal: SignalOptions): ErrorCode {
    requireType(typeof signal === 'object' && signal !== null, 'signal', 'an object');
    const { type = '', data, to } = signal;
    requireType(typeof type === 'string', 'signal.type', 'a string');
    requireType(typeof data === 'string', 'signal.data', 'a string');
    requireType(to === undefined || (typeof to === 'string' && to.length > 0), 'signal.to', 'a connection id');
    return this.#live().sendSignal(type, data, to ?? null) as ErrorCode;
  }

  /** This client's connection id while connected, else null. */
  get connectionId(): string | null {
    return this.#native ? this.#native.getConnectionId() : null;
  }

  /**
   * Whether the session's mute state is on: a moderator's forceMuteAll, until disableForceMute
   * ('muteForced' says when it changes); known once connected, false while not connected.
   */
  get forceMuteActive(): boolean {
    return this.#forceMuteActive;
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
   * first, or at once for a deleted session or publisher. Throws a TypeError for a non-Publisher.
   */
  publish(publisher: Publisher): Promise<StreamEvent> {
    requireType(publisher instanceof Publisher, 'publisher', 'a Publisher');
    return new Promise<StreamEvent>((resolve, reject) => {
      const handle = this.#live();
      const nativePublisher = publisherInternals.native(publisher);
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
        unpublish: () => (this.#native ? this.unpublish(publisher) : ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND),
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
    if (publisher.deleted) return ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND;
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
   * options.verifyOnly: receive without decoding (Subscriber.verifyStats()).
   */
  subscribe(stream: StreamEvent | string, options: SubscribeOptions = {}): Subscriber {
    requireType(typeof options === 'object' && options !== null, 'options', 'an object');
    const verifyOnly = options.verifyOnly ?? false;
    requireType(typeof verifyOnly === 'boolean', 'options.verifyOnly', 'a boolean');
    const id = idOf(stream, 'streamId', 'stream');
    requireType(id.length > 0, 'stream', ID_WANTED.streamId);
    const handle = this.#live();
    const known = this.#streams.get(id) ?? (typeof stream === 'object' ? stream : undefined);
    if (!known) throw new OtcError(ErrorCode.OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM, `the session has no stream ${id}`);
    const subscriber = subscriberInternals.create(handle, known, (gone) => this.#subscribers.delete(gone));
    // Before subscribing: not one frame is decoded.
    if (verifyOnly) subscriber.setVerifyOnly(true);
    const status = handle.subscribe(subscriberInternals.native(subscriber));
    if (status !== ErrorCode.OTC_SUCCESS) {
      subscriber.delete();
      throw new OtcError(status as ErrorCode);
    }
    this.#subscribers.add(subscriber);
    return subscriber;
  }

  /**
   * Stops receiving (as otc_session_unsubscribe): OTC_SUCCESS, then the subscriber emits
   * 'disconnected'; OTC_SESSION_SUBSCRIBER_NOT_FOUND when it is not subscribed in this session.
   * The subscriber stays usable for stats until delete().
   */
  unsubscribe(subscriber: Subscriber): ErrorCode {
    requireType(subscriber instanceof Subscriber, 'subscriber', 'a Subscriber');
    const handle = this.#live();
    if (subscriber.deleted) return ErrorCode.OTC_SESSION_SUBSCRIBER_NOT_FOUND;
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

  /**
   * For a client whose token has the moderator role: mutes one stream of the session, whoever
   * publishes it (as otc_session_force_mute_stream). Returns OTC_SUCCESS once the request is on
   * its way, OTC_SESSION_NULL_OR_INVALID_PARAMETER (1011) for an empty id or one over 128 bytes,
   * OTC_SESSION_NOT_CONNECTED (1010). The server's refusal (not a moderator, no such stream)
   * arrives as 'error' with OTC_UNABLE_TO_FORCE_MUTE (1540). The stream's publisher stops
   * sending audio as its setPublishAudio(false) does (the other sessions see
   * 'streamPropertyChanged' hasAudio false) and emits 'muteForced'. Throws a TypeError for an
   * argument of the wrong type.
   */
  forceMuteStream(stream: StreamEvent | string): ErrorCode {
    const streamId = idOf(stream, 'streamId', 'stream');
    return this.#live().forceMuteStream(streamId) as ErrorCode;
  }

  /**
   * For a moderator: turns the session's mute state on (as otc_session_force_mute_all): every
   * stream but the ones excluded is muted, and streams published later too, until
   * disableForceMute(). Every session emits 'muteForced' { active: true } (once: a second call
   * while it is on mutes again and replaces the excluded streams); each publisher muted emits
   * 'muteForced'. Codes and refusals as forceMuteStream (1011 also for more than 1000 excluded
   * streams).
   */
  forceMuteAll(excludedStreams: ReadonlyArray<StreamEvent | string> = []): ErrorCode {
    requireType(Array.isArray(excludedStreams), 'excludedStreams', 'an array of StreamEvents or stream ids');
    const ids = excludedStreams.map((stream, index) => idOf(stream, 'streamId', `excludedStreams[${index}]`));
    return this.#live().forceMuteAll(ids) as ErrorCode;
  }

  /**
   * For a moderator: turns the session's mute state off (as otc_session_disable_force_mute):
   * streams published from now on keep their audio; nobody is unmuted. Every session emits
   * 'muteForced' { active: false } (when it was on). Codes and refusals as forceMuteStream.
   */
  disableForceMute(): ErrorCode {
    return this.#live().disableForceMute() as ErrorCode;
  }

  /**
   * For a moderator: removes a connection from the session (as otc_session_force_disconnect and
   * OpenTok.js's forceDisconnect). Returns OTC_SUCCESS once the request is on its way,
   * OTC_SESSION_NULL_OR_INVALID_PARAMETER (1011) for an empty id or one over 128 bytes,
   * OTC_SESSION_NOT_CONNECTED (1010). The server's refusal (not a moderator, no such
   * connection) arrives as 'error' with OTC_UNABLE_TO_FORCE_DISCONNECT (1520). That client's
   * session emits 'disconnected' with reason 'forceDisconnected' and no error (and does not
   * reconnect); the others 'connectionDestroyed' and 'streamDestroyed' with that reason. Throws a
   * TypeError for an argument of the wrong type.
   */
  forceDisconnect(connection: ConnectionEvent | string): ErrorCode {
    const id = idOf(connection, 'connectionId', 'connection');
    return this.#live().forceDisconnect(id) as ErrorCode;
  }

  /**
   * For a moderator: stops a stream, whoever publishes it (as OpenTok.js's forceUnpublish; the C
   * API's node-otc addition otc_session_force_unpublish). Codes as forceDisconnect; the server's
   * refusal arrives as 'error' with OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM (1535). Its
   * publisher emits 'streamDestroyed' with reason 'forceUnpublished' (a publish() still pending
   * rejects) and may be published again; the other sessions emit 'streamDestroyed' with that
   * reason, and its subscribers end.
   */
  forceUnpublish(stream: StreamEvent | string): ErrorCode {
    return this.#live().forceUnpublish(idOf(stream, 'streamId', 'stream')) as ErrorCode;
  }

  /**
   * What this client's token lets it do (as otc_session_get_capabilities): a moderator's token
   * may force disconnects, muting and unpublishing. All false while not connected.
   */
  get capabilities(): SessionCapabilities {
    if (!this.#native) return { publish: false, forceDisconnect: false, forceMute: false, forceUnpublish: false };
    return this.#native.getCapabilities();
  }

  /** The streams of the session now, this client's own included once published. */
  get streams(): StreamEvent[] {
    return [...this.#streams.values()];
  }

  /**
   * Wipes the session's keys, leaves the session without waiting (no 'disconnected' follows) and
   * frees it (otc_session_delete); idempotent. Its subscribers are deleted (each emits 'disconnected' first if it
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
    const keyWaiters = this.#keyWaiters;
    this.#keyWaiters = [];
    for (const waiter of keyWaiters) waiter.reject(new OtcError(ErrorCode.OTC_E2EE_DELETED, 'the session is deleted'));
  }

  /** delete(), for `using session = new Session(...)`. */
  [Symbol.dispose](): void {
    this.delete();
  }

  /**
   * For `await using`: disconnects (waiting at most 5 s for 'disconnected'), then delete().
   * Never rejects: disposal must not hide the error that left the block.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#native) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.disconnect(),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, DISPOSE_WAIT_MS); }),
      ]);
      clearTimeout(timer);
    }
    this.delete();
  }

  /** Whether delete() was called. */
  get deleted(): boolean {
    return this.#native === null;
  }
}
