// What the signaling server is configured with, and the defaults it resolves them to.
import type { RelayAuth } from '../cluster/relay-auth';
import type { Admission } from '../admission';
import type { IceServer } from '../ice-servers';
import type { ServerLimits } from '../limits';
import type { MediaRouter } from '../router/media-router';
import type { SessionStore } from '../session-store';
import type { PublicKeyOf } from '../tokens';
import type { SessionMonitor } from './session-monitor';

export interface SignalingOptions {
  store: SessionStore;
  apiKey: string;
  apiSecret: string;
  /** WebSocket ping period, ms (default 5000). */
  pingIntervalMs?: number;
  /** A connected client silent to pings this long is dropped, ms (default 15000). */
  pongTimeoutMs?: number;
  /** The first message must be `connect` within this time, ms (the server passes limits.connectTimeoutMs, 5000 by default). */
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
  /** Applications' public keys: their RS256 client tokens are accepted (applications.ts). */
  publicKeyOf?: PublicKeyOf;
  /** Told of connections and streams created and destroyed (session monitoring callbacks). */
  monitor?: SessionMonitor;
  /** The archive recording a session now, told to each client that connects to it. */
  archiveOf?: (sessionId: string) => { archiveId: string; name: string } | undefined;
  log?: (line: string) => void;
  /**
   * Cluster mode (`serve --redis`): where a session is served. 'here' once its state is in the
   * store; else the URL of its home process, which the client's socket is relayed to.
   */
  place?: (sessionId: string) => Promise<{ where: 'here' } | { where: 'elsewhere'; url: string }>;
  /** Cluster mode: vouches for relayed sockets (sent and received). */
  relayAuth?: RelayAuth;
}

type Optional = 'log' | 'router' | 'iceServersFor' | 'publicKeyOf' | 'monitor' | 'archiveOf' | 'place' | 'relayAuth';
export type ResolvedSignalingOptions = Required<Omit<SignalingOptions, Optional>> & Pick<SignalingOptions, Optional>;
