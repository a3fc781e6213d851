// A browser session: the same calls, events and result codes as the Node API's Session
// (lib/session.ts), over the session protocol (docs/protocol.md) from the page, with the frame
// format (lib/web/e2ee) applied in a worker inside the media pipeline.
import type { SessionApi } from '../../api-surface';
import { ErrorCode } from '../../error-code';
import { OtcError } from '../../errors';
import {
  type ConnectionEvent, type EndReason, type SessionCapabilities, type SessionEvents, type SignalOptions, type StreamEvent, streamPropertyChange,
} from '../../session-types';
import { END_DISCONNECTED, END_FORCE_DISCONNECTED, END_LINK_DROPPED, END_SESSION_GONE, END_UNPUBLISHED, END_UNSUBSCRIBED, endFromServer } from './end-reason';
import { secretBytes } from '../e2ee/secret';
import { E2eeContext, insertableStreamsSupported } from './e2ee-context';
import { Emitter } from './emitter';
import { Publisher } from './publisher';
import { type IceConfig, type PeerIce, checkIceConfig, peerIce } from './ice-config';
import { Reconnector, reconnectable } from './reconnector';
import { type Reply, SignalingSocket, type ServerEvent } from './signaling';
import { CloseCode, type ConnectAck, type ConnectionRole, type OutgoingRequest } from '../../protocol/messages';
import { MAX_SIGNAL_DATA_BYTES, MAX_SIGNAL_TYPE_LENGTH } from '../../protocol/parse-request';
import { Subscriber, type SubscriberOptions } from './subscriber';

export interface SessionOptions {
  /** The session server's ws://host:port/v1/signaling (default: the server that served the page). */
  signalingUrl?: string;
  /** ICE servers of the page's own, relay only, or the server's TURN ignored (ice-config.ts). */
  iceConfig?: IceConfig;
}

const CONNECT_TIMEOUT_MS = 10_000;
const SDK = { name: 'node-otc-web', version: '0.1.0' };

/** How long `await using` waits for the server to acknowledge the disconnect. */
const DISPOSE_WAIT_MS = 5000;
export class Session extends Emitter<SessionEvents> implements SessionApi<Publisher, Subscriber> {
  readonly apiKey: string;
  readonly sessionId: string;
  readonly signalingUrl: string;
  readonly #iceConfig: IceConfig;
  /** This connection's ICE servers (the connect ack's and the page's). */
  #ice: PeerIce = { iceServers: [], iceTransportPolicy: 'all' };
  #socket: SignalingSocket | null = null;
  #state: 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'deleted' = 'disconnected';
  /** What a reconnection presents (docs/protocol.md, "Reconnecting"); cleared when disconnected. */
  #token = '';
  #reconnectToken = '';
  /** Requests made while reconnecting, sent once reconnected. */
  #waiting: Array<{ message: OutgoingRequest; done: (reply: Reply) => void }> = [];
  #connectionId = '';
  #e2eeSession = false;
  #mediaMode: 'relayed' | 'routed' = 'relayed';
  #e2ee: E2eeContext | null = null;
  #hasSecret = false;
  /** A secret was set and its key is not derived yet (encryptionKeyReady() waits). */
  #keyPending = false;
  #epochId: number | null = null;
  /** The session's forced-mute state (forceMuteAll until disableForceMute), as the server last said. */
  #forceMuteActive = false;
  /** The archive recording the session as last told ('' none): a start told again (a reconnection's catch-up) is reported once. */
  #archiveId = '';
  #role: ConnectionRole | null = null;
  readonly #streams = new Map<string, StreamEvent>();
  readonly #connections = new Map<string, ConnectionEvent>();
  /** Streams of this client's publishers, by stream id (published or being published). */
  readonly #publishers = new Map<string, Publisher>();
  readonly #pendingPublish = new Map<string, { publisher: Publisher; peerId: string; resolve: (s: StreamEvent) => void; reject: (e: OtcError) => void }>();
  readonly #subscribers = new Set<Subscriber>();

  constructor(apiKey: string, sessionId: string, options: SessionOptions = {}) {
    super();
    if (typeof apiKey !== 'string' || !apiKey) throw new TypeError('apiKey must be a non-empty string');
    if (typeof sessionId !== 'string' || !sessionId) throw new TypeError('sessionId must be a non-empty string');
    this.apiKey = apiKey;
    this.sessionId = sessionId;
    this.signalingUrl = options.signalingUrl ?? defaultSignalingUrl();
    this.#iceConfig = options.iceConfig === undefined ? {} : checkIceConfig(options.iceConfig);
  }

  get connectionId(): string {
    return this.#connectionId;
  }

  get isE2ee(): boolean {
    return this.#e2eeSession;
  }

  get mediaMode(): 'relayed' | 'routed' {
    return this.#mediaMode;
  }

  /** Whether the session's mute state is on: a moderator's forceMuteAll, until disableForceMute ('muteForced' says when it changes). */
  get forceMuteActive(): boolean {
    return this.#forceMuteActive;
  }

  get streams(): StreamEvent[] {
    return [...this.#streams.values()];
  }

  get subscribers(): Subscriber[] {
    return [...this.#subscribers];
  }

  /**
   * Sets (or replaces) the end-to-end encryption secret: OTC_SUCCESS, or
   * OTC_SESSION_INVALID_ENCRYPTION_SECRET (the previous secret stays). The key is derived in the
   * frame worker; 'encryptionKeyReady' says when it seals and opens. Frames of the old secret
   * still open for a grace period; publishers switch to the new key without renegotiating.
   * OTC_PUBLISHER_ENCRYPTION_INTERNAL_ERROR (6001) in a browser without insertable streams.
   */
  setEncryptionSecret(secret: string | Uint8Array): ErrorCode {
    if (this.#state === 'deleted') return ErrorCode.OTC_SESSION_ILLEGAL_STATE;
    const bytes = secretBytes(secret);
    if (!bytes) return ErrorCode.OTC_SESSION_INVALID_ENCRYPTION_SECRET;
    if (!insertableStreamsSupported()) {
      bytes.fill(0);
      return ErrorCode.OTC_PUBLISHER_ENCRYPTION_INTERNAL_ERROR;
    }
    this.#hasSecret = true;
    this.#keyPending = true;
    this.#keyRequest(this.#context().setSecret(this.sessionId, bytes));
    return ErrorCode.OTC_SUCCESS;
  }

  /** Resolves with the epoch id once the key of the secret last set is in use: at once (in a microtask) if it already is. */
  encryptionKeyReady(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const ready = (epochId: number): void => {
        this.off('error', failed);
        resolve(epochId);
      };
      const failed = (error: OtcError): void => {
        this.off('encryptionKeyReady', ready);
        reject(error);
      };
      this.once('encryptionKeyReady', ready);
      this.once('error', failed);
      // Checked after the current synchronous code, as in the Node API: a setEncryptionSecret()
      // right after this call is waited for.
      queueMicrotask(() => {
        if (this.#keyPending || this.#epochId === null) return;
        this.off('encryptionKeyReady', ready);
        this.off('error', failed);
        resolve(this.#epochId);
      });
    });
  }

  /** Moves this page's senders to the next ratchet step of the key (receivers follow by themselves). */
  ratchetEncryptionKey(): ErrorCode {
    if (!this.#e2ee || !this.#hasSecret) return ErrorCode.OTC_SESSION_ENCRYPTION_SECRET_MISSING;
    this.#keyRequest(this.#e2ee.ratchet());
    return ErrorCode.OTC_SUCCESS;
  }

  /**
   * Connects with a token of this session. Rejects with an OtcError: 1004 (token refused), 1005
   * (no such session), 1006 (server unreachable), 1021 (timed out), 6000 (an E2EE session
   * and no secret set).
   */
  async connect(token: string): Promise<void> {
    if (typeof token !== 'string' || !token) throw new TypeError('token must be a non-empty string');
    if (this.#state !== 'disconnected') throw new OtcError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, `the session is ${this.#state}`);
    this.#state = 'connecting';
    let socket: SignalingSocket;
    try {
      socket = await SignalingSocket.open(this.signalingUrl, CONNECT_TIMEOUT_MS);
    } catch (error) {
      this.#state = 'disconnected';
      throw new OtcError(ErrorCode.OTC_SESSION_CONNECTION_FAILED, error instanceof Error ? error.message : String(error));
    }
    this.#socket = socket;
    socket.onEvent = (event) => this.#onEvent(event);
    socket.onClose = (code, reason) => this.#onClosed(code, reason);
    const reply = await socket.request({ type: 'connect', token, sessionId: this.sessionId, sdk: SDK, e2ee: this.#hasSecret });
    if (!reply.ok) {
      this.#drop();
      throw new OtcError(reply.code, reply.message || 'the session server refused the connection');
    }
    const { ack } = reply;
    this.#e2eeSession = ack.session.e2ee;
    this.#mediaMode = ack.session.mediaMode;
    if (this.#e2eeSession && !this.#hasSecret) {
      void socket.request({ type: 'disconnect' });
      this.#drop();
      throw new OtcError(ErrorCode.OTC_SESSION_ENCRYPTION_SECRET_MISSING,
        'this session is end-to-end encrypted: set its encryption secret before connecting');
    }
    this.#connectionId = ack.connectionId;
    this.#forceMuteActive = ack.forceMuteActive === true;
    this.#role = ack.role;
    this.#ice = peerIce(ack.iceServers, this.#iceConfig);
    this.#token = token;
    this.#reconnectToken = ack.reconnectToken;
    this.#state = 'connected';
    this.emit('connected');
    for (const connection of ack.connections) this.#addConnection(connection);
    for (const stream of ack.streams) this.#addStream(stream);
  }

  /**
   * Leaves the session without waiting for the server (publishers stop, subscribers end, then
   * 'disconnected') and frees its frame worker and keys; idempotent. The session cannot be used
   * again. `await using` disconnects gracefully first.
   */
  delete(): void {
    if (this.#state === 'deleted') return;
    if (this.#state !== 'disconnected') {
      void this.#socket?.request({ type: 'disconnect' }).catch(() => undefined);
      this.#drop();
    }
    this.#e2ee?.close();
    this.#e2ee = null;
    this.#hasSecret = false;
    this.#state = 'deleted';
  }

  get deleted(): boolean {
    return this.#state === 'deleted';
  }

  /** For `await using`: disconnects (waiting at most 5 s), then delete(). Never rejects. */
  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.race([
      this.disconnect().catch(() => undefined),
      new Promise<void>((resolve) => setTimeout(resolve, DISPOSE_WAIT_MS)),
    ]);
    this.delete();
  }

  /** Leaves the session: publishers stop, subscribers end, then 'disconnected'. */
  async disconnect(): Promise<void> {
    const socket = this.#socket;
    if (this.#state === 'reconnecting') return this.#drop();
    if (!socket || this.#state === 'disconnected' || this.#state === 'deleted') return;
    await socket.request({ type: 'disconnect' });
    this.#drop();
  }

  /**
   * Publishes: acquires the publisher's media, then the server creates its stream. Rejects with
   * an OtcError: 1010 (not connected), 6000 (E2EE session without a secret), 1500 (refused, or
   * the media could not be acquired).
   */
  async publish(publisher: Publisher): Promise<StreamEvent> {
    this.#connected();
    if (this.#e2eeSession && !this.#hasSecret) {
      throw new OtcError(ErrorCode.OTC_PUBLISHER_ENCRYPTION_SECRET_MISSING, 'set the encryption secret before publishing');
    }
    let media;
    try {
      media = await publisher.acquire();
    } catch (error) {
      throw new OtcError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, `cannot get the media: ${error instanceof Error ? error.message : String(error)}`);
    }
    const { options } = publisher;
    const reply = await this.#request({
      type: 'publish', name: options.name, hasAudio: media.audio !== null && publisher.publishAudio,
      hasVideo: media.video !== null && publisher.publishVideo,
      videoType: options.videoSource === 'camera' ? 'camera' : 'custom', e2ee: this.#e2eeSession,
      videoCodec: media.video ? options.videoCodec : '', audioCodec: media.audio ? 'opus' : '',
    });
    if (!reply.ok) throw new OtcError(reply.code, reply.message || 'publishing was refused');
    const { streamId, peerId = '' } = reply.ack;
    // The server acks, then announces the stream to everyone, this client included.
    return new Promise<StreamEvent>((resolve, reject) => {
      this.#publishers.set(streamId, publisher);
      this.#pendingPublish.set(streamId, { publisher, peerId, resolve, reject });
    });
  }

  /** Stops publishing: the publisher emits 'streamDestroyed'. */
  unpublish(publisher: Publisher): ErrorCode {
    const streamId = publisher.stream?.streamId;
    if (!streamId || this.#publishers.get(streamId) !== publisher) return ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND;
    this.#publishers.delete(streamId);
    void this.#request({ type: 'unpublish', streamId });
    publisher.ended(END_UNPUBLISHED);
    return ErrorCode.OTC_SUCCESS;
  }

  /**
   * Subscribes to a stream of the session. Throws an OtcError: 1010 (not connected), 6000 (an
   * E2EE stream without a secret), 1604 (no such stream). Later failures are the subscriber's
   * 'error' events.
   */
  subscribe(stream: StreamEvent | string, options: SubscriberOptions = {}): Subscriber {
    this.#connected();
    const streamId = typeof stream === 'string' ? stream : stream.streamId;
    // Another client's stream, or one of this page's own (a page may watch what it publishes).
    const info = this.#streams.get(streamId) ?? this.#publishers.get(streamId)?.stream;
    if (!info) throw new OtcError(ErrorCode.OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM, 'no such stream in this session');
    if (info.e2ee && !this.#hasSecret) {
      throw new OtcError(ErrorCode.OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISSING, 'the stream is end-to-end encrypted: set the encryption secret first');
    }
    const subscriber = new Subscriber(info, {
      send: (message) => void this.#request(message),
      ice: this.#ice,
      e2ee: info.e2ee ? this.#e2ee : null,
      forget: (s) => this.#subscribers.delete(s),
    }, options);
    this.#subscribers.add(subscriber);
    void this.#request({ type: 'subscribe', streamId: info.streamId }).then((reply) => {
      if (reply.ok) {
        subscriber.accepted(reply.ack.peerId);
        return;
      }
      const code = reply.code === ErrorCode.OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM ? reply.code
        : reply.code === ErrorCode.OTC_SESSION_CONNECTION_TIMED_OUT ? ErrorCode.OTC_SUBSCRIBER_TIMED_OUT
          : ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR;
      subscriber.fail(code, `subscribe refused: ${reply.message || 'no reason given'}`);
      subscriber.end({ reason: 'unknown', code });
    });
    return subscriber;
  }

  /** Stops receiving: the subscriber emits 'disconnected'. */
  unsubscribe(subscriber: Subscriber): ErrorCode {
    if (!this.#subscribers.has(subscriber)) return ErrorCode.OTC_SESSION_SUBSCRIBER_NOT_FOUND;
    subscriber.end(END_UNSUBSCRIBED, true);
    return ErrorCode.OTC_SUCCESS;
  }

  /**
   * Sends a signal to one connection or everyone, as the Node API's sendSignal
   * (otc_session_send_signal): OTC_SUCCESS, or the limit broken (1414 type too long, 1461 bad
   * characters in the type, 1413 data over 8 KiB), or 1010 when not connected. While
   * reconnecting it waits for the reconnection. An error the server answers with arrives as
   * 'error'.
   */
  sendSignal(signal: SignalOptions): ErrorCode {
    if (typeof signal !== 'object' || signal === null) throw new TypeError('signal must be an object');
    const { type = '', data, to } = signal;
    if (typeof type !== 'string') throw new TypeError('signal.type must be a string');
    if (typeof data !== 'string') throw new TypeError('signal.data must be a string');
    if (to !== undefined && (typeof to !== 'string' || !to)) throw new TypeError('signal.to must be a connection id');
    if (this.#state !== 'connected' && this.#state !== 'reconnecting') return ErrorCode.OTC_SESSION_NOT_CONNECTED;
    if (type.length > MAX_SIGNAL_TYPE_LENGTH) return ErrorCode.OTC_SESSION_SIGNAL_TYPE_TOO_LONG;
    if (!/^[A-Za-z0-9_~-]*$/.test(type)) return ErrorCode.OTC_SESSION_INVALID_SIGNAL_TYPE;
    if (new TextEncoder().encode(data).length > MAX_SIGNAL_DATA_BYTES) return ErrorCode.OTC_SESSION_SIGNAL_DATA_TOO_LONG;
    void this.#request({ type: 'signal', data, ...(type ? { signalType: type } : {}), ...(to ? { to } : {}) }).then((reply) => {
      if (!reply.ok) this.#error(new OtcError(reply.code, reply.message || 'the signal was refused'));
    });
    return ErrorCode.OTC_SUCCESS;
  }

  /**
   * Makes the publisher of a stream mute its audio (a moderator token only): resolves once the
   * server has told it. Rejects with an OtcError: 1540 (OTC_UNABLE_TO_FORCE_MUTE: not a moderator,
   * or no such stream), 1010 (not connected), 1022 (the connection dropped).
   */
  async forceMuteStream(stream: StreamEvent | string): Promise<void> {
    const streamId = typeof stream === 'string' ? stream : (stream as Partial<StreamEvent> | null)?.streamId;
    if (typeof streamId !== 'string' || !streamId) throw new TypeError('stream must be a stream or a stream id');
    this.#connected();
    await this.#moderate({ type: 'forceMuteStream', streamId });
  }

  /**
   * Turns the session's mute state on (a moderator token only): every stream but the excluded
   * ones is muted, and so is every stream published until disableForceMute(); everyone's session
   * emits 'muteForced' { active: true }. A second call replaces the excluded streams. Rejects as
   * forceMuteStream (1011 for more than 1000 excluded streams).
   */
  async forceMuteAll(excludedStreams: Array<StreamEvent | string> = []): Promise<void> {
    if (!Array.isArray(excludedStreams)) throw new TypeError('excludedStreams must be an array of streams or stream ids');
    const excludedStreamIds = excludedStreams.map((stream) => {
      const id = typeof stream === 'string' ? stream : (stream as Partial<StreamEvent> | null)?.streamId;
      if (typeof id !== 'string' || !id) throw new TypeError('excludedStreams must hold streams or stream ids');
      return id;
    });
    this.#connected();
    await this.#moderate({ type: 'forceMuteAll', excludedStreamIds });
  }

  /** Turns the session's mute state off (a moderator token only); nobody is unmuted. Rejects as forceMuteStream. */
  async disableForceMute(): Promise<void> {
    this.#connected();
    await this.#moderate({ type: 'disableForceMute' });
  }

  /**
   * Removes a connection from the session (a moderator token only), as OpenTok.js's
   * forceDisconnect: resolves once the server has done it. That page's or client's session ends
   * with reason 'forceDisconnected' and no error; the others see 'connectionDestroyed' and
   * 'streamDestroyed' with that reason. Rejects with an OtcError: 1520
   * (OTC_UNABLE_TO_FORCE_DISCONNECT: not a moderator, or no such connection), 1010, 1022.
   */
  async forceDisconnect(connection: ConnectionEvent | string): Promise<void> {
    const connectionId = typeof connection === 'string' ? connection : (connection as Partial<ConnectionEvent> | null)?.connectionId;
    if (typeof connectionId !== 'string' || !connectionId) throw new TypeError('connection must be a connection or a connection id');
    this.#connected();
    await this.#moderate({ type: 'forceDisconnect', connectionId });
  }

  /**
   * Stops a stream, whoever publishes it (a moderator token only), as OpenTok.js's
   * forceUnpublish: resolves once the server has done it. Its publisher emits 'streamDestroyed'
   * with reason 'forceUnpublished' and may publish again. Rejects with an OtcError: 1535
   * (OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM: not a moderator, or no such stream), 1010, 1022.
   */
  async forceUnpublish(stream: StreamEvent | string): Promise<void> {
    const streamId = typeof stream === 'string' ? stream : (stream as Partial<StreamEvent> | null)?.streamId;
    if (typeof streamId !== 'string' || !streamId) throw new TypeError('stream must be a stream or a stream id');
    this.#connected();
    await this.#moderate({ type: 'forceUnpublish', streamId });
  }

  /** What the token lets this page do, as OpenTok.js's Session.capabilities (all false while not connected). */
  get capabilities(): SessionCapabilities {
    const connected = this.#state === 'connected' || this.#state === 'reconnecting';
    const moderator = connected && this.#role === 'moderator';
    return { publish: connected && this.#role !== 'subscriber', forceDisconnect: moderator, forceMute: moderator, forceUnpublish: moderator };
  }

  async #moderate(message: OutgoingRequest): Promise<void> {
    const reply = await this.#request(message);
    if (!reply.ok) throw new OtcError(reply.code, reply.message || `${message.type} was refused`);
  }

  /** Throws 1010 unless connected or reconnecting (then requests wait for the reconnection). */
  #connected(): void {
    if (this.#state !== 'connected' && this.#state !== 'reconnecting') {
      throw new OtcError(ErrorCode.OTC_SESSION_NOT_CONNECTED, 'the session is not connected');
    }
  }

  /** A request now, or once reconnected (at most 256 wait; more, or a give-up, answer 1022). */
  #request<R extends OutgoingRequest>(message: R): Promise<Reply<R['type']>> {
    if (this.#state === 'connected' && this.#socket) return this.#socket.request(message);
    if (this.#state !== 'reconnecting' || this.#waiting.length >= 256) {
      return Promise.resolve({ ok: false, code: ErrorCode.OTC_SESSION_CONNECTION_DROPPED,
        message: this.#state === 'reconnecting' ? 'more than 256 requests wait for the reconnection' : 'not connected to the session server' });
    }
    return new Promise((done) => this.#waiting.push({ message, done: done as (reply: Reply) => void }));
  }

  #context(): E2eeContext {
    this.#e2ee ??= new E2eeContext((subscriberId, event) => {
      for (const s of this.#subscribers) if (s.id === subscriberId) s.onEpisode(event);
    });
    return this.#e2ee;
  }

  #keyRequest(request: Promise<number>): void {
    request.then((epochId) => {
      this.#keyPending = false;
      this.#epochId = epochId;
      this.emit('encryptionKeyReady', epochId);
    }, (failure: { code: number; message: string }) => {
      this.#keyPending = false;
      this.#error(new OtcError(failure.code as ErrorCode, failure.message));
    });
  }

  #error(error: OtcError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else console.warn(error.message);
  }

  #addConnection(connection: ConnectionEvent): void {
    this.#connections.set(connection.connectionId, connection);
    this.emit('connectionCreated', connection);
  }

  #addStream(stream: StreamEvent): void {
    if (stream.connectionId === this.#connectionId) {
      const pending = this.#pendingPublish.get(stream.streamId);
      if (!pending) return;
      this.#pendingPublish.delete(stream.streamId);
      pending.publisher.published(stream, {
        send: (message) => void this.#request(message),
        ice: this.#ice,
        e2ee: this.#e2eeSession ? this.#e2ee : null,
        unpublish: () => void this.unpublish(pending.publisher),
      });
      pending.resolve(stream);
      if (pending.peerId) void pending.publisher.openPeer(pending.peerId);
      return;
    }
    if (this.#streams.has(stream.streamId)) return;  // reported by a reconnection's catch-up
    this.#streams.set(stream.streamId, stream);
    this.emit('streamCreated', stream);
  }

  #onEvent(event: ServerEvent): void {
    switch (event.type) {
      case 'connectionCreated': {
        const { connection } = event;
        // Known: reported by a reconnection's catch-up before this queued event.
        if (!this.#connections.has(connection.connectionId)) this.#addConnection(connection);
        break;
      }
      case 'connectionDestroyed': {
        const id = event.connectionId;
        if (!this.#connections.has(id)) break;  // reported gone by a reconnection's catch-up
        const connection = this.#connections.get(id) ?? { connectionId: id, data: '', creationTime: 0 };
        this.#connections.delete(id);
        this.emit('connectionDestroyed', connection, endFromServer(event.reason));
        break;
      }
      case 'streamCreated':
        this.#addStream(event.stream);
        break;
      case 'streamDestroyed': {
        const { streamId } = event;
        const end = endFromServer(event.reason);
        // Its subscribers end, this page's own among them when it watched its own stream.
        for (const s of [...this.#subscribers]) if (s.stream.streamId === streamId) s.end(end);
        const own = this.#publishers.get(streamId);
        if (own) {
          this.#publishers.delete(streamId);
          own.ended(end);
          break;
        }
        const stream = this.#streams.get(streamId);
        this.#streams.delete(streamId);
        if (stream) this.emit('streamDestroyed', stream, end);
        break;
      }
      case 'subscriberJoined':
        void this.#publishers.get(event.streamId)?.openPeer(event.peerId);
        break;
      case 'streamPropertyChanged': {
        // Another client's stream (this page's own publishers know their own values).
        const change = streamPropertyChange(this.#streams.get(event.streamId), event.property, event.value);
        if (!change) break;
        this.#streams.set(event.streamId, change.stream);
        this.emit('streamPropertyChanged', change.event);
        break;
      }
      case 'offer':
      case 'answer':
      case 'candidate':
      case 'peerClosed': {
        const { peerId } = event;
        // A page subscribed to its own relayed stream holds both ends of one peer: `to` says which
        // end an event is for (peerClosed is for both).
        const to = event.type === 'peerClosed' ? undefined : event.to;
        if (to !== 'publisher') {
          const subscriber = [...this.#subscribers].find((s) => s.peerId === peerId);
          if (subscriber) void subscriber.onPeerEvent(event);
          if (subscriber && event.type !== 'peerClosed') break;
        }
        if (to === 'subscriber') break;
        for (const publisher of this.#publishers.values()) {
          if (publisher.hasPeer(peerId)) void publisher.onPeerEvent(event);
        }
        break;
      }
      case 'signal':
        this.emit('signal', { type: event.signalType, data: event.data, from: event.from === '' ? null : event.from });
        break;
      case 'muteForced':
        // For one of this page's publishers (the server tells only the stream's owner).
        this.#publishers.get(event.streamId)?.forceMuted();
        break;
      case 'forceMuteChanged':
        // Reported when the state changes: a reconnection's catch-up may have reported this
        // queued event already (a second forceMuteAll mutes the publishers again all the same).
        if (event.active === this.#forceMuteActive) break;
        this.#forceMuteActive = event.active;
        this.emit('muteForced', { active: event.active });
        break;
      case 'archiveStarted':
        if (event.archiveId === this.#archiveId) break;
        this.#archiveId = event.archiveId;
        this.emit('archiveStarted', { id: event.archiveId, name: event.name });
        break;
      case 'archiveStopped':
        if (event.archiveId !== this.#archiveId) break;
        this.#archiveId = '';
        this.emit('archiveStopped', { id: event.archiveId });
    }
  }

  #onClosed(code: number, reason: string): void {
    const wasConnected = this.#state === 'connected';
    const why = `the session server closed the connection (${code}${reason ? `: ${reason}` : ''})`;
    if (wasConnected && this.#reconnectToken && reconnectable(code)) return this.#reconnect(why);
    if (code === CloseCode.FORCE_DISCONNECTED) return this.#drop(undefined, END_FORCE_DISCONNECTED);
    if (wasConnected && code !== 1000) {
      const error = new OtcError(ErrorCode.OTC_SESSION_CONNECTION_DROPPED, why);
      this.#error(error);
      this.#drop(error);
      return;
    }
    this.#drop();
  }

  /**
   * The socket dropped while connected: the connection (id, streams, publishers, subscribers and
   * their RTCPeerConnections) stays while a Reconnector tries (docs/protocol.md, "Reconnecting").
   */
  #reconnect(why: string): void {
    const old = this.#socket;
    this.#socket = null;
    if (old) {
      old.onClose = () => undefined;
      old.onEvent = () => undefined;
    }
    this.#state = 'reconnecting';
    this.emit('reconnecting');
    const reconnector = new Reconnector(this.signalingUrl, () => ({
      type: 'connect', token: this.#token, sessionId: this.sessionId, sdk: SDK, e2ee: this.#hasSecret,
      reconnect: { connectionId: this.#connectionId, reconnectToken: this.#reconnectToken },
    }), () => this.#state === 'reconnecting');
    void reconnector.run(why).then((outcome) => {
      if (this.#state !== 'reconnecting') {
        outcome.socket?.close();
        return;
      }
      if (!outcome.socket) {
        const error = new OtcError(ErrorCode.OTC_SESSION_CONNECTION_DROPPED, outcome.why);
        this.#error(error);
        this.#drop(error);
        return;
      }
      this.#reconnected(outcome.socket, outcome.ack, outcome.early);
    });
  }

  #reconnected(socket: SignalingSocket, ack: ConnectAck, early: ServerEvent[]): void {
    this.#socket = socket;
    socket.onEvent = (event) => this.#onEvent(event);
    socket.onClose = (code, reason) => this.#onClosed(code, reason);
    this.#reconnectToken = ack.reconnectToken;
    this.#state = 'connected';
    for (const { message, done } of this.#waiting.splice(0)) void socket.request(message).then(done);
    this.emit('reconnected');
    // What came and went meanwhile, against what the page knew (queued events after the ack
    // then find nothing new).
    const connections = new Map(ack.connections.map((c) => [c.connectionId, c]));
    const streams = new Map(ack.streams.filter((s) => s.connectionId !== this.#connectionId).map((s) => [s.streamId, s]));
    for (const streamId of [...this.#streams.keys()]) {
      if (!streams.has(streamId)) this.#onEvent({ type: 'streamDestroyed', streamId, reason: 'networkDisconnected' });
    }
    for (const id of [...this.#connections.keys()]) {
      if (!connections.has(id)) this.#onEvent({ type: 'connectionDestroyed', connectionId: id, reason: 'networkDisconnected' });
    }
    for (const connection of connections.values()) if (!this.#connections.has(connection.connectionId)) this.#addConnection(connection);
    for (const stream of streams.values()) if (!this.#streams.has(stream.streamId)) this.#addStream(stream);
    // Streams known before whose publisher changed them meanwhile: the changes missed, as events.
    for (const stream of streams.values()) {
      for (const property of ['hasAudio', 'hasVideo'] as const) {
        this.#onEvent({ type: 'streamPropertyChanged', streamId: stream.streamId, property, value: stream[property] });
      }
      if (stream.videoWidth !== undefined && stream.videoHeight !== undefined) {
        this.#onEvent({
          type: 'streamPropertyChanged', streamId: stream.streamId, property: 'videoDimensions',
          value: { width: stream.videoWidth, height: stream.videoHeight },
        });
      }
    }
    // The mute state changed meanwhile: reported as the event missed.
    const forceMuteActive = ack.forceMuteActive === true;
    if (forceMuteActive !== this.#forceMuteActive) this.#onEvent({ type: 'forceMuteChanged', active: forceMuteActive });
    for (const event of early) this.#onEvent(event);
  }

  /** Ends everything of this connection; 'disconnected' once if it was connected (with the reason when not asked for). */
  #drop(reason?: OtcError, ending?: EndReason): void {
    const socket = this.#socket;
    this.#socket = null;
    const wasConnected = this.#state === 'connected' || this.#state === 'reconnecting';
    this.#token = '';
    this.#reconnectToken = '';
    for (const { done } of this.#waiting.splice(0)) {
      done({ ok: false, code: ErrorCode.OTC_SESSION_CONNECTION_DROPPED, message: 'the session disconnected' });
    }
    this.#state = 'disconnected';
    if (socket) {
      socket.onClose = () => undefined;
      socket.onEvent = () => undefined;
      socket.close();
    }
    const end = ending ?? (reason ? END_LINK_DROPPED : END_DISCONNECTED);
    for (const s of [...this.#subscribers]) s.end(END_SESSION_GONE);
    for (const publisher of this.#publishers.values()) publisher.ended(end);
    this.#publishers.clear();
    for (const { reject } of this.#pendingPublish.values()) {
      reject(new OtcError(ErrorCode.OTC_PUBLISHER_SESSION_DISCONNECTED, 'the session disconnected before the stream was created'));
    }
    this.#pendingPublish.clear();
    this.#streams.clear();
    this.#connections.clear();
    this.#connectionId = '';
    this.#forceMuteActive = false;
    this.#archiveId = '';
    if (wasConnected) this.emit('disconnected', reason, end);
  }
}

function defaultSignalingUrl(): string {
  if (typeof location === 'undefined' || !/^https?:$/.test(location.protocol)) {
    throw new TypeError('signalingUrl is needed outside a page served by the session server');
  }
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/signaling`;
}
