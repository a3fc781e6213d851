// The session server's monotonic clock, as seen from the page: frame codes carry capture times
// on the machine's CLOCK_MONOTONIC (what node-otc bots write), and a page on the same machine
// measures latency against it. Estimated from a few round trips to GET /clock, the fastest one
// kept (its midpoint is the best estimate of when the server read its clock).
export class ServerClock {
  private constructor(readonly offsetMs: number, readonly uncertaintyMs: number) {}

  /** httpBase: the session server's http://host:port. */
  static async sync(httpBase: string, rounds = 7): Promise<ServerClock> {
    let best: { offset: number; rtt: number } | null = null;
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const response = await fetch(`${httpBase}/clock`, { cache: 'no-store' });
      const t1 = performance.now();
      if (!response.ok) throw new Error(`GET ${httpBase}/clock answered ${response.status}`);
      const { monotonicMs } = (await response.json()) as { monotonicMs: number };
      const rtt = t1 - t0;
      if (!best || rtt < best.rtt) best = { offset: monotonicMs - (t0 + t1) / 2, rtt };
    }
    return new ServerClock(best!.offset, best!.rtt / 2);
  }

  /** A clock that is the page's own (latency then means nothing across machines or processes). */
  static local(): ServerClock {
    return new ServerClock(0, Infinity);
  }

  /** Now on the server's monotonic clock, ms. */
  now(): number {
    return performance.now() + this.offsetMs;
  }
}
