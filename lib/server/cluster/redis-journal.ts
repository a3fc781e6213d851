// The session journal of a cluster (`serve --redis`): each session is one Redis hash, so the
// process that takes a session over reads it with one HGETALL and an abandoned session expires as
// one key. Fields: `session` (what never changes), `fm` (forced mute), `empty` (emptied at),
// `c:`/`a:` a connection and its admission keys, `s:`/`l:` a stream and its class list, `p:` a
// peer, `home` (cluster-node.ts), `room` (its room at a shared Janus, to clean up after a kill).
// Writes are sent at once, in order, on one connection, and not awaited one by one: flushed()
// resolves when all so far are acknowledged. Each write is fenced: Redis applies it only while
// the session's home is this process, so a process that stalled while another took its session
// over cannot change what the new home reads; a refused write tells the caller the session is lost.
import type { StreamInfo } from '../../protocol/messages';
import type { Journal } from '../store/journal';
import type { JournalContents, LoadedSession, StoredConnection, StoredPeer, StoredSession } from '../store/session-journal';
import { KEY_PREFIX, type RedisCommands } from './redis-link';

/** The Redis key of a session's hash. */
export function sessionKey(sessionId: string): string {
  return `${KEY_PREFIX}s:${sessionId}`;
}

type StoredStream = JournalContents['streams'][number];

/**
 * A write to a session's hash, applied only while this process is its home (or it has none).
 * KEYS[1]: the hash; ARGV[1]: this process; ARGV[2]: 'set' (field, value), 'del' (fields...) or
 * 'drop' (the whole hash). 1: applied; 0: another process is the home; 2: no such session (expired
 * or removed: nothing is recreated).
 */
const FENCED_WRITE = `
if redis.call('HEXISTS', KEYS[1], 'session') == 0 then return 2 end
local home = redis.call('HGET', KEYS[1], 'home')
if home and home ~= ARGV[1] then return 0 end
if ARGV[2] == 'set' then redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
elseif ARGV[2] == 'del' then redis.call('HDEL', KEYS[1], unpack(ARGV, 3))
else redis.call('DEL', KEYS[1]) end
return 1`;

/** A session's room at a shared Janus instance. */
export interface StoredRoom {
  url: string;
  roomId: number;
}

export class RedisJournal implements Journal {
  readonly #redis: RedisCommands;
  /** An abandoned session's hash expires after this long (0: never). */
  readonly ttlMs: number;
  readonly #onError: (err: Error) => void;
  readonly #processId: string;
  readonly #onLost: (sessionId: string) => void;
  #pending: Promise<unknown> = Promise.resolve();
  #failed: Error | undefined;
  #lastError = '';
  #lastReport = 0;
  #unreported = 0;

  /**
   * ttlMs: an abandoned session's hash expires after this long (0: never); its home process
   * renews it (cluster-node.ts) while it holds the session. processId: this process (its writes
   * are fenced by it); onLost: a write was refused, another process serves the session now.
   */
  constructor(redis: RedisCommands, ttlMs: number, onError: (err: Error) => void, processId: string,
    onLost: (sessionId: string) => void = () => undefined) {
    this.#redis = redis;
    this.#processId = processId;
    this.#onLost = onLost;
    this.ttlMs = ttlMs;
    this.#onError = onError;
  }

  #track(write: Promise<unknown>): void {
    const tracked = write.catch((err: Error) => {
      this.#failed = err;
      this.#report(err);
    });
    this.#pending = tracked;
  }

  /** One line per failure kind and 10 s: a Redis away fails every write, and would otherwise fill the log. */
  #report(err: Error): void {
    const now = Date.now();
    if (err.message === this.#lastError && now - this.#lastReport < 10_000) {
      this.#unreported += 1;
      return;
    }
    const more = this.#unreported > 0 ? ` (and ${this.#unreported} more writes failed before)` : '';
    this.#lastError = err.message;
    this.#lastReport = now;
    this.#unreported = 0;
    this.#onError(new Error(`${err.message}${more}`));
  }

  #write(sessionId: string, args: string[]): void {
    this.#track(this.#redis.eval(FENCED_WRITE, { keys: [sessionKey(sessionId)], arguments: [this.#processId, ...args] }).then((applied) => {
      if (applied === 0) this.#onLost(sessionId);
    }));
  }

  #set(sessionId: string, field: string, value: string): void {
    this.#write(sessionId, ['set', field, value]);
  }

  #del(sessionId: string, ...fields: string[]): void {
    this.#write(sessionId, ['del', ...fields]);
  }

  async flushed(): Promise<void> {
    // Replies come in order on one connection: the last write's settles after every earlier one.
    await this.#pending;
    const failed = this.#failed;
    this.#failed = undefined;
    if (failed) throw failed;
  }

  addSession(s: StoredSession): void {
    const stored: StoredSession = { sessionId: s.sessionId, mediaMode: s.mediaMode, archiveMode: s.archiveMode, e2ee: s.e2ee, location: s.location, createTime: s.createTime };
    // A new id: nobody else can hold it, so not fenced.
    this.#track(this.#redis.hSet(sessionKey(s.sessionId), 'session', JSON.stringify(stored)));
    if (this.ttlMs > 0) this.#track(this.#redis.pExpire(sessionKey(s.sessionId), this.ttlMs));
  }

  setEmptySince(sessionId: string, at: number): void {
    this.#set(sessionId, 'empty', String(at));
  }

  removeSession(sessionId: string): void {
    this.#write(sessionId, ['drop']);
  }

  setForceMute(sessionId: string, excluded: readonly string[] | null): void {
    this.#set(sessionId, 'fm', JSON.stringify(excluded));
  }

  addConnection(c: StoredConnection): void {
    this.#set(c.sessionId, `c:${c.connectionId}`, JSON.stringify(c));
  }

  setAdmissionKeys(sessionId: string, connectionId: string, addressKey: string, tokenKey: string): void {
    this.#set(sessionId, `a:${connectionId}`, JSON.stringify({ addressKey, tokenKey }));
  }

  removeConnection(sessionId: string, connectionId: string): void {
    this.#del(sessionId, `c:${connectionId}`, `a:${connectionId}`);
  }

  addStream(sessionId: string, s: StreamInfo, classList: readonly string[]): void {
    this.updateStream(sessionId, s);
    if (classList.length > 0) this.setStreamClassList(sessionId, s.streamId, classList);
  }

  updateStream(sessionId: string, s: StreamInfo): void {
    this.#set(sessionId, `s:${s.streamId}`, JSON.stringify(s));
  }

  setStreamClassList(sessionId: string, streamId: string, classList: readonly string[]): void {
    this.#set(sessionId, `l:${streamId}`, JSON.stringify(classList));
  }

  removeStream(sessionId: string, streamId: string): void {
    this.#del(sessionId, `s:${streamId}`, `l:${streamId}`);
  }

  addPeer(p: StoredPeer): void {
    this.#set(p.sessionId, `p:${p.peerId}`, JSON.stringify(p));
  }

  removePeer(sessionId: string, peerId: string): void {
    this.#del(sessionId, `p:${peerId}`);
  }

  /** Writes go out in order on one connection: a unit's writes are not interleaved with others. */
  atomically<T>(fn: () => T): T {
    return fn();
  }

  /** The session's room at a Janus instance the cluster shares (MediaRouter's roomCreated). */
  setRoom(sessionId: string, url: string, roomId: number): void {
    this.#set(sessionId, 'room', JSON.stringify({ url, roomId }));
  }

  /**
   * One session as stored, with the room its last home made at Janus; undefined when Redis holds
   * none of that id (never made, expired or removed).
   */
  async loadSession(sessionId: string): Promise<{ contents: JournalContents; room?: StoredRoom } | undefined> {
    const fields = await this.#redis.hGetAll(sessionKey(sessionId));
    const contents = parseSessionHash(sessionId, fields);
    if (!contents) return undefined;
    const room = parseJson<StoredRoom>(fields['room']);
    return { contents, ...(room && typeof room.url === 'string' && Number.isSafeInteger(room.roomId) && { room }) };
  }
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** A session's hash as journal contents; fields that do not parse (a damaged hash) are skipped. */
export function parseSessionHash(sessionId: string, fields: Record<string, string>): JournalContents | undefined {
  const stored = parseJson<StoredSession>(fields['session']);
  if (!stored || stored.sessionId !== sessionId) return undefined;
  const excluded = parseJson<unknown>(fields['fm']);
  const empty = Number(fields['empty'] ?? 0);
  const session: LoadedSession = {
    ...stored,
    forceMuteExcluded: Array.isArray(excluded) ? excluded.filter((id): id is string => typeof id === 'string') : null,
    emptySince: empty > 0 ? empty : stored.createTime,
  };
  const connections: StoredConnection[] = [];
  const streams: StoredStream[] = [];
  const peers: StoredPeer[] = [];
  for (const [field, value] of Object.entries(fields)) {
    const id = field.slice(2);
    if (field.startsWith('c:')) {
      const c = parseJson<StoredConnection>(value);
      const keys = parseJson<{ addressKey: string; tokenKey: string }>(fields[`a:${id}`]);
      if (c) connections.push({ ...c, sessionId, ...(keys && { addressKey: keys.addressKey, tokenKey: keys.tokenKey }) });
    } else if (field.startsWith('s:')) {
      const s = parseJson<StreamInfo>(value);
      const classList = parseJson<string[]>(fields[`l:${id}`]);
      if (s) streams.push({ ...s, sessionId, layoutClassList: Array.isArray(classList) ? classList : [] });
    } else if (field.startsWith('p:')) {
      const p = parseJson<StoredPeer>(value);
      if (p) peers.push({ ...p, sessionId });
    }
  }
  // As the data folder's journal gives them: a connection before its streams, a stream before its peers.
  connections.sort((x, y) => x.creationTime - y.creationTime);
  streams.sort((x, y) => x.creationTime - y.creationTime);
  return { sessions: [session], connections, streams, peers };
}
