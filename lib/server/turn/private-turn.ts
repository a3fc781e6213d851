// The session server's own coturn: started with the server, restarted with the same secret and
// port if it dies (credentials already handed out stay valid), stopped with the server.
import { TurnProcess, type TurnProcessOptions } from './turn-process';
import type { IceOptions } from '../ice-servers';

const RESTART_DELAYS_MS = [200, 1000, 3000, 10_000];

export class PrivateTurn {
  readonly #opts: TurnProcessOptions & { secret: string };
  readonly #log: (line: string) => void;
  #process: TurnProcess;
  #stopped = false;
  #restarting?: Promise<void>;

  private constructor(process: TurnProcess, opts: TurnProcessOptions & { secret: string }, log: (line: string) => void) {
    this.#process = process;
    this.#opts = opts;
    this.#log = log;
    this.#watch(process);
  }

  static async start(opts: TurnProcessOptions, log: (line: string) => void = () => undefined): Promise<PrivateTurn> {
    const process = await TurnProcess.start(opts);
    return new PrivateTurn(process, { ...opts, secret: process.secret }, log);
  }

  /** The coturn process now (tests kill it). */
  get process(): TurnProcess {
    return this.#process;
  }

  /** STUN and TURN URLs with the shared secret, for IceServers. */
  iceOptions(ttlSeconds?: number): IceOptions {
    const { stun, turn } = this.#process.urls;
    return { stun, turn: { urls: turn, secret: this.#opts.secret, ...(ttlSeconds !== undefined && { ttlSeconds }) } };
  }

  /** Resolves once a restart under way is over (tests). */
  async restarted(): Promise<void> {
    await this.#restarting;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#restarting;
    await this.#process.stop();
  }

  #watch(process: TurnProcess): void {
    process.once('died', (description) => {
      if (this.#stopped) return;
      this.#log(`turn: ${description}; its last log lines:\n${process.logTail}`);
      this.#restarting ??= this.#restart().finally(() => {
        this.#restarting = undefined;
      });
    });
  }

  async #restart(): Promise<void> {
    await this.#process.stop();
    for (const [attempt, delay] of RESTART_DELAYS_MS.entries()) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.#stopped) return;
      try {
        const process = await TurnProcess.start(this.#opts);
        if (this.#stopped) {
          await process.stop();
          return;
        }
        this.#process = process;
        this.#watch(process);
        this.#log(`turn: restarted (pid ${process.pid ?? '?'})`);
        return;
      } catch (err) {
        this.#log(`turn: restart ${attempt + 1} of ${RESTART_DELAYS_MS.length} failed: ${(err as Error).message}`);
      }
    }
    this.#log('turn: the private TURN server could not be restarted; clients behind NATs cannot connect until the server restarts');
  }
}
