// The requests of a connected client about media and messages: publishing and subscribing
// (within the server's limits), relaying offers, answers and candidates between the two ends of
// a relayed peer, and signals. Routed sessions' negotiation is handed to RoutedRelay.
import { ErrorCode } from '../../error-code';
import type {
  AnswerRequest, CandidateRequest, OfferRequest, PeerEnd, PublishRequest, SignalRequest, StreamInfo, StreamPropertyRequest, SubscribeRequest,
  UnpublishRequest, UnsubscribeRequest,
} from '../../protocol/messages';
import type { ServerLimits } from '../limits';
import { publisherPeerKey } from '../router/peer-keys';
import type { ConnectionRecord, SessionRecord, SessionStore } from '../session-store';
import type { Client } from './client';
import type { Delivery } from './delivery';
import type { ForceMute } from './force-mute';
import type { Membership } from './membership';
import type { ResolvedSignalingOptions } from './options';
import { RequestError } from './request-error';
import type { RoutedRelay } from './routed-relay';

export class StreamRequests {
  readonly #opts: ResolvedSignalingOptions;
  readonly #limits: ServerLimits;
  readonly #store: SessionStore;
  readonly #delivery: Delivery;
  readonly #membership: Membership;
  readonly #routed: RoutedRelay;
  readonly #forceMute: ForceMute;
  readonly #log: (line: string) => void;

  constructor(opts: ResolvedSignalingOptions, delivery: Delivery, membership: Membership, routed: RoutedRelay, forceMute: ForceMute,
    log: (line: string) => void) {
    this.#opts = opts;
    this.#limits = opts.limits;
    this.#store = opts.store;
    this.#delivery = delivery;
    this.#membership = membership;
    this.#routed = routed;
    this.#forceMute = forceMute;
    this.#log = log;
  }

  publish(client: Client, conn: ConnectionRecord, session: SessionRecord, req: PublishRequest): void {
    const { id } = req;
    if (conn.role === 'subscriber') throw new RequestError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, 'a subscriber token may not publish');
    if (conn.streams.size >= this.#limits.maxStreamsPerConnection) {
      throw new RequestError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH,
        `this connection publishes ${this.#limits.maxStreamsPerConnection} streams: the server's limit`);
    }
    const stream: Omit<StreamInfo, 'streamId' | 'creationTime'> = {
      connectionId: conn.info.connectionId,
      name: req.name ?? '',
      hasAudio: req.hasAudio ?? true,
      hasVideo: req.hasVideo ?? true,
      videoType: req.videoType ?? 'camera',
      e2ee: req.e2ee ?? false,
      videoCodec: req.videoCodec ?? 'VP8',
      audioCodec: req.audioCodec ?? 'opus',
    };
    if (session.e2ee && !stream.e2ee) {
      throw new RequestError(ErrorCode.OTC_PUBLISHER_ENCRYPTION_SECRET_MISSING, 'this session is end-to-end encrypted: publish an e2ee stream');
    }
    const info = this.#store.addStream(session, stream);
    this.#delivery.send(client, session.mediaMode === 'routed'
      ? { type: 'ack', id, streamId: info.streamId, peerId: publisherPeerKey(info.streamId) }
      : { type: 'ack', id, streamId: info.streamId });
    this.#delivery.broadcast(session, { type: 'streamCreated', stream: info });
    this.#opts.monitor?.streamCreated(session, info, conn.info);
    // While the session's mute state is on, a new stream is muted as it appears.
    this.#forceMute.streamPublished(session, info);
    this.#log(`publish ${info.streamId} by ${conn.info.connectionId} e2ee=${info.e2ee}`);
  }

  unpublish(client: Client, conn: ConnectionRecord, session: SessionRecord, req: UnpublishRequest): void {
    const { id, streamId } = req;
    const stream = session.streams.get(streamId);
    if (!stream || stream.connectionId !== conn.info.connectionId) {
      throw new RequestError(ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND, 'not a stream of this connection');
    }
    // The ack after the removal is written: a failed write is answered with the error instead.
    this.#endStream(session, stream, 'clientUnpublished', () => this.#delivery.send(client, { type: 'ack', id }));
    this.#log(`unpublish ${streamId} by ${conn.info.connectionId}`);
  }

  /**
   * A moderator stops a stream: the session hears streamDestroyed with reason forceUnpublished,
   * its publisher included, which stops sending and may publish again. False when the session has
   * no such stream.
   */
  forceUnpublish(session: SessionRecord, streamId: string, by: string): boolean {
    const stream = session.streams.get(streamId);
    if (!stream) return false;
    this.#endStream(session, stream, 'forceUnpublished');
    this.#log(`forceUnpublish ${streamId} by ${by}`);
    return true;
  }

  /** Removes a stream and tells the session; its subscribers' peers close, its publisher hears only streamDestroyed. */
  #endStream(session: SessionRecord, stream: StreamInfo, reason: 'clientUnpublished' | 'forceUnpublished', removed?: () => void): void {
    const { streamId, connectionId } = stream;
    const peers = this.#store.removeStream(session, streamId);
    removed?.();
    if (session.mediaMode === 'routed') void this.#opts.router?.closePeer(publisherPeerKey(streamId));
    for (const peer of peers) this.#membership.closePeer(peer, connectionId, reason);
    this.#delivery.broadcast(session, { type: 'streamDestroyed', streamId, reason });
    this.#opts.monitor?.streamDestroyed(session, stream, session.connections.get(connectionId)?.info, reason);
  }

  /**
   * A publisher turned its audio or video on or off, or its video changed size. Only the stream's
   * own connection may say so; an unchanged value is acknowledged and not broadcast (a client
   * repeating itself costs the session nothing). Floods are bounded by the connection's request
   * rate like every other request.
   */
  streamProperty(client: Client, conn: ConnectionRecord, session: SessionRecord, req: StreamPropertyRequest): void {
    const { id, streamId } = req;
    const stream = session.streams.get(streamId);
    if (!stream || stream.connectionId !== conn.info.connectionId) {
      throw new RequestError(ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND, 'not a stream of this connection');
    }
    const changed = this.#store.setStreamProperty(session, stream, req);
    this.#delivery.send(client, { type: 'ack', id });
    if (!changed) return;
    const change = req.property === 'videoDimensions'
      ? { property: req.property, value: { width: req.value.width, height: req.value.height } }
      : { property: req.property, value: req.value };
    // Its own connection hears it too: a client subscribed to its own stream learns it alike.
    this.#delivery.broadcast(session, { type: 'streamPropertyChanged', streamId, ...change });
  }

  subscribe(client: Client, conn: ConnectionRecord, session: SessionRecord, req: SubscribeRequest): void {
    const { id, streamId } = req;
    if (conn.role === 'publisheronly') {
      throw new RequestError(ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE, 'a publisheronly token may not subscribe');
    }
    const stream = session.streams.get(streamId);
    if (!stream) throw new RequestError(ErrorCode.OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM, 'no such stream');
    this.#checkSubscriptionLimits(conn, session, streamId);
    if (session.mediaMode === 'routed') return this.#routed.subscribe(client, conn, session, stream, id);
    const peer = this.#store.addPeer(session, stream, conn.info.connectionId);
    this.#delivery.send(client, { type: 'ack', id, peerId: peer.peerId });
    this.#delivery.sendTo(stream.connectionId, {
      type: 'subscriberJoined', peerId: peer.peerId, streamId, subscriberConnectionId: conn.info.connectionId,
    });
  }

  #checkSubscriptionLimits(conn: ConnectionRecord, session: SessionRecord, streamId: string): void {
    const limits = this.#limits;
    const refuse = (message: string): never => {
      throw new RequestError(ErrorCode.OTC_SUBSCRIBER_STREAM_LIMIT_EXCEEDED, `${message}: the server's limit`);
    };
    if (conn.subscriptions >= limits.maxSubscriptionsPerConnection) refuse(`this connection holds ${limits.maxSubscriptionsPerConnection} subscriptions`);
    if ((conn.subscriptionsByStream.get(streamId) ?? 0) >= limits.maxSubscriptionsPerStreamPerConnection) {
      refuse(`this connection holds ${limits.maxSubscriptionsPerStreamPerConnection} subscriptions to this stream`);
    }
    if (this.#store.subscriberCount(session, streamId) >= limits.maxSubscribersPerStream) {
      refuse(`this stream has ${limits.maxSubscribersPerStream} subscribers`);
    }
  }

  unsubscribe(client: Client, conn: ConnectionRecord, session: SessionRecord, req: UnsubscribeRequest): void {
    const { id, peerId } = req;
    const peer = session.peers.get(peerId);
    if (!peer || peer.subscriberConnectionId !== conn.info.connectionId) {
      throw new RequestError(ErrorCode.OTC_SESSION_SUBSCRIBER_NOT_FOUND, 'no such subscription');
    }
    this.#store.removePeer(session, peerId);
    this.#delivery.send(client, { type: 'ack', id });
    this.#membership.closePeer(peer, conn.info.connectionId, 'clientUnsubscribed');
  }

  negotiate(client: Client, conn: ConnectionRecord, session: SessionRecord, req: OfferRequest | AnswerRequest | CandidateRequest): void {
    const { id, peerId } = req;
    const me = conn.info.connectionId;
    if (session.mediaMode === 'routed') return this.#routed.negotiate(client, conn, session, req);
    const peer = session.peers.get(peerId);
    const fromPublisher = peer?.publisherConnectionId === me;
    const fromSubscriber = peer?.subscriberConnectionId === me;
    if (!peer || (!fromPublisher && !fromSubscriber)) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'unknown peer');
    // A connection subscribed to its own stream holds both ends: offers come from the publisher
    // end, answers from the subscriber end, and a candidate says its end.
    let senderEnd: PeerEnd;
    if (req.type === 'offer') senderEnd = 'publisher';
    else if (req.type === 'answer') senderEnd = 'subscriber';
    else if (req.end) senderEnd = req.end;
    else if (fromPublisher && fromSubscriber) {
      throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'a candidate of a peer whose both ends are this connection needs its end');
    } else senderEnd = fromPublisher ? 'publisher' : 'subscriber';
    if (req.type === 'offer' && !fromPublisher) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'only the publisher end of a relayed peer offers');
    if (req.type === 'answer' && !fromSubscriber) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'only the subscriber end of a relayed peer answers');
    if (!(senderEnd === 'publisher' ? fromPublisher : fromSubscriber)) {
      throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, `this connection is not the ${senderEnd} end of the peer`);
    }
    const recipientEnd: PeerEnd = senderEnd === 'publisher' ? 'subscriber' : 'publisher';
    const to = recipientEnd === 'subscriber' ? peer.subscriberConnectionId : peer.publisherConnectionId;
    const base = { peerId, streamId: peer.streamId, from: me, to: recipientEnd };
    this.#delivery.send(client, { type: 'ack', id });
    if (req.type === 'offer') {
      this.#delivery.sendTo(to, { type: 'offer', ...base, sdp: req.sdp, e2ee: req.e2ee ?? false });
    } else if (req.type === 'answer') {
      this.#delivery.sendTo(to, { type: 'answer', ...base, sdp: req.sdp });
    } else {
      this.#delivery.sendTo(to, { type: 'candidate', ...base, candidate: req.candidate, sdpMid: req.sdpMid ?? null, sdpMLineIndex: req.sdpMLineIndex ?? null });
    }
  }

  signal(client: Client, conn: ConnectionRecord, session: SessionRecord, req: SignalRequest): void {
    const { id, to } = req;
    const event = { type: 'signal' as const, from: conn.info.connectionId, signalType: req.signalType ?? '', data: req.data ?? '' };
    if (to === undefined || to === null) {
      this.#delivery.send(client, { type: 'ack', id });
      this.#delivery.broadcast(session, event);
      return;
    }
    if (!session.connections.has(to)) {
      throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'to names no connection of this session');
    }
    this.#delivery.send(client, { type: 'ack', id });
    this.#delivery.sendTo(to, event);
  }
}
