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
  /** Relayed subscriptions by peerId. */
  peers: Map<string, PeerRecord>;
}

export interface ConnectionRecord {
  info: ConnectionInfo;
  sessionId: string;
  role: TokenRole;
  /** Whether the client said it holds an encryption secret. */
  e2ee: boolean;
}

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

  constructor(apiKey: string) {
    this.apiKey = apiKey;
  }

  createSession(opts: SessionOptions = {}): SessionRecord {
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
    };
    session.connections.set(record.info.connectionId, record);
    return record;
  }

  /** Removes a connection; returns the streams it published and every peer it was part of. */
  removeConnection(session: SessionRecord, connectionId: string): { streams: StreamInfo[]; peers: PeerRecord[] } {
    session.connections.delete(connectionId);
    const streams = [...session.streams.values()].filter((s) => s.connectionId === connectionId);
    const peers: PeerRecord[] = [];
    for (const stream of streams) peers.push(...this.removeStream(session, stream.streamId));
    for (const peer of [...session.peers.values()]) {
      if (peer.subscriberConnectionId === connectionId || peer.publisherConnectionId === connectionId) {
        session.peers.delete(peer.peerId);
        peers.push(peer);
      }
    }
    return { streams, peers };
  }

  addStream(session: SessionRecord, stream: Omit<StreamInfo, 'streamId' | 'creationTime'>): StreamInfo {
    const info: StreamInfo = { streamId: newId('s'), creationTime: Date.now(), ...stream };
    session.streams.set(info.streamId, info);
    return info;
  }

  /** Removes a stream; returns the peers that subscribed to it (also removed). */
  removeStream(session: SessionRecord, streamId: string): PeerRecord[] {
    session.streams.delete(streamId);
    const peers = [...session.peers.values()].filter((p) => p.streamId === streamId);
    for (const peer of peers) session.peers.delete(peer.peerId);
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
    return peer;
  }

  removePeer(session: SessionRecord, peerId: string): PeerRecord | undefined {
    const peer = session.peers.get(peerId);
    if (peer) session.peers.delete(peerId);
    return peer;
  }
}
