// What a session server may cost a node-otc client (docs/protocol.md section 4, last paragraph):
// a server that floods it is refused rather than followed. Shared by the browser client; the
// C++ client keeps the same values.
import { ErrorCode } from '../error-code';

/** Peer connections one publisher opens at most (relayed: one per subscriber). Matches the server's maxSubscribersPerStream. */
export const MAX_PEERS_PER_PUBLISHER = 64;
/** Largest message accepted from the server, characters of JSON (a connect ack of a full session is far below). */
export const MAX_SERVER_MESSAGE_CHARS = 4 * 1024 * 1024;
/** Messages per second accepted from the server on average, and at once. */
export const MAX_SERVER_MESSAGES_PER_SECOND = 5000;
export const MAX_SERVER_MESSAGE_BURST = 10_000;

/** What the client reports when it refuses the server. */
export const SERVER_FLOOD_ERROR = ErrorCode.OTC_SESSION_CONNECTION_DROPPED;

/** Judges each message from the server: undefined to take it, or why the server is refused. */
export class ServerFloodGuard {
  #tokens = MAX_SERVER_MESSAGE_BURST;
  #last: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.#last = now();
  }

  admit(length: number): string | undefined {
    if (length > MAX_SERVER_MESSAGE_CHARS) return `the server sent a message of ${length} characters (at most ${MAX_SERVER_MESSAGE_CHARS})`;
    const now = this.now();
    this.#tokens = Math.min(MAX_SERVER_MESSAGE_BURST, this.#tokens + (Math.max(0, now - this.#last) / 1000) * MAX_SERVER_MESSAGES_PER_SECOND);
    this.#last = now;
    if (this.#tokens < 1) return `the server sent more than ${MAX_SERVER_MESSAGES_PER_SECOND} messages per second`;
    this.#tokens -= 1;
    return undefined;
  }
}

/** Why a publisher with `peers` peer connections refuses one more, or undefined. */
export function refusePeer(peers: number): string | undefined {
  return peers >= MAX_PEERS_PER_PUBLISHER
    ? `refused a subscriber: this publisher already has ${MAX_PEERS_PER_PUBLISHER} peer connections (the client's limit)`
    : undefined;
}
