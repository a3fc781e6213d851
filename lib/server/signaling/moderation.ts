// Moderation from clients (docs/protocol.md, "Moderation"): a moderator removes a connection, as
// the REST forceDisconnect does, or stops a stream (forceUnpublish). A forced disconnect is
// answered before the removal, so a moderator that removes itself still hears its ack. Each
// costs what the removal does: O(the connection's streams and peers).
import { ErrorCode } from '../../error-code';
import type { ForceDisconnectRequest, ForceUnpublishRequest } from '../../protocol/messages';
import type { ConnectionRecord, SessionRecord } from '../session-store';
import type { Client } from './client';
import type { Delivery } from './delivery';
import { requireModerator } from './moderator-role';
import { RequestError } from './request-error';
import type { SessionServerControl } from './server-control';
import type { StreamRequests } from './stream-requests';

export class Moderation {
  readonly #control: SessionServerControl;
  readonly #streams: StreamRequests;
  readonly #delivery: Delivery;

  constructor(control: SessionServerControl, streams: StreamRequests, delivery: Delivery) {
    this.#control = control;
    this.#streams = streams;
    this.#delivery = delivery;
  }

  forceDisconnect(client: Client, conn: ConnectionRecord, session: SessionRecord, req: ForceDisconnectRequest): void {
    requireModerator(conn, ErrorCode.OTC_UNABLE_TO_FORCE_DISCONNECT, 'forceDisconnect');
    if (!session.connections.has(req.connectionId)) {
      throw new RequestError(ErrorCode.OTC_UNABLE_TO_FORCE_DISCONNECT, 'no such connection in this session');
    }
    this.#delivery.send(client, { type: 'ack', id: req.id });
    this.#control.forceDisconnect(session, req.connectionId, conn.info.connectionId);
  }

  forceUnpublish(client: Client, conn: ConnectionRecord, session: SessionRecord, req: ForceUnpublishRequest): void {
    requireModerator(conn, ErrorCode.OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM, 'forceUnpublish');
    if (!session.streams.has(req.streamId)) {
      throw new RequestError(ErrorCode.OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM, 'no such stream in this session');
    }
    this.#streams.forceUnpublish(session, req.streamId, conn.info.connectionId);
    this.#delivery.send(client, { type: 'ack', id: req.id });
  }
}
