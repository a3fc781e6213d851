// Where routed sessions live: one VideoRoom per session, placed on the least loaded live Janus
// instance on first use, and the feeds in it (one per published stream, ready once its media is
// up at Janus; subscriptions wait for that).
import * as crypto from 'node:crypto';
import type { JanusInstance, JanusInstances } from './janus-instances';
import * as videoRoom from './video-room';

export interface Feed {
  id: number;
  ready: Promise<void>;
  markReady: () => void;
  fail: (err: Error) => void;
}

export interface Room {
  sessionId: string;
  id: number;
  instance: JanusInstance;
  created: Promise<void>;
  feeds: Map<string, Feed>;
  /** Keys of the router's peers in this room. */
  peers: Set<string>;
  nextFeed: number;
}

/** What the router needs to know of a session. */
export interface RoutedSessionInfo {
  sessionId: string;
  e2ee: boolean;
}

/** The VideoRoom plugin's error code for a room it does not have. */
const NO_SUCH_ROOM = 426;

/**
 * Room ids are numbers at Janus, shared by every server process that uses the instance (a cluster,
 * or restarts): a random start keeps two processes' sequences apart (2^40 ids, a process uses a few).
 */
let roomSequence = crypto.randomInt(1, 2 ** 40) * 1024;

export class Rooms {
  readonly #instances: JanusInstances;
  readonly #recordingsDir: string | undefined;
  readonly #stopped: () => boolean;
  readonly #log: (line: string) => void;
  readonly #rooms = new Map<string, Room>();

  readonly #created: (room: Room) => void;

  /** created: a room was made at Janus (once Janus confirmed it). */
  constructor(instances: JanusInstances, recordingsDir: string | undefined, stopped: () => boolean, log: (line: string) => void,
    created: (room: Room) => void = () => undefined) {
    this.#created = created;
    this.#instances = instances;
    this.#recordingsDir = recordingsDir;
    this.#stopped = stopped;
    this.#log = log;
  }

  get sessionIds(): string[] {
    return [...this.#rooms.keys()];
  }

  get(sessionId: string): Room | undefined {
    return this.#rooms.get(sessionId);
  }

  /** How many rooms an instance holds. */
  countOn(instance: JanusInstance): number {
    let count = 0;
    for (const room of this.#rooms.values()) if (room.instance === instance) ++count;
    return count;
  }

  /** The session's room, created on the least loaded live instance on first use. */
  async room(session: RoutedSessionInfo): Promise<Room> {
    if (this.#stopped()) throw new Error('the media router is stopped');
    let room = this.#rooms.get(session.sessionId);
    const live = this.#instances.live();
    if (!room && live.length === 0) {
      await this.#instances.restarts();
      if (this.#stopped()) throw new Error('the media router is stopped');
      // Another caller waiting for the same restart may have made the room meanwhile.
      room = this.#rooms.get(session.sessionId);
      live.push(...this.#instances.live());
    }
    if (!room) {
      if (live.length === 0) throw new Error('no media router (Janus) instance is up');
      const instance = live.reduce((best, i) => (this.countOn(i) < this.countOn(best) ? i : best));
      const id = ++roomSequence;
      const created = videoRoom.createRoom(instance.control!, {
        room: id, description: session.sessionId.slice(0, 64), requireE2ee: session.e2ee, maxPublishers: 64,
        ...(this.#recordingsDir !== undefined && { recordingsDir: this.#recordingsDir }),
      });
      const made: Room = { sessionId: session.sessionId, id, instance, created, feeds: new Map(), peers: new Set(), nextFeed: 1 };
      room = made;
      this.#rooms.set(session.sessionId, made);
      this.#log(`room ${id} for session ${session.sessionId} on ${instance.label} (e2ee ${session.e2ee})`);
      created.then(() => this.#created(made), () => undefined);
    }
    try {
      await room.created;
    } catch (err) {
      if (this.#rooms.get(session.sessionId) === room) this.#rooms.delete(session.sessionId);
      throw err;
    }
    return room;
  }

  /** Takes the session's room out (it is ending); undefined if it has none. */
  take(sessionId: string): Room | undefined {
    const room = this.#rooms.get(sessionId);
    this.#rooms.delete(sessionId);
    return room;
  }

  /** Takes out every room of a lost instance. */
  takeAllOn(instance: JanusInstance): Room[] {
    const lost = [...this.#rooms.values()].filter((room) => room.instance === instance);
    for (const room of lost) this.#rooms.delete(room.sessionId);
    return lost;
  }

  /**
   * Destroys a room another process made at the instance of `url` (its process died: a cluster's
   * takeover). False when no live instance has that URL; a room already gone is no error.
   */
  async destroyForeign(url: string, roomId: number): Promise<boolean> {
    const instance = this.#instances.live().find((i) => i.spec.url === url);
    const control = instance?.control;
    if (!control || control.detached) return false;
    try {
      await videoRoom.destroyRoom(control, roomId);
    } catch (err) {
      if ((err as { code?: unknown }).code !== NO_SUCH_ROOM) throw err;
    }
    return true;
  }

  /** Destroys a room taken out at Janus (once it was created there). */
  async destroy(room: Room): Promise<void> {
    try {
      await room.created;
      const control = room.instance.control;
      if (control && !control.detached) await videoRoom.destroyRoom(control, room.id);
    } catch (err) {
      this.#log(`destroying room ${room.id} failed: ${(err as Error).message}`);
    }
  }

  /** The stream's feed in the room, made on first use (by its publisher or an early subscriber). */
  feed(room: Room, streamId: string): Feed {
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
  dropFeed(room: Room, streamId: string, reason: string): void {
    room.feeds.get(streamId)?.fail(new Error(reason));
    room.feeds.delete(streamId);
  }
}
