// How often a routed publisher or subscription negotiates again after the media router lost it
// (peerClosed routerRestarted, docs/protocol.md): bounded, as the C++ client bounds it.

export const MAX_ROUTER_RESTARTS = 5;
const WINDOW_MS = 60_000;

/** At most MAX_ROUTER_RESTARTS restarts in any minute. */
export class RouterRestarts {
  readonly #times: number[] = [];

  /** Counts one restart; false when the bound is reached (give up). */
  allow(now = Date.now()): boolean {
    while (this.#times.length > 0 && now - this.#times[0]! > WINDOW_MS) this.#times.shift();
    if (this.#times.length >= MAX_ROUTER_RESTARTS) return false;
    this.#times.push(now);
    return true;
  }
}
