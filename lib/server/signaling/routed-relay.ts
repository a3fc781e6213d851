// Signaling of routed sessions: a publisher negotiates with the media router, the router offers
// to each subscriber, ICE restarts go through it; and repair when the router loses peers (an
// instance died, or this server restarted): the publisher offers again and every subscription
// is negotiated again under the same peerId.
import { ErrorCode } from '../../error-code';
import {
  type AnswerRequest, type CandidateRequest, FROM_ROUTER, type IceRestartRequest, type OfferRequest, type StreamInfo,
} from '../../protocol/messages';
import type { MediaRouter } from '../router/media-router';
import { publisherPeerKey, streamOfPublisherPeer } from '../router/peer-keys';
import type { ConnectionRecord, PeerRecord, SessionRecord, SessionStore } from '../session-store';
import type { Client } from './client';
import type { Delivery } from './delivery';
import { RequestError } from './request-error';

/** What a routed session answers when the server runs without a media router (Janus). */
export const ROUTED_UNAVAILABLE = 'routed media is not available: this server runs without a media router';

/** What the router needs to know of a session. */
function routedSession(session: SessionRecord): { sessionId: string; e2ee: boolean } {
  return { sessionId: session.sessionId, e2ee: session.e2ee };
}

export class RoutedRelay {
  readonly #router: MediaRouter | undefined;
  readonly #store: SessionStore;
  readonly #delivery: Delivery;
  readonly #log: (line: string) => void;
  /** Routed publishers read back after a restart whose router peers are to be healed when they reconnect. */
  readonly #routerLostByRestart = new Set<string>();
  /** Routed subscriptions being negotiated again with the router (routerRestarted), by peerId. */
  readonly #resubscribing = new Set<string>();
  /** Routed subscriptions whose ICE restart the router is making: one at a time each. */
  readonly #iceRestarting = new Set<string>();

  constructor(router: MediaRouter | undefined, store: SessionStore, delivery: Delivery, log: (line: string) => void) {
    this.#router = router;
    this.#store = store;
    this.#delivery = delivery;
    this.#log = log;
  }

  /** The router's `peerLost` listener (on from construction until stopListening). */
  readonly onPeerLost = (sessionId: string, peerKey: string, reason: string, recoverable: boolean): void =>
    this.peerLost(sessionId, peerKey, reason, recoverable);

  listen(): void {
    this.#router?.on('peerLost', this.onPeerLost);
  }

  stopListening(): void {
    this.#router?.off('peerLost', this.onPeerLost);
  }

  /** A connection read back after a server restart whose routed streams lost their router peers. */
  markLostByRestart(connectionId: string): void {
    this.#routerLostByRestart.add(connectionId);
  }

  /** The connection is gone: nothing to heal on its return. */
  forget(connectionId: string): void {
    this.#routerLostByRestart.delete(connectionId);
  }

  /**
   * A connection came back: if it is a routed publisher back after a server restart, each of its
   * streams is healed as after a router restart (peerClosed routerRestarted to the publisher for
   * pub-<streamId>, and to each routed subscription, negotiated again once the publisher's new
   * offer is at the router).
   */
  healIfLostByRestart(session: SessionRecord, conn: ConnectionRecord): void {
    if (!this.#routerLostByRestart.delete(conn.info.connectionId)) return;
    for (const streamId of conn.streams) {
      this.peerLost(session.sessionId, publisherPeerKey(streamId), 'the session server restarted: its router lost this peer',
        this.#router !== undefined);
    }
  }

  subscribe(client: Client, conn: ConnectionRecord, session: SessionRecord, stream: StreamInfo, id: string): void {
    const router = this.#router;
    if (!router) throw new RequestError(ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR, ROUTED_UNAVAILABLE);
    const peer = this.#store.addPeer(session, stream, conn.info.connectionId, true);
    const me = conn.info.connectionId;
    this.#delivery.send(client, { type: 'ack', id, peerId: peer.peerId });
    router.subscribe(routedSession(session), stream.streamId, peer.peerId).then((sdp) => {
      if (session.peers.get(peer.peerId) !== peer) return void router.closePeer(peer.peerId);
      this.#delivery.sendTo(me, { type: 'offer', peerId: peer.peerId, streamId: stream.streamId, from: FROM_ROUTER, sdp, e2ee: stream.e2ee });
    }, (err: Error) => {
      void router.closePeer(peer.peerId);
      if (this.#store.removePeer(session, peer.peerId)) {
        this.#log(`routed subscription ${peer.peerId} failed: ${err.message}`);
        this.#delivery.sendTo(me, { type: 'peerClosed', peerId: peer.peerId, reason: 'routerFailed', message: err.message });
      }
    });
  }

  /**
   * A routed subscriber lost its path to the router: the router restarts ICE with a new offer for
   * the same peerId, answered like the first. One restart at a time per peer; relayed peers are
   * restarted by their publisher, which offers again by itself.
   */
  iceRestart(client: Client, conn: ConnectionRecord, session: SessionRecord, req: IceRestartRequest): void {
    const { id, peerId } = req;
    const peer = session.peers.get(peerId);
    if (!peer || peer.subscriberConnectionId !== conn.info.connectionId) {
      throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'unknown peer');
    }
    if (!peer.routed) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'a relayed peer is restarted by its publisher');
    const router = this.#router;
    if (!router) throw new RequestError(ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR, ROUTED_UNAVAILABLE);
    this.#delivery.send(client, { type: 'ack', id });
    if (this.#iceRestarting.has(peerId) || this.#resubscribing.has(peerId) || !router.hasPeer(peerId)) return;
    this.#iceRestarting.add(peerId);
    const me = conn.info.connectionId;
    router.restartSubscriberIce(peerId).then((sdp) => {
      this.#iceRestarting.delete(peerId);
      if (session.peers.get(peerId) !== peer) return;
      const stream = session.streams.get(peer.streamId);
      this.#log(`routed subscription ${peerId}: ICE restart offered`);
      this.#delivery.sendTo(me, { type: 'offer', peerId, streamId: peer.streamId, from: FROM_ROUTER, sdp, e2ee: stream?.e2ee ?? session.e2ee });
    }, (err: Error) => {
      this.#iceRestarting.delete(peerId);
      // The peer itself may still work (the path came back): the client's own ICE bound decides.
      this.#log(`routed subscription ${peerId}: ICE restart failed: ${err.message}`);
    });
  }

  /** Routed negotiation: the publisher offers to the router, the router offers to subscribers. */
  negotiate(client: Client, conn: ConnectionRecord, session: SessionRecord, req: OfferRequest | AnswerRequest | CandidateRequest): void {
    const { type, id, peerId } = req;
    const router = this.#router;
    const me = conn.info.connectionId;
    const publishedStreamId = streamOfPublisherPeer(peerId);
    const ownStream = publishedStreamId !== undefined ? session.streams.get(publishedStreamId) : undefined;
    const isPublisher = !!ownStream && ownStream.connectionId === me;
    const subscription = session.peers.get(peerId);
    const isSubscriber = !!subscription && subscription.routed && subscription.subscriberConnectionId === me;
    if (!isPublisher && !isSubscriber) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'unknown peer');
    if (!router) throw new RequestError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, ROUTED_UNAVAILABLE);
    const streamId = isPublisher ? ownStream!.streamId : subscription!.streamId;
    const fail = (err: Error): void => {
      this.#log(`routed ${type} on ${peerId} failed: ${err.message}`);
      void router.closePeer(peerId);
      if (isSubscriber) this.#store.removePeer(session, peerId);
      this.#delivery.sendTo(me, { type: 'peerClosed', peerId, reason: 'routerFailed', message: err.message });
    };
    if (req.type === 'offer') {
      if (!isPublisher) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'in a routed session only a publisher offers');
      const { sdp } = req;
      const e2ee = req.e2ee ?? false;
      if (session.e2ee && !e2ee) {
        throw new RequestError(ErrorCode.OTC_PUBLISHER_ENCRYPTION_SECRET_MISSING, 'this session is end-to-end encrypted: offer e2ee media');
      }
      this.#delivery.send(client, { type: 'ack', id });
      // A second offer on a published peer is an ICE restart: the same feed, negotiated again.
      const again = router.hasPeer(peerId);
      const negotiated = again ? router.renegotiatePublisher(streamId, { sdp, e2ee })
        : router.publish(routedSession(session), streamId, ownStream!.name, { sdp, e2ee });
      negotiated.then((answer) => {
        if (session.streams.get(streamId) !== ownStream) return;
        if (again) this.#log(`routed publisher ${peerId}: ICE restart answered`);
        this.#delivery.sendTo(me, { type: 'answer', peerId, streamId, from: FROM_ROUTER, sdp: answer });
      }, fail);
    } else if (req.type === 'answer') {
      if (!isSubscriber) throw new RequestError(ErrorCode.OTC_SESSION_ILLEGAL_STATE, 'in a routed session only a subscriber answers');
      this.#delivery.send(client, { type: 'ack', id });
      router.answer(peerId, req.sdp).catch(fail);
    } else {
      const candidate = { candidate: req.candidate, sdpMid: req.sdpMid ?? null, sdpMLineIndex: req.sdpMLineIndex ?? null };
      this.#delivery.send(client, { type: 'ack', id });
      router.trickle(peerId, candidate).catch((err: Error) => this.#log(`trickle on ${peerId}: ${err.message}`));
    }
  }

  /**
   * The router ended a peer on its side. Recoverable (a router instance is or will be up): the
   * publisher hears `peerClosed` `routerRestarted` and offers the same stream again; every
   * subscription to the stream is negotiated again with the same peerId (#resubscribe).
   * Otherwise its client hears `peerClosed` with reason `routerFailed`.
   */
  peerLost(sessionId: string, peerKey: string, message: string, recoverable: boolean): void {
    const session = this.#store.getSession(sessionId);
    if (!session) return;
    this.#log(`routed peer ${peerKey} lost${recoverable ? ' (negotiating again)' : ''}: ${message}`);
    const publishedStreamId = streamOfPublisherPeer(peerKey);
    if (publishedStreamId !== undefined) {
      const stream = session.streams.get(publishedStreamId);
      if (!stream) return;
      this.#delivery.sendTo(stream.connectionId, { type: 'peerClosed', peerId: peerKey, reason: recoverable ? 'routerRestarted' : 'routerFailed', message });
      if (!recoverable) return;
      // The subscriptions' router peers are gone with the feed (or will be): join the new one.
      for (const peer of [...session.peers.values()]) {
        if (peer.routed && peer.streamId === publishedStreamId) this.#resubscribe(session, peer, message);
      }
      return;
    }
    if (recoverable) {
      const peer = session.peers.get(peerKey);
      if (peer?.routed) this.#resubscribe(session, peer, message);
      return;
    }
    const peer = this.#store.removePeer(session, peerKey);
    if (peer) this.#delivery.sendTo(peer.subscriberConnectionId, { type: 'peerClosed', peerId: peerKey, reason: 'routerFailed', message });
  }

  /**
   * A routed subscription whose router peer was lost: its client drops its peer connection
   * (`peerClosed` `routerRestarted`), and gets a new offer for the same peerId once the stream's
   * media is at the router again (the publisher offers again), or `routerFailed` when it is not
   * within the router's feed timeout.
   */
  #resubscribe(session: SessionRecord, peer: PeerRecord, message: string): void {
    const router = this.#router;
    if (!router || this.#resubscribing.has(peer.peerId)) return;
    this.#resubscribing.add(peer.peerId);
    void router.closePeer(peer.peerId);
    this.#delivery.sendTo(peer.subscriberConnectionId, { type: 'peerClosed', peerId: peer.peerId, reason: 'routerRestarted', message });
    const stream = session.streams.get(peer.streamId);
    if (!stream) return void this.#resubscribing.delete(peer.peerId);
    router.subscribe(routedSession(session), stream.streamId, peer.peerId).then((sdp) => {
      this.#resubscribing.delete(peer.peerId);
      if (session.peers.get(peer.peerId) !== peer) return void router.closePeer(peer.peerId);
      this.#log(`routed subscription ${peer.peerId} offered again`);
      this.#delivery.sendTo(peer.subscriberConnectionId, { type: 'offer', peerId: peer.peerId, streamId: stream.streamId, from: FROM_ROUTER, sdp, e2ee: stream.e2ee });
    }, (err: Error) => {
      this.#resubscribing.delete(peer.peerId);
      void router.closePeer(peer.peerId);
      if (this.#store.removePeer(session, peer.peerId)) {
        this.#log(`routed subscription ${peer.peerId} could not be negotiated again: ${err.message}`);
        this.#delivery.sendTo(peer.subscriberConnectionId, { type: 'peerClosed', peerId: peer.peerId, reason: 'routerFailed', message: err.message });
      }
    });
  }
}
