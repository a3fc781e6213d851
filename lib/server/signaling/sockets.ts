// The signaling endpoint's sockets: the HTTP upgrade (path and subprotocol), the connect timeout,
// message-size limits with a reason a client can read, and liveness (pings; a silent client is
// handed over to be kept for a reconnection). What a socket's messages mean is not decided here.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { CloseCode, SIGNALING_PATH, SIGNALING_SUBPROTOCOL } from '../../protocol/messages';
import type { ServerLimits } from '../limits';
import { TokenBucket } from '../rate-limiter';
import { closeReason, parseRequestTarget } from '../request-target';
import type { Client } from './client';
import type { Delivery } from './delivery';
import type { ResolvedSignalingOptions } from './options';
import { UNAUTHENTICATED_MESSAGE_BYTES } from './request-error';
import { RELAY_HEADER } from '../cluster/relay-auth';

interface WsReceiver {
  _maxPayload?: number;
  prependListener?: (event: string, listener: (err: Error & { code?: string }) => void) => void;
}

/** ws's frame parser of a socket (a private field of ws 8: used only to bound and explain message sizes). */
function receiverOf(ws: WebSocket): WsReceiver | undefined {
  return (ws as unknown as { _receiver?: WsReceiver })._receiver;
}

export interface SocketHandlers {
  message(client: Client, data: RawData, isBinary: boolean): void;
  /** The socket closed; `byServer`: closed on purpose by the server (or the server is closing). */
  closed(client: Client, byServer: boolean): void;
  /** A connected client answered no ping for pongTimeoutMs; its socket is terminated right after. */
  silent(client: Client): void;
}

export class SignalingSockets {
  readonly #opts: ResolvedSignalingOptions;
  readonly #limits: ServerLimits;
  readonly #delivery: Delivery;
  readonly #handlers: SocketHandlers;
  readonly #log: (line: string) => void;
  readonly #wss: WebSocketServer;
  readonly #clients = new Set<Client>();
  readonly #pingTimer: NodeJS.Timeout;
  #lastTick = performance.now();
  #closed = false;

  constructor(opts: ResolvedSignalingOptions, delivery: Delivery, handlers: SocketHandlers, log: (line: string) => void) {
    this.#opts = opts;
    this.#log = log;
    this.#limits = opts.limits;
    this.#delivery = delivery;
    this.#handlers = handlers;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#opts.maxPayload,
      clientTracking: false,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(SIGNALING_SUBPROTOCOL) ? SIGNALING_SUBPROTOCOL : false),
    });
    this.#pingTimer = setInterval(() => this.#livenessTick(), this.#opts.pingIntervalMs);
    this.#pingTimer.unref();
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
  async closeAll(code: number, reason: string): Promise<void> {
    this.#closed = true;
    clearInterval(this.#pingTimer);
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
  }

  /** Stops the WebSocket server (after closeAll). */
  stop(): void {
    this.#wss.close();
  }

  /**
   * Gives the client's socket up (cluster mode: it is relayed to another process from now on):
   * no timer, liveness or handler of this endpoint is left on it.
   */
  handOff(client: Client): WebSocket {
    if (client.connectTimer) clearTimeout(client.connectTimer);
    // Its token verified: full-size messages, and no longer a stranger's socket counted against its address here.
    this.allowFullMessages(client);
    this.#opts.admission.relayed(client.socket);
    this.#clients.delete(client);
    client.closing = true;
    for (const event of ['message', 'close', 'pong'] as const) client.ws.removeAllListeners(event);
    return client.ws;
  }

  /** A client passed `connect`: its messages may be as large as the server's limit. */
  allowFullMessages(client: Client): void {
    const receiver = receiverOf(client.ws);
    if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = this.#opts.maxPayload;
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const relayedFor = this.#opts.relayAuth?.verify(req.headers[RELAY_HEADER]);
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    const client: Client = {
      ws, socket: req.socket, remote: relayedFor === undefined ? remote : `${relayedFor} (relayed by ${remote})`, lastPong: Date.now(), closing: false,
      bucket: new TokenBucket(this.#limits.messagesPerSecond, this.#limits.messageBurst),
      ...(relayedFor !== undefined && { relayedFor }),
    };
    this.#clients.add(client);
    this.#sayWhyTooBig(ws);
    client.connectTimer = setTimeout(() => this.#delivery.close(client, CloseCode.CONNECT_TIMEOUT, 'connect timeout'), this.#opts.connectTimeoutMs);
    ws.on('pong', () => {
      client.lastPong = Date.now();
    });
    ws.on('message', (data, isBinary) => this.#handlers.message(client, data, isBinary));
    ws.on('error', () => undefined); // 'close' follows
    ws.on('close', () => {
      if (client.connectTimer) clearTimeout(client.connectTimer);
      this.#clients.delete(client);
      client.closing = true;
      // Gone without `disconnect`: kept for a reconnection, unless the server closed it on purpose.
      this.#handlers.closed(client, !!client.closedByServer || this.#closed);
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
        this.#handlers.silent(client);
        client.ws.terminate();
      } else {
        client.ws.ping();
      }
    }
  }
}
