// What a session store writes through as its sessions change: one call per change, O(1) each.
// Two implementations: the data folder's SQLite (session-journal.ts, `serve --data`) and Redis
// (cluster/redis-journal.ts, `serve --redis`). Every call names its session, so a store keyed by
// session (Redis) needs no lookups.
import type { StreamInfo } from '../../protocol/messages';
import type { JournalContents, StoredConnection, StoredPeer, StoredSession } from './session-journal';

export interface Journal {
  addSession(s: StoredSession): void;
  /** Its last connection left at `at` (ms). */
  setEmptySince(sessionId: string, at: number): void;
  /** An expired session; its connections, streams and peers are gone first. */
  removeSession(sessionId: string): void;
  /** The session's forced-mute state: null (off), or on with the stream ids it excludes. */
  setForceMute(sessionId: string, excluded: readonly string[] | null): void;
  addConnection(c: StoredConnection): void;
  /** A reconnection moved the connection to another address or token. */
  setAdmissionKeys(sessionId: string, connectionId: string, addressKey: string, tokenKey: string): void;
  /** Its streams and peers are removed first. */
  removeConnection(sessionId: string, connectionId: string): void;
  addStream(sessionId: string, s: StreamInfo, classList: readonly string[]): void;
  /** What its publisher may change (streamProperty). */
  updateStream(sessionId: string, s: StreamInfo): void;
  /** The stream's layout class list (setStreamClassLists). */
  setStreamClassList(sessionId: string, streamId: string, classList: readonly string[]): void;
  /** Its peers are removed first. */
  removeStream(sessionId: string, streamId: string): void;
  addPeer(p: StoredPeer): void;
  removePeer(sessionId: string, peerId: string): void;
  /** Runs `fn` as one unit (a connection's removal with its streams and peers: all or nothing). */
  atomically<T>(fn: () => T): T;
  /** Everything stored, when the journal can read it all at once (the data folder's, at start). */
  load?(): JournalContents;
  /** Resolves once every write made so far is acknowledged (rejects if one failed); absent: writes are synchronous. */
  flushed?(): Promise<void>;
}
