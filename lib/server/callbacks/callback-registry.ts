// Session monitoring callbacks as OpenTok's REST API registers them (`/v2/project/{id}/callback`):
// a URL per project, event group and event. Kept in the data directory's database, in a
// cluster's Redis (hash `otc:callbacks`, mirrored by each process), else in memory.
import * as crypto from 'node:crypto';
import type { RedisLink } from '../cluster/redis-link';
import { type Decision, RedisMirror } from '../cluster/redis-mirror';
import type { Db } from '../store/database';

export type CallbackGroup = 'connection' | 'stream' | 'archive';
/** created and destroyed for connections and streams; status (each change of an archive's status) for archives. */
export type CallbackEvent = 'created' | 'destroyed' | 'status';

/** A registered callback, as the REST API answers it (`createdAt`: ms since the epoch). */
export interface RegisteredCallback {
  id: string;
  group: CallbackGroup;
  event: CallbackEvent;
  url: string;
  createdAt: number;
}

/** Most callbacks one project may register. */
export const MAX_CALLBACKS_PER_PROJECT = 64;
/** Most callbacks of all projects: each process of a cluster loads them all at each change. */
export const MAX_CALLBACKS = 10_000;
/** Longest callback URL. */
export const MAX_CALLBACK_URL_LENGTH = 2048;

export class CallbackError extends Error {}

const tooMany = (): CallbackError => new CallbackError(`the server holds at most ${MAX_CALLBACKS} callbacks`);

/** A callback as stored: with its project. */
interface StoredCallback extends RegisteredCallback {
  projectId: string;
}

interface CallbackRow {
  callback_id: string; project_id: string; event_group: string; event: string; url: string; created_at: number;
}

function fromRow(row: CallbackRow): StoredCallback {
  return { id: row.callback_id, projectId: row.project_id, group: row.event_group as CallbackGroup, event: row.event as CallbackEvent,
    url: row.url, createdAt: row.created_at };
}

/** What `register` takes from a request body; throws CallbackError saying what is wrong. */
export function checkCallback(body: Record<string, unknown>): { group: CallbackGroup; event: CallbackEvent; url: string } {
  const { group, event, url } = body;
  if (group !== 'connection' && group !== 'stream' && group !== 'archive') {
    throw new CallbackError('group must be "connection", "stream" or "archive"');
  }
  if (group === 'archive') {
    if (event !== 'status') throw new CallbackError('an archive callback\'s event must be "status"');
  } else if (event !== 'created' && event !== 'destroyed') {
    throw new CallbackError('event must be "created" or "destroyed"');
  }
  if (typeof url !== 'string' || url.length > MAX_CALLBACK_URL_LENGTH) throw new CallbackError(`url must be a string of at most ${MAX_CALLBACK_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CallbackError('url is not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CallbackError('url must be http:// or https://');
  if (parsed.username !== '' || parsed.password !== '') throw new CallbackError('url must not carry credentials');
  return { group, event, url };
}

/** A callback as Redis holds it (JSON parsed); undefined when it is none. */
function decodeCallback(value: unknown): StoredCallback | undefined {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const { id, projectId, createdAt } = v;
  if (typeof id !== 'string' || typeof projectId !== 'string' || typeof createdAt !== 'number') return undefined;
  try {
    return { id, projectId, ...checkCallback(v), createdAt };
  } catch {
    return undefined;
  }
}

/**
 * The registered callbacks, per project. Read from the database once (or from Redis at each change
 * in a cluster) and written through, so the connection and stream events that look them up never
 * wait for storage.
 */
export class CallbackRegistry {
  readonly #db: Db | undefined;
  #mirror: RedisMirror<StoredCallback> | undefined;
  #all = new Map<string, StoredCallback>();
  /** Each project's callbacks, oldest first: rebuilt from #all at each change. */
  #byProject = new Map<string, RegisteredCallback[]>();

  constructor(db?: Db) {
    this.#db = db;
    const rows = (db?.prepare('SELECT * FROM callbacks ORDER BY rowid').all() ?? []) as CallbackRow[];
    this.#index(new Map(rows.map((row) => [row.callback_id, fromRow(row)])));
  }

  /** The callbacks of a cluster: loaded from its Redis, and again at each change. close() stops following them. */
  static async inRedis(link: RedisLink, log: (line: string) => void): Promise<CallbackRegistry> {
    const registry = new CallbackRegistry();
    registry.#mirror = await RedisMirror.open(link, {
      name: 'callbacks', limit: MAX_CALLBACKS, full: tooMany, decode: decodeCallback, log,
      loaded: (entries) => registry.#index(new Map(entries)),
    });
    return registry;
  }

  /** Resolves once it is stored; rejects with CallbackError saying what is wrong with the request. */
  async register(projectId: string, body: Record<string, unknown>): Promise<RegisteredCallback> {
    const { group, event, url } = checkCallback(body);
    return this.#change(() => {
      const existing = this.#byProject.get(projectId) ?? [];
      // The same registration again is the one already there: a retried request adds nothing.
      const same = existing.find((c) => c.group === group && c.event === event && c.url === url);
      if (same) return { result: { ...same } };
      if (existing.length >= MAX_CALLBACKS_PER_PROJECT) throw new CallbackError(`a project has at most ${MAX_CALLBACKS_PER_PROJECT} callbacks`);
      if (this.#all.size >= MAX_CALLBACKS) throw tooMany();
      const callback: RegisteredCallback = { id: crypto.randomUUID(), group, event, url, createdAt: Date.now() };
      return { result: { ...callback }, set: { id: callback.id, entry: { ...callback, projectId } } };
    });
  }

  list(projectId: string): RegisteredCallback[] {
    return (this.#byProject.get(projectId) ?? []).map((c) => ({ ...c }));
  }

  /** The URLs to tell of `group`/`event` in a project's sessions. */
  urlsFor(projectId: string, group: CallbackGroup, event: CallbackEvent): string[] {
    const callbacks = this.#byProject.get(projectId);
    if (!callbacks) return [];
    return callbacks.filter((c) => c.group === group && c.event === event).map((c) => c.url);
  }

  /** False when the project has no such callback; resolves once the removal is stored. */
  async remove(projectId: string, id: string): Promise<boolean> {
    return this.#change(() => (this.#all.get(id)?.projectId === projectId ? { result: true, remove: id } : { result: false }));
  }

  /** In a cluster: stops following Redis once the writes under way are done (the link stays open). */
  async close(): Promise<void> {
    await this.#mirror?.close();
  }

  /** Makes the change `decide` returns; it sees the callbacks as they are when it runs. */
  #change<R>(decide: () => Decision<StoredCallback, R>): Promise<R> {
    if (this.#mirror) return this.#mirror.write(decide);
    const { result, set, remove } = decide();
    if (set) {
      const c = set.entry;
      this.#db?.prepare('INSERT INTO callbacks (callback_id, project_id, event_group, event, url, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(c.id, c.projectId, c.group, c.event, c.url, c.createdAt);
      this.#all.set(c.id, c);
    }
    if (remove !== undefined) {
      this.#db?.prepare('DELETE FROM callbacks WHERE callback_id = ?').run(remove);
      this.#all.delete(remove);
    }
    if (set || remove !== undefined) this.#index(this.#all);
    return Promise.resolve(result);
  }

  #index(all: Map<string, StoredCallback>): void {
    const byProject = new Map<string, RegisteredCallback[]>();
    const oldestFirst = [...all.values()].sort((a, b) => a.createdAt - b.createdAt);
    for (const { projectId, ...callback } of oldestFirst) {
      const list = byProject.get(projectId);
      if (list) list.push(callback);
      else byProject.set(projectId, [callback]);
    }
    this.#all = all;
    this.#byProject = byProject;
  }
}
