// One client socket of the signaling endpoint, and the connection it carries once past `connect`.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { TokenBucket } from '../rate-limiter';
import type { ConnectionRecord, SessionRecord } from '../session-store';

export interface Client {
  ws: WebSocket;
  socket: Socket;
  remote: string;
  /** The client's own address when another process of the cluster relays it (verified: cluster/relay-auth.ts). */
  relayedFor?: string;
  /** Requests that came while its `connect` waits for its session's placement (cluster mode). */
  placing?: string[];
  /** Its session is served here (cluster mode: placed; always, otherwise). */
  placed?: boolean;
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
