// What a bad link does to each packet, decided in user space (the kernel here has no netem): loss,
// a bandwidth cap with a drop-tail queue (as tbf), delay with jitter, and outages. Pure: the
// caller gives the clock and sends the packet when told, so this is tested without sockets.

/** One direction of a link. Every field is optional: the default is a perfect link. */
export interface Impairment {
  /** Share of packets dropped at random, 0..1. */
  loss?: number;
  /** One-way delay added to every packet, ms. */
  delayMs?: number;
  /** Each packet's delay is delayMs plus a uniform draw in [-jitterMs, +jitterMs] (never below 0). */
  jitterMs?: number;
  /** Keep packets in order despite jitter (a packet never leaves before one that came earlier).
   *  Default true: most paths reorder rarely; false lets jitter reorder as netem does. */
  preserveOrder?: boolean;
  /** Bandwidth cap, bits per second (0 or absent: none). Packets queue behind each other. */
  rateBps?: number;
  /** With a rate cap: a packet that would wait longer than this in the queue is dropped (tbf's
   *  `latency`), ms. Default 400. */
  queueMs?: number;
}

export type DropReason = 'loss' | 'queue' | 'outage';

export type Verdict = { send: true; atMs: number } | { send: false; reason: DropReason };

export interface PathCounters {
  packets: number;
  bytes: number;
  sent: number;
  droppedLoss: number;
  droppedQueue: number;
  droppedOutage: number;
}

/** Throws a TypeError naming the bad field; returns the impairment with defaults filled in. */
export function checkImpairment(imp: Impairment, what = 'impairment'): Required<Impairment> {
  const num = (name: keyof Impairment, min: number, max: number, fallback: number): number => {
    const value = imp[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new TypeError(`${what}.${name} must be a number from ${min} to ${max}, not ${String(value)}`);
    }
    return value;
  };
  if (imp.preserveOrder !== undefined && typeof imp.preserveOrder !== 'boolean') {
    throw new TypeError(`${what}.preserveOrder must be a boolean`);
  }
  return {
    loss: num('loss', 0, 1, 0),
    delayMs: num('delayMs', 0, 60_000, 0),
    jitterMs: num('jitterMs', 0, 60_000, 0),
    preserveOrder: imp.preserveOrder ?? true,
    rateBps: num('rateBps', 0, 100e9, 0),
    queueMs: num('queueMs', 0, 60_000, 400),
  };
}

/** A small seeded PRNG (mulberry32): a run with a given seed draws the same losses and delays. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One direction's state: its impairment, queue and outage, and what it did. */
export class ImpairedPath {
  #imp: Required<Impairment>;
  readonly #random: () => number;
  /** When the rate-capped queue is next free, ms. */
  #queueFreeAtMs = 0;
  /** When the last packet sent leaves, ms (for preserveOrder). */
  #lastDepartureMs = 0;
  #outageFromMs = Infinity;
  #outageUntilMs = -Infinity;
  readonly counters: PathCounters = { packets: 0, bytes: 0, sent: 0, droppedLoss: 0, droppedQueue: 0, droppedOutage: 0 };

  constructor(imp: Impairment = {}, random: () => number = Math.random) {
    this.#imp = checkImpairment(imp);
    this.#random = random;
  }

  get impairment(): Readonly<Required<Impairment>> {
    return this.#imp;
  }

  /** Changes the impairment from now on (packets already scheduled keep their times). */
  set(imp: Impairment): void {
    this.#imp = checkImpairment(imp);
  }

  /** Drops every packet from nowMs for durationMs (a cut link). */
  cut(nowMs: number, durationMs: number): void {
    if (!Number.isFinite(durationMs) || durationMs < 0) throw new TypeError(`outage duration must be >= 0 ms, not ${durationMs}`);
    // A cut that starts while another lasts extends it; a later one replaces it.
    const lasting = this.isCut(nowMs);
    if (!lasting) this.#outageFromMs = nowMs;
    this.#outageUntilMs = lasting ? Math.max(this.#outageUntilMs, nowMs + durationMs) : nowMs + durationMs;
  }

  /** Whether the link is cut at nowMs. */
  isCut(nowMs: number): boolean {
    return nowMs >= this.#outageFromMs && nowMs < this.#outageUntilMs;
  }

  /** What happens to a packet of `bytes` arriving at nowMs. */
  decide(nowMs: number, bytes: number): Verdict {
    const imp = this.#imp;
    this.counters.packets += 1;
    this.counters.bytes += bytes;
    if (this.isCut(nowMs)) {
      this.counters.droppedOutage += 1;
      return { send: false, reason: 'outage' };
    }
    if (imp.loss > 0 && this.#random() < imp.loss) {
      this.counters.droppedLoss += 1;
      return { send: false, reason: 'loss' };
    }
    let departureMs = nowMs;
    if (imp.rateBps > 0) {
      const startMs = Math.max(nowMs, this.#queueFreeAtMs);
      if (startMs - nowMs > imp.queueMs) {
        this.counters.droppedQueue += 1;
        return { send: false, reason: 'queue' };
      }
      departureMs = startMs + (bytes * 8 * 1000) / imp.rateBps;
      this.#queueFreeAtMs = departureMs;
    }
    const jitter = imp.jitterMs > 0 ? (this.#random() * 2 - 1) * imp.jitterMs : 0;
    let atMs = departureMs + Math.max(0, imp.delayMs + jitter);
    if (imp.preserveOrder) atMs = Math.max(atMs, this.#lastDepartureMs);
    this.#lastDepartureMs = Math.max(this.#lastDepartureMs, atMs);
    this.counters.sent += 1;
    return { send: true, atMs };
  }
}
