// One server process of a cluster (`serve --redis URL`): it is alive while its key in Redis is
// (renewed every second, expiring after PROCESS_TTL_MS), and each session has one home process,
// named in the session's hash. Everything of a session (its clients' sockets, REST calls on it)
// is served by its home; other processes relay to it. A session whose home is gone (its key
// expired: killed, or stalled longer than the TTL) is taken over by the first process asked
// for it, which reads the session back from Redis. A process that stalled past its key keeps
// the sessions nobody took meanwhile and gives up the others (its writes to them are refused by
// redis-journal.ts's fence in any case).
import * as crypto from 'node:crypto';
import { sessionKey } from './redis-journal';
import { KEY_PREFIX, type RedisLink } from './redis-link';

/** A process silent this long is taken for dead and its sessions for free. */
export const PROCESS_TTL_MS = 5000;
const HEARTBEAT_MS = 1000;
/** Homed sessions' hashes are renewed this often at most, and at least three times per TTL. */
const RENEW_MS = 60_000;

const PROCESS_KEY = `${KEY_PREFIX}proc:`;

/**
 * Where a session is served. KEYS[1]: its hash; ARGV[1]: this process; ARGV[2]: the process
 * key prefix. Unknown: no such session. Here: this process is (now) its home; `1` when it just
 * took it. Elsewhere: the live home's id and URL.
 */
const PLACE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'session') == 0 then return {'unknown'} end
local home = redis.call('HGET', KEYS[1], 'home')
if home == ARGV[1] then return {'here', '0'} end
if home then
  local url = redis.call('GET', ARGV[2] .. home)
  if url then return {'elsewhere', url, home} end
end
redis.call('HSET', KEYS[1], 'home', ARGV[1])
return {'here', '1'}`;

/** Gives a session up, if this process is still its home. KEYS[1]: its hash; ARGV[1]: this process. */
const RELEASE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'home') == ARGV[1] then redis.call('HDEL', KEYS[1], 'home') end
return 0`;

export type Placement =
  | { where: 'here'; taken: boolean }
  | { where: 'elsewhere'; url: string; processId: string }
  | { where: 'unknown' };

/** A new process id: 12 hex digits. */
export function newProcessId(): string {
  return crypto.randomBytes(6).toString('hex');
}

export interface ClusterNodeOptions {
  /** This process's id (newProcessId()): its journal fences its writes with it too. */
  id: string;
  link: RedisLink;
  /** This process's URL as the other processes reach it (http(s)://host:port). */
  url: string;
  /** A session's hash expires this long after its home stopped renewing it (0: never). */
  sessionTtlMs: number;
  /**
   * Sessions this process served that another process took over while this one stalled longer
   * than PROCESS_TTL_MS: the caller drops them (their clients reconnect to the new home).
   */
  onSessionsLost: (sessions: string[]) => void;
  log?: (line: string) => void;
}

export class ClusterNode {
  readonly id: string;
  readonly url: string;
  readonly #opts: ClusterNodeOptions;
  /** Sessions this process is the home of. */
  readonly #homed = new Set<string>();
  readonly #placing = new Map<string, Promise<Placement>>();
  #heartbeat?: NodeJS.Timeout;
  #renew?: NodeJS.Timeout;
  #beating = false;
  #stopped = false;

  private constructor(opts: ClusterNodeOptions) {
    this.#opts = opts;
    this.id = opts.id;
    this.url = opts.url;
  }

  /** Joins the cluster: this process's key is set, then renewed every second. */
  static async join(opts: ClusterNodeOptions): Promise<ClusterNode> {
    const node = new ClusterNode(opts);
    await node.#register();
    node.#heartbeat = setInterval(() => void node.#beat(), HEARTBEAT_MS);
    node.#renew = setInterval(() => node.#renewSessions(), opts.sessionTtlMs > 0 ? Math.min(RENEW_MS, Math.floor(opts.sessionTtlMs / 3)) : RENEW_MS);
    node.#heartbeat.unref();
    node.#renew.unref();
    opts.log?.(`cluster: process ${node.id} joined at ${opts.url}`);
    return node;
  }

  get homedCount(): number {
    return this.#homed.size;
  }

  /** Whether this process is the home of the session (as far as it knows). */
  isHome(sessionId: string): boolean {
    return this.#homed.has(sessionId);
  }

  async #register(): Promise<void> {
    await this.#opts.link.commands.set(PROCESS_KEY + this.id, this.url, { expiration: { type: 'PX', value: PROCESS_TTL_MS } });
  }

  async #beat(): Promise<void> {
    if (this.#beating || this.#stopped) return;
    this.#beating = true;
    try {
      const renewed = await this.#opts.link.commands.set(PROCESS_KEY + this.id, this.url, { expiration: { type: 'PX', value: PROCESS_TTL_MS }, condition: 'XX' });
      if (renewed === null && !this.#stopped) await this.#rejoin();
    } catch (err) {
      this.#opts.log?.(`cluster: heartbeat failed: ${(err as Error).message}`);
    } finally {
      this.#beating = false;
    }
  }

  /**
   * Its key expired (it stalled): joins again, then keeps each session whose hash still names it
   * (nobody took it: from the join on, nobody can) and gives up the others.
   */
  async #rejoin(): Promise<void> {
    await this.#register();
    const homed = [...this.#homed];
    const homes = await Promise.all(homed.map((sessionId) => this.#opts.link.commands.hGet(sessionKey(sessionId), 'home')));
    const lost = homed.filter((_, i) => homes[i] !== this.id);
    for (const sessionId of lost) this.#homed.delete(sessionId);
    this.#opts.log?.(`cluster: process ${this.id} was silent over ${PROCESS_TTL_MS} ms and joined again: `
      + `${homed.length - lost.length} sessions still served here, ${lost.length} taken over by other processes meanwhile`);
    if (lost.length > 0) this.#opts.onSessionsLost(lost);
  }

  #renewSessions(): void {
    const ttl = this.#opts.sessionTtlMs;
    if (ttl === 0) return;
    for (const sessionId of this.#homed) {
      this.#opts.link.commands.pExpire(sessionKey(sessionId), ttl).catch(() => undefined);
    }
  }

  /** Where the session is served; takes it when it has no live home. Concurrent calls for one session share one answer. */
  place(sessionId: string): Promise<Placement> {
    if (this.#homed.has(sessionId)) return Promise.resolve({ where: 'here', taken: false });
    let pending = this.#placing.get(sessionId);
    if (!pending) {
      pending = this.#place(sessionId).finally(() => this.#placing.delete(sessionId));
      this.#placing.set(sessionId, pending);
    }
    return pending;
  }

  async #place(sessionId: string): Promise<Placement> {
    if (this.#stopped) throw new Error('this server is shutting down');
    const reply = await this.#opts.link.commands.eval(PLACE_SCRIPT, { keys: [sessionKey(sessionId)], arguments: [this.id, PROCESS_KEY] }) as string[];
    if (reply[0] === 'here') {
      this.#homed.add(sessionId);
      return { where: 'here', taken: reply[1] === '1' };
    }
    if (reply[0] === 'elsewhere' && reply[1] !== undefined && reply[2] !== undefined) return { where: 'elsewhere', url: reply[1], processId: reply[2] };
    return { where: 'unknown' };
  }

  /**
   * A session this process just made (REST create): its home from the start, with its hash.
   * Sent after the session's own write, on the same connection: applied after it. Resolves once written.
   */
  adoptNew(sessionId: string): Promise<void> {
    this.#homed.add(sessionId);
    return this.#opts.link.commands.hSet(sessionKey(sessionId), 'home', this.id).then(() => undefined, (err: Error) => {
      this.#opts.log?.(`cluster: home of ${sessionId} not written: ${err.message}`);
      throw err;
    });
  }

  /** The session is gone (expired, removed): nothing to serve or renew. */
  forget(sessionId: string): void {
    this.#homed.delete(sessionId);
  }

  /**
   * Leaves the cluster: gives every session up (another process takes each over when next asked
   * for it) and removes this process's key. Idempotent.
   */
  async leave(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#heartbeat);
    clearInterval(this.#renew);
    const commands = this.#opts.link.commands;
    try {
      await Promise.all([...this.#homed].map((sessionId) => commands.eval(RELEASE_SCRIPT, { keys: [sessionKey(sessionId)], arguments: [this.id] })));
      await commands.del(PROCESS_KEY + this.id);
    } catch (err) {
      this.#opts.log?.(`cluster: leaving: ${(err as Error).message} (its sessions are free once its key expires)`);
    }
    this.#homed.clear();
  }
}
