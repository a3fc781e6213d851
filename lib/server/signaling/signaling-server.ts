// The signaling WebSocket endpoint (docs/protocol.md section 3): puts its parts together and
// dispatches each request. The parts: sockets (upgrade, liveness, size limits), delivery (what
// is sent where), membership (connect, reconnect, leave), stream requests (publish, subscribe,
// relayed negotiation, signals), the routed relay (negotiation with the media router, repair)
// and forced muting.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData } from 'ws';
import { ErrorCode } from '../../error-code';
import { Admission } from '../admission';
import { DEFAULT_LIMITS, type ServerLimits } from '../limits';
import { type ClientRequest, CloseCode, type ConnectRequest } from '../../protocol/messages';
import { SignalingForward } from '../cluster/signaling-forward';
import { parseClientRequest } from '../../protocol/parse-request';
import { DEFAULT_RECONNECT_GRACE_MS, DetachedConnections, ReconnectTokens } from '../reconnection';
import { forLog } from '../sanitize';
import type { RestoredConnection, SessionRecord } from '../session-store';
import type { Client } from './client';
import { Delivery } from './delivery';
import { ForceMute, type ForceMuteControl } from './force-mute';
import { Membership } from './membership';
import type { ResolvedSignalingOptions, SignalingOptions } from './options';
import { RequestError } from './request-error';
import { RoutedRelay } from './routed-relay';
import { Moderation } from './moderation';
import { type ServerControl, SessionServerControl } from './server-control';
import { SignalingSockets } from './sockets';
import { StreamRequests } from './stream-requests';

export type { SignalingOptions } from './options';

/** Requests kept while a `connect` waits for its placement (cluster mode). */
const MAX_PLACING_QUEUE = 16;

export class SignalingServer {
  readonly #opts: ResolvedSignalingOptions;
  readonly #limits: ServerLimits;
  /** Connections whose socket dropped, kept for a reconnection (reconnection.ts). */
  readonly #detached: DetachedConnections<SessionRecord>;
  readonly #delivery: Delivery;
  readonly #sockets: SignalingSockets;
  readonly #routed: RoutedRelay;
  readonly #membership: Membership;
  readonly #streams: StreamRequests;
  readonly #forceMute: ForceMute;
  readonly #control: SessionServerControl;
  readonly #moderation: Moderation;
  /** Cluster mode: the sockets relayed to other processes. */
  readonly #forward: SignalingForward | undefined;

  constructor(opts: SignalingOptions) {
    const limits = opts.limits ?? { ...DEFAULT_LIMITS };
    this.#limits = limits;
    this.#opts = {
      pingIntervalMs: 5000, pongTimeoutMs: 15000, connectTimeoutMs: limits.connectTimeoutMs, maxPayload: limits.maxMessageBytes,
      limits, admission: opts.admission ?? new Admission(limits), reconnectGraceMs: DEFAULT_RECONNECT_GRACE_MS, ...opts,
    };
    // The parts read limits from the options: those resolved here, even when `limits` was passed as undefined.
    this.#opts.limits = limits;
    const log = (line: string): void => this.#log(line);
    this.#detached = new DetachedConnections<SessionRecord>({
      graceMs: this.#opts.reconnectGraceMs,
      onExpire: (connectionId, session, why) => {
        this.#log(`drop ${connectionId}: ${why}`);
        this.#membership.removeConnection(session, connectionId, 'networkDisconnected');
      },
    });
    this.#delivery = new Delivery(limits, this.#detached, log);
    this.#sockets = new SignalingSockets(this.#opts, this.#delivery, {
      message: (client, data, isBinary) => this.#onMessage(client, data, isBinary),
      closed: (client, byServer) => {
        if (byServer) this.#membership.leave(client, 'networkDisconnected');
        else this.#membership.detach(client);
      },
      silent: (client) => this.#membership.detach(client),
    }, log);
    this.#routed = new RoutedRelay(this.#opts.router, this.#opts.store, this.#delivery, log);
    this.#membership = new Membership(this.#opts, {
      delivery: this.#delivery, detached: this.#detached, reconnectTokens: new ReconnectTokens(this.#opts.apiSecret), routed: this.#routed,
      allowFullMessages: (client) => this.#sockets.allowFullMessages(client), log,
    });
    this.#forceMute = new ForceMute(this.#opts.store, this.#delivery, log);
    this.#control = new SessionServerControl(this.#delivery, this.#membership, log);
    this.#streams = new StreamRequests(this.#opts, this.#delivery, this.#membership, this.#routed, this.#forceMute, log);
    this.#moderation = new Moderation(this.#control, this.#streams, this.#delivery);
    this.#routed.listen();
    this.#forward = opts.relayAuth && new SignalingForward({
      auth: opts.relayAuth, maxPayload: this.#opts.maxPayload, maxBufferedBytes: limits.maxBufferedBytes,
      pingIntervalMs: this.#opts.pingIntervalMs, pongTimeoutMs: this.#opts.pongTimeoutMs, log,
    });
  }

  /** Cluster mode: forgets a session another process took over; its clients are closed with 4004 to reconnect there. */
  dropSession(session: SessionRecord): void {
    this.#membership.dropSession(session, CloseCode.SERVER_SHUTTING_DOWN, 'the session is served by another process now');
  }

  /** Sockets relayed to other processes of the cluster. */
  get relayedCount(): number {
    return this.#forward?.count ?? 0;
  }

  /** Connected (past `connect`) clients. */
  get connectionCount(): number {
    return this.#delivery.connectedCount;
  }

  /** Forced muting as the REST API asks for it (docs/protocol.md, "Forced muting"). */
  get forceMute(): ForceMuteControl {
    return this.#forceMute;
  }

  /** Signals and forced disconnects as the REST API asks for them. */
  get control(): ServerControl {
    return this.#control;
  }

  /** Connections kept for a reconnection (their socket dropped); connectionCount does not count them. */
  get detachedCount(): number {
    return this.#detached.size;
  }

  /**
   * Handles an HTTP upgrade; anything but the signaling path with its subprotocol is refused.
   * Whatever a stranger sends here is answered or dropped, never thrown.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#sockets.handleUpgrade(req, socket, head);
  }

  /** Closes every socket with `code` and resolves once all are closed (terminating stragglers). */
  async closeAll(code: number = CloseCode.SERVER_SHUTTING_DOWN, reason = 'server shutting down'): Promise<void> {
    this.#routed.stopListening();
    await Promise.all([this.#sockets.closeAll(code, reason), this.#forward?.closeAll(code, reason)]);
    this.#detached.clear();
    this.#sockets.stop();
  }

  /**
   * Connections a restarted server read back from its data directory: detached, as after a
   * socket drop, until their clients reconnect within the grace or the grace ends.
   */
  restore(restored: readonly RestoredConnection[]): void {
    this.#membership.restore(restored);
  }

  /** Every line is sanitized here: parts of it may come from clients (control characters escaped, length capped). */
  #log(line: string): void {
    this.#opts.log?.(forLog(line, 2000));
  }

  #onMessage(client: Client, data: RawData, isBinary: boolean): void {
    if (client.closing) return;
    if (client.placing) {
      // A client sends nothing before its connect ack; a few requests are kept, a flood is not.
      if (client.placing.length >= MAX_PLACING_QUEUE || isBinary) return this.#delivery.close(client, CloseCode.PROTOCOL_ERROR, 'requests before the connect ack');
      client.placing.push(data.toString());
      return;
    }
    if (!client.bucket.take()) {
      return this.#delivery.close(client, CloseCode.RATE_LIMITED, `more than ${this.#limits.messagesPerSecond} messages per second`);
    }
    if (isBinary) return this.#delivery.close(client, CloseCode.PROTOCOL_ERROR, 'binary frames are not part of the protocol');
    const parsed = parseClientRequest(data.toString());
    if (!parsed.ok && parsed.protocolError !== undefined) return this.#delivery.close(client, CloseCode.PROTOCOL_ERROR, parsed.protocolError);
    const { type, id } = parsed.ok ? parsed.request : parsed;
    if (!client.conn && type !== 'connect') return this.#delivery.close(client, CloseCode.PROTOCOL_ERROR, 'request before connect');
    if (!parsed.ok) return this.#delivery.send(client, { type: 'error', id, code: parsed.code, message: parsed.message });
    if (parsed.request.type === 'connect' && this.#opts.place && !client.placed && !client.relayedFor) {
      return this.#place(client, parsed.request, data.toString(), this.#opts.place);
    }
    try {
      this.#dispatch(client, parsed.request);
    } catch (err) {
      if (err instanceof RequestError) {
        this.#delivery.send(client, { type: 'error', id, code: err.code, message: err.message });
      } else {
        this.#log(`internal error on ${type}: ${(err as Error).stack ?? String(err)}`);
        this.#delivery.send(client, { type: 'error', id, code: ErrorCode.OTC_SESSION_INTERNAL_ERROR, message: 'internal error' });
      }
    }
  }

  /**
   * Cluster mode: a `connect` whose token verifies waits for its session's placement. Served
   * here once its state is here; relayed to its home process otherwise. A token that does not
   * verify is refused here, as without a cluster.
   */
  #place(client: Client, req: ConnectRequest, text: string, place: NonNullable<SignalingOptions['place']>): void {
    const sessionId = this.#membership.sessionIdOf(req);
    client.placed = true;
    if (sessionId === undefined) return this.#onMessage(client, Buffer.from(text), false);
    client.placing = [];
    // Its token verified: the placement's own bound (a Redis that does not answer) replaces the connect timeout.
    if (client.connectTimer) clearTimeout(client.connectTimer);
    place(sessionId).then((placement) => {
      const queued = client.placing ?? [];
      client.placing = undefined;
      if (client.closing) return;
      if (placement.where === 'here') {
        for (const message of [text, ...queued]) this.#onMessage(client, Buffer.from(message), false);
        return;
      }
      const address = client.relayedFor ?? client.socket.remoteAddress ?? '?';
      this.#log(`relay ${client.remote} to ${placement.url} (session ${sessionId})`);
      this.#forward!.forward(this.#sockets.handOff(client), address, placement.url, text, queued);
    }, (err: Error) => {
      client.placing = undefined;
      this.#log(`placing session ${sessionId} failed: ${err.message}`);
      this.#delivery.send(client, { type: 'error', id: req.id, code: ErrorCode.OTC_SESSION_INTERNAL_ERROR, message: 'the session cannot be served now' });
      this.#delivery.close(client, CloseCode.SERVER_SHUTTING_DOWN, 'the session cannot be served now');
    });
  }

  #dispatch(client: Client, req: ClientRequest): void {
    if (req.type === 'connect') return this.#membership.connect(client, req);
    const conn = client.conn!;
    const session = client.session!;
    switch (req.type) {
      case 'publish': return this.#streams.publish(client, conn, session, req);
      case 'unpublish': return this.#streams.unpublish(client, conn, session, req);
      case 'subscribe': return this.#streams.subscribe(client, conn, session, req);
      case 'unsubscribe': return this.#streams.unsubscribe(client, conn, session, req);
      case 'offer':
      case 'answer':
      case 'candidate': return this.#streams.negotiate(client, conn, session, req);
      case 'iceRestart': return this.#routed.iceRestart(client, conn, session, req);
      case 'signal': return this.#streams.signal(client, conn, session, req);
      case 'streamProperty': return this.#streams.streamProperty(client, conn, session, req);
      case 'forceMuteStream': return this.#forceMute.forceMuteStream(client, conn, session, req);
      case 'forceMuteAll': return this.#forceMute.forceMuteAll(client, conn, session, req);
      case 'disableForceMute': return this.#forceMute.disableForceMute(client, conn, session, req);
      case 'forceDisconnect': return this.#moderation.forceDisconnect(client, conn, session, req);
      case 'forceUnpublish': return this.#moderation.forceUnpublish(client, conn, session, req);
      case 'disconnect':
        this.#delivery.send(client, { type: 'ack', id: req.id });
        this.#membership.leave(client, 'clientDisconnected');
        return this.#delivery.close(client, CloseCode.NORMAL, 'disconnected');
      default: {
        const unhandled: never = req;
        throw new Error(`no handler for ${(unhandled as ClientRequest).type}`);
      }
    }
  }
}
