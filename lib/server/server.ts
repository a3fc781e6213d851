import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Admission } from './admission';
import { Applications } from './applications';
import { ArchiveStore } from './archives/archive-store';
import { Archiver } from './archives/archiver';
import { downloadUrl } from './archives/archive-download';
import { CallbackRegistry } from './callbacks/callback-registry';
import { WebhookSender } from './callbacks/webhook-sender';
import { guardHttpServer } from './http-guard';
import { type ServerLimits, resolveLimits } from './limits';
import { CloseCode, SIGNALING_PATH } from '../protocol/messages';
import { KeyedRateLimiter } from './rate-limiter';
import { createRestHandler } from './rest/index';
import type { HttpRoute } from './web-routes';
import { MediaRouter, type MediaRouterOptions } from './router/media-router';
import { type SessionOptions, type SessionRecord, SessionStore } from './session-store';
import { type Db, openDatabase } from './store/database';
import { settleCredentials } from './store/credentials';
import { SessionJournal } from './store/session-journal';
import { ClusterNode, newProcessId } from './cluster/cluster-node';
import { ClusterSessions } from './cluster/cluster-sessions';
import { RedisJournal } from './cluster/redis-journal';
import { RedisLink } from './cluster/redis-link';
import { settleCredentialsInRedis } from './cluster/cluster-credentials';
import { RelayAuth } from './cluster/relay-auth';
import { DEFAULT_RECONNECT_GRACE_MS } from './reconnection';
import type { IceServers } from './ice-servers';
import type { ServerControl } from './signaling/server-control';
import { monitorsOf } from './signaling/session-monitor';
import { SignalingServer } from './signaling/signaling-server';
import type { PrivateTurn } from './turn/private-turn';
import { type ServerIce, type SessionIceOptions, janusTurnOf, startIce } from './turn/server-ice';
import { type GenerateTokenOptions, generateToken } from './tokens';
import { type ServerTls, checkServerTls } from './tls';

/** A session without connections this long is removed unless SessionServerOptions.sessionIdleMs says otherwise: 7 days. */
export const DEFAULT_SESSION_IDLE_MS = 7 * 24 * 60 * 60 * 1000;

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
  /**
   * STUN/TURN servers handed to every client in its connect ack (TURN credentials of its own per
   * connection), or a private coturn (`privateTurn`). A private Janus started with the router
   * relays through the TURN server too.
   */
  ice?: SessionIceOptions;
  /** More HTTP routes beside the API, the browser client and /clock (the demo's page). */
  routes?: HttpRoute[];
  /**
   * Serve HTTPS and WSS with this certificate (chain) and private key, PEM: `url` is then
   * https://, `signalingUrl` wss://. Without it plain HTTP (loopback use, or behind a proxy
   * that terminates TLS). The key is copied into Node's TLS context: a Buffer may be zeroed once start() resolves.
   */
  tls?: ServerTls;
  /** What clients, tokens and addresses may cost the server (docs/protocol.md, Limits); defaults: DEFAULT_LIMITS. */
  limits?: Partial<ServerLimits>;
  /**
   * A client whose socket drops without `disconnect` keeps its connection, streams and peers this
   * long for it to reconnect, ms (default 60000; docs/protocol.md, "Reconnecting").
   */
  reconnectGraceMs?: number;
  /**
   * A session nobody has been connected to for this long is removed (its id then refused with
   * 1005), ms; 0: never (default 7 days). Checked at most once a minute.
   */
  sessionIdleMs?: number;
  /**
   * Keep the server's state in DIR/sessions.sqlite (created if needed): sessions, connections,
   * streams and subscriptions survive a restart, its connections waiting (detached, for
   * reconnectGraceMs) for their clients to reconnect. The directory also keeps the API key and
   * secret: without apiKey/apiSecret those stored are used; different ones are refused. Without
   * dataDir everything lives in memory.
   */
  dataDir?: string;
  /**
   * An archive of a session nobody is connected to stops after this long, ms (default 60000, as
   * OpenTok's). Archives need the router with a recordings folder (MediaRouterOptions.recordingsDir).
   */
  archiveEmptyStopMs?: number;
  /**
   * Cluster mode: this process is one of several serving one deployment through one Redis
   * (`redisUrl`). Sessions and their state live in Redis, each served by one home process; the
   * others relay its clients' sockets and REST calls there (`url`: this process's URL as they
   * reach it; default: its own). Excludes dataDir. Archives are not available (501).
   */
  cluster?: { redisUrl: string; url?: string };
}

/** What `createSession` returns. */
export interface CreatedSession {
  sessionId: string;
  mediaMode: 'relayed' | 'routed';
  archiveMode: 'manual' | 'always';
  e2ee: boolean;
}

/** A server's URL when it listens on `host`:`port` (a wildcard host is reached on loopback). */
function serverUrl(host: string, port: number, tls: boolean): string {
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `${tls ? 'https' : 'http'}://${urlHost}:${port}`;
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
  /** Applications (`@vonage/video` credentials): kept in the data directory, else in memory. */
  readonly applications: Applications;
  /** Session monitoring callbacks, per project (kept in the data directory, else in memory). */
  readonly callbacks: CallbackRegistry;
  /** The media router, when routed media is available. */
  readonly router: MediaRouter | undefined;
  readonly #ownsRouter: boolean;
  readonly #http: http.Server;
  readonly #signaling: SignalingServer;
  readonly #sockets: Set<Socket>;
  #closing?: Promise<void>;
  #idleTimer?: NodeJS.Timeout;
  #webhooks?: WebhookSender;
  #archiver?: Archiver;
  #ice?: ServerIce;
  /** Cluster mode: the Redis link (closed last) and this process's place in the cluster. */
  #redis?: RedisLink;
  #cluster?: ClusterSessions;
  /** The data directory's database (dataDir), closed last by close(). */
  #db?: Db;

  private constructor(httpServer: http.Server, signaling: SignalingServer, store: SessionStore, applications: Applications,
    callbacks: CallbackRegistry, apiKey: string, apiSecret: string, host: string, port: number, sockets: Set<Socket>, router: MediaRouter | undefined,
    ownsRouter: boolean, tls: boolean) {
    this.router = router;
    this.#ownsRouter = ownsRouter;
    this.#http = httpServer;
    this.#sockets = sockets;
    this.#signaling = signaling;
    this.store = store;
    this.applications = applications;
    this.callbacks = callbacks;
    this.apiKey = apiKey;
    this.apiSecret = apiSecret;
    this.port = port;
    this.url = serverUrl(host, port, tls);
    this.signalingUrl = `${this.url.replace(/^http/, 'ws')}${SIGNALING_PATH}`;
  }

  static async start(opts: SessionServerOptions = {}): Promise<SessionServer> {
    if (opts.cluster && opts.dataDir !== undefined) throw new TypeError('a cluster keeps its state in Redis: dataDir and cluster exclude each other');
    if (opts.apiKey !== undefined && (opts.apiKey === '' || opts.apiKey.includes('~'))) throw new TypeError('apiKey must be a non-empty string without "~"');
    if (opts.apiSecret === '') throw new TypeError('apiSecret must be a non-empty string');
    const db = opts.dataDir !== undefined ? openDatabase(opts.dataDir) : undefined;
    const redis = opts.cluster ? await RedisLink.connect(opts.cluster.redisUrl, (line) => opts.log?.(line)) : undefined;
    try {
      return await SessionServer.#start(opts, db, redis);
    } catch (err) {
      db?.close();
      await redis?.close();
      throw err;
    }
  }

  static async #start(opts: SessionServerOptions, db: Db | undefined, redis: RedisLink | undefined): Promise<SessionServer> {
    const host = opts.host ?? '127.0.0.1';
    const generate = (): { apiKey: string; apiSecret: string } => ({ apiKey: generateApiKey(), apiSecret: generateApiSecret() });
    const given = { ...(opts.apiKey !== undefined && { apiKey: opts.apiKey }), ...(opts.apiSecret !== undefined && { apiSecret: opts.apiSecret }) };
    const { apiKey, apiSecret } = redis ? await settleCredentialsInRedis(redis, given, generate)
      : db ? settleCredentials(db, given, generate)
        : { apiKey: opts.apiKey ?? generateApiKey(), apiSecret: opts.apiSecret ?? generateApiSecret() };
    if (opts.reconnectGraceMs !== undefined && !(Number.isSafeInteger(opts.reconnectGraceMs) && opts.reconnectGraceMs >= 1)) {
      throw new TypeError(`reconnectGraceMs must be a positive integer, not ${String(opts.reconnectGraceMs)}`);
    }
    if (opts.sessionIdleMs !== undefined && !(Number.isSafeInteger(opts.sessionIdleMs) && opts.sessionIdleMs >= 0)) {
      throw new TypeError(`sessionIdleMs must be a non-negative integer, not ${String(opts.sessionIdleMs)}`);
    }
    // Before anything starts: a certificate that does not parse or match its key is a clear error.
    if (opts.tls) checkServerTls(opts.tls);
    const limits = resolveLimits({
      ...opts.limits, ...(opts.connectTimeoutMs !== undefined && { connectTimeoutMs: opts.connectTimeoutMs }),
    });
    const admission = new Admission(limits);
    const onJournalError = (err: Error): void => opts.log?.(`session store: a write failed: ${err.message}`);
    const sessionIdleMs = opts.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
    // An abandoned session's hash outlives the idle time by the reconnection grace (its connections'
    // clients may come back), and a few of its home's renewals (a minute at least).
    const sessionTtlMs = sessionIdleMs === 0 ? 0 : Math.max(60_000, sessionIdleMs + (opts.reconnectGraceMs ?? DEFAULT_RECONNECT_GRACE_MS));
    const processId = newProcessId();
    // Sessions another process took over while this one stalled: dropped here (set once the signaling server exists).
    let dropSessions = (_sessionIds: string[]): void => undefined;
    const redisJournal = redis && new RedisJournal(redis.commands, sessionTtlMs, onJournalError, processId, (sessionId) => dropSessions([sessionId]));
    const store = new SessionStore(apiKey, limits.maxSessions, redisJournal ?? (db && new SessionJournal(db)), onJournalError);
    const restored = store.restore();
    let cluster: ClusterSessions | undefined;
    const relayAuth = redis && new RelayAuth(apiSecret);
    const log = (line: string): void => opts.log?.(line);
    const applications = redis ? await Applications.inRedis(redis, log) : new Applications(db);
    const callbacks = redis ? await CallbackRegistry.inRedis(redis, log) : new CallbackRegistry(db);
    // The server's URL once it listens: archive callbacks' download links point there.
    let ownUrl: string | undefined;
    const webhooks = new WebhookSender({
      registry: callbacks, log: opts.log,
      archiveUrl: (archive) => (ownUrl === undefined ? null : downloadUrl(ownUrl, archive, apiSecret)),
      secretOf: (projectId) => (projectId === apiKey ? apiSecret : applications.get(projectId)?.signatureSecret),
    });
    const ownsRouter = opts.router !== undefined && !(opts.router instanceof MediaRouter);
    const ice: ServerIce | undefined = opts.ice ? await startIce(opts.ice, opts.log) : undefined;
    let router: MediaRouter | undefined;
    try {
      const janusTurn = ice && janusTurnOf(ice.servers);
      router = opts.router === undefined ? undefined
        : opts.router instanceof MediaRouter ? opts.router
          : await MediaRouter.start({
            log: opts.log, ...opts.router, janus: { ...(janusTurn && { turn: janusTurn }), ...opts.router.janus },
          });
    } catch (err) {
      await ice?.privateTurn?.stop();
      throw err;
    }
    // Archives need one process that sees every session's recordings: not in a cluster (501).
    const archives = new ArchiveStore(db);
    // The archiver monitors the signaling server's sessions and tells their clients of archives.
    let tellClients: ServerControl | undefined;
    const archiver = new Archiver({
      store: archives, router, sessionOf: (id) => store.getSession(id), log: opts.log,
      notify: (archive) => {
        webhooks.archiveStatus(archive);
        const session = (archive.status === 'started' || archive.status === 'stopped') && store.getSession(archive.sessionId);
        if (session) tellClients?.archiveChanged(session, { archiveId: archive.id, name: archive.name }, archive.status === 'started');
      },
      ...(opts.archiveEmptyStopMs !== undefined && { emptyStopMs: opts.archiveEmptyStopMs }),
    });
    archiver.restore();
    const signaling = new SignalingServer({
      store, apiKey, apiSecret, log: opts.log, router, publicKeyOf: (id) => applications.publicKey(id), monitor: monitorsOf(webhooks, archiver),
      archiveOf: (sessionId) => {
        const archive = archives.activeFor(sessionId);
        return archive && { archiveId: archive.id, name: archive.name };
      },
      ...(ice && !ice.servers.empty && { iceServersFor: (connectionId: string) => ice.servers.forConnection(connectionId) }), limits, admission,
      ...(opts.pingIntervalMs !== undefined && { pingIntervalMs: opts.pingIntervalMs }),
      ...(opts.pongTimeoutMs !== undefined && { pongTimeoutMs: opts.pongTimeoutMs }),
      ...(opts.reconnectGraceMs !== undefined && { reconnectGraceMs: opts.reconnectGraceMs }),
      ...(relayAuth && {
        relayAuth,
        place: async (sessionId: string) => {
          const place = await cluster!.place(sessionId);
          return place.where === 'elsewhere' ? place : { where: 'here' as const };
        },
      }),
    });
    signaling.restore(restored);
    tellClients = signaling.control;
    let guard = { refusedSockets: 0 };
    const handler = createRestHandler({
      store, apiKey, apiSecret, log: opts.log, bodyLimit: opts.restBodyLimit, ...(opts.routes ? { routes: opts.routes } : {}),
      rateLimiter: new KeyedRateLimiter(limits.restRequestsPerSecondPerAddress, limits.restBurstPerAddress),
      forceMute: signaling.forceMute,
      control: signaling.control,
      applications,
      callbacks,
      ...(!redis && { archives: { archiver, store: archives } }),
      ...(relayAuth && { cluster: { relayAuth, place: (sessionId: string) => cluster!.place(sessionId), created: (sessionId: string) => cluster!.node.adoptNew(sessionId) } }),
      health: () => ({
        ...(cluster && { processId, homedSessions: cluster.node.homedCount, relayedSockets: signaling.relayedCount }),
        connections: signaling.connectionCount, detachedConnections: signaling.detachedCount, sessions: store.sessionCount,
        unauthenticatedSockets: admission.unauthenticated,
        refusedSockets: guard.refusedSockets, rssBytes: process.memoryUsage.rss(),
      }),
    });
    // https.Server serves the same handler and 'upgrade' events over TLS; the TLS handshake is
    // bounded like a request's headers.
    const httpServer: http.Server = opts.tls
      ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2', handshakeTimeout: limits.httpHeadersTimeoutMs }, handler)
      : http.createServer(handler);
    guard = guardHttpServer(httpServer, limits, admission);
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
      if (redis && relayAuth) {
        const node = await ClusterNode.join({
          id: processId, link: redis, url: opts.cluster?.url ?? serverUrl(host, (httpServer.address() as AddressInfo).port, opts.tls !== undefined), sessionTtlMs: redisJournal!.ttlMs, log: opts.log,
          onSessionsLost: (sessionIds) => dropSessions(sessionIds),
        });
        dropSessions = (sessionIds) => {
          for (const sessionId of sessionIds) {
            node.forget(sessionId);
            const session = store.forget(sessionId);
            if (!session) continue;
            opts.log?.(`cluster: session ${sessionId} is served by another process now: its ${session.connections.size} connections here closed (4004)`);
            signaling.dropSession(session);
            if (session.mediaMode === 'routed') void router?.closeSession(sessionId);
          }
        };
        cluster = new ClusterSessions(node, redisJournal!, store, (r) => signaling.restore(r), log, router);
        router?.on('roomCreated', (sessionId, url, roomId) => {
          if (node.isHome(sessionId)) redisJournal!.setRoom(sessionId, url, roomId);
        });
      }
    } catch (err) {
      await archiver.close();
      webhooks.close();
      store.stopJournal();
      await signaling.closeAll();
      if (ownsRouter) await router?.stop();
      await ice?.privateTurn?.stop();
      await cluster?.node.leave();
      throw err;
    }
    const port = (httpServer.address() as AddressInfo).port;
    const server = new SessionServer(httpServer, signaling, store, applications, callbacks, apiKey, apiSecret, host, port, sockets,
      router, ownsRouter, opts.tls !== undefined);
    server.#ice = ice;
    server.#db = db;
    server.#webhooks = webhooks;
    server.#archiver = archiver;
    server.#redis = redis;
    server.#cluster = cluster;
    ownUrl = server.url;
    server.#startIdleExpiry(opts.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS, opts.log);
    return server;
  }

  /** Removes idle sessions every quarter of idleMs (at most a minute, at least a second). */
  #startIdleExpiry(idleMs: number, log: ((line: string) => void) | undefined): void {
    if (idleMs === 0) return;
    const sweep = (): void => {
      for (const session of this.store.expireIdle(idleMs)) {
        this.#cluster?.node.forget(session.sessionId);
        log?.(`session expired ${session.sessionId}: nobody connected for ${Math.round(idleMs / 1000)} s`);
        if (session.mediaMode === 'routed') void this.router?.closeSession(session.sessionId);
      }
    };
    this.#idleTimer = setInterval(sweep, Math.min(60_000, Math.max(1000, Math.floor(idleMs / 4))));
    this.#idleTimer.unref();
  }

  /** Creates a session in process (as `POST /session/create` does). */
  createSession(opts: SessionOptions = {}): CreatedSession {
    const mediaMode = opts.mediaMode ?? 'routed';
    if (opts.archiveMode === 'always' && mediaMode !== 'routed') throw new TypeError('archiveMode "always" needs a routed session');
    if (opts.archiveMode === 'always' && this.#cluster) throw new TypeError('archives are not available in a cluster: archiveMode "always" cannot be honoured');
    const session: SessionRecord = this.store.createSession({ ...opts, mediaMode });
    // In a cluster the home is written in the background: a session made through REST is answered once it is stored.
    this.#cluster?.node.adoptNew(session.sessionId).catch(() => undefined);
    return { sessionId: session.sessionId, mediaMode: session.mediaMode, archiveMode: session.archiveMode, e2ee: session.e2ee };
  }

  /** Makes a client token for a session of this server, as the OpenTok SDK would. */
  generateToken(sessionId: string, opts: GenerateTokenOptions = {}, legacy = false): string {
    return generateToken(this.apiKey, this.apiSecret, sessionId, opts, legacy);
  }

  /** The STUN/TURN servers clients are handed (undefined without the `ice` option). */
  get iceServers(): IceServers | undefined {
    return this.#ice?.servers;
  }

  /** The private coturn (`ice.privateTurn`), if one runs. */
  get privateTurn(): PrivateTurn | undefined {
    return this.#ice?.privateTurn;
  }

  /** Connected signaling clients. */
  get connectionCount(): number {
    return this.#signaling.connectionCount;
  }

  /**
   * Closes every signaling socket with 4004 and resolves when the HTTP server is closed. Idempotent.
   * With dataDir the stored connections stay: their clients reconnect to the restarted server.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#idleTimer);
      // Before the router stops: each recording archive ends with its files closed and its size known.
      await this.#archiver?.close();
      this.store.stopJournal();
      // Its sessions are free for the other processes before its clients, closed below, reconnect to them.
      await this.#cluster?.node.leave();
      const httpClosed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
      // First: the sockets closing below are a shutdown, not connections leaving their sessions.
      this.#webhooks?.close();
      await this.#signaling.closeAll(CloseCode.SERVER_SHUTTING_DOWN, 'server shutting down');
      this.#http.closeIdleConnections();
      const force = setTimeout(() => {
        for (const socket of this.#sockets) socket.destroy();
      }, 1000);
      await httpClosed;
      clearTimeout(force);
      if (this.#ownsRouter) await this.router?.stop();
      await this.#ice?.privateTurn?.stop();
      this.#db?.close();
      await Promise.all([this.applications.close(), this.callbacks.close()]);
      await this.#redis?.close();
    })();
    return this.#closing;
  }
}
