// The durable side of session-store.ts: each change of a session, connection, stream or peer is
// one prepared statement (write-through, O(1) per event); load() reads everything back at start.
import type { ArchiveMode, MediaMode, StreamInfo, VideoType } from '../../protocol/messages';
import type { TokenRole } from '../tokens';
import type { Db } from './database';
import type { Journal } from './journal';

export interface StoredSession {
  sessionId: string;
  mediaMode: MediaMode;
  archiveMode: ArchiveMode;
  e2ee: boolean;
  location: string;
  createTime: number;
}

export interface StoredConnection {
  connectionId: string;
  sessionId: string;
  role: TokenRole;
  data: string;
  e2ee: boolean;
  creationTime: number;
  /** Its admission keys (admission.ts): the counts it holds are held again after a restart. */
  addressKey: string;
  tokenKey: string;
  /** The token's initial layout class list, given to the streams it publishes. */
  layoutClassList: readonly string[];
}

export interface StoredPeer {
  peerId: string;
  sessionId: string;
  streamId: string;
  publisherConnectionId: string;
  subscriberConnectionId: string;
  routed: boolean;
}

/** A session as load() gives it back: with its forced-mute state (null: off; else the stream ids it excludes). */
export interface LoadedSession extends StoredSession {
  forceMuteExcluded: string[] | null;
  /** When its last connection left (ms), or its create time if it never had one. */
  emptySince: number;
}

export interface JournalContents {
  sessions: LoadedSession[];
  connections: StoredConnection[];
  streams: Array<StreamInfo & { sessionId: string; layoutClassList: string[] }>;
  peers: StoredPeer[];
}

interface SessionRow {
  session_id: string; media_mode: string; archive_mode: string; e2ee: number; location: string; create_time: number; force_mute_excluded: string | null;
  empty_since: number;
}
interface ConnectionRow {
  connection_id: string; session_id: string; role: string; data: string; e2ee: number; creation_time: number; address_key: string; token_key: string;
  layout_class_list: string;
}
interface StreamRow {
  stream_id: string; session_id: string; connection_id: string; name: string; has_audio: number; has_video: number; video_type: string;
  e2ee: number; creation_time: number; video_codec: string; audio_codec: string; video_width: number; video_height: number;
  layout_class_list: string;
}
interface PeerRow {
  peer_id: string; session_id: string; stream_id: string; publisher_connection_id: string; subscriber_connection_id: string; routed: number;
}

export class SessionJournal implements Journal {
  readonly #db: Db;
  readonly #insertSession;
  readonly #updateForceMute;
  readonly #updateEmptySince;
  readonly #deleteSession;
  readonly #insertConnection;
  readonly #deleteConnection;
  readonly #updateAdmission;
  readonly #insertStream;
  readonly #deleteStream;
  readonly #updateStream;
  readonly #updateStreamClassList;
  readonly #insertPeer;
  readonly #deletePeer;

  constructor(db: Db) {
    this.#db = db;
    this.#insertSession = db.prepare<[string, string, string, number, string, number]>(
      'INSERT INTO sessions (session_id, media_mode, archive_mode, e2ee, location, create_time) VALUES (?, ?, ?, ?, ?, ?)');
    this.#updateForceMute = db.prepare<[string | null, string]>('UPDATE sessions SET force_mute_excluded = ? WHERE session_id = ?');
    this.#updateEmptySince = db.prepare<[number, string]>('UPDATE sessions SET empty_since = ? WHERE session_id = ?');
    this.#deleteSession = db.prepare<[string]>('DELETE FROM sessions WHERE session_id = ?');
    this.#insertConnection = db.prepare<[string, string, string, string, number, number, string, string, string]>(
      `INSERT INTO connections (connection_id, session_id, role, data, e2ee, creation_time, address_key, token_key, layout_class_list)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#deleteConnection = db.prepare<[string]>('DELETE FROM connections WHERE connection_id = ?');
    this.#updateAdmission = db.prepare<[string, string, string]>('UPDATE connections SET address_key = ?, token_key = ? WHERE connection_id = ?');
    this.#insertStream = db.prepare<[string, string, string, string, number, number, string, number, number, string, string]>(
      `INSERT INTO streams (stream_id, session_id, connection_id, name, has_audio, has_video, video_type, e2ee, creation_time, video_codec, audio_codec)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#deleteStream = db.prepare<[string]>('DELETE FROM streams WHERE stream_id = ?');
    this.#updateStream = db.prepare<[number, number, number, number, string]>(
      'UPDATE streams SET has_audio = ?, has_video = ?, video_width = ?, video_height = ? WHERE stream_id = ?');
    this.#updateStreamClassList = db.prepare<[string, string]>('UPDATE streams SET layout_class_list = ? WHERE stream_id = ?');
    this.#insertPeer = db.prepare<[string, string, string, string, string, number]>(
      'INSERT INTO peers (peer_id, session_id, stream_id, publisher_connection_id, subscriber_connection_id, routed) VALUES (?, ?, ?, ?, ?, ?)');
    this.#deletePeer = db.prepare<[string]>('DELETE FROM peers WHERE peer_id = ?');
  }

  addSession(s: StoredSession): void {
    this.#insertSession.run(s.sessionId, s.mediaMode, s.archiveMode, s.e2ee ? 1 : 0, s.location, s.createTime);
  }

  /** Its last connection left at `at` (ms). */
  setEmptySince(sessionId: string, at: number): void {
    this.#updateEmptySince.run(at, sessionId);
  }

  /** An expired session; its connections, streams and peers must be gone first (foreign keys). */
  removeSession(sessionId: string): void {
    this.#deleteSession.run(sessionId);
  }

  /** The session's forced-mute state: null (off), or on with the stream ids it excludes. */
  setForceMute(sessionId: string, excluded: readonly string[] | null): void {
    this.#updateForceMute.run(excluded === null ? null : JSON.stringify(excluded), sessionId);
  }

  addConnection(c: StoredConnection): void {
    this.#insertConnection.run(c.connectionId, c.sessionId, c.role, c.data, c.e2ee ? 1 : 0, c.creationTime, c.addressKey, c.tokenKey,
      c.layoutClassList.join(' '));
  }

  /** A reconnection moved the connection to another address or token. */
  setAdmissionKeys(_sessionId: string, connectionId: string, addressKey: string, tokenKey: string): void {
    this.#updateAdmission.run(addressKey, tokenKey, connectionId);
  }

  /** Its streams and peers must be gone first (foreign keys). */
  removeConnection(_sessionId: string, connectionId: string): void {
    this.#deleteConnection.run(connectionId);
  }

  addStream(sessionId: string, s: StreamInfo, classList: readonly string[]): void {
    this.#insertStream.run(s.streamId, sessionId, s.connectionId, s.name, s.hasAudio ? 1 : 0, s.hasVideo ? 1 : 0, s.videoType, s.e2ee ? 1 : 0,
      s.creationTime, s.videoCodec, s.audioCodec);
    if (s.videoWidth !== undefined) this.updateStream(sessionId, s);
    if (classList.length > 0) this.setStreamClassList(sessionId, s.streamId, classList);
  }

  /** What its publisher may change (streamProperty). */
  updateStream(_sessionId: string, s: StreamInfo): void {
    this.#updateStream.run(s.hasAudio ? 1 : 0, s.hasVideo ? 1 : 0, s.videoWidth ?? 0, s.videoHeight ?? 0, s.streamId);
  }

  /** The stream's layout class list (setStreamClassLists). */
  setStreamClassList(_sessionId: string, streamId: string, classList: readonly string[]): void {
    this.#updateStreamClassList.run(classList.join(' '), streamId);
  }

  /** Its peers must be gone first (foreign keys). */
  removeStream(_sessionId: string, streamId: string): void {
    this.#deleteStream.run(streamId);
  }

  addPeer(p: StoredPeer): void {
    this.#insertPeer.run(p.peerId, p.sessionId, p.streamId, p.publisherConnectionId, p.subscriberConnectionId, p.routed ? 1 : 0);
  }

  removePeer(_sessionId: string, peerId: string): void {
    this.#deletePeer.run(peerId);
  }

  /** Runs `fn` in one transaction (a connection's removal with its streams and peers: all or nothing). */
  atomically<T>(fn: () => T): T {
    return this.#db.inTransaction ? fn() : this.#db.transaction(fn)();
  }

  /** Everything stored, each table in insertion order (a stream after its connection, a peer after its stream). */
  load(): JournalContents {
    const sessions = (this.#db.prepare('SELECT * FROM sessions ORDER BY rowid').all() as SessionRow[]).map((r) => ({
      sessionId: r.session_id, mediaMode: r.media_mode as MediaMode, archiveMode: r.archive_mode as ArchiveMode, e2ee: r.e2ee !== 0,
      location: r.location, createTime: r.create_time, forceMuteExcluded: parseExcluded(r.force_mute_excluded),
      emptySince: r.empty_since > 0 ? r.empty_since : r.create_time,
    }));
    const connections = (this.#db.prepare('SELECT * FROM connections ORDER BY rowid').all() as ConnectionRow[]).map((r) => ({
      connectionId: r.connection_id, sessionId: r.session_id, role: r.role as TokenRole, data: r.data, e2ee: r.e2ee !== 0,
      creationTime: r.creation_time, addressKey: r.address_key, tokenKey: r.token_key, layoutClassList: splitClassList(r.layout_class_list),
    }));
    const streams = (this.#db.prepare('SELECT * FROM streams ORDER BY rowid').all() as StreamRow[]).map((r) => ({
      sessionId: r.session_id, streamId: r.stream_id, connectionId: r.connection_id, name: r.name, hasAudio: r.has_audio !== 0,
      hasVideo: r.has_video !== 0, videoType: r.video_type as VideoType, e2ee: r.e2ee !== 0, creationTime: r.creation_time,
      videoCodec: r.video_codec, audioCodec: r.audio_codec,
      ...(r.video_width > 0 && { videoWidth: r.video_width, videoHeight: r.video_height }),
      layoutClassList: splitClassList(r.layout_class_list),
    }));
    const peers = (this.#db.prepare('SELECT * FROM peers ORDER BY rowid').all() as PeerRow[]).map((r) => ({
      peerId: r.peer_id, sessionId: r.session_id, streamId: r.stream_id, publisherConnectionId: r.publisher_connection_id,
      subscriberConnectionId: r.subscriber_connection_id, routed: r.routed !== 0,
    }));
    return { sessions, connections, streams, peers };
  }
}

/** The stored excluded ids; a value that is not an array of strings (a damaged row) reads as none excluded. */
function parseExcluded(text: string | null): string[] | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((id) => typeof id === 'string')) return value as string[];
  } catch {
    // falls through
  }
  return [];
}

/** A stored class list (names joined by spaces) as its names. */
function splitClassList(text: string): string[] {
  return text.split(' ').filter((name) => name !== '');
}
