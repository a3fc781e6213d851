// A browser subscriber: answers its publisher's (or the router's) offer, opens every received
// frame in the session's frame worker (frames that do not open never reach the decoder), and
// shows the stream in a video element.
import type { SubscriberApi } from '../../api-surface';
import { ErrorCode } from '../../error-code';
import { OtcError } from '../../errors';
import type { EndReason, StreamEvent, SubscriberFrameStats, SubscriberStateEvents } from '../../session-types';
import { END_PEER_FAILED, END_UNSUBSCRIBED, endFromServer } from './end-reason';
import { FROM_ROUTER, type PeerEvent } from '../../protocol/messages';
import type { E2eeContext, EpisodeEvent } from './e2ee-context';
import { Emitter } from './emitter';
import { type PeerIce, type SelectedPair, selectedPair } from './ice-config';
import { Peer, type SendToServer, payloadCodecs } from './peer';
import { MAX_ROUTER_RESTARTS, RouterRestarts } from './router-restarts';

export interface SubscriberOptions {
  /** Where the stream plays (default: a new autoplaying element, see `element`). */
  element?: HTMLVideoElement;
}

/** What became of the frames (as the Node API counts them), and the page's playout. */
export interface SubscriberStats extends SubscriberFrameStats, SelectedPair {
  /** Audio samples played out (audio is decoded and flowing). */
  audioSamplesReceived: number;
  /** The received audio's energy so far (the sum of level² × seconds): grows while sound arrives, not with silence. */
  audioEnergy: number;
  bytesReceived: number;
}

/** The Node API's subscriber events without the decoded media ones (a page has the <video>). */
export type SubscriberEvents = SubscriberStateEvents;

/** What the session gives a subscriber. */
export interface SubscriberLink {
  send: SendToServer;
  /** ICE servers and policy of this connection. */
  ice: PeerIce;
  e2ee: E2eeContext | null;
  /** Drops the subscriber from the session's routing once it ends. */
  forget: (subscriber: Subscriber) => void;
}

let nextSubscriberId = 1;

export class Subscriber extends Emitter<SubscriberEvents> implements SubscriberApi {
  readonly stream: StreamEvent;
  readonly element: HTMLVideoElement;
  readonly mediaStream = new MediaStream();
  /** Names this subscriber's receivers in the frame worker (one mismatch episode for both). */
  readonly id = `sub${nextSubscriberId++}`;
  #link: SubscriberLink | null;
  #peerId = '';
  #peer: Peer | null = null;
  readonly #transforms: Array<{ id: string; kind: 'audio' | 'video' }> = [];
  #inMismatch = false;
  #ended = false;
  #reportedConnected = false;
  readonly #routerRestarts = new RouterRestarts();

  /** @internal Made by Session.subscribe. */
  constructor(stream: StreamEvent, link: SubscriberLink, options: SubscriberOptions = {}) {
    super();
    this.stream = stream;
    this.#link = link;
    this.element = options.element ?? document.createElement('video');
    this.element.autoplay = true;
    this.element.playsInline = true;
    this.element.srcObject = this.mediaStream;
  }

  get peerId(): string {
    return this.#peerId;
  }

  get streamId(): string {
    return this.stream.streamId;
  }

  /** Whether the subscription is over (unsubscribed, failed, its stream or session gone). */
  get deleted(): boolean {
    return this.#ended;
  }

  /** Whether media flows ('connected' was emitted and 'disconnected' was not). */
  get isConnected(): boolean {
    return this.#reportedConnected && !this.#ended;
  }

  /**
   * Resolves once media flows (at once if it already does). Rejects with the error that ends the
   * attempt, OTC_SUBSCRIBER_SESSION_DISCONNECTED when the subscription ends first, or
   * OTC_SUBSCRIBER_TIMED_OUT after timeoutMs.
   */
  connected(timeoutMs?: number): Promise<void> {
    if (this.isConnected) return Promise.resolve();
    if (this.#ended) return Promise.reject(new OtcError(ErrorCode.OTC_SUBSCRIBER_SESSION_DISCONNECTED, 'the subscriber is disconnected'));
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (error?: OtcError): void => {
        clearTimeout(timer);
        this.off('connected', onConnected);
        this.off('disconnected', onDisconnected);
        this.off('error', onError);
        if (error) reject(error);
        else resolve();
      };
      const onConnected = (): void => settle();
      const onDisconnected = (): void => settle(new OtcError(ErrorCode.OTC_SUBSCRIBER_SESSION_DISCONNECTED, 'disconnected before media flowed'));
      const onError = (error: OtcError): void => settle(error);
      this.on('connected', onConnected);
      this.on('disconnected', onDisconnected);
      this.on('error', onError);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => settle(new OtcError(ErrorCode.OTC_SUBSCRIBER_TIMED_OUT, `not connected within ${timeoutMs} ms`)), timeoutMs);
      }
    });
  }

  /** Unsubscribes (the server is told) and ends the subscription: 'disconnected'; idempotent. */
  delete(): void {
    this.end(END_UNSUBSCRIBED, true);
  }

  /** For `await using`: delete(). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.delete();
  }

  async stats(): Promise<SubscriberStats> {
    const e2ee = this.#link?.e2ee ?? null;
    const stats: SubscriberStats = {
      videoFramesOpened: 0, audioFramesOpened: 0, framesMismatch: 0, framesIntegrityFailure: 0, framesReplay: 0,
      framesDroppedOther: 0, videoFramesDecoded: 0, videoFps: 0, videoWidth: 0, videoHeight: 0,
      audioSamplesReceived: 0, audioEnergy: 0, bytesReceived: 0, e2ee: e2ee !== null, inMismatch: this.#inMismatch,
      localCandidateType: '', remoteCandidateType: '', relayProtocol: '',
    };
    for (const { id, kind } of this.#transforms) {
      const c = e2ee?.counters(id);
      if (!c) continue;
      if (kind === 'video') stats.videoFramesOpened += c.decrypted;
      else stats.audioFramesOpened += c.decrypted;
      stats.framesMismatch += c.mismatch;
      stats.framesIntegrityFailure += c.integrityFailure;
      stats.framesReplay += c.replay;
      stats.framesDroppedOther += c.dropped;
    }
    const report = await this.#peer?.pc.getStats().catch(() => null);
    Object.assign(stats, selectedPair(report));
    report?.forEach((entry: Record<string, unknown>) => {
      if (entry['type'] !== 'inbound-rtp') return;
      stats.bytesReceived += Number(entry['bytesReceived'] ?? 0);
      if (entry['kind'] === 'video') {
        stats.videoFramesDecoded += Number(entry['framesDecoded'] ?? 0);
        stats.videoFps = Number(entry['framesPerSecond'] ?? 0);
        stats.videoWidth = Number(entry['frameWidth'] ?? 0);
        stats.videoHeight = Number(entry['frameHeight'] ?? 0);
      } else if (entry['kind'] === 'audio') {
        stats.audioSamplesReceived += Number(entry['totalSamplesReceived'] ?? 0);
        stats.audioEnergy += Number(entry['totalAudioEnergy'] ?? 0);
      }
    });
    return stats;
  }

  // --- used by Session ------------------------------------------------------------------

  /** @internal The subscribe request was accepted: offers for peerId are this subscriber's. */
  accepted(peerId: string): void {
    this.#peerId = peerId;
  }

  /** @internal */
  async onPeerEvent(event: PeerEvent): Promise<void> {
    const link = this.#link;
    if (!link || this.#ended) return;
    try {
      switch (event.type) {
        case 'offer':
          await this.#answer(event.sdp, event.from === FROM_ROUTER, link);
          break;
        case 'candidate':
          await this.#peer?.addRemoteCandidate(event.candidate, event.sdpMid, event.sdpMLineIndex);
          break;
        case 'peerClosed':
          if (event.reason === 'routerRestarted') {
            this.#routerRestarted(event.message ? `: ${event.message}` : '');
            break;
          }
          if (event.reason === 'routerFailed') {
            this.fail(ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR, `the media router closed the subscription${event.message ? `: ${event.message}` : ''}`);
          }
          this.end(endFromServer(event.reason));
      }
    } catch (error) {
      this.fail(ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR, error instanceof Error ? error.message : String(error));
      this.end(END_PEER_FAILED, true);
    }
  }

  /** @internal From the frame worker. */
  onEpisode(event: EpisodeEvent): void {
    if (event === 'mismatch') {
      this.#inMismatch = true;
      this.emit('encryptionSecretMismatch', new OtcError(ErrorCode.OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH,
        "frames of this stream do not decrypt with this session's encryption secret"));
    } else if (event === 'match') {
      this.#inMismatch = false;
      this.emit('encryptionSecretMatch');
    } else {
      this.fail(ErrorCode.OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR, 'frames of this stream fail authentication (altered in transit, or a faulty sender)');
    }
  }

  /** @internal Ends the subscription for the reason given ('disconnected' carries it); notifyServer: also tell the server (unsubscribe). */
  end(why: EndReason, notifyServer = false): void {
    if (this.#ended) return;
    this.#ended = true;
    const link = this.#link;
    this.#link = null;
    if (notifyServer && this.#peerId) link?.send({ type: 'unsubscribe', peerId: this.#peerId });
    this.#peer?.close();
    this.#peer = null;
    for (const { id } of this.#transforms) link?.e2ee?.forget(id);
    link?.e2ee?.forget(this.id);
    for (const track of this.mediaStream.getTracks()) this.mediaStream.removeTrack(track);
    link?.forget(this);
    this.emit('disconnected', why);
  }

  /** @internal */
  fail(code: ErrorCode, message: string): void {
    const error = new OtcError(code, message);
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else console.warn(error.message);
  }

  /**
   * The router lost this subscription's peer and is back: the peer connection goes, the
   * subscription stays (same peerId); the router's next offer makes a new one. The application
   * sees no new subscriber and no second 'connected'.
   */
  #routerRestarted(why: string): void {
    if (!this.#routerRestarts.allow()) {
      this.fail(ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR, `the media router lost the subscription ${MAX_ROUTER_RESTARTS} times within a minute: giving up${why}`);
      this.end(endFromServer('routerFailed'), true);
      return;
    }
    console.warn(`the media router lost the subscription${why}: waiting for its new offer`);
    this.#peer?.close();
    this.#peer = null;
    // The old transforms' counters stay in stats (forgotten at end()).
    for (const track of this.mediaStream.getTracks()) this.mediaStream.removeTrack(track);
  }

  async #answer(sdp: string, fromRouter: boolean, link: SubscriberLink): Promise<void> {
    if (this.#peer) {
      // The publisher, or the router asked by this end, offers again on the same connection (an ICE restart).
      await this.#peer.answer(sdp, fromRouter);
      return;
    }
    const peer = new Peer(this.#peerId, 'subscriber', link.send, link.ice, (message) => {
      this.fail(ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR, message);
      this.end(END_PEER_FAILED, true);
    }, fromRouter ? { ask: true } : undefined);
    this.#peer = peer;
    const codecs = payloadCodecs(sdp);
    // Transforms go in before the first frame: at ontrack, which runs inside setRemoteDescription.
    peer.pc.ontrack = (event) => {
      const kind = event.track.kind === 'audio' ? 'audio' : 'video';
      if (link.e2ee) this.#transforms.push({ id: link.e2ee.attachReceiver(event.receiver, kind, codecs, this.id), kind });
      this.mediaStream.addTrack(event.track);
    };
    peer.pc.addEventListener('connectionstatechange', () => {
      if (peer.pc.connectionState !== 'connected' || this.#ended || this.#reportedConnected) return;
      this.#reportedConnected = true;
      this.emit('connected');
    });
    await peer.answer(sdp, fromRouter);
  }
}
