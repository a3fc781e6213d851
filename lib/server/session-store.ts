import * as crypto from 'node:crypto';
import type { ArchiveMode, ConnectionInfo, MediaMode, StreamInfo } from './messages';
import { mintSessionId } from './session-id';
import type { TokenRole } from './tokens';

export interface SessionOptions {
  mediaMode?: MediaMode;
  archiveMode?: ArchiveMode;
  e2ee?: boolean;
  /** An IPv4 address hint, kept in the session id. */
  location?: string;
}

export interface SessionRecord {
  sessionId: string;
  mediaMode: MediaMode;
  archiveMode: ArchiveMode;
  e2ee: boolean;
  location: string;
  createTime: number;
  connections: Map<string, ConnectionRecord>;
  streams: Map<string, StreamInfo>;
  /** Subscriptions (relayed and routed) by peerId. */
  peers: Map<string, PeerRecord>;
  /** The peerIds of each stream's subscriptions: teardown of a stream costs its own peers, not the session's. */
  streamPeers: Map<string, Set<string>>;
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

/** Sessions, connections, streams and peers of one project, in memory. */
export class SessionStore {
  readonly #sessions = new Map<string, SessionRecord>();
  readonly apiKey: string;
  readonly maxSessions: number;

  constructor(apiKey: string, maxSessions = Infinity) {
    this.apiKey = apiKey;
    this.maxSessions = maxSessions;
  }

  /** Throws LimitError when the server already holds maxSessions sessions. */
  createSession(opts: SessionOptions = {}): SessionRecord {
    if (this.#sessions.size >= this.maxSessions) throw new LimitError(`this server holds ${this.maxSessions} sessions: its limit`);
    const location = opts.location ?? '';
    const session: SessionRecord = {
      sessionId: mintSessionId(this.apiKey, location),
      mediaMode: opts.mediaMode ?? 'routed',
      archiveMode: opts.archiveMode ?? 'manual',
      e2ee: opts.e2ee ?? false,
      location,
      createTime: Date.now(),
      connections: new Map(),
      streams: new Map(),
      peers: new Map(),
      streamPeers: new Map(),
    };
    this.#sessions.set(session.sessionId, session);
    return session;
  }

  getSession(sessionId: string): SessionRecord | undefined {
    return this.#sessions.get(sessionId);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  addConnection(session: SessionRecord, role: TokenRole, data: string, e2ee: boolean): ConnectionRecord {
    const record: ConnectionRecord = {
      info: { connectionId: newId('c'), data, creationTime: Date.now() },
      sessionId: session.sessionId,
      role,
      e2ee,
      streams: new Set(),
      peers: new Set(),
      subscriptionsByStream: new Map(),
      subscriptions: 0,
    };
    session.connections.set(record.info.connectionId, record);
    return record;
  }

  /**
   * Removes a connection; returns the streams it published and every peer it was part of. Costs
   * O(its own streams and peers), whatever the size of the session.
   */
  removeConnection(session: SessionRecord, connectionId: string): { streams: StreamInfo[]; peers: PeerRecord[] } {
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
    return { streams, peers };
  }

  addStream(session: SessionRecord, stream: Omit<StreamInfo, 'streamId' | 'creationTime'>): StreamInfo {
    const info: StreamInfo = { streamId: newId('s'), creationTime: Date.now(), ...stream };
    session.streams.set(info.streamId, info);
    session.connections.get(info.connectionId)?.streams.add(info.streamId);
    return info;
  }

  /** Removes a stream; returns the peers that subscribed to it (also removed). O(its own peers). */
  removeStream(session: SessionRecord, streamId: string): PeerRecord[] {
    const stream = session.streams.get(streamId);
    if (!stream) return [];
    session.streams.delete(streamId);
    session.connections.get(stream.connectionId)?.streams.delete(streamId);
    const peers: PeerRecord[] = [];
    for (const peerId of [...(session.streamPeers.get(streamId) ?? [])]) {
      const peer = this.removePeer(session, peerId);
      if (peer) peers.push(peer);
    }
    session.streamPeers.delete(streamId);
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
    session.peers.set(peer.peerId, peer);
    let ofStream = session.streamPeers.get(stream.streamId);
    if (!ofStream) session.streamPeers.set(stream.streamId, ofStream = new Set());
    ofStream.add(peer.peerId);
    const subscriber = session.connections.get(subscriberConnectionId);
    if (subscriber) {
      subscriber.peers.add(peer.peerId);
      subscriber.subscriptions += 1;
      subscriber.subscriptionsByStream.set(stream.streamId, (subscriber.subscriptionsByStream.get(stream.streamId) ?? 0) + 1);
    }
    session.connections.get(stream.connectionId)?.peers.add(peer.peerId);
    return peer;
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
    return peer;
  }
}
