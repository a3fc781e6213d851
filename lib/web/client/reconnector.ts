// The browser client's reconnection (docs/protocol.md, "Reconnecting"): new sockets with the
// connection's reconnect token, backing off from 0.5 s doubling to 5 s (±20% jitter), each attempt
// bounded by 5 s, for at most 60 s, until the server acks, refuses (1004/1005/1022) or time is up.
import type { ConnectAck, ConnectRequest } from '../../protocol/messages';
import { type ServerEvent, SignalingSocket } from './signaling';

/** How long a session tries to reconnect before it gives up, ms. */
export const RECONNECT_TIMEOUT_MS = 60_000;
const ATTEMPT_TIMEOUT_MS = 5_000;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 5_000;
/** Refusals about the connection itself: no later attempt can succeed. */
const FINAL_REFUSALS = new Set([1004, 1005, 1022]);
/** Close codes after which a new socket would not help (docs/protocol.md, Closing codes). */
const FINAL_CLOSE_CODES = new Set([1000, 1002, 1003, 1007, 1008, 1009, 1010, 4001, 4002, 4003, 4005, 4006, 4007, 4008, 4009]);

/** Whether a socket closed with `code` is worth reconnecting (4004, a restart, is). */
export function reconnectable(code: number): boolean {
  return !FINAL_CLOSE_CODES.has(code);
}

export type ReconnectOutcome =
  /** early: events that arrived before the caller took the socket over (the queued ones), in order. */
  | { socket: SignalingSocket; ack: ConnectAck; early: ServerEvent[] }
  | { socket: null; why: string };

export class Reconnector {
  constructor(readonly url: string, readonly connectMessage: () => Omit<ConnectRequest, 'id'>,
    readonly wanted: () => boolean, readonly timeoutMs = RECONNECT_TIMEOUT_MS) {}

  async run(firstWhy: string): Promise<ReconnectOutcome> {
    const deadline = Date.now() + this.timeoutMs;
    let backoff = FIRST_BACKOFF_MS;
    let why = firstWhy;
    for (;;) {
      if (!this.wanted()) return { socket: null, why: 'disconnected while reconnecting' };
      const left = deadline - Date.now();
      try {
        const socket = await SignalingSocket.open(this.url, Math.max(200, Math.min(ATTEMPT_TIMEOUT_MS, left)));
        const early: ServerEvent[] = [];
        socket.onEvent = (event) => early.push(event);
        const reply = await socket.request(this.connectMessage());
        if (reply.ok) return { socket, ack: reply.ack, early };
        socket.onClose = () => undefined;
        socket.close();
        if (FINAL_REFUSALS.has(reply.code)) {
          return { socket: null, why: `the session server refused the reconnection: ${reply.message || 'no reason given'} (${reply.code})` };
        }
        why = reply.message;
      } catch (error) {
        why = error instanceof Error ? error.message : String(error);
      }
      const delay = Math.min(backoff * (0.8 + 0.4 * Math.random()), deadline - Date.now() - 200);
      if (delay <= 0) return { socket: null, why: `could not reconnect to the session server within ${Math.round(this.timeoutMs / 1000)} s: ${why}` };
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
