// What the REST API does to a session's connections on the project's authority (no connection of
// its own): signals from the server (`from` is '', which clients report as no connection), forced
// disconnects (a moderator's too, moderation.ts), and telling them an archive started or stopped.
// Each call costs O(the connections it reaches).
import { CloseCode } from '../../protocol/messages';
import type { SessionRecord } from '../session-store';
import type { Delivery } from './delivery';
import type { Membership } from './membership';

export interface ServerControl {
  /** Sends a signal to every connection (to undefined) or to one; false when `to` names no connection of the session. */
  signal(session: SessionRecord, to: string | undefined, signalType: string, data: string): boolean;
  /**
   * Removes a connection: its socket closes with 4009 (final), the others hear `connectionDestroyed`
   * and `streamDestroyed` with reason `forceDisconnected`. False when the session has no such connection.
   */
  forceDisconnect(session: SessionRecord, connectionId: string): boolean;
  /** Tells every connection that an archive started or stopped recording the session. */
  archiveChanged(session: SessionRecord, archive: { archiveId: string; name: string }, started: boolean): void;
}

export class SessionServerControl implements ServerControl {
  readonly #delivery: Delivery;
  readonly #membership: Membership;
  readonly #log: (line: string) => void;

  constructor(delivery: Delivery, membership: Membership, log: (line: string) => void) {
    this.#delivery = delivery;
    this.#membership = membership;
    this.#log = log;
  }

  signal(session: SessionRecord, to: string | undefined, signalType: string, data: string): boolean {
    const event = { type: 'signal' as const, from: '', signalType, data };
    if (to === undefined) {
      this.#delivery.broadcast(session, event);
      return true;
    }
    if (!session.connections.has(to)) return false;
    this.#delivery.sendTo(to, event);
    return true;
  }

  archiveChanged(session: SessionRecord, archive: { archiveId: string; name: string }, started: boolean): void {
    this.#delivery.broadcast(session, { type: started ? 'archiveStarted' : 'archiveStopped', ...archive });
  }

  /** `by`: the moderator's connection id, or REST. */
  forceDisconnect(session: SessionRecord, connectionId: string, by = 'REST'): boolean {
    if (!session.connections.has(connectionId)) return false;
    const client = this.#delivery.clientOf(connectionId);
    this.#log(`forceDisconnect ${connectionId} by ${by}`);
    if (client) {
      this.#membership.leave(client, 'forceDisconnected');
      this.#delivery.close(client, CloseCode.FORCE_DISCONNECTED, 'disconnected by the project (forceDisconnect)');
    } else {
      // Detached (its socket dropped, kept for a reconnection): removed now; a reconnection finds it gone.
      this.#membership.removeConnection(session, connectionId, 'forceDisconnected');
    }
    return true;
  }
}
