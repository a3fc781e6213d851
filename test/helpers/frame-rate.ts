// Judging a stream's return to full rate after an outage: congestion control starts low again
// after an ICE restart and ramps up over seconds that vary with the machine's load, so a fixed
// window right after the first new frames measures the ramp, not the recovery.

import { sleep } from './wait';

export interface RampResult {
  /** ms from the call until a window first reached minFps; undefined if none did in time. */
  reachedMs: number | undefined;
  /** The highest frame rate of any full window seen. */
  bestFps: number;
}

/**
 * Samples frame counters every 250 ms until each counter's rate over the last windowMs has reached
 * minFps, or timeoutMs has passed; returns, per counter, when it got there and its best window.
 */
export async function waitForFrameRate(counts: () => number[], minFps: number, timeoutMs: number,
  windowMs = 2000): Promise<RampResult[]> {
  const start = Date.now();
  const history: { at: number; counts: number[] }[] = [{ at: start, counts: counts() }];
  const results: RampResult[] = history[0]!.counts.map(() => ({ reachedMs: undefined, bestFps: 0 }));
  while (Date.now() - start < timeoutMs && results.some((r) => r.reachedMs === undefined)) {
    await sleep(250);
    const now = { at: Date.now(), counts: counts() };
    history.push(now);
    const from = history.find((h) => now.at - h.at <= windowMs + 125);
    if (!from || now.at - from.at < windowMs - 125) continue;
    const seconds = (now.at - from.at) / 1000;
    results.forEach((r, i) => {
      const fps = (now.counts[i]! - from.counts[i]!) / seconds;
      r.bestFps = Math.max(r.bestFps, fps);
      if (r.reachedMs === undefined && fps >= minFps) r.reachedMs = now.at - start;
    });
    while (history.length > 0 && now.at - history[0]!.at > windowMs + 1000) history.shift();
  }
  return results;
}

/** One line for a test's log: when each counter reached the rate, and its best window. */
export function describeRamp(ramp: RampResult[]): string {
  const when = ramp.map((r) => (r.reachedMs === undefined ? 'never' : `${r.reachedMs} ms`)).join(' / ');
  return `${when} (best ${ramp.map((r) => r.bestFps.toFixed(1)).join(' / ')} fps)`;
}
