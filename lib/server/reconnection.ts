// Connections whose socket went away without `disconnect` (docs/protocol.md, "Reconnecting"):
// kept with their streams and peers for a grace period, nobody told, messages for them queued
// (bounded), until the client comes back with its reconnect token or the grace ends.
import * as crypto from 'node:crypto';

/** How long a connection whose socket dropped is kept for its client to come back, ms. */
export const DEFAULT_RECONNECT_GRACE_MS = 60_000;
/** Messages queued for a detached connection; one more drops it. */
export const MAX_QUEUED_MESSAGES = 1000;
/** Bytes (UTF-16 code units of JSON text) queued for a detached connection; more drop it. */
export const MAX_QUEUED_BYTES = 1024 * 1024;

/**
 * The reconnect token of a connection: base64url HMAC-SHA256 over `sessionId|connectionId` with
 * a key derived from the API secret, so a server restarted with the same secret still verifies it.
 */
export class ReconnectTokens {
  readonly #key: Buffer;

  constructor(apiSecret: string) {
    this.#key = crypto.createHmac('sha256', apiSecret).update('otc-reconnect-token-v1').digest();
  }

  /** A token over `parts` joined by '|' (the stream and peer tokens of a restore use it too). */
  mint(...parts: string[]): string {
    return crypto.createHmac('sha256', this.#key).update(parts.join('|')).digest('base64url');
  }

  verify(token: unknown, ...parts: string[]): boolean {
    if (typeof token !== 'string' || token.length > 128) return false;
    const expected = Buffer.from(this.mint(...parts));
    const given = Buffer.from(token);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }

  /** Wipes the key (the server is closing). */
  wipe(): void {
    this.#key.fill(0);
  }
}

export interface DetachedOptions<T> {
  graceMs: number;
  maxMessages?: number;
  maxBytes?: number;
  /** The grace ended or the queue overflowed: the caller drops the connection as a lost one. */
  onExpire: (connectionId: string, context: T, why: string) => void;
}

interface Detached<T> {
  /** What the caller needs to drop it (its session). */
  context: T;
  queue: string[];
  /** For each queued message, the peer whose ICE negotiation it belongs to, if any (see queue). */
  peers: Array<{ peerId: string; offer: boolean } | undefined>;
  bytes: number;
  timer: NodeJS.Timeout;
  /** Gives back the connection's admission counts (per address and token) when it is dropped. */
  release?: () => void;
  overflowed: boolean;
}

/** Detached connections by connectionId. */
export class DetachedConnections<T> {
  readonly #opts: Required<DetachedOptions<T>>;
  readonly #byId = new Map<string, Detached<T>>();

  constructor(opts: DetachedOptions<T>) {
    this.#opts = { maxMessages: MAX_QUEUED_MESSAGES, maxBytes: MAX_QUEUED_BYTES, ...opts };
  }

  get size(): number {
    return this.#byId.size;
  }

  has(connectionId: string): boolean {
    return this.#byId.has(connectionId);
  }

  /** Keeps `connectionId` for the grace period; `release` is kept until it is dropped or taken. */
  detach(connectionId: string, context: T, release: (() => void) | undefined): void {
    this.#forget(connectionId)?.release?.();
    const timer = setTimeout(() => this.#expire(connectionId, `no reconnection within ${this.#opts.graceMs} ms`), this.#opts.graceMs);
    timer.unref();
    this.#byId.set(connectionId, { context, queue: [], peers: [], bytes: 0, timer, release, overflowed: false });
  }

  /**
   * Queues a message for a detached connection. Returns false when it is not detached. Past the
   * bounds the connection is dropped (onExpire, on the next tick: the caller may be iterating
   * the session's connections).
   */
  queue(connectionId: string, text: string, negotiation?: { peerId: string; offer: boolean }): boolean {
    const entry = this.#byId.get(connectionId);
    if (!entry) return false;
    if (entry.overflowed) return true;
    // A newer offer for a peer (an ICE restart made while this client was away) supersedes the
    // queued one and its candidates: the client answers only the offer the other end now has,
    // and a burst of ICE generations on reconnection is what libwebrtc M108 handles worst.
    if (negotiation?.offer) {
      let kept = 0;
      for (let i = 0; i < entry.queue.length; i++) {
        if (entry.peers[i]?.peerId === negotiation.peerId) {
          entry.bytes -= entry.queue[i]!.length;
          continue;
        }
        entry.queue[kept] = entry.queue[i]!;
        entry.peers[kept] = entry.peers[i];
        kept++;
      }
      entry.queue.length = kept;
      entry.peers.length = kept;
    }
    if (entry.queue.length >= this.#opts.maxMessages || entry.bytes + text.length > this.#opts.maxBytes) {
      entry.overflowed = true;
      entry.queue = [];
      entry.peers = [];
      setImmediate(() => this.#expire(connectionId, `more than ${this.#opts.maxMessages} messages or ${this.#opts.maxBytes} bytes queued while away`));
      return true;
    }
    entry.queue.push(text);
    entry.peers.push(negotiation);
    entry.bytes += text.length;
    return true;
  }

  /** The client came back: its queued messages (in order) and its admission release. */
  take(connectionId: string): { queue: string[]; release: (() => void) | undefined } | undefined {
    const entry = this.#byId.get(connectionId);
    if (!entry || entry.overflowed) return undefined;
    this.#forget(connectionId);
    return { queue: entry.queue, release: entry.release };
  }

  /** Drops one without telling anyone (its connection is removed by the caller). */
  remove(connectionId: string): void {
    this.#forget(connectionId)?.release?.();
  }

  /** Drops every one, giving back their counts (the server is closing). */
  clear(): void {
    for (const connectionId of [...this.#byId.keys()]) this.remove(connectionId);
  }

  #forget(connectionId: string): Detached<T> | undefined {
    const entry = this.#byId.get(connectionId);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.#byId.delete(connectionId);
    return entry;
  }

  #expire(connectionId: string, why: string): void {
    const entry = this.#forget(connectionId);
    if (!entry) return;
    entry.release?.();
    this.#opts.onExpire(connectionId, entry.context, why);
  }
}
