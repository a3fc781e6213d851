// The Janus instances the router uses: private processes it starts (and restarts when one dies)
// and ones the operator runs; each with its WebSocket connection and a control handle for rooms.
// Which sessions live where is rooms.ts's business.
import { type JanusConnection, type JanusHandle, JanusConnection as Connection } from './janus-connection';
import { JanusProcess, type JanusProcessOptions } from './janus-process';
import * as videoRoom from './video-room';

export interface JanusInstanceSpec {
  /** ws://host:port or ws+unix:///path of the instance's WebSocket API (subprotocol janus-protocol). */
  url: string;
  apiSecret?: string;
}

export interface JanusInstance {
  label: string;
  spec: JanusInstanceSpec;
  process?: JanusProcess;
  connection?: JanusConnection;
  control?: JanusHandle;
  /** Reconnecting a managed instance after it died. */
  restarting?: Promise<void>;
}

export interface JanusInstancesOptions {
  /** Options of the private processes. */
  janus?: JanusProcessOptions;
  /** An instance's connection closed (it died, or was stopped). */
  onLost: (instance: JanusInstance, reason: string) => void;
  log: (line: string) => void;
}

export class JanusInstances {
  readonly #opts: JanusInstancesOptions;
  readonly #list: JanusInstance[] = [];

  constructor(opts: JanusInstancesOptions) {
    this.#opts = opts;
  }

  get all(): readonly JanusInstance[] {
    return this.#list;
  }

  /** Starts private instance number `index` (from 0) and connects to it. */
  async addManaged(index: number): Promise<void> {
    const instance: JanusInstance = { label: `janus-${index + 1} (private)`, spec: { url: '' } };
    this.#list.push(instance);
    await this.#startManaged(instance);
  }

  /** Connects to an instance the operator runs. */
  async addExternal(spec: JanusInstanceSpec, label: string): Promise<void> {
    const instance: JanusInstance = { label, spec };
    this.#list.push(instance);
    await this.#connect(instance).catch((err: Error) => {
      throw new Error(`cannot use the Janus at ${spec.url}: ${err.message}`);
    });
  }

  /** The instances connected with a control handle: where rooms may be made. */
  live(): JanusInstance[] {
    return this.#list.filter((i) => i.connection && !i.connection.closed && i.control);
  }

  /** Resolves once every restart under way has ended (well or not). */
  async restarts(): Promise<void> {
    await Promise.all(this.#list.map((i) => i.restarting));
  }

  /**
   * A lost instance is marked down and, if private, restarted; returns whether a router
   * instance is (or is being) brought back, so negotiating its peers again may work.
   */
  markDown(instance: JanusInstance): boolean {
    instance.connection = undefined;
    instance.control = undefined;
    if (instance.process) this.#restartManaged(instance);
    return !!instance.restarting || this.#list.some((i) => i.connection && !i.connection.closed);
  }

  /** Closes every connection and stops the private processes. */
  async stop(): Promise<void> {
    await Promise.all(this.#list.map(async (instance) => {
      await instance.connection?.destroy().catch(() => undefined);
      await instance.process?.stop();
    }));
  }

  async #startManaged(instance: JanusInstance): Promise<void> {
    const process = await JanusProcess.start({
      ...this.#opts.janus,
      // Janus warns about every plugin the private config disables: not worth a line each.
      log: this.#opts.janus?.log ?? ((line) => {
        if (!/has been disabled, skipping/.test(line)) this.#opts.log(`${instance.label}: ${line}`);
      }),
    });
    instance.process = process;
    instance.spec = { url: process.url, apiSecret: process.apiSecret };
    process.on('died', (description) => {
      this.#opts.log(`${instance.label}: ${description}`);
      instance.connection?.close();
    });
    await this.#connect(instance);
  }

  async #connect(instance: JanusInstance): Promise<void> {
    const connection = await Connection.open({ url: instance.spec.url, apiSecret: instance.spec.apiSecret, log: (line) => this.#opts.log(line) });
    instance.connection = connection;
    instance.control = await videoRoom.attachControl(connection);
    connection.once('closed', (reason) => this.#opts.onLost(instance, reason));
  }

  #restartManaged(instance: JanusInstance): void {
    instance.restarting ??= (async () => {
      try {
        await instance.process?.stop();
        await this.#startManaged(instance);
        this.#opts.log(`${instance.label} restarted`);
      } catch (err) {
        this.#opts.log(`${instance.label} could not be restarted: ${(err as Error).message}`);
      } finally {
        instance.restarting = undefined;
      }
    })();
  }
}
