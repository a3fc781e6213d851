// A small typed signaling client for the tests: requests answered by id, events awaited with
// bounded timeouts, close codes observed.
import { WebSocket } from 'ws';
import type { ConnectAck, ErrorReply, ServerEvent } from '../../../lib/protocol/messages';
import { SIGNALING_SUBPROTOCOL } from '../../../lib/protocol/messages';

/** Any ack, read loosely: the tests send requests of every shape, well-formed or not. */
export interface Ack { type: 'ack'; id: string; [field: string]: unknown }
type ServerMessage = Ack | ErrorReply | ServerEvent;

export const WAIT_MS = 3000;

export interface Closed {
  code: number;
  reason: string;
}

export interface OpenOptions {
  /** Subprotocol to offer (default otc-signaling-v1; null offers none). */
  protocol?: string | null;
  /** Answer pings (default true). */
  autoPong?: boolean;
}

type EventOf<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

export class TestClient {
  readonly ws: WebSocket;
  /** Every message received, in order. */
  readonly received: ServerMessage[] = [];
  readonly #pending: ServerEvent[] = [];
  readonly #waiters = new Set<() => void>();
  readonly closed: Promise<Closed>;
  #nextId = 1;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise<Closed>((resolve) => {
      ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#wake();
      });
    });
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      this.received.push(message);
      if (message.type !== 'ack' && message.type !== 'error') this.#pending.push(message as ServerEvent);
      this.#wake();
    });
    ws.on('error', () => undefined);
  }

  static open(url: string, opts: OpenOptions = {}, timeoutMs = WAIT_MS): Promise<TestClient> {
    const protocol = opts.protocol === undefined ? SIGNALING_SUBPROTOCOL : opts.protocol;
    const ws = new WebSocket(url, protocol === null ? [] : [protocol], { autoPong: opts.autoPong ?? true });
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('open timed out'));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** Resolves when `test` returns a value (checked now and on every message/close), rejects after timeoutMs. */
  #until<T>(test: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const value = test();
        if (value === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`${what}: nothing within ${timeoutMs} ms; received ${JSON.stringify(this.received).slice(0, 2000)}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** Sends a request and resolves with its `ack` or `error`. */
  request(type: string, fields: Record<string, unknown> = {}, timeoutMs = WAIT_MS): Promise<Ack | ErrorReply> {
    const id = String(this.#nextId++);
    this.ws.send(JSON.stringify({ ...fields, type, id }));
    return this.#until(() => this.received.find((m): m is Ack | ErrorReply => (m.type === 'ack' || m.type === 'error') && m.id === id),
      `reply to ${type} #${id}`, timeoutMs);
  }

  /** A request that must be acknowledged. */
  async ok(type: string, fields: Record<string, unknown> = {}): Promise<Ack> {
    const reply = await this.request(type, fields);
    if (reply.type !== 'ack') throw new Error(`${type} failed: ${JSON.stringify(reply)}`);
    return reply;
  }

  async connect(token: string, fields: Record<string, unknown> = {}): Promise<ConnectAck> {
    return (await this.ok('connect', { token, sdk: { name: 'test', version: '0' }, e2ee: false, ...fields })) as unknown as ConnectAck;
  }

  /** Takes the first not yet taken event of `type` that satisfies `accept`. */
  event<T extends ServerEvent['type']>(type: T, accept: (e: EventOf<T>) => boolean = () => true, timeoutMs = WAIT_MS): Promise<EventOf<T>> {
    return this.#until(() => {
      const index = this.#pending.findIndex((e) => e.type === type && accept(e as EventOf<T>));
      if (index < 0) return undefined;
      return this.#pending.splice(index, 1)[0] as EventOf<T>;
    }, `event ${type}`, timeoutMs);
  }

  /** Whether an event of `type` has arrived and not been taken. */
  has(type: ServerEvent['type']): boolean {
    return this.#pending.some((e) => e.type === type);
  }

  /** Resolves with the close code, rejects if the socket stays open longer than timeoutMs. */
  waitClose(timeoutMs = WAIT_MS): Promise<Closed> {
    return Promise.race([
      this.closed,
      new Promise<Closed>((_, reject) => setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}
