// Routed sessions on Janus: one VideoRoom per session, one Janus publisher handle per published
// stream, one subscriber handle per subscription. Sessions spread over several Janus instances
// (the fewest rooms first), private ones the router starts itself and/or ones the operator runs.
// The signaling server calls this; clients never talk to Janus.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { type JanusConnection, type JanusHandle, JanusConnection as Connection } from './janus-connection';
import { JanusProcess, type JanusProcessOptions } from './janus-process';
import * as videoRoom from './video-room';

export interface JanusInstanceSpec {
  /** ws://host:port or ws+unix:///path of the instance's WebSocket API (subprotocol janus-protocol). */
  url: string;
  apiSecret?: string;
}

export interface MediaRouterOptions {
  /** Janus instances the operator runs. */
  instances?: JanusInstanceSpec[];
  /** Private Janus processes to start (default: 1 when `instances` is empty, else 0). */
  managed?: number;
  /** Options of the private processes. */
  janus?: JanusProcessOptions;
  /** Folder for recordings (.mjr), created if missing; recording is off without it. */
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
}

interface Instance {
  label: string;
  spec: JanusInstanceSpec;
  process?: JanusProcess;
  connection?: JanusConnection;
  control?: JanusHandle;
  rooms: Set<Room>;
  /** Reconnecting a managed instance after it died. */
  restarting?: Promise<void>;
}

interface Feed {
  id: number;
  ready: Promise<void>;
  markReady: () => void;
  fail: (err: Error) => void;
}

interface Room {
  sessionId: string;
  id: number;
  instance: Instance;
  created: Promise<void>;
  feeds: Map<string, Feed>;
  peers: Set<string>;
  nextFeed: number;
  record: boolean;
}

interface Peer {
  key: string;
  room: Room;
  handle: Promise<JanusHandle>;
  streamId: string;
}

/** The key of a publisher's peer, as the client knows it (docs/protocol.md). */
export function publisherPeerKey(streamId: string): string {
  return `pub-${streamId}`;
}

/** The stream of a publisher's peer key; undefined for other keys (subscriptions). */
export function streamOfPublisherPeer(peerKey: string): string | undefined {
  return peerKey.startsWith('pub-') ? peerKey.slice(4) : undefined;
}

let roomSequence = Math.floor(Date.now() / 1000) % 1_000_000 * 1000;

export class MediaRouter extends EventEmitter<MediaRouterEvents> {
  readonly #opts: MediaRouterOptions;
  readonly #instances: Instance[] = [];
  readonly #rooms = new Map<string, Room>();
  readonly #peers = new Map<string, Peer>();
  /** Candidates a publisher trickled before its offer reached the router (the client sends both at once). */
  readonly #earlyCandidates = new Map<string, Array<Candidate | null>>();
  #stopped = false;

  private constructor(opts: MediaRouterOptions) {
    super();
    this.#opts = opts;
  }

  /** Starts the private instances and connects to every instance; fails if none is usable. */
  static async start(opts: MediaRouterOptions = {}): Promise<MediaRouter> {
    const router = new MediaRouter(opts);
    if (opts.recordingsDir) fs.mkdirSync(opts.recordingsDir, { recursive: true });
    const managed = opts.managed ?? ((opts.instances?.length ?? 0) === 0 ? 1 : 0);
    try {
      for (let i = 0; i < managed; ++i) {
        const instance: Instance = { label: `janus-${i + 1} (private)`, spec: { url: '' }, rooms: new Set() };
        router.#instances.push(instance);
        await router.#startManaged(instance);
      }
      for (const [i, spec] of (opts.instances ?? []).entries()) {
        const instance: Instance = { label: `janus-${managed + i + 1} ${spec.url}`, spec, rooms: new Set() };
        router.#instances.push(instance);
        await router.#connect(instance).catch((err: Error) => {
          throw new Error(`cannot use the Janus at ${spec.url}: ${err.message}`);
        });
      }
    } catch (err) {
      await router.stop();
      throw err;
    }
    return router;
  }

  /** The instances and how many rooms each holds (for tests, the CLI and diagnostics). */
  get instances(): Array<{ label: string; url: string; rooms: number; up: boolean; pid?: number }> {
    return this.#instances.map((i) => ({
      label: i.label, url: i.spec.url, rooms: i.rooms.size, up: !!i.connection && !i.connection.closed,
      ...(i.process?.pid !== undefined && { pid: i.process.pid }),
    }));
  }

  /** The private Janus processes (tests kill one to check that clients hear of it). */
  get managedProcesses(): JanusProcess[] {
    return this.#instances.flatMap((i) => (i.process ? [i.process] : []));
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
  async publish(session: { sessionId: string; e2ee: boolean; record: boolean }, streamId: string, display: string,
    offer: { sdp: string; e2ee: boolean }): Promise<string> {
    const room = await this.#room(session);
    const key = publisherPeerKey(streamId);
    if (this.#peers.has(key)) throw new Error('this stream is already published to the router');
    const feed = this.#feed(room, streamId);
    const handle = this.#attachPeer(room, key, streamId);
    const early = this.#earlyCandidates.get(key) ?? [];
    this.#earlyCandidates.delete(key);
    const janus = await handle;
    janus.once('webrtcup', () => {
      feed.markReady();
      if (room.record && this.#opts.recordingsDir) {
        videoRoom.recordPublisher(janus, `${session.sessionId}-${streamId}`).catch((err: Error) => {
          this.#log(`recording ${streamId} failed: ${err.message}`);
        });
      }
    });
    const answer = await videoRoom.joinAsPublisher(janus, room.id, feed.id, display.slice(0, 128),
      { type: 'offer', sdp: offer.sdp, e2ee: offer.e2ee });
    for (const candidate of early) await this.trickle(key, candidate);
    return answer.sdp;
  }

  /** A subscription: once the stream's media is up at the router, resolves with Janus's offer. */
  async subscribe(session: { sessionId: string; e2ee: boolean; record: boolean }, streamId: string, peerId: string): Promise<string> {
    const room = await this.#room(session);
    const feed = this.#feed(room, streamId);
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
    if (peerKey === publisherPeerKey(peer.streamId)) this.#dropFeed(peer.room, peer.streamId, 'the stream was unpublished');
    const handle = await peer.handle.catch(() => undefined);
    await handle?.detach();
  }

  /** Ends a session's room (its last client left). */
  async closeSession(sessionId: string): Promise<void> {
    const room = this.#rooms.get(sessionId);
    if (!room) return;
    this.#rooms.delete(sessionId);
    room.instance.rooms.delete(room);
    await Promise.all([...room.peers].map((key) => this.closePeer(key)));
    try {
      await room.created;
      const control = room.instance.control;
      if (control && !control.detached) await videoRoom.destroyRoom(control, room.id);
    } catch (err) {
      this.#log(`destroying room ${room.id} failed: ${(err as Error).message}`);
    }
  }

  /** Closes every connection and stops the private instances. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const room of [...this.#rooms.values()]) await this.closeSession(room.sessionId).catch(() => undefined);
    await Promise.all(this.#instances.map(async (instance) => {
      await instance.connection?.destroy().catch(() => undefined);
      await instance.process?.stop();
    }));
  }

  #log(line: string): void {
    this.#opts.log?.(`router: ${line}`);
  }

  async #startManaged(instance: Instance): Promise<void> {
    const process = await JanusProcess.start({
      ...this.#opts.janus,
      // Janus warns about every plugin the private config disables: not worth a line each.
      log: this.#opts.janus?.log ?? ((line) => {
        if (!/has been disabled, skipping/.test(line)) this.#log(`${instance.label}: ${line}`);
      }),
    });
    instance.process = process;
    instance.spec = { url: process.url, apiSecret: process.apiSecret };
    process.on('died', (description) => {
      this.#log(`${instance.label}: ${description}`);
      instance.connection?.close();
    });
    await this.#connect(instance);
  }

  async #connect(instance: Instance): Promise<void> {
    const connection = await Connection.open({ url: instance.spec.url, apiSecret: instance.spec.apiSecret, log: (line) => this.#log(line) });
    instance.connection = connection;
    instance.control = await videoRoom.attachControl(connection);
    connection.once('closed', (reason) => this.#instanceLost(instance, reason));
  }

  /**
   * Every room of a lost instance ends and its clients hear `peerLost`; a private instance is
   * restarted. The restart is under way before anyone hears of the loss: a client negotiating
   * again at once waits for it (#room) instead of finding no instance up.
   */
  #instanceLost(instance: Instance, reason: string): void {
    if (this.#stopped) return;
    this.#log(`${instance.label} lost: ${reason}`);
    const lostRooms = [...instance.rooms];
    for (const room of lostRooms) {
      this.#rooms.delete(room.sessionId);
      instance.rooms.delete(room);
      for (const key of room.peers) this.#peers.delete(key);
    }
    instance.connection = undefined;
    instance.control = undefined;
    if (instance.process) this.#restartManaged(instance);
    const recoverable = !!instance.restarting || this.#instances.some((i) => i.connection && !i.connection.closed);
    for (const room of lostRooms) {
      for (const feed of room.feeds.values()) feed.fail(new Error('the media router was lost'));
      for (const key of room.peers) this.emit('peerLost', room.sessionId, key, `the media router was lost: ${reason}`, recoverable);
    }
  }

  #restartManaged(instance: Instance): void {
    instance.restarting ??= (async () => {
      try {
        await instance.process?.stop();
        await this.#startManaged(instance);
        this.#log(`${instance.label} restarted`);
      } catch (err) {
        this.#log(`${instance.label} could not be restarted: ${(err as Error).message}`);
      } finally {
        instance.restarting = undefined;
      }
    })();
  }

  /** The session's room, created on the least loaded live instance on first use. */
  async #room(session: { sessionId: string; e2ee: boolean; record: boolean }): Promise<Room> {
    if (this.#stopped) throw new Error('the media router is stopped');
    let room = this.#rooms.get(session.sessionId);
    const live = this.#instances.filter((i) => i.connection && !i.connection.closed && i.control);
    if (!room && live.length === 0) {
      await Promise.all(this.#instances.map((i) => i.restarting));
      if (this.#stopped) throw new Error('the media router is stopped');
      // Another caller waiting for the same restart may have made the room meanwhile.
      room = this.#rooms.get(session.sessionId);
      live.push(...this.#instances.filter((i) => i.connection && !i.connection.closed && i.control));
    }
    if (!room) {
      if (live.length === 0) throw new Error('no media router (Janus) instance is up');
      const instance = live.reduce((best, i) => (i.rooms.size < best.rooms.size ? i : best));
      const id = ++roomSequence;
      const created = videoRoom.createRoom(instance.control!, {
        room: id, description: session.sessionId.slice(0, 64), requireE2ee: session.e2ee, maxPublishers: 64,
        ...(this.#opts.recordingsDir !== undefined && { recordingsDir: this.#opts.recordingsDir }),
      });
      room = { sessionId: session.sessionId, id, instance, created, feeds: new Map(), peers: new Set(), nextFeed: 1, record: session.record };
      this.#rooms.set(session.sessionId, room);
      instance.rooms.add(room);
      this.#log(`room ${id} for session ${session.sessionId} on ${instance.label} (e2ee ${session.e2ee})`);
    }
    try {
      await room.created;
    } catch (err) {
      if (this.#rooms.get(session.sessionId) === room) {
        this.#rooms.delete(session.sessionId);
        room.instance.rooms.delete(room);
      }
      throw err;
    }
    return room;
  }

  #feed(room: Room, streamId: string): Feed {
    let feed = room.feeds.get(streamId);
    if (!feed) {
      let markReady!: () => void;
      let fail!: (err: Error) => void;
      const ready = new Promise<void>((resolve, reject) => {
        markReady = resolve;
        fail = reject;
      });
      ready.catch(() => undefined); // a feed nobody waits for may fail unobserved
      feed = { id: room.nextFeed++, ready, markReady, fail };
      room.feeds.set(streamId, feed);
    }
    return feed;
  }

  /** The stream's feed is gone from Janus: waiting subscriptions fail, later ones must not join it. */
  #dropFeed(room: Room, streamId: string, reason: string): void {
    room.feeds.get(streamId)?.fail(new Error(reason));
    room.feeds.delete(streamId);
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
        if (key === publisherPeerKey(streamId)) this.#dropFeed(room, streamId, reason);
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
