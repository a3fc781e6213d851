import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { ErrorCode } from '../error-code';
import {
  CloseCode, REQUEST_TYPES, SIGNALING_PATH, SIGNALING_SUBPROTOCOL,
  type ConnectionDestroyedReason, type PeerClosedReason, type RequestType, type ServerMessage, type StreamDestroyedReason,
  type StreamInfo, type VideoType,
} from './messages';
import type { IceServer } from './ice-servers';
import { type MediaRouter, publisherPeerKey, streamOfPublisherPeer } from './router/media-router';
import { Admission } from './admission';
import { DEFAULT_LIMITS, type ServerLimits } from './limits';
import { TokenBucket } from './rate-limiter';
import { closeReason, parseRequestTarget } from './request-target';
import { forLog } from './sanitize';
import { DEFAULT_RECONNECT_GRACE_MS, DetachedConnections, ReconnectTokens } from './reconnection';
import type { ConnectionRecord, PeerRecord, RestoredConnection, SessionRecord, SessionStore } from './session-store';
import { verifyToken } from './tokens';

export interface SignalingOptions {
  store: SessionStore;
  apiKey: string;
  apiSecret: string;
  /** WebSocket ping period, ms (default 5000). */
  pingIntervalMs?: number;
  /** A connected client silent to pings this long is dropped, ms (default 15000). */
  pongTimeoutMs?: number;
  /** The first message must be `connect` within this time, ms (default 10000). */
  connectTimeoutMs?: number;
  /** Largest accepted WebSocket message, bytes (default: limits.maxMessageBytes). */
  maxPayload?: number;
  /** Limits per connection, token, address and session (default DEFAULT_LIMITS). */
  limits?: ServerLimits;
  /** The server's socket and connection counts (default: one of its own). */
  admission?: Admission;
  /** The media router of routed sessions; without one they answer ROUTED_UNAVAILABLE. */
  router?: MediaRouter;
  /** The connect ack's `iceServers` for a new connection (ice-servers.ts); none without it. */
  iceServersFor?: (connectionId: string) => IceServer[];
  /** A connection whose socket dropped is kept this long for its client to reconnect, ms (default 60000). */
  reconnectGraceMs?: number;
  log?: (line: string) => void;
}

/** Largest `signal` data, bytes of UTF-8. */
export const MAX_SIGNAL_DATA_BYTES = 8 * 1024;
/** Largest `signalType`, characters. */
export const MAX_SIGNAL_TYPE_LENGTH = 128;
const MAX_SDP_LENGTH = 256 * 1024;
const MAX_CANDIDATE_LENGTH = 4096;
const MAX_NAME_LENGTH = 1024;
const VIDEO_TYPES: readonly VideoType[] = ['camera', 'screen', 'custom'];
/** What a routed session answers when the server runs without a media router (Janus). */
export const ROUTED_UNAVAILABLE = 'routed media is not available: this server runs without a media router';
/** Largest message before `connect` (a token is at most 16 KiB), bytes. */
export const UNAUTHENTICATED_MESSAGE_BYTES = 32 * 1024;

interface WsReceiver {
  _maxPayload?: number;
  prependListener?: (event: string, listener: (err: Error & { code?: string }) => void) => void;
}

/** ws's frame parser of a socket (a private field of ws 8: used only to bound and explain message sizes). */
function receiverOf(ws: WebSocket): WsReceiver | undefined {
  return (ws as unknown as { _receiver?: WsReceiver })._receiver;
}

/** The `from` of negotiation the router sends. */
const ROUTER = 'router';

class RequestError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

interface Client {
  ws: WebSocket;
  socket: Socket;
  remote: string;
  /** Its request rate (limits.messagesPerSecond, messageBurst). */
  bucket: TokenBucket;
  /** Gives back its per-address and per-token counts (set once connected). */
  release?: () => void;
  connectTimer?: NodeJS.Timeout;
  session?: SessionRecord;
  conn?: ConnectionRecord;
  lastPong: number;
  /** Set once the socket is being closed by us or by the peer: no further requests are served. */
  closing: boolean;
  /** Closed by the server for a reason of its own (its connection is dropped, not kept for a reconnection). */
  closedByServer?: boolean;
}

type Fields = Record<string, unknown>;

function str(req: Fields, name: string, { optional = false, max = Infinity } = {}): string | undefined {
  const value = req[name];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || value === '' && !optional) {
    throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, `${name} must be a non-empty string`);
  }
  if (value.length > max) throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, `${name} is longer than ${max}`);
  return value;
}

function bool(req: Fields, name: string, fallback: boolean): boolean {
  const value = req[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, `${name} must be a boolean`);
  return value;
}

function readCandidate(req: Fields): { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } {
  const candidate = str(req, 'candidate', { optional: true, max: MAX_CANDIDATE_LENGTH }) ?? '';
  const sdpMid = req['sdpMid'] ?? null;
  const sdpMLineIndex = req['sdpMLineIndex'] ?? null;
  if (sdpMid !== null && (typeof sdpMid !== 'string' || sdpMid.length > 64)) {
    throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'sdpMid must be a string or null');
  }
  if (sdpMLineIndex !== null && !(Number.isInteger(sdpMLineIndex) && (sdpMLineIndex as number) >= 0)) {
    throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'sdpMLineIndex must be a non-negative integer or null');
  }
  return { candidate, sdpMid: sdpMid as string | null, sdpMLineIndex: sdpMLineIndex as number | null };
}

/** What the router needs to know of a session. */
function routedSession(session: SessionRecord): { sessionId: string; e2ee: boolean; record: boolean } {
  return { sessionId: session.sessionId, e2ee: session.e2ee, record: session.archiveMode === 'always' };
}

/** The signaling WebSocket endpoint (docs/protocol.md section 3). */
export class SignalingServer {
  readonly #opts: Required<Omit<SignalingOptions, 'log' | 'router' | 'iceServersFor'>> & Pick<SignalingOptions, 'log' | 'router' | 'iceServersFor'>;
  readonly #limits: ServerLimits;
  readonly #wss: WebSocketServer;
  readonly #clients = new Set<Client>();
  readonly #byConnectionId = new Map<string, Client>();
  readonly #pingTimer: NodeJS.Timeout;
  readonly #reconnectTokens: ReconnectTokens;
  /** Connections whose socket dropped, kept for a reconnection (reconnection.ts). */
  readonly #detached: DetachedConnections<SessionRecord>;
  #lastTick = performance.now();
  #closed = false;

  constructor(opts: SignalingOptions) {
    const limits = opts.limits ?? { ...DEFAULT_LIMITS };
    this.#limits = limits;
    this.#opts = {
      pingIntervalMs: 5000, pongTimeoutMs: 15000, connectTimeoutMs: limits.connectTimeoutMs, maxPayload: limits.maxMessageBytes,
      limits, admission: opts.admission ?? new Admission(limits), reconnectGraceMs: DEFAULT_RECONNECT_GRACE_MS, ...opts,
    };
    this.#reconnectTokens = new ReconnectTokens(this.#opts.apiSecret);
    this.#detached = new DetachedConnections<SessionRecord>({
      graceMs: this.#opts.reconnectGraceMs,
      onExpire: (connectionId, session, why) => {
        this.#log(`drop ${connectionId}: ${why}`);
        this.#removeConnection(session, connectionId, 'networkDisconnected');
      },
    });
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#opts.maxPayload,
      clientTracking: false,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(SIGNALING_SUBPROTOCOL) ? SIGNALING_SUBPROTOCOL : false),
    });
    this.#pingTimer = setInterval(() => this.#livenessTick(), this.#opts.pingIntervalMs);
    this.#pingTimer.unref();
    this.#opts.router?.on('peerLost', this.#onPeerLost);
  }

  readonly #onPeerLost = (sessionId: string, peerKey: string, reason: string, recoverable: boolean): void =>
    this.#routedPeerLost(sessionId, peerKey, reason, recoverable);
  /** Routed publishers read back after a restart whose router peers are to be healed when they reconnect. */
  readonly #routerLostByRestart = new Set<string>();
  /** Routed subscriptions being negotiated again with the router (routerRestarted), by peerId. */
  readonly #resubscribing = new Set<string>();
  /** Routed subscriptions whose ICE restart the router is making: one at a time each. */
  readonly #iceRestarting = new Set<string>();

  /** Connected (past `connect`) clients. */
  get connectionCount(): number {
    return this.#byConnectionId.size;
  }

  /** Connections kept for a reconnection (their socket dropped); connectionCount does not count them. */
  get detachedCount(): number {
    return this.#detached.size;
  }

  /**
   * Handles an HTTP upgrade; anything but the signaling path with its subprotocol is refused.
   * Whatever a stranger sends here is answered or dropped, never thrown.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
      // A stranger that does not read the answer does not keep the socket.
      setTimeout(() => socket.destroy(), 2000).unref();
    };
    socket.on('error', () => undefined); // a reset mid-handshake is the stranger's business
    try {
      if (this.#closed) return refuse(503, 'Service Unavailable');
      const target = parseRequestTarget(req.url);
      if (!target) return refuse(400, 'Bad Request');
      if (target.pathname !== SIGNALING_PATH) return refuse(404, 'Not Found');
      const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
      if (!offered.includes(SIGNALING_SUBPROTOCOL)) return refuse(400, 'Bad Request');
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req));
    } catch (err) {
      this.#log(`upgrade refused: ${(err as Error).message}`);
      if (socket.writable) refuse(400, 'Bad Request');
      else socket.destroy();
    }
  }

  /** Closes every socket with `code` and resolves once all are closed (terminating stragglers). */
  async closeAll(code: number = CloseCode.SERVER_SHUTTING_DOWN, reason = 'server shutting down'): Promise<void> {
    this.#closed = true;
    clearInterval(this.#pingTimer);
    this.#opts.router?.off('peerLost', this.#onPeerLost);
    const waits: Promise<void>[] = [];
    for (const client of this.#clients) {
      client.closing = true;
      if (client.connectTimer) clearTimeout(client.connectTimer);
      if (client.ws.readyState === WebSocket.CLOSED) continue;
      waits.push(new Promise<void>((resolve) => {
        const timer = setTimeout(() => client.ws.terminate(), 1000);
        client.ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      }));
      client.ws.close(code, reason);
    }
    await Promise.all(waits);
    this.#detached.clear();
    this.#wss.close();
  }

  /** Every line is sanitized here: parts of it may come from clients (control characters escaped, length capped). */
  #log(line: string): void {
    this.#opts.log?.(forLog(line, 2000));
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const client: Client = {
      ws, socket: req.socket, remote: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`, lastPong: Date.now(), closing: false,
      bucket: new TokenBucket(this.#limits.messagesPerSecond, this.#limits.messageBurst),
    };
    this.#clients.add(client);
    this.#sayWhyTooBig(ws);
    client.connectTimer = setTimeout(() => this.#close(client, CloseCode.CONNECT_TIMEOUT, 'connect timeout'), this.#opts.connectTimeoutMs);
    ws.on('pong', () => {
      client.lastPong = Date.now();
    });
    ws.on('message', (data, isBinary) => this.#onMessage(client, data, isBinary));
    ws.on('error', () => undefined); // 'close' follows
    ws.on('close', () => {
      if (client.connectTimer) clearTimeout(client.connectTimer);
      this.#clients.delete(client);
      client.closing = true;
      // Gone without `disconnect`: kept for a reconnection, unless the server closed it on purpose.
      if (client.closedByServer || this.#closed) this.#leave(client, 'networkDisconnected');
      else this.#detach(client);
    });
  }

  /**
   * ws closes a connection that sends a message over maxPayload with 1009 and an empty reason;
   * its receiver's 'error' is heard here first, so the close carries the limit instead (ws's own
   * close(1009) that follows finds the socket closing and does nothing). Until `connect` the
   * limit is UNAUTHENTICATED_MESSAGE_BYTES (a stranger's socket costs that much, not a full
   * message); both go through the receiver's private field, and without it (another ws) the one
   * limit of the server applies throughout.
   */
  #sayWhyTooBig(ws: WebSocket): void {
    const receiver = receiverOf(ws);
    if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = Math.min(UNAUTHENTICATED_MESSAGE_BYTES, this.#opts.maxPayload);
    receiver?.prependListener?.('error', (err) => {
      if (err.code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || ws.readyState !== WebSocket.OPEN) return;
      const limit = typeof receiver._maxPayload === 'number' ? receiver._maxPayload : this.#opts.maxPayload;
      ws.close(CloseCode.MESSAGE_TOO_BIG, closeReason(`message larger than ${limit} bytes${this.#connected(ws) ? '' : ' before connect'}`));
    });
  }

  /** Whether the socket's client passed `connect`. */
  #connected(ws: WebSocket): boolean {
    for (const client of this.#clients) if (client.ws === ws) return client.conn !== undefined;
    return false;
  }

  /** A client passed `connect`: its messages may be as large as the server's limit. */
  #allowFullMessages(client: Client): void {
    const receiver = receiverOf(client.ws);
    if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = this.#opts.maxPayload;
  }

  #livenessTick(): void {
    const now = Date.now();
    const tick = performance.now();
    // A tick that comes late means this process did not run (a long task, a stopped VM): the
    // clients' pongs could not be read meanwhile, so that time does not count against them.
    const late = tick - this.#lastTick - this.#opts.pingIntervalMs;
    this.#lastTick = tick;
    if (late > this.#opts.pingIntervalMs / 2) {
      this.#log(`liveness tick ${Math.round(late)} ms late: not counted against clients`);
      for (const client of this.#clients) client.lastPong += late;
    }
    for (const client of this.#clients) {
      if (!client.conn || client.closing) continue;
      if (now - client.lastPong > this.#opts.pongTimeoutMs) {
        this.#log(`detach ${client.conn.info.connectionId}: no pong for ${now - client.lastPong} ms`);
        client.closing = true;
        this.#detach(client);
        client.ws.terminate();
      } else {
        client.ws.ping();
      }
    }
  }

  #send(client: Client, message: ServerMessage): void {
    this.#sendText(client, JSON.stringify(message));
  }

  /**
   * Sends unless the client has more than maxBufferedBytes waiting already: then it is closed
   * with 4007 (a client that does not read is never buffered for without bound).
   */
  #sendText(client: Client, text: string): void {
    if (client.ws.readyState !== WebSocket.OPEN || client.closing) return;
    if (client.ws.bufferedAmount + text.length > this.#limits.maxBufferedBytes) {
      this.#close(client, CloseCode.SLOW_CONSUMER, `more than ${this.#limits.maxBufferedBytes} bytes unsent: the client does not read`);
      // Its close frame waits behind what it does not read: free the socket soon instead.
      setTimeout(() => client.ws.terminate(), 1000).unref();
      return;
    }
    client.ws.send(text);
  }

  #sendTo(connectionId: string, message: ServerMessage): void {
    const client = this.#byConnectionId.get(connectionId);
    if (client) this.#send(client, message);
    else this.#detached.queue(connectionId, JSON.stringify(message));
  }

  /** Sends to every connected client of the session, except `except` (serialized once). */
  #broadcast(session: SessionRecord, message: ServerMessage, except?: string): void {
    const text = JSON.stringify(message);
    for (const connectionId of session.connections.keys()) {
      if (connectionId === except) continue;
      const client = this.#byConnectionId.get(connectionId);
      if (client) this.#sendText(client, text);
      else this.#detached.queue(connectionId, text);
    }
  }

  #close(client: Client, code: CloseCode, reason: string): void {
    if (client.closing) return;
    client.closing = true;
    client.closedByServer = true;
    if (client.connectTimer) clearTimeout(client.connectTimer);
    if (client.conn) this.#log(`close ${client.conn.info.connectionId} ${code} ${reason}`);
    client.ws.close(code, closeReason(reason));
  }

  #onMessage(client: Client, data: RawData, isBinary: boolean): void {
    if (client.closing) return;
    if (!client.bucket.take()) {
      return this.#close(client, CloseCode.RATE_LIMITED, `more than ${this.#limits.messagesPerSecond} messages per second`);
    }
    if (isBinary) return this.#close(client, CloseCode.PROTOCOL_ERROR, 'binary frames are not part of the protocol');
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return this.#close(client, CloseCode.PROTOCOL_ERROR, 'bad JSON');
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      return this.#close(client, CloseCode.PROTOCOL_ERROR, 'a message must be a JSON object');
    }
    const req = message as Fields;
    const type = req['type'];
    if (typeof type !== 'string' || !(REQUEST_TYPES as readonly string[]).includes(type)) {
      return this.#close(client, CloseCode.PROTOCOL_ERROR, `unknown type ${String(JSON.stringify(type) ?? 'undefined').slice(0, 60)}`);
    }
    const id = req['id'];
    if (typeof id !== 'string' || id === '' || id.length > 128) {
      return this.#close(client, CloseCode.PROTOCOL_ERROR, 'a request needs a string id');
    }
    if (!client.conn && type !== 'connect') return this.#close(client, CloseCode.PROTOCOL_ERROR, 'request before connect');
    try {
      this.#dispatch(client, type as RequestType, id, req);
    } catch (err) {
      if (err instanceof RequestError) {
        this.#send(client, { type: 'error', id, code: err.code, message: err.message });
      } else {
        this.#log(`internal error on ${type}: ${(err as Error).stack ?? String(err)}`);
        this.#send(client, { type: 'error', id, code: ErrorCode.OTC_SESSION_INTERNAL_ERROR, message: 'internal error' });
      }
    }
  }

  #dispatch(client: Client, type: RequestType, id: string, req: Fields): void {
    if (type === 'connect') return this.#connect(client, id, req);
    const conn = client.conn!;
    const session = client.session!;
    switch (type) {
      case 'publish': return this.#publish(client, conn, session, id, req);
      case 'unpublish': return this.#unpublish(client, conn, session, id, req);
      case 'subscribe': return this.#subscribe(client, conn, session, id, req);
      case 'unsubscribe': return this.#unsubscribe(client, conn, session, id, req);
      case 'offer':
      case 'answer':
      case 'candidate': return this.#negotiate(client, type, conn, session, id, req);
      case 'iceRestart': return this.#iceRestart(client, conn, session, id, req);
      case 'signal': return this.#signal(client, conn, session, id, req);
      case 'disconnect':
        this.#send(client, { type: 'ack', id });
        this.#leave(client, 'clientDisconnected');
        return this.#close(client, CloseCode.NORMAL, 'disconnected');
    }
  }

  #connect(client: Client, id: string, req: Fields): void {
    if (client.conn) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'already connected');
    const refuse = (code: ErrorCode, message: string): void => {
      this.#send(client, { type: 'error', id, code, message });
      this.#log(`connect refused from ${client.remote}: ${code} ${message}`);
      this.#close(client, CloseCode.AUTHENTICATION_FAILED, 'authentication failed');
    };
    const refuseLimit = (message: string): void => {
      this.#send(client, { type: 'error', id, code: ErrorCode.OTC_SESSION_CONNECTION_LIMIT_EXCEEDED, message });
      this.#close(client, CloseCode.CONNECTION_LIMIT, message);
    };
    const reconnect = req['reconnect'];
    // A reconnection does not check the token's expiry (checked as of second 1 of 1970, as
    // jsonwebtoken reads 0 as "now"): its reconnect token proves the connection was admitted
    // while the token was valid (docs/protocol.md, "Reconnecting").
    const check = verifyToken(req['token'], this.#opts.apiKey, this.#opts.apiSecret, reconnect === undefined ? undefined : 1);
    if (!check.ok) return refuse(check.code, check.message);
    const { grant } = check;
    const wanted = req['sessionId'];
    if (wanted !== undefined && wanted !== grant.sessionId) {
      return refuse(ErrorCode.OTC_SESSION_INVALID_SESSION, 'the token is for another session');
    }
    const session = this.#opts.store.getSession(grant.sessionId);
    if (!session) return refuse(ErrorCode.OTC_SESSION_INVALID_SESSION, 'no such session');
    if (reconnect !== undefined) return this.#reconnect(client, id, req, reconnect, session, refuse, refuseLimit);
    if (session.connections.size >= this.#limits.maxConnectionsPerSession) {
      return refuseLimit(`this session has ${this.#limits.maxConnectionsPerSession} connections: the server's limit`);
    }
    const admitted = this.#opts.admission.admitConnection(client.socket, req['token'] as string);
    if (!admitted.ok) return refuseLimit(admitted.message);
    client.release = admitted.release;
    this.#allowFullMessages(client);
    const e2ee = req['e2ee'] === true;
    if (client.connectTimer) clearTimeout(client.connectTimer);
    client.connectTimer = undefined;
    const others = [...session.connections.values()].map((c) => c.info);
    const conn = this.#opts.store.addConnection(session, grant.role, grant.data, e2ee, admitted);
    client.conn = conn;
    client.session = session;
    client.lastPong = Date.now();
    this.#byConnectionId.set(conn.info.connectionId, client);
    this.#send(client, {
      type: 'ack', id, connectionId: conn.info.connectionId, sessionId: session.sessionId, role: conn.role, data: conn.info.data,
      session: { e2ee: session.e2ee, mediaMode: session.mediaMode },
      connections: others, streams: [...session.streams.values()],
      iceServers: this.#opts.iceServersFor?.(conn.info.connectionId) ?? [],
      reconnectToken: this.#reconnectTokens.mint(session.sessionId, conn.info.connectionId),
    });
    this.#broadcast(session, { type: 'connectionCreated', connection: conn.info }, conn.info.connectionId);
    this.#log(`connect ${conn.info.connectionId} session=${session.sessionId} role=${conn.role} e2ee=${e2ee} from ${client.remote}`);
  }

  /**
   * `connect` with `reconnect: { connectionId, reconnectToken }`: the connection, detached or
   * still attached to a socket the server has not seen die, moves to this socket; the ack says
   * `reconnected: true` and the messages queued meanwhile follow in order.
   */
  #reconnect(client: Client, id: string, req: Fields, reconnect: unknown, session: SessionRecord,
    refuse: (code: ErrorCode, message: string) => void, refuseLimit: (message: string) => void): void {
    if (typeof reconnect !== 'object' || reconnect === null || Array.isArray(reconnect)) {
      throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'reconnect must be { connectionId, reconnectToken }');
    }
    const connectionId = (reconnect as Fields)['connectionId'];
    if (typeof connectionId !== 'string' || connectionId.length > 128
      || !this.#reconnectTokens.verify((reconnect as Fields)['reconnectToken'], session.sessionId, connectionId)) {
      return refuse(ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE, 'the reconnect token is not valid for this connection');
    }
    const conn = session.connections.get(connectionId);
    const previous = this.#byConnectionId.get(connectionId);
    const taken = previous ? undefined : this.#detached.take(connectionId);
    if (!conn || (!previous && !taken)) {
      return refuse(ErrorCode.OTC_SESSION_CONNECTION_DROPPED, 'the connection is gone: it was dropped (away longer than the grace period, or too much queued)');
    }
    let release = taken?.release;
    if (previous) {
      // The server had not noticed the old socket die: it is closed, and its counts move here.
      release = previous.release;
      previous.release = undefined;
      previous.conn = undefined;
      previous.session = undefined;
      this.#byConnectionId.delete(connectionId);
      this.#close(previous, CloseCode.REPLACED, 'replaced by a reconnection');
      setTimeout(() => previous.ws.terminate(), 1000).unref();
    }
    // The connection's own counts are given back first: a reconnection is not a second connection of its token.
    release?.();
    const admitted = this.#opts.admission.admitConnection(client.socket, req['token'] as string);
    if (!admitted.ok) {
      this.#removeConnection(session, connectionId, 'networkDisconnected');
      return refuseLimit(admitted.message);
    }
    client.release = admitted.release;
    this.#opts.store.moveConnection(conn, admitted);
    this.#allowFullMessages(client);
    if (client.connectTimer) clearTimeout(client.connectTimer);
    client.connectTimer = undefined;
    client.conn = conn;
    client.session = session;
    client.lastPong = Date.now();
    this.#byConnectionId.set(connectionId, client);
    this.#send(client, {
      type: 'ack', id, connectionId, sessionId: session.sessionId, role: conn.role, data: conn.info.data,
      session: { e2ee: session.e2ee, mediaMode: session.mediaMode },
      connections: [...session.connections.values()].filter((c) => c !== conn).map((c) => c.info),
      streams: [...session.streams.values()],
      iceServers: this.#opts.iceServersFor?.(connectionId) ?? [],
      reconnectToken: this.#reconnectTokens.mint(session.sessionId, connectionId),
      reconnected: true,
    });
    for (const text of taken?.queue ?? []) this.#sendText(client, text);
    this.#log(`reconnect ${connectionId} session=${session.sessionId} from ${client.remote}: ${taken?.queue.length ?? 0} queued messages delivered`);
    if (this.#routerLostByRestart.delete(connectionId)) this.#healRoutedAfterRestart(session, conn);
  }

  /**
   * Connections a restarted server read back from its data directory: detached, as after a
   * socket drop, with their streams and peers and their admission counts, until their clients
   * reconnect within the grace (nobody hears of the restart) or the grace ends (dropped as lost).
   */
  restore(restored: readonly RestoredConnection[]): void {
    for (const { session, conn, addressKey, tokenKey } of restored) {
      const connectionId = conn.info.connectionId;
      this.#detached.detach(connectionId, session, this.#opts.admission.holdRestoredConnection(addressKey, tokenKey));
      // The router's peers (Janus handles, rooms) died with the old process.
      if (session.mediaMode === 'routed' && conn.streams.size > 0) this.#routerLostByRestart.add(connectionId);
    }
    if (restored.length > 0) this.#log(`restored ${restored.length} connections, detached for ${this.#opts.reconnectGraceMs} ms`);
  }

  /**
   * A routed publisher back after a server restart: each of its streams is healed as after a
   * router restart (peerClosed routerRestarted to the publisher for pub-<streamId>, and to each
   * routed subscription, negotiated again once the publisher's new offer is at the router).
   */
  #healRoutedAfterRestart(session: SessionRecord, conn: ConnectionRecord): void {
    for (const streamId of conn.streams) {
      this.#routedPeerLost(session.sessionId, publisherPeerKey(streamId), 'the session server restarted: its router lost this peer',
        this.#opts.router !== undefined);
    }
  }

  /** Removes a connected client from its session and tells the others. Idempotent. */
  #leave(client: Client, reason: ConnectionDestroyedReason): void {
    const { conn, session } = client;
    client.release?.();
    client.release = undefined;
    if (!conn || !session) return;
    client.conn = undefined;
    const connectionId = conn.info.connectionId;
    this.#byConnectionId.delete(connectionId);
    this.#removeConnection(session, connectionId, reason);
  }

  /**
   * A connected client's socket went away without `disconnect`: its connection stays, with its
   * streams and peers, for reconnectGraceMs (reconnection.ts); nobody is told. Its admission
   * counts stay held: it is still a connection of its token and address.
   */
  #detach(client: Client): void {
    const { conn, session } = client;
    if (!conn || !session) return this.#leave(client, 'networkDisconnected');
    client.conn = undefined;
    this.#byConnectionId.delete(conn.info.connectionId);
    this.#detached.detach(conn.info.connectionId, session, client.release);
    client.release = undefined;
    this.#log(`detach ${conn.info.connectionId}: kept ${this.#opts.reconnectGraceMs} ms for a reconnection`);
  }

  /** Removes a connection from its session and tells the others (connectionDestroyed, streamDestroyed, peerClosed). */
  #removeConnection(session: SessionRecord, connectionId: string, reason: ConnectionDestroyedReason): void {
    this.#detached.remove(connectionId);
    this.#routerLostByRestart.delete(connectionId);
    if (!session.connections.has(connectionId)) return;
    const { streams, peers } = this.#opts.store.removeConnection(session, connectionId);
    const streamReason: StreamDestroyedReason = reason;
    for (const peer of peers) this.#closePeer(peer, connectionId, streamReason);
    for (const stream of streams) this.#broadcast(session, { type: 'streamDestroyed', streamId: stream.streamId, reason: streamReason });
    this.#broadcast(session, { type: 'connectionDestroyed', connectionId, reason });
    this.#log(`disconnect ${connectionId} ${reason}`);
    if (session.mediaMode === 'routed' && this.#opts.router) {
      const router = this.#opts.router;
      for (const stream of streams) void router.closePeer(publisherPeerKey(stream.streamId));
      if (session.connections.size === 0) void router.closeSession(session.sessionId);
    }
  }

  /** Tells the end of `peer` that is not `gone` that the peer is closed (routed: the router's end closes too). */
  #closePeer(peer: PeerRecord, gone: string, reason: PeerClosedReason): void {
    if (peer.routed) {
      void this.#opts.router?.closePeer(peer.peerId);
      if (peer.subscriberConnectionId !== gone) this.#sendTo(peer.subscriberConnectionId, { type: 'peerClosed', peerId: peer.peerId, reason });
      return;
    }
    const other = peer.publisherConnectionId === gone ? peer.subscriberConnectionId : peer.publisherConnectionId;
    if (other !== gone) this.#sendTo(other, { type: 'peerClosed', peerId: peer.peerId, reason });
  }

  /**
   * The router ended a peer on its side. Recoverable (a router instance is or will be up): the
   * publisher hears `peerClosed` `routerRestarted` and offers the same stream again; every
   * subscription to the stream is negotiated again with the same peerId (#resubscribe).
   * Otherwise its client hears `peerClosed` with reason `routerFailed`.
   */
  #routedPeerLost(sessionId: string, peerKey: string, message: string, recoverable: boolean): void {
    const session = this.#opts.store.getSession(sessionId);
    if (!session) return;
    this.#log(`routed peer ${peerKey} lost${recoverable ? ' (negotiating again)' : ''}: ${message}`);
    const publishedStreamId = streamOfPublisherPeer(peerKey);
    if (publishedStreamId !== undefined) {
      const stream = session.streams.get(publishedStreamId);
      if (!stream) return;
      this.#sendTo(stream.connectionId, { type: 'peerClosed', peerId: peerKey, reason: recoverable ? 'routerRestarted' : 'routerFailed', message });
      if (!recoverable) return;
      // The subscriptions' router peers are gone with the feed (or will be): join the new one.
      for (const peer of [...session.peers.values()]) {
        if (peer.routed && peer.streamId === publishedStreamId) this.#resubscribe(session, peer, message);
      }
      return;
    }
    if (recoverable) {
      const peer = session.peers.get(peerKey);
      if (peer?.routed) this.#resubscribe(session, peer, message);
      return;
    }
    const peer = this.#opts.store.removePeer(session, peerKey);
    if (peer) this.#sendTo(peer.subscriberConnectionId, { type: 'peerClosed', peerId: peerKey, reason: 'routerFailed', message });
  }

  /**
   * A routed subscription whose router peer was lost: its client drops its peer connection
   * (`peerClosed` `routerRestarted`), and gets a new offer for the same peerId once the stream's
   * media is at the router again (the publisher offers again), or `routerFailed` when it is not
   * within the router's feed timeout.
   */
  #resubscribe(session: SessionRecord, peer: PeerRecord, message: string): void {
    const router = this.#opts.router;
    if (!router || this.#resubscribing.has(peer.peerId)) return;
    this.#resubscribing.add(peer.peerId);
    void router.closePeer(peer.peerId);
    this.#sendTo(peer.subscriberConnectionId, { type: 'peerClosed', peerId: peer.peerId, reason: 'routerRestarted', message });
    const stream = session.streams.get(peer.streamId);
    if (!stream) return void this.#resubscribing.delete(peer.peerId);
    router.subscribe(routedSession(session), stream.streamId, peer.peerId).then((sdp) => {
      this.#resubscribing.delete(peer.peerId);
      if (session.peers.get(peer.peerId) !== peer) return void router.closePeer(peer.peerId);
      this.#log(`routed subscription ${peer.peerId} offered again`);
      this.#sendTo(peer.subscriberConnectionId, { type: 'offer', peerId: peer.peerId, streamId: stream.streamId, from: ROUTER, sdp, e2ee: stream.e2ee });
    }, (err: Error) => {
      this.#resubscribing.delete(peer.peerId);
      void router.closePeer(peer.peerId);
      if (this.#opts.store.removePeer(session, peer.peerId)) {
        this.#log(`routed subscription ${peer.peerId} could not be negotiated again: ${err.message}`);
        this.#sendTo(peer.subscriberConnectionId, { type: 'peerClosed', peerId: peer.peerId, reason: 'routerFailed', message: err.message });
      }
    });
  }

  #publish(client: Client, conn: ConnectionRecord, session: SessionRecord, id: string, req: Fields): void {
    if (conn.role === 'subscriber') throw new RequestError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, 'a subscriber token may not publish');
    if (conn.streams.size >= this.#limits.maxStreamsPerConnection) {
      throw new RequestError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH,
        `this connection publishes ${this.#limits.maxStreamsPerConnection} streams: the server's limit`);
    }
    const videoType = req['videoType'] ?? 'camera';
    if (typeof videoType !== 'string' || !(VIDEO_TYPES as readonly string[]).includes(videoType)) {
      throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'videoType must be camera, screen or custom');
    }
    const stream: Omit<StreamInfo, 'streamId' | 'creationTime'> = {
      connectionId: conn.info.connectionId,
      name: str(req, 'name', { optional: true, max: MAX_NAME_LENGTH }) ?? '',
      hasAudio: bool(req, 'hasAudio', true),
      hasVideo: bool(req, 'hasVideo', true),
      videoType: videoType as VideoType,
      e2ee: bool(req, 'e2ee', false),
      videoCodec: str(req, 'videoCodec', { optional: true, max: 32 }) ?? 'VP8',
      audioCodec: str(req, 'audioCodec', { optional: true, max: 32 }) ?? 'opus',
    };
    if (session.e2ee && !stream.e2ee) {
      throw new RequestError(ErrorCode.OTC_PUBLISHER_ENCRYPTION_SECRET_MISSING, 'this session is end-to-end encrypted: publish an e2ee stream');
    }
    const info = this.#opts.store.addStream(session, stream);
    this.#send(client, session.mediaMode === 'routed'
      ? { type: 'ack', id, streamId: info.streamId, peerId: publisherPeerKey(info.streamId) }
      : { type: 'ack', id, streamId: info.streamId });
    this.#broadcast(session, { type: 'streamCreated', stream: info });
    this.#log(`publish ${info.streamId} by ${conn.info.connectionId} e2ee=${info.e2ee}`);
  }

  #unpublish(client: Client, conn: ConnectionRecord, session: SessionRecord, id: string, req: Fields): void {
    const streamId = str(req, 'streamId')!;
    const stream = session.streams.get(streamId);
    if (!stream || stream.connectionId !== conn.info.connectionId) {
      throw new RequestError(ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND, 'not a stream of this connection');
    }
    const peers = this.#opts.store.removeStream(session, streamId);
    this.#send(client, { type: 'ack', id });
    if (session.mediaMode === 'routed') void this.#opts.router?.closePeer(publisherPeerKey(streamId));
    for (const peer of peers) this.#closePeer(peer, conn.info.connectionId, 'clientUnpublished');
    this.#broadcast(session, { type: 'streamDestroyed', streamId, reason: 'clientUnpublished' });
    this.#log(`unpublish ${streamId} by ${conn.info.connectionId}`);
  }

  #subscribe(client: Client, conn: ConnectionRecord, session: SessionRecord, id: string, req: Fields): void {
    const streamId = str(req, 'streamId')!;
    if (conn.role === 'publisheronly') {
      throw new RequestError(ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE, 'a publisheronly token may not subscribe');
    }
    const stream = session.streams.get(streamId);
    if (!stream) throw new RequestError(ErrorCode.OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM, 'no such stream');
    this.#checkSubscriptionLimits(conn, session, streamId);
    if (session.mediaMode === 'routed') return this.#subscribeRouted(client, conn, session, stream, id);
    const peer = this.#opts.store.addPeer(session, stream, conn.info.connectionId);
    this.#send(client, { type: 'ack', id, peerId: peer.peerId });
    this.#sendTo(stream.connectionId, {
      type: 'subscriberJoined', peerId: peer.peerId, streamId, subscriberConnectionId: conn.info.connectionId,
    });
  }

  #checkSubscriptionLimits(conn: ConnectionRecord, session: SessionRecord, streamId: string): void {
    const limits = this.#limits;
    const refuse = (message: string): never => {
      throw new RequestError(ErrorCode.OTC_SUBSCRIBER_STREAM_LIMIT_EXCEEDED, `${message}: the server's limit`);
    };
    if (conn.subscriptions >= limits.maxSubscriptionsPerConnection) refuse(`this connection holds ${limits.maxSubscriptionsPerConnection} subscriptions`);
    if ((conn.subscriptionsByStream.get(streamId) ?? 0) >= limits.maxSubscriptionsPerStreamPerConnection) {
      refuse(`this connection holds ${limits.maxSubscriptionsPerStreamPerConnection} subscriptions to this stream`);
    }
    if (this.#opts.store.subscriberCount(session, streamId) >= limits.maxSubscribersPerStream) {
      refuse(`this stream has ${limits.maxSubscribersPerStream} subscribers`);
    }
  }

  #subscribeRouted(client: Client, conn: ConnectionRecord, session: SessionRecord, stream: StreamInfo, id: string): void {
    const router = this.#opts.router;
    if (!router) throw new RequestError(ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR, ROUTED_UNAVAILABLE);
    const peer = this.#opts.store.addPeer(session, stream, conn.info.connectionId, true);
    const me = conn.info.connectionId;
    this.#send(client, { type: 'ack', id, peerId: peer.peerId });
    router.subscribe(routedSession(session), stream.streamId, peer.peerId).then((sdp) => {
      if (session.peers.get(peer.peerId) !== peer) return void router.closePeer(peer.peerId);
      this.#sendTo(me, { type: 'offer', peerId: peer.peerId, streamId: stream.streamId, from: ROUTER, sdp, e2ee: stream.e2ee });
    }, (err: Error) => {
      void router.closePeer(peer.peerId);
      if (this.#opts.store.removePeer(session, peer.peerId)) {
        this.#log(`routed subscription ${peer.peerId} failed: ${err.message}`);
        this.#sendTo(me, { type: 'peerClosed', peerId: peer.peerId, reason: 'routerFailed', message: err.message });
      }
    });
  }

  #unsubscribe(client: Client, conn: ConnectionRecord, session: SessionRecord, id: string, req: Fields): void {
    const peerId = str(req, 'peerId')!;
    const peer = session.peers.get(peerId);
    if (!peer || peer.subscriberConnectionId !== conn.info.connectionId) {
      throw new RequestError(ErrorCode.OTC_SESSION_SUBSCRIBER_NOT_FOUND, 'no such subscription');
    }
    this.#opts.store.removePeer(session, peerId);
    this.#send(client, { type: 'ack', id });
    this.#closePeer(peer, conn.info.connectionId, 'clientUnsubscribed');
  }

  #negotiate(client: Client, type: 'offer' | 'answer' | 'candidate', conn: ConnectionRecord, session: SessionRecord, id: string,
    req: Fields): void {
    const peerId = str(req, 'peerId')!;
    const me = conn.info.connectionId;
    if (session.mediaMode === 'routed') return this.#negotiateRouted(client, type, conn, session, id, req, peerId);
    const peer = session.peers.get(peerId);
    const fromPublisher = peer?.publisherConnectionId === me;
    const fromSubscriber = peer?.subscriberConnectionId === me;
    if (!peer || (!fromPublisher && !fromSubscriber)) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'unknown peer');
    const to = fromPublisher ? peer.subscriberConnectionId : peer.publisherConnectionId;
    const base = { peerId, streamId: peer.streamId, from: me };
    if (type === 'offer') {
      if (!fromPublisher) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'only the publisher end of a relayed peer offers');
      const sdp = str(req, 'sdp', { max: MAX_SDP_LENGTH })!;
      const e2ee = bool(req, 'e2ee', false);
      this.#send(client, { type: 'ack', id });
      this.#sendTo(to, { type: 'offer', ...base, sdp, e2ee });
    } else if (type === 'answer') {
      if (!fromSubscriber) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'only the subscriber end of a relayed peer answers');
      const sdp = str(req, 'sdp', { max: MAX_SDP_LENGTH })!;
      this.#send(client, { type: 'ack', id });
      this.#sendTo(to, { type: 'answer', ...base, sdp });
    } else {
      const { candidate, sdpMid, sdpMLineIndex } = readCandidate(req);
      this.#send(client, { type: 'ack', id });
      this.#sendTo(to, { type: 'candidate', ...base, candidate, sdpMid, sdpMLineIndex });
    }
  }

  /**
   * A routed subscriber lost its path to the router: the router restarts ICE with a new offer for
   * the same peerId, answered like the first. One restart at a time per peer; relayed peers are
   * restarted by their publisher, which offers again by itself.
   */
  #iceRestart(client: Client, conn: ConnectionRecord, session: SessionRecord, id: string, req: Fields): void {
    const peerId = str(req, 'peerId', { max: 128 })!;
    const peer = session.peers.get(peerId);
    if (!peer || peer.subscriberConnectionId !== conn.info.connectionId) {
      throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'unknown peer');
    }
    if (!peer.routed) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'a relayed peer is restarted by its publisher');
    const router = this.#opts.router;
    if (!router) throw new RequestError(ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR, ROUTED_UNAVAILABLE);
    this.#send(client, { type: 'ack', id });
    if (this.#iceRestarting.has(peerId) || this.#resubscribing.has(peerId) || !router.hasPeer(peerId)) return;
    this.#iceRestarting.add(peerId);
    const me = conn.info.connectionId;
    router.restartSubscriberIce(peerId).then((sdp) => {
      this.#iceRestarting.delete(peerId);
      if (session.peers.get(peerId) !== peer) return;
      const stream = session.streams.get(peer.streamId);
      this.#log(`routed subscription ${peerId}: ICE restart offered`);
      this.#sendTo(me, { type: 'offer', peerId, streamId: peer.streamId, from: ROUTER, sdp, e2ee: stream?.e2ee ?? session.e2ee });
    }, (err: Error) => {
      this.#iceRestarting.delete(peerId);
      // The peer itself may still work (the path came back): the client's own ICE bound decides.
      this.#log(`routed subscription ${peerId}: ICE restart failed: ${err.message}`);
    });
  }

  /** Routed negotiation: the publisher offers to the router, the router offers to subscribers. */
  #negotiateRouted(client: Client, type: 'offer' | 'answer' | 'candidate', conn: ConnectionRecord, session: SessionRecord, id: string,
    req: Fields, peerId: string): void {
    const router = this.#opts.router;
    const me = conn.info.connectionId;
    const publishedStreamId = streamOfPublisherPeer(peerId);
    const ownStream = publishedStreamId !== undefined ? session.streams.get(publishedStreamId) : undefined;
    const isPublisher = !!ownStream && ownStream.connectionId === me;
    const subscription = session.peers.get(peerId);
    const isSubscriber = !!subscription && subscription.routed && subscription.subscriberConnectionId === me;
    if (!isPublisher && !isSubscriber) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'unknown peer');
    if (!router) throw new RequestError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, ROUTED_UNAVAILABLE);
    const streamId = isPublisher ? ownStream!.streamId : subscription!.streamId;
    const fail = (err: Error): void => {
      this.#log(`routed ${type} on ${peerId} failed: ${err.message}`);
      void router.closePeer(peerId);
      if (isSubscriber) this.#opts.store.removePeer(session, peerId);
      this.#sendTo(me, { type: 'peerClosed', peerId, reason: 'routerFailed', message: err.message });
    };
    if (type === 'offer') {
      if (!isPublisher) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'in a routed session only a publisher offers');
      const sdp = str(req, 'sdp', { max: MAX_SDP_LENGTH })!;
      const e2ee = bool(req, 'e2ee', false);
      if (session.e2ee && !e2ee) {
        throw new RequestError(ErrorCode.OTC_PUBLISHER_ENCRYPTION_SECRET_MISSING, 'this session is end-to-end encrypted: offer e2ee media');
      }
      this.#send(client, { type: 'ack', id });
      // A second offer on a published peer is an ICE restart: the same feed, negotiated again.
      const again = router.hasPeer(peerId);
      const negotiated = again ? router.renegotiatePublisher(streamId, { sdp, e2ee })
        : router.publish(routedSession(session), streamId, ownStream!.name, { sdp, e2ee });
      negotiated.then((answer) => {
        if (session.streams.get(streamId) !== ownStream) return;
        if (again) this.#log(`routed publisher ${peerId}: ICE restart answered`);
        this.#sendTo(me, { type: 'answer', peerId, streamId, from: ROUTER, sdp: answer });
      }, fail);
    } else if (type === 'answer') {
      if (!isSubscriber) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'in a routed session only a subscriber answers');
      const sdp = str(req, 'sdp', { max: MAX_SDP_LENGTH })!;
      this.#send(client, { type: 'ack', id });
      router.answer(peerId, sdp).catch(fail);
    } else {
      const candidate = readCandidate(req);
      this.#send(client, { type: 'ack', id });
      router.trickle(peerId, candidate).catch((err: Error) => this.#log(`trickle on ${peerId}: ${err.message}`));
    }
  }

  #signal(client: Client, conn: ConnectionRecord, session: SessionRecord, id: string, req: Fields): void {
    const signalType = req['signalType'] ?? '';
    if (typeof signalType !== 'string') throw new RequestError(ErrorCode.OTC_SESSION_INVALID_SIGNAL_TYPE, 'signalType must be a string');
    if (signalType.length > MAX_SIGNAL_TYPE_LENGTH) {
      throw new RequestError(ErrorCode.OTC_SESSION_SIGNAL_TYPE_TOO_LONG, `signalType is longer than ${MAX_SIGNAL_TYPE_LENGTH} characters`);
    }
    if (!/^[A-Za-z0-9_~-]*$/.test(signalType)) {
      throw new RequestError(ErrorCode.OTC_SESSION_INVALID_SIGNAL_TYPE, 'signalType may hold only letters, digits, "-", "_" and "~"');
    }
    const data = req['data'] ?? '';
    if (typeof data !== 'string') throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'data must be a string');
    if (Buffer.byteLength(data, 'utf8') > MAX_SIGNAL_DATA_BYTES) {
      throw new RequestError(ErrorCode.OTC_SESSION_SIGNAL_DATA_TOO_LONG, `data is longer than ${MAX_SIGNAL_DATA_BYTES} bytes`);
    }
    const to = req['to'];
    const event = { type: 'signal' as const, from: conn.info.connectionId, signalType, data };
    if (to === undefined || to === null) {
      this.#send(client, { type: 'ack', id });
      this.#broadcast(session, event);
      return;
    }
    if (typeof to !== 'string' || !session.connections.has(to)) {
      throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'to names no connection of this session');
    }
    this.#send(client, { type: 'ack', id });
    this.#sendTo(to, event);
  }
}
