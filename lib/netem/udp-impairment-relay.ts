// A UDP relay that puts a bad link between its clients and one target (a TURN server, typically):
// each packet is delayed, dropped or rate-limited by an ImpairedPath per direction. Each client
// address gets its own socket towards the target, as behind a NAT, so the target tells clients
// apart. It stands in for netem, which this kernel lacks.
import * as dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { ImpairedPath, type Impairment, type PathCounters, seededRandom } from './impairment';

export interface UdpEndpoint {
  host: string;
  port: number;
}

export interface UdpImpairmentRelayOptions {
  /** Where clients send (port 0: any free one). */
  listen: UdpEndpoint;
  /** Where their packets go. */
  target: UdpEndpoint;
  /** Client → target. */
  up?: Impairment;
  /** Target → client. */
  down?: Impairment;
  /** Seed of the draws (losses, jitter); default random. The same seed draws the same sequence. */
  seed?: number;
  /** Most client addresses relayed at once (default 64); packets from more are dropped. */
  maxFlows?: number;
  /** A flow silent this long is forgotten, ms (default 60 000). */
  idleMs?: number;
  /** Most packets held for later sending, over all flows (default 20 000); more are dropped. */
  maxQueuedPackets?: number;
}

export interface RelayCounters {
  up: PathCounters;
  down: PathCounters;
  flows: number;
  /** Packets refused because maxFlows or maxQueuedPackets was reached. */
  droppedOverCapacity: number;
}

interface Flow {
  client: UdpEndpoint;
  socket: dgram.Socket;
  lastSeenMs: number;
}

interface Scheduled {
  atMs: number;
  seq: number;
  send: () => void;
}

/** A binary min-heap of packets by departure time (then arrival order). */
class DepartureQueue {
  readonly #items: Scheduled[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): Scheduled | undefined {
    return this.#items[0];
  }

  push(item: Scheduled): void {
    const a = this.#items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!DepartureQueue.#before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): Scheduled | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && DepartureQueue.#before(a[l]!, a[m]!)) m = l;
        if (r < a.length && DepartureQueue.#before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.#items.length = 0;
  }

  static #before(x: Scheduled, y: Scheduled): boolean {
    return x.atMs < y.atMs || (x.atMs === y.atMs && x.seq < y.seq);
  }
}

const key = (e: UdpEndpoint): string => `${e.host}|${e.port}`;

/** A flow forgotten (idle) while its packets waited: its socket is closed, and they are lost, as on a real path. */
function sendQuietly(send: () => void): void {
  try {
    send();
  } catch {
    // ERR_SOCKET_DGRAM_NOT_RUNNING
  }
}

export class UdpImpairmentRelay {
  readonly up: ImpairedPath;
  readonly down: ImpairedPath;
  readonly #listen: dgram.Socket;
  readonly #target: UdpEndpoint;
  readonly #flows = new Map<string, Flow>();
  readonly #queue = new DepartureQueue();
  readonly #maxFlows: number;
  readonly #idleMs: number;
  readonly #maxQueued: number;
  readonly #sweep: NodeJS.Timeout;
  #timer: NodeJS.Timeout | undefined;
  #timerAtMs = Infinity;
  #seq = 0;
  #droppedOverCapacity = 0;
  #closed = false;

  private constructor(listen: dgram.Socket, opts: UdpImpairmentRelayOptions) {
    const random = seededRandom(opts.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.up = new ImpairedPath(opts.up ?? {}, random);
    this.down = new ImpairedPath(opts.down ?? {}, random);
    this.#listen = listen;
    this.#target = opts.target;
    this.#maxFlows = opts.maxFlows ?? 64;
    this.#idleMs = opts.idleMs ?? 60_000;
    this.#maxQueued = opts.maxQueuedPackets ?? 20_000;
    listen.on('message', (data, rinfo) => this.#fromClient(data, { host: rinfo.address, port: rinfo.port }));
    this.#sweep = setInterval(() => this.#forgetIdle(), Math.min(this.#idleMs, 5000));
    this.#sweep.unref();
  }

  /** Binds the client-facing socket and starts relaying. */
  static async start(opts: UdpImpairmentRelayOptions): Promise<UdpImpairmentRelay> {
    for (const [name, e] of [['listen', opts.listen], ['target', opts.target]] as const) {
      if (!e || typeof e.host !== 'string' || !Number.isInteger(e.port) || e.port < 0 || e.port > 65535 || (name === 'target' && e.port === 0)) {
        throw new TypeError(`${name} must be { host, port } with a port ${name === 'target' ? '1' : '0'}..65535`);
      }
    }
    const type = opts.listen.host.includes(':') ? 'udp6' : 'udp4';
    const socket = dgram.createSocket({ type });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.listen.port, opts.listen.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A send to a vanished client must not end the relay.
    socket.on('error', () => undefined);
    return new UdpImpairmentRelay(socket, opts);
  }

  /** Where clients send. */
  get address(): UdpEndpoint {
    const a = this.#listen.address();
    return { host: a.address, port: a.port };
  }

  /** Both directions cut from now for durationMs. */
  cut(durationMs: number): void {
    const now = performance.now();
    this.up.cut(now, durationMs);
    this.down.cut(now, durationMs);
  }

  counters(): RelayCounters {
    return { up: { ...this.up.counters }, down: { ...this.down.counters }, flows: this.#flows.size, droppedOverCapacity: this.#droppedOverCapacity };
  }

  /** Stops relaying; packets still held are dropped. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    if (this.#timer) clearTimeout(this.#timer);
    this.#queue.clear();
    const sockets = [this.#listen, ...[...this.#flows.values()].map((f) => f.socket)];
    this.#flows.clear();
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  #fromClient(data: Buffer, client: UdpEndpoint): void {
    if (this.#closed) return;
    const now = performance.now();
    let flow = this.#flows.get(key(client));
    if (!flow) {
      if (this.#flows.size >= this.#maxFlows) {
        this.#droppedOverCapacity += 1;
        return;
      }
      flow = this.#openFlow(client);
    }
    flow.lastSeenMs = now;
    const upstream = flow.socket;
    this.#schedule(this.up, now, data, () => upstream.send(data, this.#target.port, this.#target.host));
  }

  #openFlow(client: UdpEndpoint): Flow {
    const socket = dgram.createSocket({ type: this.#target.host.includes(':') ? 'udp6' : 'udp4' });
    const flow: Flow = { client, socket, lastSeenMs: performance.now() };
    socket.on('error', () => undefined);
    socket.on('message', (data) => {
      if (this.#closed) return;
      const now = performance.now();
      flow.lastSeenMs = now;
      this.#schedule(this.down, now, data, () => this.#listen.send(data, client.port, client.host));
    });
    this.#flows.set(key(client), flow);
    return flow;
  }

  #schedule(path: ImpairedPath, now: number, data: Buffer, send: () => void): void {
    if (this.#queue.size >= this.#maxQueued) {
      this.#droppedOverCapacity += 1;
      return;
    }
    const verdict = path.decide(now, data.length);
    if (!verdict.send) return;
    if (verdict.atMs <= now && this.#queue.size === 0) {
      sendQuietly(send);
      return;
    }
    this.#queue.push({ atMs: verdict.atMs, seq: this.#seq++, send });
    this.#arm();
  }

  #arm(): void {
    const next = this.#queue.peek();
    if (!next || this.#closed) return;
    if (this.#timer && this.#timerAtMs <= next.atMs) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAtMs = next.atMs;
    this.#timer = setTimeout(() => this.#drain(), Math.max(0, next.atMs - performance.now()));
  }

  #drain(): void {
    this.#timer = undefined;
    this.#timerAtMs = Infinity;
    // Timers fire late by up to a few ms: everything due by now (plus half a ms) leaves now.
    const now = performance.now() + 0.5;
    for (let next = this.#queue.peek(); next && next.atMs <= now; next = this.#queue.peek()) {
      sendQuietly(this.#queue.pop()!.send);
    }
    this.#arm();
  }

  #forgetIdle(): void {
    const now = performance.now();
    for (const [k, flow] of this.#flows) {
      if (now - flow.lastSeenMs > this.#idleMs) {
        this.#flows.delete(k);
        flow.socket.close();
      }
    }
  }
}
