// A load-test worker process (forked by the coordinator, lib/loadtest/run.ts): runs its share of
// publishers and subscribers through the package API, each its own Session, and reports their
// counters once a second over IPC. It leaves when told to stop, or when the coordinator goes.
import { audio } from '../audio';
import { ErrorCode } from '../error-code';
import { destroy as destroyMedia, init as initMedia } from '../media-engine';
import { Publisher } from '../publisher';
import { Session, type StreamEvent } from '../session';
import type { Subscriber } from '../subscriber';
import { type PublisherSample, type SampleMessage, type StartMessage, type SubscriberPlan, type SubscriptionSample, type ToWorker,
  isToWorker } from './messages';
import { sampleOf, subscribeTo } from './subscription';

/** The stream name of publisher i; subscribers read the index back from it. */
export function publisherStreamName(index: number): string {
  return `loadtest-p${index}`;
}

function publisherIndexOf(stream: StreamEvent): number {
  const match = /^loadtest-p(\d+)$/.exec(stream.name);
  return match ? Number(match[1]) : -1;
}

/** Problem lines a worker sends in all: a broken run repeats itself, the report need not. */
const MAX_PROBLEMS = 200;
/** How long one join (connect + publish) may take before it counts as failed. */
const JOIN_TIMEOUT_MS = 30_000;

interface RunningPublisher {
  index: number;
  failed: boolean;
  session?: Session;
  publisher?: Publisher;
  streamId: string | null;
  up: boolean;
}

interface RunningSubscription {
  subscriber: Subscriber;
  base: Omit<SubscriptionSample, 'framesReceived' | 'framesOpened' | 'bytesOpened' | 'keyFrames' | 'mismatch' | 'integrity' | 'replay' |
    'other' | 'gaps' | 'freezes' | 'freezeMs' | 'framesDecoded' | 'latencyP50Ms' | 'latencyP95Ms' | 'packetsLost'>;
  last?: SubscriptionSample;
}

interface RunningSubscriber {
  plan: SubscriberPlan;
  session?: Session;
  up: boolean;
  failed: boolean;
  subscriptions: Map<string, RunningSubscription>;
}

class Worker {
  readonly #start: StartMessage;
  readonly #publishers: RunningPublisher[];
  readonly #subscribers: RunningSubscriber[];
  readonly #timers: NodeJS.Timeout[] = [];
  #problems: string[] = [];
  #problemCount = 0;
  #stopping = false;

  constructor(start: StartMessage) {
    this.#start = start;
    this.#publishers = start.publishers.map((p) => ({ index: p.index, streamId: null, up: false, failed: false }));
    this.#subscribers = start.subscribers.map((plan) => ({ plan, up: false, failed: false, subscriptions: new Map() }));
  }

  begin(): void {
    initMedia();
    if (this.#start.audio) audio.captureTone(440, 0.3);
    this.#start.publishers.forEach((plan, i) => {
      this.#timers.push(setTimeout(() => void this.#joinPublisher(this.#publishers[i]!, plan.token), plan.joinAtMs));
    });
    this.#start.subscribers.forEach((plan, i) => {
      this.#timers.push(setTimeout(() => void this.#joinSubscriber(this.#subscribers[i]!), plan.joinAtMs));
    });
    const tick = setInterval(() => this.#send(false), 1000);
    this.#timers.push(tick);
  }

  #problem(line: string): void {
    this.#problemCount++;
    if (this.#problemCount <= MAX_PROBLEMS) this.#problems.push(line);
    else if (this.#problemCount === MAX_PROBLEMS + 1) this.#problems.push(`worker ${this.#start.worker}: further problems not listed`);
  }

  #newSession(): Session {
    const { apiKey, sessionId, signalingUrl, caFile } = this.#start;
    return new Session(apiKey, sessionId, { signalingUrl, ...(caFile !== undefined && { caFile }) });
  }

  async #connect(session: Session, token: string, secret: string | undefined): Promise<void> {
    if (secret !== undefined) {
      const ready = session.encryptionKeyReady();
      const status = session.setEncryptionSecret(secret);
      if (status !== ErrorCode.OTC_SUCCESS) throw new Error(`the secret is not valid (${ErrorCode[status]})`);
      await ready;
    }
    await withTimeout(session.connect(token), JOIN_TIMEOUT_MS, 'connect');
  }

  async #joinPublisher(entry: RunningPublisher, token: string): Promise<void> {
    if (this.#stopping) return;
    const { codec, width, height, fps } = this.#start;
    try {
      entry.session = this.#newSession();
      entry.session.on('error', (error) => this.#problem(`publisher ${entry.index}: session: ${error.message}`));
      entry.session.on('disconnected', () => {
        if (!this.#stopping) this.#problem(`publisher ${entry.index}: disconnected`);
        entry.up = false;
      });
      await this.#connect(entry.session, token, this.#start.secret);
      if (this.#stopping) return;
      entry.publisher = new Publisher({
        name: publisherStreamName(entry.index), videoCodec: codec, videoSource: 'testPattern', testPattern: { width, height, fps },
        audio: this.#start.audio,
      });
      entry.publisher.on('error', (error) => this.#problem(`publisher ${entry.index}: ${error.message}`));
      const stream = await withTimeout(entry.session.publish(entry.publisher), JOIN_TIMEOUT_MS, 'publish');
      entry.streamId = stream.streamId;
      entry.up = true;
    } catch (err) {
      entry.failed = true;
      if (!this.#stopping) this.#problem(`publisher ${entry.index}: could not join: ${(err as Error).message}`);
    }
  }

  async #joinSubscriber(entry: RunningSubscriber): Promise<void> {
    if (this.#stopping) return;
    const { plan } = entry;
    try {
      const session = this.#newSession();
      entry.session = session;
      session.on('error', (error) => this.#problem(`subscriber ${plan.index}: session: ${error.message}`));
      session.on('disconnected', () => {
        if (!this.#stopping) this.#problem(`subscriber ${plan.index}: disconnected`);
        entry.up = false;
      });
      await this.#connect(session, plan.token, this.#start.subscriberSecret ?? this.#start.secret);
      if (this.#stopping) return;
      entry.up = true;
      const subscribe = (stream: StreamEvent): void => {
        if (this.#stopping || entry.subscriptions.has(stream.streamId)) return;
        try {
          const subscriber = subscribeTo(session, stream, plan.decode);
          const running: RunningSubscription = {
            subscriber,
            base: { subscriber: plan.index, publisher: publisherIndexOf(stream), streamId: stream.streamId, decode: plan.decode, connected: false,
              ended: false },
          };
          subscriber.on('connected', () => { running.base.connected = true; });
          subscriber.once('disconnected', () => {
            running.base.connected = false;
            if (!this.#stopping) running.base.ended = true;
          });
          subscriber.on('error', (error) => this.#problem(`subscriber ${plan.index} of ${stream.name || stream.streamId}: ${error.message}`));
          // Mismatches are counted; the event says nothing the counters do not.
          subscriber.on('encryptionSecretMismatch', () => undefined);
          entry.subscriptions.set(stream.streamId, running);
        } catch (err) {
          this.#problem(`subscriber ${plan.index}: could not subscribe to ${stream.name || stream.streamId}: ${(err as Error).message}`);
        }
      };
      session.on('streamCreated', subscribe);
      for (const stream of session.streams) subscribe(stream);
    } catch (err) {
      entry.failed = true;
      if (!this.#stopping) this.#problem(`subscriber ${plan.index}: could not join: ${(err as Error).message}`);
    }
  }

  #sample(final: boolean): SampleMessage {
    const publishers: PublisherSample[] = this.#publishers.map((entry) => {
      let stats;
      try {
        stats = entry.up ? entry.publisher?.stats() : undefined;
      } catch {
        stats = undefined;
      }
      return { publisher: entry.index, streamId: entry.streamId, up: entry.up, fpsSent: stats?.videoFps ?? 0,
        framesSent: stats?.videoFramesSent ?? 0, peers: stats?.subscribers ?? 0 };
    });
    const subscriptions: SubscriptionSample[] = [];
    for (const entry of this.#subscribers) {
      for (const running of entry.subscriptions.values()) {
        // An ended subscription keeps the figures of its last readable second.
        const now = sampleOf(running.subscriber, running.base);
        if (now) running.last = now;
        if (running.last) subscriptions.push({ ...running.last, connected: running.base.connected, ended: running.base.ended });
      }
    }
    const cpu = process.cpuUsage();
    const problems = this.#problems;
    this.#problems = [];
    return {
      type: 'sample', worker: this.#start.worker, final, atMs: Date.now(), cpuUs: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss(),
      publishersUp: this.#publishers.filter((p) => p.up).length, subscribersUp: this.#subscribers.filter((s) => s.up).length,
      joinsPending: [...this.#publishers, ...this.#subscribers].filter((p) => !p.up && !p.failed).length,
      joinsFailed: [...this.#publishers, ...this.#subscribers].filter((p) => p.failed).length,
      publishers, subscriptions, problems,
    };
  }

  #send(final: boolean): void {
    if (this.#stopping && !final) return;
    process.send?.(this.#sample(final));
  }

  /** The last sample (before leaving: the counters of a deleted subscriber are gone), then tear down. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    const last = this.#sample(true);
    this.#stopping = true;
    for (const timer of this.#timers) clearTimeout(timer);
    const sent = new Promise<void>((resolve) => {
      if (!process.send || !process.connected) resolve();
      else process.send(last, undefined, {}, () => resolve());
    });
    const leaving = [...this.#publishers.map((p) => p.session), ...this.#subscribers.map((s) => s.session)]
      .filter((s): s is Session => s !== undefined)
      .map((session) => withTimeout(session.disconnect(), 5000, 'disconnect').catch(() => undefined));
    await Promise.all([sent, ...leaving]);
    for (const entry of this.#subscribers) {
      for (const running of entry.subscriptions.values()) running.subscriber.delete();
      entry.session?.delete();
    }
    for (const entry of this.#publishers) {
      entry.publisher?.delete();
      entry.session?.delete();
    }
    destroyMedia();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function main(): void {
  if (!process.send) {
    process.stderr.write('node-otc loadtest worker: run by `node-otc loadtest` (needs its IPC channel)\n');
    process.exit(2);
  }
  // Ctrl-C reaches the whole process group: the coordinator decides, and tells this worker to stop.
  process.on('SIGINT', () => undefined);
  let worker: Worker | undefined;
  const finish = (code: number): void => {
    const stopping = worker ? worker.stop() : Promise.resolve();
    // Whatever hangs in teardown, the worker goes within 10 s.
    setTimeout(() => process.exit(code), 10_000).unref();
    stopping.then(() => process.exit(code), () => process.exit(1));
  };
  process.on('message', (message: unknown) => {
    if (!isToWorker(message)) return;
    const typed: ToWorker = message;
    if (typed.type === 'start' && !worker) {
      try {
        worker = new Worker(typed);
        worker.begin();
      } catch (err) {
        process.send?.({ type: 'failed', worker: typed.worker, message: (err as Error).message });
        finish(1);
      }
    } else if (typed.type === 'stop') {
      finish(0);
    }
  });
  // The coordinator is gone: nobody will read the figures.
  process.on('disconnect', () => finish(1));
}

main();
