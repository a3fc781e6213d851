// The Redis connections of a server process in a cluster (`serve --redis URL`): one for commands,
// one for subscriptions (a subscribed Redis connection takes no other commands). node-redis
// reconnects by itself; what failed meanwhile is reported through `log`, never thrown at an
// event emitter nobody listens to.
import { createClient } from 'redis';

export type RedisCommands = ReturnType<typeof createClient>;

/** Every key and channel of node-otc starts with this. */
export const KEY_PREFIX = 'otc:';
/**
 * Commands waiting for Redis (while it is away, node-redis queues them): beyond this many a new
 * one fails at once, so a Redis down for long costs bounded memory.
 */
const MAX_QUEUED_COMMANDS = 100_000;
/** A command Redis has not answered within this long fails (a stalled Redis is not waited for forever). */
export const REDIS_COMMAND_TIMEOUT_MS = 5000;

export class RedisLink {
  readonly commands: RedisCommands;
  readonly #events: RedisCommands;
  readonly #readyListeners = new Set<() => void>();
  #closed = false;

  private constructor(commands: RedisCommands, events: RedisCommands) {
    this.commands = commands;
    this.#events = events;
  }

  /** Connects both connections; rejects with a clear error when Redis cannot be reached within timeoutMs. */
  static async connect(url: string, log: (line: string) => void = () => undefined, timeoutMs = 10_000): Promise<RedisLink> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`not a Redis URL: ${url}`);
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new TypeError(`a Redis URL starts with redis:// or rediss://, not ${parsed.protocol}//`);
    const make = (timed: boolean): RedisCommands => createClient({
      url, commandsQueueMaxLength: MAX_QUEUED_COMMANDS,
      // A command that could not be sent within the timeout (Redis away) fails instead of waiting for it.
      ...(timed && { commandOptions: { timeout: REDIS_COMMAND_TIMEOUT_MS } }),
      socket: { connectTimeout: timeoutMs, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
    });
    const commands = make(true);
    // Subscriptions are renewed by node-redis itself after a reconnection, however long it takes.
    const events = make(false);
    let lastError = '';
    for (const [name, client] of [['commands', commands], ['events', events]] as const) {
      client.on('error', (err: Error) => {
        // One line per distinct failure: a Redis down for a minute would otherwise log every retry.
        if (err.message === lastError) return;
        lastError = err.message;
        log(`redis (${name}): ${err.message}`);
      });
    }
    const link = new RedisLink(commands, events);
    let connected = false;
    for (const [name, client] of [['commands', commands], ['events', events]] as const) {
      client.on('ready', () => {
        if (lastError !== '') log(`redis (${name}): connected again`);
        lastError = '';
        if (connected) for (const listener of link.#readyListeners) listener();
      });
    }
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error(`cannot reach Redis at ${parsed.host} within ${timeoutMs} ms${lastError ? `: ${lastError}` : ''}`)), timeoutMs).unref();
    });
    try {
      await Promise.race([Promise.all([commands.connect(), events.connect()]), timeout]);
      connected = true;
    } catch (err) {
      await link.close();
      throw err;
    }
    return link;
  }

  /**
   * Calls `listener` each time a connection is back after a loss (not at the first connect): what
   * was published meanwhile was missed. Returns the function that removes it.
   */
  onReconnect(listener: () => void): () => void {
    this.#readyListeners.add(listener);
    return () => this.#readyListeners.delete(listener);
  }

  /** Calls `listener` with each message published on `channel` (KEY_PREFIX is added). */
  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    await this.#events.subscribe(KEY_PREFIX + channel, listener);
  }

  /** Publishes `message` on `channel` (KEY_PREFIX is added). */
  async publish(channel: string, message: string): Promise<void> {
    await this.commands.publish(KEY_PREFIX + channel, message);
  }

  /** Closes both connections (what was sent is answered first). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.commands, this.#events].map(async (client) => {
      try {
        if (client.isOpen) await client.close();
      } catch {
        client.destroy();
      }
    }));
  }
}
