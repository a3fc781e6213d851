// `node-otc loadtest`'s coordinator: spreads the publishers and subscribers over worker
// processes (worker.ts), prints a progress line a second from their samples, stops them at the
// end (or on abort), and returns the report (tally.ts). A worker that dies fails the run.
import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import type { VideoCodec } from '../publisher';
import { type FromWorker, type StartMessage, type SubscriberPlan, type ParticipantPlan, isFromWorker } from './messages';
import { type LoadTestReport, Tally, type Thresholds } from './tally';

export interface LoadTestOptions {
  signalingUrl: string;
  caFile?: string;
  apiKey: string;
  sessionId: string;
  publisherTokens: string[];
  subscriberTokens: string[];
  /** Without it the session is not end-to-end encrypted. */
  secret?: string;
  subscriberSecret?: string;
  workers: number;
  durationS: number;
  rampUpS: number;
  /** After the ramp-up, how long everybody may take to be up and receiving before the window starts anyway. */
  settleS: number;
  warmupS: number;
  codec: VideoCodec;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
  /** Subscriptions are verify-only (not decoded), but for every decodeEvery-th subscriber (0: none). */
  verifyOnly: boolean;
  decodeEvery: number;
  thresholds: Thresholds;
  /** A line a second (and the header first). */
  progress: (line: string) => void;
  signal?: AbortSignal;
  /** What the report's config says besides the counts (routed, URL...). */
  describe?: Record<string, unknown>;
}

/** How long a stopped worker has to send its last sample and leave before it is killed. */
const STOP_GRACE_MS = 15_000;

/** Round-robin shares: participant i goes to worker i % workers; joins spread evenly over the ramp-up. */
export function plan(opts: Pick<LoadTestOptions, 'publisherTokens' | 'subscriberTokens' | 'workers' | 'rampUpS' | 'verifyOnly' | 'decodeEvery'>):
  Array<{ publishers: ParticipantPlan[]; subscribers: SubscriberPlan[] }> {
  const shares = Array.from({ length: opts.workers }, () => ({ publishers: [] as ParticipantPlan[], subscribers: [] as SubscriberPlan[] }));
  const total = opts.publisherTokens.length + opts.subscriberTokens.length;
  const joinAt = (k: number): number => (total > 1 ? Math.round((k * opts.rampUpS * 1000) / (total - 1)) : 0);
  opts.publisherTokens.forEach((token, index) => shares[index % opts.workers]!.publishers.push({ index, token, joinAtMs: joinAt(index) }));
  opts.subscriberTokens.forEach((token, index) => {
    const decode = !opts.verifyOnly || (opts.decodeEvery > 0 && index % opts.decodeEvery === 0);
    const k = opts.publisherTokens.length + index;
    shares[k % opts.workers]!.subscribers.push({ index, token, joinAtMs: joinAt(k), decode });
  });
  return shares;
}

export async function runLoadTest(opts: LoadTestOptions): Promise<LoadTestReport> {
  const startedAt = new Date();
  const started = Date.now();
  const shares = plan(opts);
  const tally = new Tally({ warmupS: opts.warmupS, workers: shares.map((s) => ({ publishers: s.publishers.length, subscribers: s.subscribers.length })) });
  const problems: string[] = [];
  const children: Array<{ child: ChildProcess; exited: Promise<void>; gone: boolean }> = [];
  let stopping = false;

  const workerModule = path.join(__dirname, 'worker.js');
  shares.forEach((share, worker) => {
    const child = fork(workerModule, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const entry = { child, gone: false, exited: Promise.resolve() };
    entry.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        entry.gone = true;
        const how = signal ? `killed by ${signal}` : `exit ${code}`;
        tally.workerExited(worker, how);
        if (!stopping || (code !== 0 && code !== null) || signal === 'SIGKILL') {
          problems.push(`worker ${worker} ${stopping ? 'ended badly' : 'died'} (${how}) after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
        resolve();
      });
    });
    child.on('error', (err) => problems.push(`worker ${worker}: ${err.message}`));
    child.on('message', (message: unknown) => {
      if (!isFromWorker(message)) return;
      const typed: FromWorker = message;
      if (typed.type === 'sample') tally.add(typed);
      else problems.push(`worker ${typed.worker} failed: ${typed.message}`);
    });
    const start: StartMessage = {
      type: 'start', worker, signalingUrl: opts.signalingUrl, apiKey: opts.apiKey, sessionId: opts.sessionId, codec: opts.codec, width: opts.width,
      height: opts.height, fps: opts.fps, audio: opts.audio, publishers: share.publishers, subscribers: share.subscribers,
      ...(opts.caFile !== undefined && { caFile: opts.caFile }), ...(opts.secret !== undefined && { secret: opts.secret }),
      ...(opts.subscriberSecret !== undefined && { subscriberSecret: opts.subscriberSecret }),
    };
    child.send(start);
    children.push(entry);
  });

  // The run: a progress line a second. Joins spread over the ramp-up; the measured window of
  // --duration seconds starts once every subscription has opened frames for the warm-up (or
  // settleS after the ramp-up, whatever is missing then is reported).
  const publishers = opts.publisherTokens.length;
  const subscribers = opts.subscriberTokens.length;
  const settleBy = started + (opts.rampUpS + opts.settleS) * 1000;
  let windowStart: number | undefined;
  opts.progress(Tally.HEADER);
  let second = 0;
  let printedS = -1;
  const ended = (): boolean => windowStart !== undefined && Date.now() >= windowStart + opts.durationS * 1000;
  while (!ended() && !opts.signal?.aborted && children.some((c) => !c.gone)) {
    second++;
    const next = started + second * 1000;
    await sleep(Math.max(0, (windowStart === undefined ? next : Math.min(next, windowStart + opts.durationS * 1000)) - Date.now()), opts.signal);
    if (opts.signal?.aborted) break;
    const now = Date.now();
    if (windowStart === undefined && now >= started + opts.rampUpS * 1000 && (tally.settled(publishers, subscribers) || now >= settleBy)) {
      windowStart = now;
      tally.startWindow();
      if (now >= settleBy && !tally.settled(publishers, subscribers)) {
        problems.push(`not every participant was up and receiving ${opts.settleS} s after the ramp-up: measuring what runs`);
      }
      opts.progress(`* measuring for ${opts.durationS} s (everybody up ${((now - started) / 1000).toFixed(1)} s after the start)`);
    }
    const elapsedS = Math.round((now - started) / 1000);
    if (elapsedS !== printedS) opts.progress(tally.progressLine(elapsedS));
    printedS = elapsedS;
  }
  if (opts.signal?.aborted && !ended()) {
    const why = opts.signal.reason;
    problems.push(`stopped early (${typeof why === 'string' ? why : 'aborted'}) after ${((Date.now() - started) / 1000).toFixed(1)} s: the run is incomplete`);
  }

  // Stop: each worker sends its last sample, leaves and exits; one that does not is killed.
  stopping = true;
  for (const c of children) if (!c.gone && c.child.connected) c.child.send({ type: 'stop' });
  await Promise.all(children.map(async (c) => {
    const timer = setTimeout(() => c.child.kill('SIGKILL'), STOP_GRACE_MS);
    await c.exited;
    clearTimeout(timer);
  }));

  const { verifyOnly, decodeEvery, codec, width, height, fps, durationS, rampUpS, settleS, warmupS, audio, workers } = opts;
  return tally.report({
    startedAt, thresholds: opts.thresholds, publishers: opts.publisherTokens.length, subscribers: opts.subscriberTokens.length, extraProblems: problems,
    config: {
      ...opts.describe, sessionId: opts.sessionId, publishers: opts.publisherTokens.length, subscribers: opts.subscriberTokens.length, workers,
      durationS, rampUpS, settleS, warmupS, codec, width, height, fps, audio, e2ee: opts.secret !== undefined, verifyOnly, decodeEvery,
      wrongSubscriberSecret: opts.subscriberSecret !== undefined && opts.subscriberSecret !== opts.secret,
    },
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
