// One connection to a Janus instance over its WebSocket API (subprotocol `janus-protocol`): one
// Janus session, plugin handles on it, transactions matched to their answers, and the session
// kept alive. Plugin-level logic (VideoRoom) lives in video-room.ts.
import * as crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';

/** A JSEP as Janus carries it (`e2ee` is read by the VideoRoom plugin on publisher offers). */
export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
  e2ee?: boolean;
}

/** What a plugin answered: its `data` (plugindata.data) and, for negotiation, a JSEP. */
export interface PluginReply {
  data: Record<string, unknown>;
  jsep?: Jsep;
}

/** An error Janus (or its plugin) returned; `code` is Janus's or the plugin's error code. */
export class JanusError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'JanusError';
  }
}

/** Events Janus sends for a handle outside any transaction. */
export interface HandleEvents {
  /** ICE and DTLS are up: media can flow. */
  webrtcup: [];
  /** The PeerConnection of the handle is gone (`reason` from Janus). */
  hangup: [reason: string];
  /** A plugin event that answers no pending request. */
  event: [reply: PluginReply];
  /** The handle no longer exists (detached by us, by Janus, or the connection closed). */
  detached: [];
}

export class JanusHandle extends EventEmitter<HandleEvents> {
  #detached = false;

  constructor(readonly connection: JanusConnection, readonly id: number) {
    super();
  }

  get detached(): boolean {
    return this.#detached;
  }

  /**
   * A plugin request. Synchronous plugin requests (room create, list, ...) resolve with Janus's
   * `success`; asynchronous ones (join, configure, start) with the plugin's first event.
   */
  message(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginReply> {
    return this.connection.pluginRequest(this, body, jsep);
  }

  /** Trickles one candidate (`null`: end of candidates). */
  async trickle(candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } | null): Promise<void> {
    await this.connection.request({ janus: 'trickle', handle_id: this.id, candidate: candidate ?? { completed: true } });
  }

  /** Detaches the handle (its PeerConnection closes). Resolves once Janus has answered or the connection is gone. */
  async detach(): Promise<void> {
    if (this.#detached) return;
    try {
      await this.connection.request({ janus: 'detach', handle_id: this.id });
    } catch {
      // already gone on Janus's side, or the connection closed: either way it is detached
    }
    this.markDetached();
  }

  /** @internal */
  markDetached(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.connection.forget(this);
    this.emit('detached');
  }
}

interface Pending {
  resolve: (message: Record<string, unknown>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  /** A plugin request answered by an event after Janus's `ack`. */
  async: boolean;
}

export interface JanusConnectionOptions {
  /** ws://host:port, or ws+unix:///path/to/socket */
  url: string;
  /** The instance's `api_secret`, if it has one. */
  apiSecret?: string;
  /** A request unanswered this long fails, ms (default 10000). */
  requestTimeoutMs?: number;
  /** Keep-alive period, ms (default 15000; Janus drops a session after 60 s of silence). */
  keepaliveMs?: number;
  log?: (line: string) => void;
}

export interface ConnectionEvents {
  /** The WebSocket closed or the Janus session ended: every handle is detached. */
  closed: [reason: string];
}

export class JanusConnection extends EventEmitter<ConnectionEvents> {
  readonly url: string;
  readonly #ws: WebSocket;
  readonly #opts: Required<Omit<JanusConnectionOptions, 'apiSecret' | 'log'>> & Pick<JanusConnectionOptions, 'apiSecret' | 'log'>;
  readonly #pending = new Map<string, Pending>();
  readonly #handles = new Map<number, JanusHandle>();
  #sessionId = 0;
  #keepalive?: NodeJS.Timeout;
  #closedReason?: string;

  private constructor(ws: WebSocket, opts: JanusConnectionOptions) {
    super();
    this.url = opts.url;
    this.#ws = ws;
    this.#opts = { requestTimeoutMs: 10_000, keepaliveMs: 15_000, ...opts };
    ws.on('message', (data) => this.#onMessage(data.toString()));
    ws.on('close', (code, reason) => this.#onClosed(`the connection to Janus closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`));
    ws.on('error', (err) => this.#opts.log?.(`janus ${this.url}: ${err.message}`));
  }

  /** Opens the WebSocket and creates the Janus session. */
  static async open(opts: JanusConnectionOptions): Promise<JanusConnection> {
    const timeoutMs = opts.requestTimeoutMs ?? 10_000;
    const ws = new WebSocket(opts.url, 'janus-protocol', { handshakeTimeout: timeoutMs, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        ws.off('error', reject);
        resolve();
      });
      ws.once('error', reject);
    });
    const connection = new JanusConnection(ws, opts);
    try {
      const created = await connection.request({ janus: 'create' }, false);
      connection.#sessionId = Number((created['data'] as { id?: number } | undefined)?.id);
      if (!Number.isSafeInteger(connection.#sessionId) || connection.#sessionId <= 0) throw new Error('Janus created no session');
    } catch (err) {
      connection.close();
      throw err;
    }
    connection.#keepalive = setInterval(() => {
      connection.request({ janus: 'keepalive' }).catch(() => undefined);
    }, connection.#opts.keepaliveMs);
    connection.#keepalive.unref();
    return connection;
  }

  get closed(): boolean {
    return this.#closedReason !== undefined;
  }

  get handleCount(): number {
    return this.#handles.size;
  }

  /** Attaches a plugin handle on this connection's session. */
  async attach(plugin: string): Promise<JanusHandle> {
    const answer = await this.request({ janus: 'attach', plugin, opaque_id: `node-otc-${crypto.randomUUID()}` });
    const id = Number((answer['data'] as { id?: number } | undefined)?.id);
    if (!Number.isSafeInteger(id)) throw new Error('Janus attached no handle');
    const handle = new JanusHandle(this, id);
    this.#handles.set(id, handle);
    return handle;
  }

  /** A core request (`janus` field set); resolves with Janus's `success` (or `ack` for trickle/keepalive). */
  request(message: Record<string, unknown>, withSession = true): Promise<Record<string, unknown>> {
    return this.#send(message, withSession, false);
  }

  /** @internal A plugin `message` on a handle. */
  pluginRequest(handle: JanusHandle, body: Record<string, unknown>, jsep?: Jsep): Promise<PluginReply> {
    if (handle.detached) return Promise.reject(new Error('the Janus handle is detached'));
    return this.#send({ janus: 'message', handle_id: handle.id, body, ...(jsep && { jsep }) }, true, true).then((answer) => {
      const reply = pluginReply(answer);
      const code = reply.data['error_code'];
      if (typeof code === 'number') throw new JanusError(code, String(reply.data['error'] ?? 'plugin error'));
      return reply;
    });
  }

  /** @internal */
  forget(handle: JanusHandle): void {
    this.#handles.delete(handle.id);
  }

  /** Destroys the Janus session (best effort) and closes the socket. Every handle is detached. */
  async destroy(): Promise<void> {
    if (this.closed) return;
    await this.request({ janus: 'destroy' }).catch(() => undefined);
    this.close();
  }

  /** Closes the socket now. */
  close(): void {
    this.#onClosed('closed by the server');
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) this.#ws.terminate();
  }

  #send(message: Record<string, unknown>, withSession: boolean, async: boolean): Promise<Record<string, unknown>> {
    if (this.#closedReason !== undefined) return Promise.reject(new Error(this.#closedReason));
    const transaction = crypto.randomUUID();
    const full: Record<string, unknown> = { ...message, transaction };
    if (withSession) full['session_id'] = this.#sessionId;
    if (this.#opts.apiSecret) full['apisecret'] = this.#opts.apiSecret;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new Error(`Janus did not answer ${String(message['janus'])} within ${this.#opts.requestTimeoutMs} ms`));
      }, this.#opts.requestTimeoutMs);
      timer.unref();
      this.#pending.set(transaction, { resolve, reject, timer, async });
      this.#ws.send(JSON.stringify(full), (err) => {
        if (!err) return;
        const pending = this.#pending.get(transaction);
        if (!pending) return;
        this.#pending.delete(transaction);
        clearTimeout(pending.timer);
        reject(err);
      });
    });
  }

  #onMessage(text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.#opts.log?.(`janus ${this.url}: unreadable message`);
      return;
    }
    const kind = message['janus'];
    const transaction = typeof message['transaction'] === 'string' ? message['transaction'] : undefined;
    const pending = transaction !== undefined ? this.#pending.get(transaction) : undefined;
    if (pending && kind === 'ack' && pending.async) return; // the answer follows as an event
    if (pending && (kind === 'success' || kind === 'ack' || kind === 'event' || kind === 'error')) {
      this.#pending.delete(transaction!);
      clearTimeout(pending.timer);
      if (kind === 'error') {
        const error = (message['error'] ?? {}) as { code?: number; reason?: string };
        pending.reject(new JanusError(error.code ?? 0, error.reason ?? 'Janus error'));
      } else {
        pending.resolve(message);
      }
      return;
    }
    const handle = this.#handles.get(Number(message['sender']));
    switch (kind) {
      case 'webrtcup':
        handle?.emit('webrtcup');
        return;
      case 'hangup':
        handle?.emit('hangup', String(message['reason'] ?? 'hangup'));
        return;
      case 'detached':
        handle?.markDetached();
        return;
      case 'event':
        handle?.emit('event', pluginReply(message));
        return;
      case 'timeout':
        this.#onClosed('the Janus session timed out');
        this.#ws.terminate();
        return;
      default:
        return; // media, slowlink, trickle from Janus (its candidates are in its SDP): not needed
    }
  }

  #onClosed(reason: string): void {
    if (this.#closedReason !== undefined) return;
    this.#closedReason = reason;
    if (this.#keepalive) clearInterval(this.#keepalive);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error(reason));
    }
    this.#pending.clear();
    // 'closed' first: listeners learn why before each handle reports itself detached.
    this.emit('closed', reason);
    for (const handle of [...this.#handles.values()]) handle.markDetached();
  }
}

function pluginReply(message: Record<string, unknown>): PluginReply {
  const plugindata = (message['plugindata'] ?? {}) as { data?: Record<string, unknown> };
  const jsep = message['jsep'] as Jsep | undefined;
  return { data: plugindata.data ?? {}, ...(jsep && { jsep }) };
}
