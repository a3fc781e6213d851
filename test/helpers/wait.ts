// Waiting in tests of live calls: a plain delay, and polling a condition with a deadline.
import type { ExecutionContext } from 'ava';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls check() every pollMs until it is true; fails the test with `what` (the last state) after timeoutMs. */
export async function until(t: ExecutionContext, check: () => boolean, timeoutMs: number, what: () => string,
  pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      t.fail(`timed out after ${timeoutMs} ms waiting for ${what()}`);
      throw new Error(`timed out: ${what()}`);
    }
    await sleep(pollMs);
  }
}
