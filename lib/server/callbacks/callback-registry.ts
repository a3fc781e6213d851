// Session monitoring callbacks as OpenTok's REST API registers them (`/v2/project/{id}/callback`):
// a URL per project, event group and event. Kept in the data directory's database, else in memory.
import * as crypto from 'node:crypto';
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
/** Longest callback URL. */
export const MAX_CALLBACK_URL_LENGTH = 2048;

export class CallbackError extends Error {}

interface CallbackRow {
  callback_id: string; project_id: string; event_group: string; event: string; url: string; created_at: number;
}

function fromRow(row: CallbackRow): RegisteredCallback {
  return { id: row.callback_id, group: row.event_group as CallbackGroup, event: row.event as CallbackEvent, url: row.url, createdAt: row.created_at };
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

/**
 * The registered callbacks, per project. The server is their only writer: they are read from the
 * database once, and each change is written through, so the connection and stream events that
 * look them up never touch the database.
 */
export class CallbackRegistry {
  readonly #db: Db | undefined;
  readonly #byProject = new Map<string, RegisteredCallback[]>();

  constructor(db?: Db) {
    this.#db = db;
    const rows = (db?.prepare('SELECT * FROM callbacks ORDER BY rowid').all() ?? []) as CallbackRow[];
    for (const row of rows) this.#projectList(row.project_id).push(fromRow(row));
  }

  register(projectId: string, body: Record<string, unknown>): RegisteredCallback {
    const { group, event, url } = checkCallback(body);
    const existing = this.#byProject.get(projectId) ?? [];
    // The same registration again is the one already there: a retried request adds nothing.
    const same = existing.find((c) => c.group === group && c.event === event && c.url === url);
    if (same) return { ...same };
    if (existing.length >= MAX_CALLBACKS_PER_PROJECT) throw new CallbackError(`a project has at most ${MAX_CALLBACKS_PER_PROJECT} callbacks`);
    const callback: RegisteredCallback = { id: crypto.randomUUID(), group, event, url, createdAt: Date.now() };
    this.#db?.prepare('INSERT INTO callbacks (callback_id, project_id, event_group, event, url, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(callback.id, projectId, group, event, url, callback.createdAt);
    this.#projectList(projectId).push(callback);
    return { ...callback };
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

  /** False when the project has no such callback. */
  remove(projectId: string, id: string): boolean {
    const callbacks = this.#byProject.get(projectId);
    const at = callbacks?.findIndex((c) => c.id === id) ?? -1;
    if (!callbacks || at < 0) return false;
    this.#db?.prepare('DELETE FROM callbacks WHERE callback_id = ? AND project_id = ?').run(id, projectId);
    callbacks.splice(at, 1);
    if (callbacks.length === 0) this.#byProject.delete(projectId);
    return true;
  }

  #projectList(projectId: string): RegisteredCallback[] {
    let callbacks = this.#byProject.get(projectId);
    if (!callbacks) {
      callbacks = [];
      this.#byProject.set(projectId, callbacks);
    }
    return callbacks;
  }
}
