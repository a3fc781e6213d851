import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CloseCode, SIGNALING_PATH } from './messages';
import { createRestHandler } from './rest';
import type { HttpRoute } from './web-routes';
import { MediaRouter, type MediaRouterOptions } from './router/media-router';
import { type SessionOptions, type SessionRecord, SessionStore } from './session-store';
import { SignalingServer } from './signaling';
import { type GenerateTokenOptions, generateToken } from './tokens';

export interface SessionServerOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port, 0 for any free one (default 0). */
  port?: number;
  /** API key (default: generated). */
  apiKey?: string;
  /** API secret (default: generated). */
  apiSecret?: string;
  /** One line per notable event (connect, disconnect, publish, refusals). */
  log?: (line: string) => void;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Largest REST request body, bytes (default 16 KiB). */
  restBodyLimit?: number;
  /**
   * The media router of routed sessions (Janus): options to start one (private Janus processes
   * and/or instances the operator runs), or a router already started (then not stopped by
   * close()). Without it, routed sessions refuse media with ROUTED_UNAVAILABLE.
   */
  router?: MediaRouterOptions | MediaRouter;
  /** More HTTP routes beside the API, the browser client and /clock (the demo's page). */
  routes?: HttpRoute[];
}

/** What `createSession` returns. */
export interface CreatedSession {
  sessionId: string;
  mediaMode: 'relayed' | 'routed';
  archiveMode: 'manual' | 'always';
  e2ee: boolean;
}

/** Generates an API key of digits, as OpenTok's are. */
export function generateApiKey(): string {
  return String(crypto.randomInt(10_000_000, 99_999_999));
}

/** Generates a 40-hex-digit API secret. */
export function generateApiSecret(): string {
  return crypto.randomBytes(20).toString('hex');
}

/** The session server: REST (OpenTok shape) and signaling on one HTTP port. */
export class SessionServer {
  readonly url: string;
  readonly signalingUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly port: number;
  readonly store: SessionStore;
  /** The media router, when routed media is available. */
  readonly router: MediaRouter | undefined;
  readonly #ownsRouter: boolean;
  readonly #http: http.Server;
  readonly #signaling: SignalingServer;
  readonly #sockets: Set<Socket>;
  #closing?: Promise<void>;

  private constructor(httpServer: http.Server, signaling: SignalingServer, store: SessionStore, apiKey: string, apiSecret: string,
    host: string, port: number, sockets: Set<Socket>, router: MediaRouter | undefined, ownsRouter: boolean) {
    this.router = router;
    this.#ownsRouter = ownsRouter;
    this.#http = httpServer;
    this.#sockets = sockets;
    this.#signaling = signaling;
    this.store = store;
    this.apiKey = apiKey;
    this.apiSecret = apiSecret;
    this.port = port;
    const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    this.url = `http://${urlHost}:${port}`;
    this.signalingUrl = `ws://${urlHost}:${port}${SIGNALING_PATH}`;
  }

  static async start(opts: SessionServerOptions = {}): Promise<SessionServer> {
    const host = opts.host ?? '127.0.0.1';
    const apiKey = opts.apiKey ?? generateApiKey();
    const apiSecret = opts.apiSecret ?? generateApiSecret();
    if (apiKey === '' || apiKey.includes('~')) throw new TypeError('apiKey must be a non-empty string without "~"');
    if (apiSecret === '') throw new TypeError('apiSecret must be a non-empty string');
    const store = new SessionStore(apiKey);
    const ownsRouter = opts.router !== undefined && !(opts.router instanceof MediaRouter);
    const router = opts.router === undefined ? undefined
      : opts.router instanceof MediaRouter ? opts.router : await MediaRouter.start({ log: opts.log, ...opts.router });
    const signaling = new SignalingServer({
      store, apiKey, apiSecret, log: opts.log, router,
      ...(opts.pingIntervalMs !== undefined && { pingIntervalMs: opts.pingIntervalMs }),
      ...(opts.pongTimeoutMs !== undefined && { pongTimeoutMs: opts.pongTimeoutMs }),
      ...(opts.connectTimeoutMs !== undefined && { connectTimeoutMs: opts.connectTimeoutMs }),
    });
    const httpServer = http.createServer(createRestHandler({
      store, apiKey, apiSecret, log: opts.log, bodyLimit: opts.restBodyLimit, ...(opts.routes ? { routes: opts.routes } : {}),
    }));
    const sockets = new Set<Socket>();
    httpServer.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    httpServer.on('upgrade', (req, socket, head) => signaling.handleUpgrade(req, socket, head));
    try {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(opts.port ?? 0, host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await signaling.closeAll();
      if (ownsRouter) await router?.stop();
      throw err;
    }
    const port = (httpServer.address() as AddressInfo).port;
    return new SessionServer(httpServer, signaling, store, apiKey, apiSecret, host, port, sockets, router, ownsRouter);
  }

  /** Creates a session in process (as `POST /session/create` does). */
  createSession(opts: SessionOptions = {}): CreatedSession {
    const mediaMode = opts.mediaMode ?? 'routed';
    if (opts.archiveMode === 'always' && mediaMode !== 'routed') throw new TypeError('archiveMode "always" needs a routed session');
    const session: SessionRecord = this.store.createSession({ ...opts, mediaMode });
    return { sessionId: session.sessionId, mediaMode: session.mediaMode, archiveMode: session.archiveMode, e2ee: session.e2ee };
  }

  /** Makes a client token for a session of this server, as the OpenTok SDK would. */
  generateToken(sessionId: string, opts: GenerateTokenOptions = {}, legacy = false): string {
    return generateToken(this.apiKey, this.apiSecret, sessionId, opts, legacy);
  }

  /** Connected signaling clients. */
  get connectionCount(): number {
    return this.#signaling.connectionCount;
  }

  /** Closes every signaling socket with 4004 and resolves when the HTTP server is closed. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const httpClosed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
      await this.#signaling.closeAll(CloseCode.SERVER_SHUTTING_DOWN, 'server shutting down');
      this.#http.closeIdleConnections();
      const force = setTimeout(() => {
        for (const socket of this.#sockets) socket.destroy();
      }, 1000);
      await httpClosed;
      clearTimeout(force);
      if (this.#ownsRouter) await this.router?.stop();
    })();
    return this.#closing;
  }
}
