// Token buckets: a rate on average with a burst, in O(1) per event and O(1) memory per bucket.

export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(readonly ratePerSecond: number, readonly burst: number, now: number = performance.now()) {
    this.#tokens = burst;
    this.#last = now;
  }

  /** Takes one token; false when the bucket is empty (the event exceeds the rate). */
  take(now: number = performance.now()): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whether the bucket is full again (nothing to remember about its owner). */
  full(now: number = performance.now()): boolean {
    this.#refill(now);
    return this.#tokens >= this.burst;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.burst, this.#tokens + elapsed * this.ratePerSecond);
  }
}

/**
 * A token bucket per key (a remote address), with a bounded number of keys: full buckets are
 * forgotten, and when `maxKeys` busy keys are held a new key is refused rather than remembered,
 * so a stranger cycling addresses costs at most maxKeys buckets.
 */
export class KeyedRateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();
  #lastSweep = performance.now();

  constructor(readonly ratePerSecond: number, readonly burst: number, readonly maxKeys = 100_000) {}

  take(key: string, now: number = performance.now()): boolean {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.maxKeys || now - this.#lastSweep > 10_000) this.#sweep(now);
      if (this.#buckets.size >= this.maxKeys) return false;
      bucket = new TokenBucket(this.ratePerSecond, this.burst, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Forgets full buckets; amortised: runs at most every 10 s or when the map is full. */
  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) if (bucket.full(now)) this.#buckets.delete(key);
  }
}

/** Counts per key (open sockets per address, connections per token); keys at 0 are forgotten. */
export class Counter {
  readonly #counts = new Map<string, number>();

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  add(key: string): number {
    const n = this.get(key) + 1;
    this.#counts.set(key, n);
    return n;
  }

  remove(key: string): void {
    const n = this.get(key) - 1;
    if (n <= 0) this.#counts.delete(key);
    else this.#counts.set(key, n);
  }

  get keys(): number {
    return this.#counts.size;
  }
}
