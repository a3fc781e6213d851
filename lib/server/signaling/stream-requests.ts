// The requests of a connected client about media and messages: publishing and subscribing
// (within the server's limits), relaying offers, answers and candidates between the two ends of
// a relayed peer, and signals. Routed sessions' negotiation is handed to RoutedRelay.
import { ErrorCode } from '../../error-code';
import type { StreamInfo, VideoType } from '../messages';
import type { ServerLimits } from '../limits';
import { publisherPeerKey } from '../router/peer-keys';
import type { ConnectionRecord, SessionRecord, SessionStore } from '../session-store';
import type { Client } from './client';
import type { Delivery } from './delivery';
import type { Membership } from './membership';
import type { ResolvedSignalingOptions } from './options';
import {
  bool, type Fields, MAX_NAME_LENGTH, MAX_SDP_LENGTH, MAX_SIGNAL_DATA_BYTES, MAX_SIGNAL_TYPE_LENGTH, readCandidate, RequestError, str,
} from './request-fields';
import type { RoutedRelay } from './routed-relay';

const VIDEO_TYPES: readonly VideoType[] = ['camera', 'screen', 'custom'];

export class StreamRequests {
  readonly #opts: ResolvedSignalingOptions;
  readonly #limits: ServerLimits;
  readonly #store: SessionStore;
  readonly #delivery: Delivery;
  readonly #membership: Membership;
  readonly #routed: RoutedRelay;
  readonly #log: (line: string) => void;

  constructor(opts: ResolvedSignalingOptions, delivery: Delivery, membership: Membership, routed: RoutedRelay, log: (line: string) => void) {
    this.#opts = opts;
    this.#limits = opts.limits;
    this.#store = opts.store;
    this.#delivery = delivery;
    this.#membership = membership;
    this.#routed = routed;
    this.#log = log;
  }

  publish(client: Client, conn: ConnectionRecord, session: SessionRecord, id: string, req: Fields): void {
    if (conn.role === 'subscriber') throw new RequestError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, 'a subscriber token may not publish');
    if (conn.streams.size >= this.#limits.maxStreamsPerConnection) {
      throw new RequestError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH,
        `this connection publishes ${this.#limits.maxStreamsPerConnection} streams: the server's limit`);
    }
    const videoType = req['videoType'] ?? 'camera';
    if (typeof videoType !== 'string' || !(VIDEO_TYPES as readonly string[]).includes(videoType)) {
      throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'videoType must be camera, screen or custom');
    }
    const stream: Omit<StreamInfo, 'streamId' | 'creationTime'> = {
      connectionId: conn.info.connectionId,
      name: str(req, 'name', { optional: true, max: MAX_NAME_LENGTH }) ?? '',
      hasAudio: bool(req, 'hasAudio', true),
      hasVideo: bool(req, 'hasVideo', true),
      videoType: videoType as VideoType,
      e2ee: bool(req, 'e2ee', false),
      videoCodec: str(req, 'videoCodec', { optional: true, max: 32 }) ?? 'VP8',
      audioCodec: str(req, 'audioCodec', { optional: true, max: 32 }) ?? 'opus',
    };
    if (session.e2ee && !stream.e2ee) {
      throw new RequestError(ErrorCode.OTC_PUBLISHER_ENCRYPTION_SECRET_MISSING, 'this session is end-to-end encrypted: publish an e2ee stream');
    }
    const info = this.#store.addStream(session, stream);
    this.#delivery.send(client, session.mediaMode === 'routed'
      ? { type: 'ack', id, streamId: info.streamId, peerId: publisherPeerKey(info.streamId) }
      : { type: 'ack', id, streamId: info.streamId });
    this.#delivery.broadcast(session, { type: 'streamCreated', stream: info });
    this.#log(`publish ${info.streamId} by ${conn.info.connectionId} e2ee=${info.e2ee}`);
  }

  unpublish(client: Client, conn: ConnectionRecord, session: SessionRecord, id: string, req: Fields): void {
    const streamId = str(req, 'streamId')!;
    const stream = session.streams.get(streamId);
    if (!stream || stream.connectionId !== conn.info.connectionId) {
      throw new RequestError(ErrorCode.OTC_SESSION_PUBLISHER_NOT_FOUND, 'not a stream of this connection');
    }
    const peers = this.#store.removeStream(session, streamId);
    this.#delivery.send(client, { type: 'ack', id });
    if (session.mediaMode === 'routed') void this.#opts.router?.closePeer(publisherPeerKey(streamId));
    for (const peer of peers) this.#membership.closePeer(peer, conn.info.connectionId, 'clientUnpublished');
    this.#delivery.broadcast(session, { type: 'streamDestroyed', streamId, reason: 'clientUnpublished' });
    this.#log(`unpublish ${streamId} by ${conn.info.connectionId}`);
  }

  subscribe(client: Client, conn: ConnectionRecord, session: SessionRecord, id: string, req: Fields): void {
    const streamId = str(req, 'streamId')!;
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

  unsubscribe(client: Client, conn: ConnectionRecord, session: SessionRecord, id: string, req: Fields): void {
    const peerId = str(req, 'peerId')!;
    const peer = session.peers.get(peerId);
    if (!peer || peer.subscriberConnectionId !== conn.info.connectionId) {
      throw new RequestError(ErrorCode.OTC_SESSION_SUBSCRIBER_NOT_FOUND, 'no such subscription');
    }
    this.#store.removePeer(session, peerId);
    this.#delivery.send(client, { type: 'ack', id });
    this.#membership.closePeer(peer, conn.info.connectionId, 'clientUnsubscribed');
  }

  negotiate(client: Client, type: 'offer' | 'answer' | 'candidate', conn: ConnectionRecord, session: SessionRecord, id: string,
    req: Fields): void {
    const peerId = str(req, 'peerId')!;
    const me = conn.info.connectionId;
    if (session.mediaMode === 'routed') return this.#routed.negotiate(client, type, conn, session, id, req, peerId);
    const peer = session.peers.get(peerId);
    const fromPublisher = peer?.publisherConnectionId === me;
    const fromSubscriber = peer?.subscriberConnectionId === me;
    if (!peer || (!fromPublisher && !fromSubscriber)) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'unknown peer');
    const to = fromPublisher ? peer.subscriberConnectionId : peer.publisherConnectionId;
    const base = { peerId, streamId: peer.streamId, from: me };
    if (type === 'offer') {
      if (!fromPublisher) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'only the publisher end of a relayed peer offers');
      const sdp = str(req, 'sdp', { max: MAX_SDP_LENGTH })!;
      const e2ee = bool(req, 'e2ee', false);
      this.#delivery.send(client, { type: 'ack', id });
      this.#delivery.sendTo(to, { type: 'offer', ...base, sdp, e2ee });
    } else if (type === 'answer') {
      if (!fromSubscriber) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'only the subscriber end of a relayed peer answers');
      const sdp = str(req, 'sdp', { max: MAX_SDP_LENGTH })!;
      this.#delivery.send(client, { type: 'ack', id });
      this.#delivery.sendTo(to, { type: 'answer', ...base, sdp });
    } else {
      const { candidate, sdpMid, sdpMLineIndex } = readCandidate(req);
      this.#delivery.send(client, { type: 'ack', id });
      this.#delivery.sendTo(to, { type: 'candidate', ...base, candidate, sdpMid, sdpMLineIndex });
    }
  }

  signal(client: Client, conn: ConnectionRecord, session: SessionRecord, id: string, req: Fields): void {
    const signalType = req['signalType'] ?? '';
    if (typeof signalType !== 'string') throw new RequestError(ErrorCode.OTC_SESSION_INVALID_SIGNAL_TYPE, 'signalType must be a string');
    if (signalType.length > MAX_SIGNAL_TYPE_LENGTH) {
      throw new RequestError(ErrorCode.OTC_SESSION_SIGNAL_TYPE_TOO_LONG, `signalType is longer than ${MAX_SIGNAL_TYPE_LENGTH} characters`);
    }
    if (!/^[A-Za-z0-9_~-]*$/.test(signalType)) {
      throw new RequestError(ErrorCode.OTC_SESSION_INVALID_SIGNAL_TYPE, 'signalType may hold only letters, digits, "-", "_" and "~"');
    }
    const data = req['data'] ?? '';
    if (typeof data !== 'string') throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'data must be a string');
    if (Buffer.byteLength(data, 'utf8') > MAX_SIGNAL_DATA_BYTES) {
      throw new RequestError(ErrorCode.OTC_SESSION_SIGNAL_DATA_TOO_LONG, `data is longer than ${MAX_SIGNAL_DATA_BYTES} bytes`);
    }
    const to = req['to'];
    const event = { type: 'signal' as const, from: conn.info.connectionId, signalType, data };
    if (to === undefined || to === null) {
      this.#delivery.send(client, { type: 'ack', id });
      this.#delivery.broadcast(session, event);
      return;
    }
    if (typeof to !== 'string' || !session.connections.has(to)) {
      throw new RequestError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, 'to names no connection of this session');
    }
    this.#delivery.send(client, { type: 'ack', id });
    this.#delivery.sendTo(to, event);
  }
}
