// Routed sessions on Janus: one VideoRoom per session (rooms.ts), one Janus publisher handle per
// published stream, one subscriber handle per subscription. Sessions spread over several Janus
// instances (janus-instances.ts), private ones the router starts itself and/or ones the operator
// runs. This file keeps the peers: negotiation through their handles, and their loss when Janus
// hangs up or an instance dies. The signaling server calls this; clients never talk to Janus.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import type { JanusHandle } from './janus-connection';
import { type JanusInstance, JanusInstances, type JanusInstanceSpec } from './janus-instances';
import type { JanusProcess, JanusProcessOptions } from './janus-process';
import { publisherPeerKey, streamOfPublisherPeer } from './peer-keys';
import { type RecordingPlan, Recordings } from './recordings';
import { type Room, Rooms, type RoutedSessionInfo } from './rooms';
import * as videoRoom from './video-room';

export type { JanusInstanceSpec } from './janus-instances';
export { publisherPeerKey, streamOfPublisherPeer } from './peer-keys';
export type { RecordingPlan } from './recordings';

export interface MediaRouterOptions {
  /** Janus instances the operator runs. */
  instances?: JanusInstanceSpec[];
  /** Private Janus processes to start (default: 1 when `instances` is empty, else 0). */
  managed?: number;
  /** Options of the private processes. */
  janus?: JanusProcessOptions;
  /** Folder for recordings (.mjr, one subfolder per archive), created if missing; archiving is off without it. */
  recordingsDir?: string;
  /** How long a subscription waits for its publisher's media to be up, ms (default 15000). */
  feedTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface Candidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

export interface MediaRouterEvents {
  /**
   * A routed peer ended on the router's side (Janus hung up, failed or died). `recoverable`: a
   * router instance is (or is being) brought back, so negotiating the peer again may work.
   */
  peerLost: [sessionId: string, peerKey: string, reason: string, recoverable: boolean];
  /** A session's room was made at the Janus instance of `url` (a cluster keeps it, to clean up after a killed process). */
  roomCreated: [sessionId: string, url: string, roomId: number];
}

interface Peer {
  key: string;
  room: Room;
  handle: Promise<JanusHandle>;
  streamId: string;
}

export class MediaRouter extends EventEmitter<MediaRouterEvents> {
  readonly #opts: MediaRouterOptions;
  readonly #instances: JanusInstances;
  readonly #rooms: Rooms;
  readonly #recordings: Recordings;
  readonly #peers = new Map<string, Peer>();
  /** Candidates a publisher trickled before its offer reached the router (the client sends both at once). */
  readonly #earlyCandidates = new Map<string, Array<Candidate | null>>();
  #stopped = false;

  private constructor(opts: MediaRouterOptions) {
    super();
    this.#opts = opts;
    const log = (line: string): void => this.#log(line);
    this.#instances = new JanusInstances({
      ...(opts.janus !== undefined && { janus: opts.janus }), log,
      onLost: (instance, reason) => this.#instanceLost(instance, reason),
    });
    this.#rooms = new Rooms(this.#instances, opts.recordingsDir, () => this.#stopped, log,
      (room) => this.emit('roomCreated', room.sessionId, room.instance.spec.url, room.id));
    this.#recordings = new Recordings(opts.recordingsDir, log);
  }

  /** Starts the private instances and connects to every instance; fails if none is usable. */
  static async start(opts: MediaRouterOptions = {}): Promise<MediaRouter> {
    const router = new MediaRouter(opts);
    if (opts.recordingsDir) fs.mkdirSync(opts.recordingsDir, { recursive: true });
    const managed = opts.managed ?? ((opts.instances?.length ?? 0) === 0 ? 1 : 0);
    try {
      for (let i = 0; i < managed; ++i) await router.#instances.addManaged(i);
      for (const [i, spec] of (opts.instances ?? []).entries()) {
        await router.#instances.addExternal(spec, `janus-${managed + i + 1} ${spec.url}`);
      }
    } catch (err) {
      await router.stop();
      throw err;
    }
    return router;
  }

  /** The instances and how many rooms each holds (for tests, the CLI and diagnostics). */
  get instances(): Array<{ label: string; url: string; rooms: number; up: boolean; pid?: number }> {
    return this.#instances.all.map((i) => ({
      label: i.label, url: i.spec.url, rooms: this.#rooms.countOn(i), up: !!i.connection && !i.connection.closed,
      ...(i.process?.pid !== undefined && { pid: i.process.pid }),
    }));
  }

  /** The private Janus processes (tests kill one to check that clients hear of it). */
  get managedProcesses(): JanusProcess[] {
    return this.#instances.all.flatMap((i) => (i.process ? [i.process] : []));
  }

  /**
   * Destroys a room another process of a cluster made at a shared instance and left behind when
   * it died; false when no live instance of this router has that URL.
   */
  destroyForeignRoom(url: string, roomId: number): Promise<boolean> {
    return this.#rooms.destroyForeign(url, roomId);
  }

  /** The room of a session, if it has one: which instance and room id. */
  roomOf(sessionId: string): { instance: string; room: number } | undefined {
    const room = this.#rooms.get(sessionId);
    return room && { instance: room.instance.label, room: room.id };
  }

  /**
   * A publisher's offer: joins the session's room as a new feed; resolves with Janus's answer.
   * Its media being up (Janus's webrtcup) lets subscriptions to the stream go ahead.
   */
  async publish(session: RoutedSessionInfo, streamId: string, display: string,
    offer: { sdp: string; e2ee: boolean }): Promise<string> {
    const room = await this.#rooms.room(session);
    const key = publisherPeerKey(streamId);
    if (this.#peers.has(key)) throw new Error('this stream is already published to the router');
    const feed = this.#rooms.feed(room, streamId);
    const handle = this.#attachPeer(room, key, streamId);
    const early = this.#earlyCandidates.get(key) ?? [];
    this.#earlyCandidates.delete(key);
    const janus = await handle;
    janus.once('webrtcup', () => {
      feed.markReady();
      if (this.#peers.get(key)?.handle === handle) this.#recordings.mediaUp(session.sessionId, streamId, janus);
    });
    const answer = await videoRoom.joinAsPublisher(janus, room.id, feed.id, display.slice(0, 128),
      { type: 'offer', sdp: offer.sdp, e2ee: offer.e2ee });
    for (const candidate of early) await this.trickle(key, candidate);
    return answer.sdp;
  }

  /** A subscription: once the stream's media is up at the router, resolves with Janus's offer. */
  async subscribe(session: RoutedSessionInfo, streamId: string, peerId: string): Promise<string> {
    const room = await this.#rooms.room(session);
    const feed = this.#rooms.feed(room, streamId);
    const timeoutMs = this.#opts.feedTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the stream's media did not reach the router within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([feed.ready, late]);
    } finally {
      clearTimeout(timer);
    }
    if (this.#peers.has(peerId)) throw new Error('this subscription already exists');
    const janus = await this.#attachPeer(room, peerId, streamId);
    const offer = await videoRoom.joinAsSubscriber(janus, room.id, feed.id);
    return offer.sdp;
  }

  /** The recordings folder (archives are subfolders); undefined: this router cannot archive. */
  get recordingsDir(): string | undefined {
    return this.#recordings.dir;
  }

  /**
   * Records the session's published streams as `plan` says, into a subfolder of the recordings
   * folder, now and as their media comes up; undefined stops. Resolves once Janus has started
   * and stopped the recorders (files closed).
   */
  setRecording(sessionId: string, plan: RecordingPlan | undefined): Promise<void> {
    return this.#recordings.setPlan(sessionId, plan);
  }

  /** Whether the router holds this peer (a publisher's `pub-<streamId>` or a subscription). */
  hasPeer(peerKey: string): boolean {
    return this.#peers.has(peerKey);
  }

  /** A published stream's new offer on its existing peer (an ICE restart); resolves with Janus's answer. */
  async renegotiatePublisher(streamId: string, offer: { sdp: string; e2ee: boolean }): Promise<string> {
    const peer = this.#peers.get(publisherPeerKey(streamId));
    if (!peer) throw new Error('this stream is not published to the router');
    const answer = await videoRoom.renegotiatePublisher(await peer.handle, { type: 'offer', sdp: offer.sdp, e2ee: offer.e2ee });
    return answer.sdp;
  }

  /** An ICE restart towards a subscriber; resolves with the router's new offer (answered through answer()). */
  async restartSubscriberIce(peerId: string): Promise<string> {
    const peer = this.#peers.get(peerId);
    if (!peer) throw new Error('unknown routed peer');
    const offer = await videoRoom.restartSubscriberIce(await peer.handle);
    return offer.sdp;
  }

  /** A subscriber's answer to the router's offer. */
  async answer(peerId: string, sdp: string): Promise<void> {
    const peer = this.#peers.get(peerId);
    if (!peer) throw new Error('unknown routed peer');
    await videoRoom.startSubscriber(await peer.handle, { type: 'answer', sdp });
  }

  /** A client's ICE candidate for one of its routed peers (queued behind the handle's creation). */
  async trickle(peerKey: string, candidate: Candidate | null): Promise<void> {
    const peer = this.#peers.get(peerKey);
    if (!peer && streamOfPublisherPeer(peerKey) !== undefined) {
      const queued = this.#earlyCandidates.get(peerKey) ?? [];
      if (queued.length < 64) queued.push(candidate); // a bound: a client cannot grow this without offering
      this.#earlyCandidates.set(peerKey, queued);
      return;
    }
    if (!peer) throw new Error('unknown routed peer');
    const handle = await peer.handle;
    if (candidate && candidate.candidate === '') return handle.trickle(null);
    await handle.trickle(candidate);
  }

  /** Closes one routed peer (unsubscribe, unpublish, the client left). Idempotent. */
  async closePeer(peerKey: string): Promise<void> {
    this.#earlyCandidates.delete(peerKey);
    const peer = this.#peers.get(peerKey);
    if (!peer) return;
    this.#peers.delete(peerKey);
    peer.room.peers.delete(peerKey);
    if (peerKey === publisherPeerKey(peer.streamId)) {
      this.#rooms.dropFeed(peer.room, peer.streamId, 'the stream was unpublished');
      this.#recordings.publisherGone(peer.room.sessionId, peer.streamId);
    }
    const handle = await peer.handle.catch(() => undefined);
    await handle?.detach();
  }

  /** Ends a session's room (its last client left). */
  async closeSession(sessionId: string): Promise<void> {
    const room = this.#rooms.take(sessionId);
    if (!room) return;
    this.#recordings.sessionClosed(sessionId);
    await Promise.all([...room.peers].map((key) => this.closePeer(key)));
    await this.#rooms.destroy(room);
  }

  /** Closes every connection and stops the private instances. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const sessionId of this.#rooms.sessionIds) await this.closeSession(sessionId).catch(() => undefined);
    await this.#instances.stop();
  }

  #log(line: string): void {
    this.#opts.log?.(`router: ${line}`);
  }

  /**
   * Every room of a lost instance ends and its clients hear `peerLost`; a private instance is
   * restarted. The restart is under way before anyone hears of the loss: a client negotiating
   * again at once waits for it (Rooms.room) instead of finding no instance up.
   */
  #instanceLost(instance: JanusInstance, reason: string): void {
    if (this.#stopped) return;
    this.#log(`${instance.label} lost: ${reason}`);
    const lostRooms = this.#rooms.takeAllOn(instance);
    for (const room of lostRooms) {
      for (const key of room.peers) this.#peers.delete(key);
      this.#recordings.sessionClosed(room.sessionId);
    }
    const recoverable = this.#instances.markDown(instance);
    for (const room of lostRooms) {
      for (const feed of room.feeds.values()) feed.fail(new Error('the media router was lost'));
      for (const key of room.peers) this.emit('peerLost', room.sessionId, key, `the media router was lost: ${reason}`, recoverable);
    }
  }

  #attachPeer(room: Room, key: string, streamId: string): Promise<JanusHandle> {
    const connection = room.instance.connection;
    if (!connection || connection.closed) return Promise.reject(new Error('the media router instance is down'));
    const handle = connection.attach(videoRoom.VIDEOROOM_PLUGIN);
    handle.catch(() => undefined);
    const peer: Peer = { key, room, handle, streamId };
    this.#peers.set(key, peer);
    room.peers.add(key);
    void handle.then((janus) => {
      const lost = (reason: string): void => {
        if (this.#peers.get(key) !== peer) return;
        this.#peers.delete(key);
        room.peers.delete(key);
        if (key === publisherPeerKey(streamId)) {
          this.#rooms.dropFeed(room, streamId, reason);
          this.#recordings.publisherGone(room.sessionId, streamId);
        }
        this.emit('peerLost', room.sessionId, key, reason, !this.#stopped);
      };
      janus.on('webrtcup', () => this.#log(`${key} media up (room ${room.id})`));
      janus.on('hangup', (reason) => lost(`the media router hung up: ${reason}`));
      janus.on('detached', () => lost('the media router detached the peer'));
    }, () => {
      if (this.#peers.get(key) === peer) {
        this.#peers.delete(key);
        room.peers.delete(key);
      }
    });
    return handle;
  }
}
