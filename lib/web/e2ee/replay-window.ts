// The last 256 counters of one KID (docs/e2ee-frame-format.md section 6.2): a frame is a replay
// when its counter was accepted before or is older than the window.
export const REPLAY_WINDOW = 256;

export class ReplayWindow {
  #top = -1n;
  readonly #seen = new Uint8Array(REPLAY_WINDOW);

  isReplay(ctr: bigint): boolean {
    if (ctr > this.#top) return false;
    if (this.#top - ctr >= BigInt(REPLAY_WINDOW)) return true;
    return this.#seen[Number(ctr % 256n)] === 1;
  }

  accept(ctr: bigint): void {
    if (ctr > this.#top) {
      if (ctr - this.#top >= BigInt(REPLAY_WINDOW)) this.#seen.fill(0);
      else for (let c = this.#top + 1n; c < ctr; c++) this.#seen[Number(c % 256n)] = 0;
      this.#top = ctr;
    }
    this.#seen[Number(ctr % 256n)] = 1;
  }
}
