// What the server sends: to one socket, to a connection (queued while it is detached), to a whole
// session; and closing a socket with a code of the protocol. A client that does not read is
// closed, never buffered for without bound.
import { WebSocket } from 'ws';
import { CloseCode, type ServerMessage } from '../../protocol/messages';
import type { ServerLimits } from '../limits';
import type { DetachedConnections } from '../reconnection';
import { closeReason } from '../request-target';
import type { SessionRecord } from '../session-store';
import type { Client } from './client';

export class Delivery {
  readonly #limits: ServerLimits;
  readonly #detached: DetachedConnections<SessionRecord>;
  readonly #log: (line: string) => void;
  /** Connected (past `connect`) clients by connection id. */
  readonly #byConnectionId = new Map<string, Client>();

  constructor(limits: ServerLimits, detached: DetachedConnections<SessionRecord>, log: (line: string) => void) {
    this.#limits = limits;
    this.#detached = detached;
    this.#log = log;
  }

  get connectedCount(): number {
    return this.#byConnectionId.size;
  }

  clientOf(connectionId: string): Client | undefined {
    return this.#byConnectionId.get(connectionId);
  }

  /** Messages to `connectionId` go to `client` from now on. */
  route(connectionId: string, client: Client): void {
    this.#byConnectionId.set(connectionId, client);
  }

  /** Messages to `connectionId` are queued for a reconnection (or dropped) from now on. */
  unroute(connectionId: string): void {
    this.#byConnectionId.delete(connectionId);
  }

  send(client: Client, message: ServerMessage): void {
    this.sendText(client, JSON.stringify(message));
  }

  /**
   * Sends unless the client has more than maxBufferedBytes waiting already: then it is closed
   * with 4007 (a client that does not read is never buffered for without bound).
   */
  sendText(client: Client, text: string): void {
    if (client.ws.readyState !== WebSocket.OPEN || client.closing) return;
    if (client.ws.bufferedAmount + text.length > this.#limits.maxBufferedBytes) {
      this.close(client, CloseCode.SLOW_CONSUMER, `more than ${this.#limits.maxBufferedBytes} bytes unsent: the client does not read`);
      // Its close frame waits behind what it does not read: free the socket soon instead.
      setTimeout(() => client.ws.terminate(), 1000).unref();
      return;
    }
    client.ws.send(text);
  }

  sendTo(connectionId: string, message: ServerMessage): void {
    const client = this.#byConnectionId.get(connectionId);
    if (client) this.send(client, message);
    else this.#detached.queue(connectionId, JSON.stringify(message), negotiationOf(message));
  }

  /** Sends to every connected client of the session, except `except` (serialized once). */
  broadcast(session: SessionRecord, message: ServerMessage, except?: string): void {
    const text = JSON.stringify(message);
    for (const connectionId of session.connections.keys()) {
      if (connectionId === except) continue;
      const client = this.#byConnectionId.get(connectionId);
      if (client) this.sendText(client, text);
      else this.#detached.queue(connectionId, text);
    }
  }

  close(client: Client, code: CloseCode, reason: string): void {
    if (client.closing) return;
    client.closing = true;
    client.closedByServer = true;
    if (client.connectTimer) clearTimeout(client.connectTimer);
    if (client.conn) this.#log(`close ${client.conn.info.connectionId} ${code} ${reason}`);
    client.ws.close(code, closeReason(reason));
  }
}

/** The ICE negotiation a message to one client belongs to (its offers and candidates, by peer). */
function negotiationOf(message: ServerMessage): { peerId: string; offer: boolean } | undefined {
  if (message.type === 'offer') return { peerId: message.peerId, offer: true };
  if (message.type === 'candidate') return { peerId: message.peerId, offer: false };
  return undefined;
}
