// One peer connection of the session protocol (a publisher's to one subscriber or to the router,
// a subscriber's to its publisher or the router): trickled candidates both ways, remote ones
// queued until the remote description is set.
import type { OutgoingRequest, PeerEnd } from '../../protocol/messages';
import { type Codec, codecOfName } from '../e2ee/codec-prefix';
import { peerConnectionConfig } from './e2ee-context';
import type { PeerIce } from './ice-config';

export type SendToServer = (message: OutgoingRequest) => void;

/**
 * How a peer repairs a path that had connected and is lost: `offer`, the offering end (a
 * publisher) offers again with new ICE credentials (`e2ee` on its offers); `ask`, the answering
 * end of a routed subscription asks the server (`iceRestart`), whose router offers again.
 */
export type IceRestartRole = { offer: { e2ee: boolean } } | { ask: true };

/** ICE restarts after a connected path is lost, as the C++ client's PeerLink does. */
const ICE_RESTART_AFTER_MS = 4000;
const ICE_RESTART_RETRY_MS = 8000;
const MAX_ICE_RESTARTS = 6;
const ICE_LOST_GRACE_MS = ICE_RESTART_AFTER_MS + MAX_ICE_RESTARTS * ICE_RESTART_RETRY_MS + 5000;

export class Peer {
  readonly pc: RTCPeerConnection;
  readonly #queued: RTCIceCandidateInit[] = [];
  #hasRemote = false;
  #closed = false;
  #iceConnected = false;
  #iceLostAt = 0;
  #iceTimer: ReturnType<typeof setTimeout> | undefined;
  /** ICE restarts this peer made or asked for. */
  iceRestarts = 0;
  /** Offers are answered one at a time (restarts queued behind an outage arrive together). */
  #answering: Promise<void> = Promise.resolve();

  /**
   * restartIce: this end restarts ICE (or asks for it) when a path that had connected is lost
   * (disconnected for 4 s, or failed), at most 6 times 8 s apart. Without it a lost path gets
   * the other end's restarts' time before it fails.
   */
  /** end: which end of the peer this is; the candidates say it (a page subscribed to its own stream holds both). */
  constructor(readonly peerId: string, readonly end: PeerEnd, private readonly send: SendToServer, ice: PeerIce,
    onFailed: (message: string) => void, restartIce?: IceRestartRole) {
    this.pc = new RTCPeerConnection(peerConnectionConfig(ice));
    this.pc.onicecandidate = (event) => {
      if (!event.candidate || !event.candidate.candidate || this.#closed) return;
      this.send({
        type: 'candidate', peerId, end, candidate: event.candidate.candidate,
        sdpMid: event.candidate.sdpMid ?? '', sdpMLineIndex: event.candidate.sdpMLineIndex ?? 0,
      });
    };
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === 'failed' && !this.#closed && this.#iceLostAt === 0) onFailed(this.#failure(ice));
    };
    this.pc.addEventListener('iceconnectionstatechange', () => {
      if (this.#closed) return;
      const state = this.pc.iceConnectionState;
      if (state === 'connected' || state === 'completed') {
        this.#iceConnected = true;
        if (this.#iceLostAt !== 0) console.info(`peer ${peerId}: ICE connected again after ${Date.now() - this.#iceLostAt} ms (${this.iceRestarts} ICE restarts)`);
        this.#iceLostAt = 0;
        clearTimeout(this.#iceTimer);
        return;
      }
      if ((state !== 'disconnected' && state !== 'failed') || !this.#iceConnected || this.#iceLostAt !== 0) return;
      this.#iceLostAt = Date.now();
      const check = (): void => {
        if (this.#closed || this.#iceLostAt === 0) return;
        if (restartIce && this.iceRestarts < MAX_ICE_RESTARTS) {
          this.iceRestarts += 1;
          if ('offer' in restartIce) {
            this.pc.restartIce();
            this.offer(restartIce.offer.e2ee).catch(() => undefined);
          } else {
            this.send({ type: 'iceRestart', peerId });
          }
          this.#iceTimer = setTimeout(check, ICE_RESTART_RETRY_MS);
          return;
        }
        onFailed(`ICE failed: the connection was lost and did not come back within ${Math.round((Date.now() - this.#iceLostAt) / 1000)} s${
          restartIce ? ` and ${this.iceRestarts} ICE restarts` : ''}`);
      };
      this.#iceTimer = setTimeout(check, !restartIce ? ICE_LOST_GRACE_MS : state === 'failed' ? 0 : ICE_RESTART_AFTER_MS);
    });
  }

  /** A publisher's side: offers its tracks. */
  async offer(e2ee: boolean): Promise<void> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.send({ type: 'offer', peerId: this.peerId, sdp: this.pc.localDescription!.sdp, ...(e2ee ? { e2ee: true } : {}) });
  }

  async acceptAnswer(sdp: string): Promise<void> {
    // An answer to an offer a later restart superseded, answered already: nothing to apply.
    if (this.pc.signalingState !== 'have-local-offer') return;
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    await this.#flush();
  }

  /**
   * A subscriber's side. With the router as the offerer the answer takes the passive DTLS role:
   * the router starts DTLS only once its own ICE is up, and a ClientHello sent before that is
   * lost until a retransmission a second later (measured with the C++ client, docs/protocol.md).
   */
  answer(sdp: string, passiveDtls: boolean): Promise<void> {
    const next = this.#answering.then(() => this.#answerNow(sdp, passiveDtls));
    this.#answering = next.catch(() => undefined);
    return next;
  }

  async #answerNow(sdp: string, passiveDtls: boolean): Promise<void> {
    if (this.#closed) return;
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    await this.#flush();
    const answer = await this.pc.createAnswer();
    let local: RTCSessionDescriptionInit = answer;
    if (passiveDtls && answer.sdp) {
      try {
        local = { type: 'answer', sdp: answer.sdp.replace(/a=setup:active/g, 'a=setup:passive') };
        await this.pc.setLocalDescription(local);
      } catch {
        local = answer; // a browser that refuses the change answers as it chose
        await this.pc.setLocalDescription(local);
      }
    } else {
      await this.pc.setLocalDescription(local);
    }
    this.send({ type: 'answer', peerId: this.peerId, sdp: this.pc.localDescription!.sdp });
  }

  async addRemoteCandidate(candidate: string, sdpMid: string | null, sdpMLineIndex: number | null): Promise<void> {
    const init: RTCIceCandidateInit = { candidate, sdpMid, sdpMLineIndex };
    if (!this.#hasRemote) {
      this.#queued.push(init);
      return;
    }
    await this.pc.addIceCandidate(init).catch(() => undefined); // one bad candidate is not fatal
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#iceTimer);
    this.pc.close();
  }

  /** Why the connection failed, as far as the page can tell (ICE: no candidate pair worked). */
  #failure(ice: PeerIce): string {
    if (this.pc.iceConnectionState !== 'failed') return 'the peer connection failed (DTLS or the media transport)';
    const relays = ice.iceServers.some((s) => (typeof s.urls === 'string' ? [s.urls] : s.urls).some((u) => u.startsWith('turn')));
    return `ICE failed: no candidate pair connected (${relays ? 'TURN servers were offered' : 'no TURN server was offered'}${
      ice.iceTransportPolicy === 'relay' ? ', relay only' : ''})`;
  }

  async #flush(): Promise<void> {
    this.#hasRemote = true;
    for (const init of this.#queued.splice(0)) await this.pc.addIceCandidate(init).catch(() => undefined);
  }
}

/** RTP payload type -> codec, from an SDP's rtpmap lines (what a receiver's frames are). */
export function payloadCodecs(sdp: string): Record<number, Codec> {
  const map: Record<number, Codec> = {};
  for (const match of sdp.matchAll(/^a=rtpmap:(\d+) ([A-Za-z0-9-]+)\//gm)) {
    const codec = codecOfName(match[2]!);
    if (codec) map[Number(match[1])] = codec;
  }
  return map;
}
