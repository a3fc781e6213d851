// The Node API's TypedEmitter (lib/typed-emitter.ts) for the browser, which has no node:events:
// the same on/once/off and checked event names. A listener that throws does not stop the others.

type Listener = (...args: unknown[]) => void;

export class Emitter<Events extends Record<keyof Events, unknown[]>> {
  readonly #listeners = new Map<keyof Events, Array<{ fn: Listener; once: boolean }>>();

  on<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    return this.#add(event, listener as unknown as Listener, false);
  }

  once<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    return this.#add(event, listener as unknown as Listener, true);
  }

  off<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    const list = this.#listeners.get(event);
    const i = list?.findIndex((entry) => entry.fn === (listener as unknown as Listener)) ?? -1;
    if (list && i >= 0) list.splice(i, 1);
    return this;
  }

  protected emit<E extends keyof Events & string>(event: E, ...args: Events[E]): boolean {
    const list = this.#listeners.get(event);
    if (!list?.length) return false;
    for (const entry of [...list]) {
      if (entry.once) this.off(event, entry.fn as unknown as (...a: Events[E]) => void);
      try {
        entry.fn(...args);
      } catch (error) {
        setTimeout(() => { throw error; }); // reported like any uncaught error, after the others ran
      }
    }
    return true;
  }

  protected listenerCount<E extends keyof Events & string>(event: E): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  #add(event: keyof Events, fn: Listener, once: boolean): this {
    const list = this.#listeners.get(event) ?? [];
    list.push({ fn, once });
    this.#listeners.set(event, list);
    return this;
  }
}
