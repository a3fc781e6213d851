// A browser publisher: its media, and one peer connection per subscriber (relayed) or one to the
// router (routed), every frame sealed in the session's frame worker when the session is E2EE.
import type { PublisherApi, PublisherStatsCommon } from '../../api-surface';
import { ErrorCode } from '../../error-code';
import { OtcError } from '../../errors';
import type { EndReason, PublisherEvents, StreamEvent } from '../../session-types';
import { END_UNPUBLISHED } from './end-reason';
import type { PeerEvent } from '../../protocol/messages';
import type { Codec } from '../e2ee/codec-prefix';
import type { E2eeContext } from './e2ee-context';
import { refusePeer } from '../flood-guard';
import { Emitter } from './emitter';
import { type AcquiredMedia, type AudioSourceOption, type VideoSourceOption, acquireMedia } from './media-sources';
import { type PeerIce, selectedPair } from './ice-config';
import { Peer, type SendToServer } from './peer';
import { MAX_ROUTER_RESTARTS, RouterRestarts } from './router-restarts';
import type { TestPatternOptions } from './test-pattern';

export type VideoCodec = 'VP8' | 'VP9' | 'H264';

export interface PublisherOptions {
  /** The stream's name (default ''). */
  name?: string;
  /** 'testPattern' (default: a canvas carrying the frame code), 'camera', a canvas, a track, or null for none. */
  videoSource?: VideoSourceOption | null;
  /** 'tone' (default: a generated 440 Hz tone), 'microphone', a track, or null for none. */
  audioSource?: AudioSourceOption | null;
  /** Default 'VP8'. */
  videoCodec?: VideoCodec;
  /** Size and rate of the test pattern, and what the camera is asked for (default 640x360 at 30). */
  testPattern?: Partial<TestPatternOptions>;
}

/** Candidate types: the first peer's selected pair. */
/** What a page's publisher reports: the fields the Node API reports alike. */
export type PublisherStats = PublisherStatsCommon;

/** What the session gives a publisher while it is published. */
export interface PublisherLink {
  send: SendToServer;
  /** ICE servers and policy of this connection. */
  ice: PeerIce;
  e2ee: E2eeContext | null;
  /** Tells the session (and the server) the stream ends. */
  unpublish: () => void;
}

interface PeerEntry {
  peer: Peer;
  transforms: Array<{ id: string; kind: 'audio' | 'video' }>;
}

export class Publisher extends Emitter<PublisherEvents> implements PublisherApi {
  readonly options: Required<Omit<PublisherOptions, 'testPattern'>> & { testPattern: TestPatternOptions };
  #media: AcquiredMedia | null = null;
  #link: PublisherLink | null = null;
  #stream: StreamEvent | null = null;
  readonly #peers = new Map<string, PeerEntry>();
  readonly #routerRestarts = new RouterRestarts();
  #deleted = false;
  /** The application's toggles (setPublishAudio / setPublishVideo); a kind without a track stays off. */
  #publishAudio = true;
  #publishVideo = true;

  constructor(options: PublisherOptions = {}) {
    super();
    const codec = options.videoCodec ?? 'VP8';
    if (codec !== 'VP8' && codec !== 'VP9' && codec !== 'H264') throw new TypeError(`videoCodec must be VP8, VP9 or H264, not ${String(codec)}`);
    const videoSource = options.videoSource === undefined ? 'testPattern' : options.videoSource;
    const audioSource = options.audioSource === undefined ? 'tone' : options.audioSource;
    if (!videoSource && !audioSource) throw new OtcError(ErrorCode.OTC_MEDIA_INVALID_PARAMETER, 'a stream needs audio or video');
    this.options = {
      name: options.name ?? '', videoSource, audioSource, videoCodec: codec,
      testPattern: { width: 640, height: 360, fps: 30, ...options.testPattern },
    };
  }

  /** The local media (for a preview): null until published. */
  get mediaStream(): MediaStream | null {
    return this.#media?.stream ?? null;
  }

  get stream(): StreamEvent | null {
    return this.#stream;
  }

  get deleted(): boolean {
    return this.#deleted;
  }

  /** Whether it publishes audio: it has an audio source and setPublishAudio(false) (or a forced mute) did not turn it off. */
  get publishAudio(): boolean {
    return this.#publishAudio && this.options.audioSource !== null;
  }

  /** Whether it publishes video: it has a video source and setPublishVideo(false) did not turn it off. */
  get publishVideo(): boolean {
    return this.#publishVideo && this.options.videoSource !== null;
  }

  /**
   * Stops or resumes sending audio, as the Node API's setPublishAudio: the track stays and is
   * disabled (subscribers get silence); while published the session hears streamPropertyChanged
   * hasAudio. Before publishing it sets how the stream starts. OTC_SUCCESS.
   */
  setPublishAudio(enabled: boolean): ErrorCode {
    if (typeof enabled !== 'boolean') throw new TypeError('enabled must be a boolean');
    this.#publishAudio = enabled;
    this.#applyToggles(true);
    return ErrorCode.OTC_SUCCESS;
  }

  /** Stops or resumes sending video (the track is disabled: subscribers get black frames), as setPublishAudio. */
  setPublishVideo(enabled: boolean): ErrorCode {
    if (typeof enabled !== 'boolean') throw new TypeError('enabled must be a boolean');
    this.#publishVideo = enabled;
    this.#applyToggles(true);
    return ErrorCode.OTC_SUCCESS;
  }

  /** Test pattern frames drawn (0 with another source). */
  get patternFrames(): number {
    return this.#media?.pattern?.frames ?? 0;
  }

  async stats(): Promise<PublisherStats> {
    const stats: PublisherStats = {
      subscribers: this.#peers.size, videoFramesSealed: 0, audioFramesSealed: 0, videoFramesSent: 0,
      bytesSent: 0, videoFps: 0, videoWidth: 0, videoHeight: 0, e2ee: this.#link?.e2ee != null,
      localCandidateType: '', remoteCandidateType: '', relayProtocol: '',
    };
    let first = true;
    for (const { peer, transforms } of this.#peers.values()) {
      for (const { id, kind } of transforms) {
        const sealed = this.#link?.e2ee?.counters(id).sealed ?? 0;
        if (kind === 'video') stats.videoFramesSealed += sealed;
        else stats.audioFramesSealed += sealed;
      }
      const report = await peer.pc.getStats().catch(() => null);
      if (first) Object.assign(stats, selectedPair(report));
      report?.forEach((entry: Record<string, unknown>) => {
        if (entry['type'] !== 'outbound-rtp') return;
        stats.bytesSent += Number(entry['bytesSent'] ?? 0);
        if (entry['kind'] !== 'video') return;
        stats.videoFramesSent += Number(entry['framesSent'] ?? 0);
        if (first) {
          stats.videoFps = Number(entry['framesPerSecond'] ?? 0);
          stats.videoWidth = Number(entry['frameWidth'] ?? 0);
          stats.videoHeight = Number(entry['frameHeight'] ?? 0);
          first = false;
        }
      });
    }
    return stats;
  }

  /** For `await using`: delete() (which already tells the server the stream ends). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.delete();
  }

  /** Stops publishing (if published) and releases the media; idempotent. */
  delete(): void {
    if (this.#deleted) return;
    this.#deleted = true;
    this.#link?.unpublish();
    this.#end(END_UNPUBLISHED);
    this.#media?.stop();
    this.#media = null;
  }

  // --- used by Session ------------------------------------------------------------------

  /** @internal */
  async acquire(): Promise<AcquiredMedia> {
    if (this.#deleted) throw new OtcError(ErrorCode.OTC_PUBLISHER_UNABLE_TO_PUBLISH, 'the publisher was deleted');
    if (!this.#media) {
      this.#media = await acquireMedia({ video: this.options.videoSource, audio: this.options.audioSource, testPattern: this.options.testPattern });
    }
    this.#applyToggles();
    return this.#media;
  }

  /** @internal */
  published(stream: StreamEvent, link: PublisherLink): void {
    this.#stream = stream;
    this.#link = link;
    this.emit('streamCreated', stream);
    // A toggle changed between the publish request and the stream's creation.
    this.#applyToggles();
  }

  /** @internal A moderator forced this publisher's audio off (muteForced): as setPublishAudio(false), then 'muteForced'. */
  forceMuted(): void {
    this.setPublishAudio(false);
    this.emit('muteForced');
  }

  /** @internal A subscriber joined (relayed) or the router's peer (routed): offer it the media. */
  async openPeer(peerId: string): Promise<void> {
    const link = this.#link;
    const media = this.#media;
    if (!link || !media || this.#peers.has(peerId)) return;
    const refusal = refusePeer(this.#peers.size);
    if (refusal) return this.#error(ErrorCode.OTC_PUBLISHER_WEBRTC_ERROR, refusal);
    // This end restarts ICE (relayed, or towards the router); a router that died makes the peer
    // again through the server instead (routerRestarted).
    const peer = new Peer(peerId, 'publisher', link.send, link.ice, (message) => this.#peerFailed(peerId, message),
      { offer: { e2ee: link.e2ee !== null } });
    const entry: PeerEntry = { peer, transforms: [] };
    this.#peers.set(peerId, entry);
    try {
      for (const track of [media.audio, media.video]) {
        if (!track) continue;
        const kind = track.kind === 'audio' ? 'audio' : 'video';
        const transceiver = peer.pc.addTransceiver(track, { direction: 'sendonly', streams: [media.stream] });
        if (kind === 'video') restrictCodec(transceiver, this.options.videoCodec);
        if (link.e2ee) {
          const codec: Codec = kind === 'audio' ? 'opus' : this.options.videoCodec;
          entry.transforms.push({ id: link.e2ee.attachSender(transceiver.sender, kind, codec), kind });
        }
      }
      await peer.offer(link.e2ee !== null);
    } catch (error) {
      this.#peerFailed(peerId, `cannot offer: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** @internal */
  async onPeerEvent(event: PeerEvent): Promise<void> {
    const { peerId } = event;
    const entry = this.#peers.get(peerId);
    if (!entry) return;
    try {
      if (event.type === 'answer') await entry.peer.acceptAnswer(event.sdp);
      else if (event.type === 'candidate') await entry.peer.addRemoteCandidate(event.candidate, event.sdpMid, event.sdpMLineIndex);
      else if (event.type === 'peerClosed') {
        const why = event.message ? `: ${event.message}` : '';
        if (event.reason === 'routerRestarted') {
          // The router lost the stream and is back: the same stream on a new peer connection.
          // The page's one frame cryptor seals for every sender, so no counter starts over.
          this.#closePeer(peerId);
          if (!this.#routerRestarts.allow()) {
            this.#error(ErrorCode.OTC_PUBLISHER_WEBRTC_ERROR,
              `the media router lost the stream ${MAX_ROUTER_RESTARTS} times within a minute: giving up${why}`);
            return;
          }
          console.warn(`the media router lost the stream${why}: offering it again`);
          await this.openPeer(peerId);
          return;
        }
        if (event.reason === 'routerFailed') {
          this.#error(ErrorCode.OTC_PUBLISHER_WEBRTC_ERROR, `the media router closed the stream${why}`);
        }
        this.#closePeer(peerId);
      }
    } catch (error) {
      this.#peerFailed(peerId, error instanceof Error ? error.message : String(error));
    }
  }

  /** @internal The peers this publisher answers for. */
  hasPeer(peerId: string): boolean {
    return this.#peers.has(peerId);
  }

  /** @internal The stream ended (unpublished, destroyed, or the session went away). */
  ended(why: EndReason): void {
    this.#end(why);
  }

  /**
   * Applies the toggles to the tracks and, while published, tells the server what changed
   * (streamProperty hasAudio / hasVideo; the stream keeps the values it announced). A track is
   * enabled again only by a setter (`asked`): one the application passed in disabled stays so.
   */
  #applyToggles(asked = false): void {
    const media = this.#media;
    if (media?.audio && (asked || !this.#publishAudio)) media.audio.enabled = this.#publishAudio;
    if (media?.video && (asked || !this.#publishVideo)) media.video.enabled = this.#publishVideo;
    const stream = this.#stream;
    const link = this.#link;
    if (!stream || !link || !media) return;
    const audio = media.audio !== null && this.#publishAudio;
    const video = media.video !== null && this.#publishVideo;
    if (stream.hasAudio !== audio) link.send({ type: 'streamProperty', streamId: stream.streamId, property: 'hasAudio', value: audio });
    if (stream.hasVideo !== video) link.send({ type: 'streamProperty', streamId: stream.streamId, property: 'hasVideo', value: video });
    this.#stream = { ...stream, hasAudio: audio, hasVideo: video };
  }

  #end(why: EndReason): void {
    for (const peerId of [...this.#peers.keys()]) this.#closePeer(peerId);
    const stream = this.#stream;
    this.#stream = null;
    this.#link = null;
    if (stream) this.emit('streamDestroyed', stream, why);
  }

  #closePeer(peerId: string): void {
    const entry = this.#peers.get(peerId);
    if (!entry) return;
    this.#peers.delete(peerId);
    entry.peer.close();
    for (const { id } of entry.transforms) this.#link?.e2ee?.forget(id);
  }

  #peerFailed(peerId: string, message: string): void {
    if (!this.#peers.has(peerId)) return;
    this.#error(ErrorCode.OTC_PUBLISHER_WEBRTC_ERROR, message);
    this.#closePeer(peerId);
  }

  #error(code: ErrorCode, message: string): void {
    const error = new OtcError(code, message);
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else console.warn(error.message);
  }
}

/** Offers only the announced codec (and its retransmission), as the node-otc client does. */
function restrictCodec(transceiver: RTCRtpTransceiver, codec: VideoCodec): void {
  const capabilities = RTCRtpReceiver.getCapabilities('video');
  if (!capabilities || typeof transceiver.setCodecPreferences !== 'function') return;
  const wanted = capabilities.codecs.filter((c) => c.mimeType.toLowerCase() === `video/${codec.toLowerCase()}`);
  const rtx = capabilities.codecs.filter((c) => c.mimeType.toLowerCase() === 'video/rtx');
  if (wanted.length) transceiver.setCodecPreferences([...wanted, ...rtx]);
}
