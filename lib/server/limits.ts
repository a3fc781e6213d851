// What one client, token, address or the whole server may cost the session server (docs/protocol.md,
// "Limits"). Every input of a server exposed to the internet is bounded by one of these.

/** The session server's limits; every field has a default (DEFAULT_LIMITS). */
export interface ServerLimits {
  /** Sessions held in memory; `POST /session/create` beyond it is 429 (createSession throws). */
  maxSessions: number;
  /** Connected clients of one session; more are refused with 1027. */
  maxConnectionsPerSession: number;
  /** Connected clients using one token (the same token string); more are refused with 1027. */
  maxConnectionsPerToken: number;
  /** Connected signaling clients from one remote address; more are refused with 1027. */
  maxConnectionsPerAddress: number;
  /**
   * Open TCP sockets from one address that are not (yet) connected signaling clients: HTTP
   * requests, keep-alive sockets, WebSockets before `connect`. Beyond it the socket is refused
   * (HTTP 503, then closed).
   */
  maxUnauthenticatedPerAddress: number;
  /** The same, over all addresses. */
  maxUnauthenticated: number;
  /** A WebSocket must send `connect` within this time, ms (close 4003). */
  connectTimeoutMs: number;
  /** An HTTP request's headers must arrive within this time, ms (node's headersTimeout). */
  httpHeadersTimeoutMs: number;
  /** A socket idle this long between HTTP requests is closed, ms (REST keep-alive; not WebSockets). */
  httpIdleTimeoutMs: number;
  /** Streams one connection may have published at once (more: 1500). */
  maxStreamsPerConnection: number;
  /** Subscriptions one connection may hold at once (more: 1605). */
  maxSubscriptionsPerConnection: number;
  /** Subscriptions one connection may hold to one stream (more: 1605). */
  maxSubscriptionsPerStreamPerConnection: number;
  /**
   * Subscriptions to one stream over all connections (more: 1605). In a relayed session each is a
   * peer connection on the publisher; clients cap them on their side too (MAX_PEERS_PER_PUBLISHER).
   */
  maxSubscribersPerStream: number;
  /** Largest WebSocket message, bytes (larger: close 1009 with a reason). */
  maxMessageBytes: number;
  /** Requests per second a connection may send, on average (token bucket; beyond the burst: close 4006). */
  messagesPerSecond: number;
  /** Requests a connection may send at once before the rate applies. */
  messageBurst: number;
  /** REST requests per second from one address (token bucket; beyond: 429). /health is exempt. */
  restRequestsPerSecondPerAddress: number;
  /** REST requests one address may send at once before the rate applies. */
  restBurstPerAddress: number;
  /**
   * Bytes the server may hold unsent for one WebSocket client (one that does not read). Beyond it
   * the client is closed with 4007 and its socket dropped: never buffered without bound.
   */
  maxBufferedBytes: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxSessions: 10_000,
  maxConnectionsPerSession: 250,
  maxConnectionsPerToken: 16,
  maxConnectionsPerAddress: 256,
  maxUnauthenticatedPerAddress: 64,
  maxUnauthenticated: 2048,
  connectTimeoutMs: 5_000,
  httpHeadersTimeoutMs: 10_000,
  httpIdleTimeoutMs: 15_000,
  maxStreamsPerConnection: 16,
  maxSubscriptionsPerConnection: 256,
  maxSubscriptionsPerStreamPerConnection: 4,
  maxSubscribersPerStream: 64,
  // SDPs may be 256 KiB (signaling.ts MAX_SDP_LENGTH), plus the JSON around them.
  maxMessageBytes: 264 * 1024,
  messagesPerSecond: 100,
  messageBurst: 500,
  restRequestsPerSecondPerAddress: 50,
  restBurstPerAddress: 100,
  maxBufferedBytes: 2 * 1024 * 1024,
});

/** The limits' names, for flags and validation. */
export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as Array<keyof ServerLimits>;

/** Fills the defaults in; throws a TypeError naming a limit that is not a positive integer. */
export function resolveLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  const limits: ServerLimits = { ...DEFAULT_LIMITS };
  for (const [name, value] of Object.entries(partial)) {
    if (value === undefined) continue;
    if (!(LIMIT_NAMES as string[]).includes(name)) throw new TypeError(`unknown limit ${name}`);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`limit ${name} must be a positive integer, not ${String(value)}`);
    }
    limits[name as keyof ServerLimits] = value;
  }
  if (limits.messageBurst < 1 || limits.restBurstPerAddress < 1) throw new TypeError('bursts must be at least 1');
  return limits;
}
