import * as crypto from 'node:crypto';
import type { ArchiveMode, ConnectionInfo, MediaMode, StreamInfo, StreamPropertyChange } from '../protocol/messages';
import { mintSessionId, parseSessionId } from './session-id';
import type { Journal } from './store/journal';
import type { JournalContents, StoredSession } from './store/session-journal';
import type { TokenRole } from './tokens';

export interface SessionOptions {
  mediaMode?: MediaMode;
  archiveMode?: ArchiveMode;
  e2ee?: boolean;
  /** An IPv4 address hint, kept in the session id. */
  location?: string;
  /**
   * The project it belongs to, named in its id: the API key (default) or an application id
   * (applications.ts). Only that project's credentials reach it through the REST API and sign
   * tokens for it.
   */
  projectId?: string;
}

/** A session: what is stored of it (StoredSession), and who is in it now. */
export interface SessionRecord extends StoredSession {
  connections: Map<string, ConnectionRecord>;
  streams: Map<string, StreamInfo>;
  /** Subscriptions (relayed and routed) by peerId. */
  peers: Map<string, PeerRecord>;
  /** The peerIds of each stream's subscriptions: teardown of a stream costs its own peers, not the session's. */
  streamPeers: Map<string, Set<string>>;
  /**
   * The forced-mute state (forceMuteAll until disableForceMute): the stream ids it excludes, or
   * null when off. Set only through SessionStore.setForceMute (journaled).
   */
  forceMute: ReadonlySet<string> | null;
  /**
   * Each stream's layout class list (OpenTok's; for layouts of composed archives and broadcasts,
   * which this server does not make: kept and reported, as the REST API sets it). Set only
   * through SessionStore (journaled).
   */
  classLists: Map<string, readonly string[]>;
}

export interface ConnectionRecord {
  info: ConnectionInfo;
  sessionId: string;
  role: TokenRole;
  /** Whether the client said it holds an encryption secret. */
  e2ee: boolean;
  /** The streams it publishes (ids). */
  streams: Set<string>;
  /** The peers it is an end of, as subscriber or as relayed publisher (ids). */
  peers: Set<string>;
  /** Its subscriptions per streamId (counts), for the per-stream limit. */
  subscriptionsByStream: Map<string, number>;
  /** Its subscriptions in all. */
  subscriptions: number;
  /** Its token's initial layout class list: the class list of each stream it publishes. */
  layoutClassList: readonly string[];
}

/** A request the server's limits refuse (the session count). */
export class LimitError extends Error {}

export interface PeerRecord {
  peerId: string;
  streamId: string;
  publisherConnectionId: string;
  subscriberConnectionId: string;
  /** A subscription through the media router (routed session): the router, not the publisher, sends its media. */
  routed: boolean;
}

function newId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** The keys a connection's admission counts are held under (admission.ts): kept so a restart holds them again. */
export interface AdmissionKeys {
  addressKey: string;
  tokenKey: string;
}

/** A connection read back from the journal at start: its client has not come back yet. */
export interface RestoredConnection extends AdmissionKeys {
  session: SessionRecord;
  conn: ConnectionRecord;
}

/**
 * Sessions, connections, streams and peers of one project, in memory; with a journal
 * (store/session-journal.ts, `serve --data`) every change is also written through, one
 * statement per change, so a restarted server finds them again (restore()).
 */
export class SessionStore {
  readonly #sessions = new Map<string, SessionRecord>();
  /**
   * Sessions without connections, by the time they became empty, oldest first (a session that
   * empties again moves to the end): idle expiry looks only at the front.
   */
  readonly #emptySince = new Map<string, number>();
  readonly apiKey: string;
  readonly maxSessions: number;
  #journal: Journal | undefined;
  readonly #onJournalError: (err: Error) => void;

  constructor(apiKey: string, maxSessions = Infinity, journal?: Journal, onJournalError: (err: Error) => void = () => undefined) {
    this.apiKey = apiKey;
    this.maxSessions = maxSessions;
    this.#journal = journal;
    this.#onJournalError = onJournalError;
  }

  /** Whether changes are written through to a journal. */
  get durable(): boolean {
    return this.#journal !== undefined;
  }

  /**
   * Stops writing through (the server is shutting down): what it tears down in memory from now
   * on stays in the journal, for its clients to reconnect to the restarted server.
   */
  stopJournal(): void {
    this.#journal = undefined;
  }

  /**
   * Removals are written through but never thrown from (they run in socket close handlers and
   * timers): a row a failed write leaves behind is restored as a detached connection after a
   * restart and dropped when its grace ends.
   */
  #erase(write: (journal: Journal) => void): void {
    const journal = this.#journal;
    if (!journal) return;
    try {
      write(journal);
    } catch (err) {
      this.#onJournalError(err as Error);
    }
  }

  /**
   * Reads the journal back into memory (once, at start, into an empty store): every session,
   * and every connection with its streams and peers. Returns the connections: the caller keeps
   * them detached until their clients reconnect.
   */
  restore(): RestoredConnection[] {
    const journal = this.#journal;
    if (!journal?.load) return [];
    if (this.#sessions.size > 0) throw new Error('restore() needs an empty store');
    return this.adopt(journal.load());
  }

  /**
   * Takes sessions read from a journal into memory beside those already here (a cluster's
   * process taking over a session whose process died): sessions it holds already are skipped.
   * Returns the connections, to be kept detached until their clients reconnect.
   */
  adopt(contents: JournalContents): RestoredConnection[] {
    contents = { ...contents, sessions: contents.sessions.filter((s) => !this.#sessions.has(s.sessionId)) };
    const adopted = new Set(contents.sessions.map((s) => s.sessionId));
    const empty = new Map(contents.sessions.map((s) => [s.sessionId, s.emptySince]));
    for (const { forceMuteExcluded, emptySince: _emptySince, ...stored } of contents.sessions) {
      this.#sessions.set(stored.sessionId, {
        ...stored, connections: new Map(), streams: new Map(), peers: new Map(), streamPeers: new Map(),
        forceMute: forceMuteExcluded === null ? null : new Set(forceMuteExcluded), classLists: new Map(),
      });
    }
    const restored: RestoredConnection[] = [];
    for (const c of contents.connections) {
      const session = this.#sessions.get(c.sessionId);
      if (!session || !adopted.has(c.sessionId)) continue;
      const conn: ConnectionRecord = {
        info: { connectionId: c.connectionId, data: c.data, creationTime: c.creationTime }, sessionId: c.sessionId, role: c.role, e2ee: c.e2ee,
        streams: new Set(), peers: new Set(), subscriptionsByStream: new Map(), subscriptions: 0, layoutClassList: c.layoutClassList,
      };
      session.connections.set(c.connectionId, conn);
      empty.delete(c.sessionId);
      restored.push({ session, conn, addressKey: c.addressKey, tokenKey: c.tokenKey });
    }
    for (const [sessionId, since] of [...empty].sort((x, y) => x[1] - y[1])) this.#emptySince.set(sessionId, since);
    for (const { sessionId, layoutClassList, ...stream } of contents.streams) {
      const session = adopted.has(sessionId) && this.#sessions.get(sessionId);
      if (session) this.#linkStream(session, stream, layoutClassList);
    }
    for (const { sessionId, ...peer } of contents.peers) {
      const session = adopted.has(sessionId) && this.#sessions.get(sessionId);
      if (session && session.streams.has(peer.streamId)) this.#linkPeer(session, peer);
    }
    return restored;
  }

  /**
   * Drops a session from memory without writing anything (its state stays in the journal): a
   * cluster's process that lost it to another process. Its connections' sockets are closed by the caller.
   */
  forget(sessionId: string): SessionRecord | undefined {
    const session = this.#sessions.get(sessionId);
    this.#sessions.delete(sessionId);
    this.#emptySince.delete(sessionId);
    return session;
  }

  /** Resolves once every change so far is written through (at once without a journal or with SQLite's). */
  flushed(): Promise<void> {
    return this.#journal?.flushed?.() ?? Promise.resolve();
  }

  /** Throws LimitError when the server already holds maxSessions sessions. */
  createSession(opts: SessionOptions = {}): SessionRecord {
    if (this.#sessions.size >= this.maxSessions) throw new LimitError(`this server holds ${this.maxSessions} sessions: its limit`);
    const location = opts.location ?? '';
    const session: SessionRecord = {
      sessionId: mintSessionId(opts.projectId ?? this.apiKey, location),
      mediaMode: opts.mediaMode ?? 'routed',
      archiveMode: opts.archiveMode ?? 'manual',
      e2ee: opts.e2ee ?? false,
      location,
      createTime: Date.now(),
      connections: new Map(),
      streams: new Map(),
      peers: new Map(),
      streamPeers: new Map(),
      forceMute: null,
      classLists: new Map(),
    };
    // Written first: a write that fails changes nothing (the request gets the error).
    this.#journal?.addSession(session);
    this.#sessions.set(session.sessionId, session);
    this.#emptySince.set(session.sessionId, session.createTime);
    return session;
  }

  /**
   * Turns the session's forced-mute state on, excluding `excluded` (replacing an earlier set), or
   * off (null). Written first: a write that fails changes nothing (the request gets the error).
   */
  setForceMute(session: SessionRecord, excluded: readonly string[] | null): void {
    this.#journal?.setForceMute(session.sessionId, excluded);
    session.forceMute = excluded === null ? null : new Set(excluded);
  }

  getSession(sessionId: string): SessionRecord | undefined {
    return this.#sessions.get(sessionId);
  }

  /**
   * Removes the sessions that have had no connection for idleMs or more (oldest first, at most
   * `max` per call) and returns them. Costs O(the sessions removed).
   */
  expireIdle(idleMs: number, now = Date.now(), max = 1000): SessionRecord[] {
    const expired: SessionRecord[] = [];
    for (const [sessionId, since] of this.#emptySince) {
      if (now - since < idleMs || expired.length >= max) break;
      this.#emptySince.delete(sessionId);
      const session = this.#sessions.get(sessionId);
      if (!session || session.connections.size > 0) continue;
      this.#erase((j) => j.removeSession(sessionId));
      this.#sessions.delete(sessionId);
      expired.push(session);
    }
    return expired;
  }

  /** The project a session belongs to (named in its id). */
  static projectOf(session: SessionRecord): string | undefined {
    return parseSessionId(session.sessionId)?.apiKey;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  addConnection(session: SessionRecord, role: TokenRole, data: string, e2ee: boolean,
    keys: AdmissionKeys = { addressKey: '?', tokenKey: '?' }, layoutClassList: readonly string[] = []): ConnectionRecord {
    const record: ConnectionRecord = {
      info: { connectionId: newId('c'), data, creationTime: Date.now() },
      sessionId: session.sessionId,
      role,
      e2ee,
      streams: new Set(),
      peers: new Set(),
      subscriptionsByStream: new Map(),
      subscriptions: 0,
      layoutClassList,
    };
    this.#journal?.addConnection({
      ...record.info, sessionId: session.sessionId, role, e2ee, addressKey: keys.addressKey, tokenKey: keys.tokenKey, layoutClassList,
    });
    session.connections.set(record.info.connectionId, record);
    this.#emptySince.delete(session.sessionId);
    return record;
  }

  /** A reconnection moved the connection: its admission counts are now held under `keys`. */
  moveConnection(conn: ConnectionRecord, keys: AdmissionKeys): void {
    this.#erase((j) => j.setAdmissionKeys(conn.sessionId, conn.info.connectionId, keys.addressKey, keys.tokenKey));
  }

  /**
   * Removes a connection; returns the streams it published and every peer it was part of. Costs
   * O(its own streams and peers), whatever the size of the session.
   */
  removeConnection(session: SessionRecord, connectionId: string): { streams: StreamInfo[]; peers: PeerRecord[] } {
    const journal = this.#journal;
    if (!journal) return this.#removeConnection(session, connectionId);
    let result: { streams: StreamInfo[]; peers: PeerRecord[] } | undefined;
    // One transaction: the connection, its streams and its peers go together or not at all.
    this.#erase((j) => j.atomically(() => {
      result = this.#removeConnection(session, connectionId);
    }));
    return result ?? this.#removeConnection(session, connectionId);
  }

  #removeConnection(session: SessionRecord, connectionId: string): { streams: StreamInfo[]; peers: PeerRecord[] } {
    const conn = session.connections.get(connectionId);
    session.connections.delete(connectionId);
    if (!conn) return { streams: [], peers: [] };
    const streams: StreamInfo[] = [];
    const peers: PeerRecord[] = [];
    for (const streamId of [...conn.streams]) {
      const stream = session.streams.get(streamId);
      if (!stream) continue;
      streams.push(stream);
      peers.push(...this.removeStream(session, streamId));
    }
    for (const peerId of [...conn.peers]) {
      const peer = this.removePeer(session, peerId);
      if (peer) peers.push(peer);
    }
    this.#erase((j) => j.removeConnection(session.sessionId, connectionId));
    if (session.connections.size === 0 && this.#sessions.get(session.sessionId) === session) {
      const now = Date.now();
      this.#emptySince.delete(session.sessionId);
      this.#emptySince.set(session.sessionId, now);
      this.#erase((j) => j.setEmptySince(session.sessionId, now));
    }
    return { streams, peers };
  }

  addStream(session: SessionRecord, stream: Omit<StreamInfo, 'streamId' | 'creationTime'>): StreamInfo {
    const info: StreamInfo = { streamId: newId('s'), creationTime: Date.now(), ...stream };
    const classList = session.connections.get(info.connectionId)?.layoutClassList ?? [];
    this.#journal?.addStream(session.sessionId, info, classList);
    this.#linkStream(session, info, classList);
    return info;
  }

  #linkStream(session: SessionRecord, info: StreamInfo, classList: readonly string[]): void {
    session.streams.set(info.streamId, info);
    if (classList.length > 0) session.classLists.set(info.streamId, classList);
    session.connections.get(info.connectionId)?.streams.add(info.streamId);
  }

  /**
   * Sets the layout class lists of several streams at once (REST setStreamClassLists): all or
   * none. Returns the first id that names no stream of the session (nothing changed), or undefined.
   */
  setStreamClassLists(session: SessionRecord, lists: ReadonlyArray<{ streamId: string; classList: readonly string[] }>): string | undefined {
    const missing = lists.find((l) => !session.streams.has(l.streamId));
    if (missing) return missing.streamId;
    const journal = this.#journal;
    // Written first, in one transaction: a failed write changes nothing (the request gets the error).
    journal?.atomically(() => {
      for (const l of lists) journal.setStreamClassList(session.sessionId, l.streamId, l.classList);
    });
    for (const l of lists) {
      if (l.classList.length > 0) session.classLists.set(l.streamId, l.classList);
      else session.classLists.delete(l.streamId);
    }
    return undefined;
  }

  /** Sets one property of a stream its publisher changed; false when it had that value already. */
  setStreamProperty(session: SessionRecord, stream: StreamInfo, change: StreamPropertyChange): boolean {
    const next: StreamInfo = { ...stream };
    if (change.property === 'videoDimensions') {
      if (stream.videoWidth === change.value.width && stream.videoHeight === change.value.height) return false;
      next.videoWidth = change.value.width;
      next.videoHeight = change.value.height;
    } else {
      if (stream[change.property] === change.value) return false;
      next[change.property] = change.value;
    }
    // Changed in place (whoever holds the record sees the new value). A failed write is reported,
    // not thrown: a restarted server would only announce the older value.
    Object.assign(stream, next);
    this.#erase((j) => j.updateStream(session.sessionId, next));
    return true;
  }

  /** Removes a stream; returns the peers that subscribed to it (also removed). O(its own peers). */
  removeStream(session: SessionRecord, streamId: string): PeerRecord[] {
    const stream = session.streams.get(streamId);
    if (!stream) return [];
    session.streams.delete(streamId);
    session.classLists.delete(streamId);
    session.connections.get(stream.connectionId)?.streams.delete(streamId);
    const peers: PeerRecord[] = [];
    for (const peerId of [...(session.streamPeers.get(streamId) ?? [])]) {
      const peer = this.removePeer(session, peerId);
      if (peer) peers.push(peer);
    }
    session.streamPeers.delete(streamId);
    this.#erase((j) => j.removeStream(session.sessionId, streamId));
    return peers;
  }

  addPeer(session: SessionRecord, stream: StreamInfo, subscriberConnectionId: string, routed = false): PeerRecord {
    const peer: PeerRecord = {
      peerId: newId('p'),
      streamId: stream.streamId,
      publisherConnectionId: stream.connectionId,
      subscriberConnectionId,
      routed,
    };
    this.#journal?.addPeer({ ...peer, sessionId: session.sessionId });
    this.#linkPeer(session, peer);
    return peer;
  }

  #linkPeer(session: SessionRecord, peer: PeerRecord): void {
    session.peers.set(peer.peerId, peer);
    let ofStream = session.streamPeers.get(peer.streamId);
    if (!ofStream) session.streamPeers.set(peer.streamId, ofStream = new Set());
    ofStream.add(peer.peerId);
    const subscriber = session.connections.get(peer.subscriberConnectionId);
    if (subscriber) {
      subscriber.peers.add(peer.peerId);
      subscriber.subscriptions += 1;
      subscriber.subscriptionsByStream.set(peer.streamId, (subscriber.subscriptionsByStream.get(peer.streamId) ?? 0) + 1);
    }
    session.connections.get(peer.publisherConnectionId)?.peers.add(peer.peerId);
  }

  /** Subscriptions to a stream, over all connections. */
  subscriberCount(session: SessionRecord, streamId: string): number {
    return session.streamPeers.get(streamId)?.size ?? 0;
  }

  removePeer(session: SessionRecord, peerId: string): PeerRecord | undefined {
    const peer = session.peers.get(peerId);
    if (!peer) return undefined;
    session.peers.delete(peerId);
    session.streamPeers.get(peer.streamId)?.delete(peerId);
    const subscriber = session.connections.get(peer.subscriberConnectionId);
    if (subscriber?.peers.delete(peerId)) {
      subscriber.subscriptions -= 1;
      const n = (subscriber.subscriptionsByStream.get(peer.streamId) ?? 1) - 1;
      if (n <= 0) subscriber.subscriptionsByStream.delete(peer.streamId);
      else subscriber.subscriptionsByStream.set(peer.streamId, n);
    }
    session.connections.get(peer.publisherConnectionId)?.peers.delete(peerId);
    this.#erase((j) => j.removePeer(session.sessionId, peerId));
    return peer;
  }
}
