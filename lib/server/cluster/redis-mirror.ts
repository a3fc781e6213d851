// A Redis hash that each process of a cluster mirrors in memory, for the registries the server
// reads on every request (applications, callbacks): reads stay synchronous, writes go to Redis
// first. After a write, a change note (the hash's name) goes out on channel `changed`; every
// process reloads the hash when it hears one, and when its connection to Redis comes back (notes
// published meanwhile are lost).
import { KEY_PREFIX, type RedisLink } from './redis-link';

/** The channel of change notes; a note is the name of the hash that changed. */
export const CHANGED_CHANNEL = 'changed';

/** What a registry's write decided: its answer, and the entry to store or to remove, if any. */
export interface Decision<T, R> {
  result: R;
  set?: { id: string; entry: T };
  remove?: string;
}

export interface MirrorSpec<T> {
  /** The hash is otc:<name>; its change notes say <name>. */
  name: string;
  /** Most entries: a write beyond is refused with full(), a hash holding more is not loaded. */
  limit: number;
  full: () => Error;
  /** An entry as stored (parsed JSON); undefined when it is none (skipped, logged). */
  decode: (value: unknown) => T | undefined;
  /** Called with all entries after each load and each write of this process. */
  loaded: (entries: ReadonlyMap<string, T>) => void;
  log: (line: string) => void;
}

// In one step, so that processes adding at once cannot take the hash past the limit that bounds
// every reload. Replacing a field is always allowed.
const SET_WITHIN_LIMIT = `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

export class RedisMirror<T> {
  readonly #link: RedisLink;
  readonly #spec: MirrorSpec<T>;
  readonly #key: string;
  #entries = new Map<string, T>();
  /** Loads and writes run one at a time, in order: a load never puts back what a later write changed. */
  #queue: Promise<unknown> = Promise.resolve();
  #reloadQueued = false;
  #closed = false;
  readonly #onNote = (message: string): void => {
    if (message === this.#spec.name) this.#reload();
  };
  #stopFollowing: () => void = () => undefined;

  private constructor(link: RedisLink, spec: MirrorSpec<T>) {
    this.#link = link;
    this.#spec = spec;
    this.#key = KEY_PREFIX + spec.name;
  }

  /** Subscribes to the change notes and loads the hash; rejects when it cannot be read. */
  static async open<T>(link: RedisLink, spec: MirrorSpec<T>): Promise<RedisMirror<T>> {
    const mirror = new RedisMirror(link, spec);
    // Subscribed before loading: a change made while the hash loads is loaded again after.
    await link.subscribe(CHANGED_CHANNEL, mirror.#onNote);
    mirror.#stopFollowing = link.onReconnect(() => mirror.#reload());
    try {
      await mirror.#serially(() => mirror.#load());
    } catch (err) {
      await mirror.close();
      throw err;
    }
    return mirror;
  }

  /**
   * Runs `decide` after the earlier loads and writes of this process, on the entries as they are
   * then (it throws to refuse), stores its change in Redis, applies it here and tells the other
   * processes. Resolves with its result once Redis has acknowledged the change.
   */
  write<R>(decide: () => Decision<T, R>): Promise<R> {
    if (this.#closed) return Promise.reject(new Error(`${this.#key}: closed`));
    return this.#serially(async () => {
      const { result, set, remove } = decide();
      if (set) {
        const added = await this.#link.commands.eval(SET_WITHIN_LIMIT, {
          keys: [this.#key], arguments: [set.id, JSON.stringify(set.entry), String(this.#spec.limit)],
        });
        if (added !== 1) throw this.#spec.full();
        this.#entries.set(set.id, set.entry);
      }
      if (remove !== undefined) {
        await this.#link.commands.hDel(this.#key, remove);
        this.#entries.delete(remove);
      }
      if (set || remove !== undefined) {
        this.#spec.loaded(this.#entries);
        // Not awaited: the change is stored, and a note lost with the connection is made up for
        // by each process reloading when it is back.
        this.#link.publish(CHANGED_CHANNEL, this.#spec.name)
          .catch((err: Error) => this.#spec.log(`${this.#key}: change note not sent: ${err.message}`));
      }
      return result;
    });
  }

  /** Stops following the changes once the writes under way are done; the link stays open. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopFollowing();
    await this.#queue;
  }

  /** Queues one load, unless one is waiting already (it will see this change too). */
  #reload(): void {
    if (this.#closed || this.#reloadQueued) return;
    this.#reloadQueued = true;
    this.#serially(() => {
      this.#reloadQueued = false;
      return this.#closed ? Promise.resolve() : this.#load();
    }).catch((err: Error) => this.#spec.log(`${this.#key}: not reloaded: ${err.message}`));
  }

  async #load(): Promise<void> {
    const count = await this.#link.commands.hLen(this.#key);
    if (count > this.#spec.limit) throw new Error(`${this.#key} holds ${count} entries, more than the ${this.#spec.limit} allowed`);
    const stored = await this.#link.commands.hGetAll(this.#key);
    const entries = new Map<string, T>();
    for (const [id, json] of Object.entries(stored)) {
      const entry = decodeJson(json, this.#spec.decode);
      if (entry === undefined) this.#spec.log(`${this.#key}: field ${id} skipped: not a valid entry`);
      else entries.set(id, entry);
    }
    this.#entries = entries;
    this.#spec.loaded(entries);
  }

  #serially<R>(op: () => Promise<R>): Promise<R> {
    const run = this.#queue.then(op);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function decodeJson<T>(json: string, decode: (value: unknown) => T | undefined): T | undefined {
  try {
    return decode(JSON.parse(json));
  } catch {
    return undefined;
  }
}
