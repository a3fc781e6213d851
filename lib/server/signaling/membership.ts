// Who is in a session: `connect` (the token, the limits, the ack with the session's state),
// reconnections of a connection onto a new socket, connections restored after a server restart,
// and leaving — detached for a reconnection, or removed with everyone told.
import { ErrorCode } from '../../error-code';
import {
  CloseCode, type ConnectionDestroyedReason, type ConnectRequest, type PeerClosedReason, type StreamDestroyedReason,
} from '../../protocol/messages';
import { publisherPeerKey } from '../router/peer-keys';
import type { DetachedConnections, ReconnectTokens } from '../reconnection';
import type { PeerRecord, RestoredConnection, SessionRecord } from '../session-store';
import { verifyToken } from '../tokens';
import type { Client } from './client';
import type { Delivery } from './delivery';
import type { ResolvedSignalingOptions } from './options';
import { RequestError } from './request-error';
import type { RoutedRelay } from './routed-relay';

export interface MembershipParts {
  delivery: Delivery;
  detached: DetachedConnections<SessionRecord>;
  reconnectTokens: ReconnectTokens;
  routed: RoutedRelay;
  /** Lifts the before-`connect` message size limit of a client's socket. */
  allowFullMessages: (client: Client) => void;
  log: (line: string) => void;
}

export class Membership {
  readonly #opts: ResolvedSignalingOptions;
  readonly #delivery: Delivery;
  readonly #detached: DetachedConnections<SessionRecord>;
  readonly #reconnectTokens: ReconnectTokens;
  readonly #routed: RoutedRelay;
  readonly #allowFullMessages: (client: Client) => void;
  readonly #log: (line: string) => void;

  constructor(opts: ResolvedSignalingOptions, parts: MembershipParts) {
    this.#opts = opts;
    this.#delivery = parts.delivery;
    this.#detached = parts.detached;
    this.#reconnectTokens = parts.reconnectTokens;
    this.#routed = parts.routed;
    this.#allowFullMessages = parts.allowFullMessages;
    this.#log = parts.log;
  }

  /** The session a `connect`'s token grants, when the token verifies (its expiry unchecked on a reconnect, as connect() does). */
  sessionIdOf(req: ConnectRequest): string | undefined {
    const check = verifyToken(req.token, this.#opts.apiKey, this.#opts.apiSecret, req.reconnect === undefined ? undefined : 1, this.#opts.publicKeyOf);
    return check.ok ? check.grant.sessionId : undefined;
  }

  connect(client: Client, req: ConnectRequest): void {
    const { id, reconnect } = req;
    if (client.conn) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'already connected');
    const refuse = (code: ErrorCode, message: string): void => {
      this.#delivery.send(client, { type: 'error', id, code, message });
      this.#log(`connect refused from ${client.remote}: ${code} ${message}`);
      this.#delivery.close(client, CloseCode.AUTHENTICATION_FAILED, 'authentication failed');
    };
    const refuseLimit = (message: string): void => {
      this.#delivery.send(client, { type: 'error', id, code: ErrorCode.OTC_SESSION_CONNECTION_LIMIT_EXCEEDED, message });
      this.#delivery.close(client, CloseCode.CONNECTION_LIMIT, message);
    };
    // A reconnection does not check the token's expiry (checked as of second 1 of 1970, as
    // jsonwebtoken reads 0 as "now"): its reconnect token proves the connection was admitted
    // while the token was valid (docs/protocol.md, "Reconnecting").
    const check = verifyToken(req.token, this.#opts.apiKey, this.#opts.apiSecret, reconnect === undefined ? undefined : 1, this.#opts.publicKeyOf);
    if (!check.ok) return refuse(check.code, check.message);
    const { grant } = check;
    const wanted = req.sessionId;
    if (wanted !== undefined && wanted !== grant.sessionId) {
      return refuse(ErrorCode.OTC_SESSION_INVALID_SESSION, 'the token is for another session');
    }
    const session = this.#opts.store.getSession(grant.sessionId);
    if (!session) return refuse(ErrorCode.OTC_SESSION_INVALID_SESSION, 'no such session');
    if (reconnect !== undefined) return this.#reconnect(client, req, reconnect, session, refuse, refuseLimit);
    if (session.connections.size >= this.#opts.limits.maxConnectionsPerSession) {
      return refuseLimit(`this session has ${this.#opts.limits.maxConnectionsPerSession} connections: the server's limit`);
    }
    const admitted = this.#opts.admission.admitConnection(client.socket, req.token, client.relayedFor);
    if (!admitted.ok) return refuseLimit(admitted.message);
    client.release = admitted.release;
    this.#allowFullMessages(client);
    const e2ee = req.e2ee === true;
    if (client.connectTimer) clearTimeout(client.connectTimer);
    client.connectTimer = undefined;
    const others = [...session.connections.values()].map((c) => c.info);
    const conn = this.#opts.store.addConnection(session, grant.role, grant.data, e2ee, admitted, grant.layoutClassList);
    client.conn = conn;
    client.session = session;
    client.lastPong = Date.now();
    this.#delivery.route(conn.info.connectionId, client);
    this.#delivery.send(client, {
      type: 'ack', id, connectionId: conn.info.connectionId, sessionId: session.sessionId, role: conn.role, data: conn.info.data,
      session: { e2ee: session.e2ee, mediaMode: session.mediaMode },
      connections: others, streams: [...session.streams.values()],
      iceServers: this.#opts.iceServersFor?.(conn.info.connectionId) ?? [],
      reconnectToken: this.#reconnectTokens.mint(session.sessionId, conn.info.connectionId),
      ...(session.forceMute && { forceMuteActive: true as const }),
    });
    const archive = this.#opts.archiveOf?.(session.sessionId);
    if (archive) this.#delivery.send(client, { type: 'archiveStarted', ...archive });
    this.#delivery.broadcast(session, { type: 'connectionCreated', connection: conn.info }, conn.info.connectionId);
    this.#opts.monitor?.connectionCreated(session, conn.info);
    this.#log(`connect ${conn.info.connectionId} session=${session.sessionId} role=${conn.role} e2ee=${e2ee} from ${client.remote}`);
  }

  /**
   * `connect` with `reconnect: { connectionId, reconnectToken }`: the connection, detached or
   * still attached to a socket the server has not seen die, moves to this socket; the ack says
   * `reconnected: true` and the messages queued meanwhile follow in order.
   */
  #reconnect(client: Client, req: ConnectRequest, reconnect: NonNullable<ConnectRequest['reconnect']>, session: SessionRecord,
    refuse: (code: ErrorCode, message: string) => void, refuseLimit: (message: string) => void): void {
    const { id } = req;
    const { connectionId } = reconnect;
    if (connectionId === '' || connectionId.length > 128
      || !this.#reconnectTokens.verify(reconnect.reconnectToken, session.sessionId, connectionId)) {
      return refuse(ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE, 'the reconnect token is not valid for this connection');
    }
    const conn = session.connections.get(connectionId);
    const previous = this.#delivery.clientOf(connectionId);
    const taken = previous ? undefined : this.#detached.take(connectionId);
    if (!conn || (!previous && !taken)) {
      return refuse(ErrorCode.OTC_SESSION_CONNECTION_DROPPED, 'the connection is gone: it was dropped (away longer than the grace period, or too much queued)');
    }
    let release = taken?.release;
    if (previous) {
      // The server had not noticed the old socket die: it is closed, and its counts move here.
      release = previous.release;
      previous.release = undefined;
      previous.conn = undefined;
      previous.session = undefined;
      this.#delivery.unroute(connectionId);
      this.#delivery.close(previous, CloseCode.REPLACED, 'replaced by a reconnection');
      setTimeout(() => previous.ws.terminate(), 1000).unref();
    }
    // The connection's own counts are given back first: a reconnection is not a second connection of its token.
    release?.();
    const admitted = this.#opts.admission.admitConnection(client.socket, req.token, client.relayedFor);
    if (!admitted.ok) {
      this.removeConnection(session, connectionId, 'networkDisconnected');
      return refuseLimit(admitted.message);
    }
    client.release = admitted.release;
    this.#opts.store.moveConnection(conn, admitted);
    this.#allowFullMessages(client);
    if (client.connectTimer) clearTimeout(client.connectTimer);
    client.connectTimer = undefined;
    client.conn = conn;
    client.session = session;
    client.lastPong = Date.now();
    this.#delivery.route(connectionId, client);
    this.#delivery.send(client, {
      type: 'ack', id, connectionId, sessionId: session.sessionId, role: conn.role, data: conn.info.data,
      session: { e2ee: session.e2ee, mediaMode: session.mediaMode },
      connections: [...session.connections.values()].filter((c) => c !== conn).map((c) => c.info),
      streams: [...session.streams.values()],
      iceServers: this.#opts.iceServersFor?.(connectionId) ?? [],
      reconnectToken: this.#reconnectTokens.mint(session.sessionId, connectionId),
      reconnected: true,
      ...(session.forceMute && { forceMuteActive: true as const }),
    });
    for (const text of taken?.queue ?? []) this.#delivery.sendText(client, text);
    this.#log(`reconnect ${connectionId} session=${session.sessionId} from ${client.remote}: ${taken?.queue.length ?? 0} queued messages delivered`);
    this.#routed.healIfLostByRestart(session, conn);
  }

  /**
   * Connections a restarted server read back from its data directory: detached, as after a
   * socket drop, with their streams and peers and their admission counts, until their clients
   * reconnect within the grace (nobody hears of the restart) or the grace ends (dropped as lost).
   */
  restore(restored: readonly RestoredConnection[]): void {
    for (const { session, conn, addressKey, tokenKey } of restored) {
      const connectionId = conn.info.connectionId;
      this.#detached.detach(connectionId, session, this.#opts.admission.holdRestoredConnection(addressKey, tokenKey));
      // The router's peers (Janus handles, rooms) died with the old process.
      if (session.mediaMode === 'routed' && conn.streams.size > 0) this.#routed.markLostByRestart(connectionId);
    }
    if (restored.length > 0) this.#log(`restored ${restored.length} connections, detached for ${this.#opts.reconnectGraceMs} ms`);
  }

  /**
   * Forgets every connection of a session another process serves now (a cluster's takeover while
   * this one stalled): nobody is told, nothing is written; its clients are closed with `code`,
   * to reconnect where the session is.
   */
  dropSession(session: SessionRecord, code: CloseCode, reason: string): void {
    for (const connectionId of session.connections.keys()) {
      this.#detached.remove(connectionId);
      this.#routed.forget(connectionId);
      const client = this.#delivery.clientOf(connectionId);
      if (!client) continue;
      client.release?.();
      client.release = undefined;
      client.conn = undefined;
      client.session = undefined;
      this.#delivery.unroute(connectionId);
      this.#delivery.close(client, code, reason);
    }
  }

  /** Removes a connected client from its session and tells the others. Idempotent. */
  leave(client: Client, reason: ConnectionDestroyedReason): void {
    const { conn, session } = client;
    client.release?.();
    client.release = undefined;
    if (!conn || !session) return;
    client.conn = undefined;
    const connectionId = conn.info.connectionId;
    this.#delivery.unroute(connectionId);
    this.removeConnection(session, connectionId, reason);
  }

  /**
   * A connected client's socket went away without `disconnect`: its connection stays, with its
   * streams and peers, for reconnectGraceMs (reconnection.ts); nobody is told. Its admission
   * counts stay held: it is still a connection of its token and address.
   */
  detach(client: Client): void {
    const { conn, session } = client;
    if (!conn || !session) return this.leave(client, 'networkDisconnected');
    client.conn = undefined;
    this.#delivery.unroute(conn.info.connectionId);
    this.#detached.detach(conn.info.connectionId, session, client.release);
    client.release = undefined;
    this.#log(`detach ${conn.info.connectionId}: kept ${this.#opts.reconnectGraceMs} ms for a reconnection`);
  }

  /** Removes a connection from its session and tells the others (connectionDestroyed, streamDestroyed, peerClosed). */
  removeConnection(session: SessionRecord, connectionId: string, reason: ConnectionDestroyedReason): void {
    this.#detached.remove(connectionId);
    this.#routed.forget(connectionId);
    const info = session.connections.get(connectionId)?.info;
    if (!info) return;
    const { streams, peers } = this.#opts.store.removeConnection(session, connectionId);
    const streamReason: StreamDestroyedReason = reason;
    for (const peer of peers) this.closePeer(peer, connectionId, streamReason);
    for (const stream of streams) {
      this.#delivery.broadcast(session, { type: 'streamDestroyed', streamId: stream.streamId, reason: streamReason });
      this.#opts.monitor?.streamDestroyed(session, stream, info, streamReason);
    }
    this.#delivery.broadcast(session, { type: 'connectionDestroyed', connectionId, reason });
    this.#opts.monitor?.connectionDestroyed(session, info, reason);
    this.#log(`disconnect ${connectionId} ${reason}`);
    if (session.mediaMode === 'routed' && this.#opts.router) {
      const router = this.#opts.router;
      for (const stream of streams) void router.closePeer(publisherPeerKey(stream.streamId));
      if (session.connections.size === 0) void router.closeSession(session.sessionId);
    }
  }

  /** Tells the end of `peer` that is not `gone` that the peer is closed (routed: the router's end closes too). */
  closePeer(peer: PeerRecord, gone: string, reason: PeerClosedReason): void {
    if (peer.routed) {
      void this.#opts.router?.closePeer(peer.peerId);
      if (peer.subscriberConnectionId !== gone) this.#delivery.sendTo(peer.subscriberConnectionId, { type: 'peerClosed', peerId: peer.peerId, reason });
      return;
    }
    const other = peer.publisherConnectionId === gone ? peer.subscriberConnectionId : peer.publisherConnectionId;
    if (other !== gone) this.#delivery.sendTo(other, { type: 'peerClosed', peerId: peer.peerId, reason });
  }
}
