// The coordinator's figures: takes the workers' samples, prints the progress line of each
// second, and computes the final report and its verdict against the thresholds.
import type { PublisherSample, SampleMessage, SubscriptionSample } from './messages';

export interface Thresholds {
  /** Each subscription's frames opened per second over its measured window. */
  minFps?: number;
  /** Each subscription's video frames missing / expected (0..1). */
  maxLoss?: number;
  /** Each subscription's freezes in its measured window. */
  maxFreezes?: number;
  /** Each decoding subscription's capture-to-decode latency p95 (ms). */
  maxLatencyP95Ms?: number;
}

export interface SubscriptionReport {
  subscriber: number;
  publisher: number;
  streamId: string;
  decode: boolean;
  /** Seconds measured (after the warm-up from its first frame). */
  seconds: number;
  fpsReceived: number;
  fpsOpened: number;
  fpsDecoded: number;
  loss: number;
  freezes: number;
  freezeMs: number;
  framesOpened: number;
  /** Frames decoded (0 for a verify-only subscription). */
  framesDecoded: number;
  bytesOpened: number;
  keyFrames: number;
  notOpened: { mismatch: number; integrity: number; replay: number; other: number };
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  packetsLost: number;
  ended: boolean;
  problems: string[];
}

export interface StreamReport {
  publisher: number;
  streamId: string | null;
  fpsSent: number;
  subscriptions: number;
  fpsOpenedMin: number;
  fpsOpenedMean: number;
  lossMax: number;
  freezes: number;
  notOpened: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

export interface WorkerReport {
  worker: number;
  publishers: number;
  subscribers: number;
  /** Mean CPU over the run, percent of one core. */
  cpuPercent: number;
  cpuPeakPercent: number;
  rssMb: number;
  rssPeakMb: number;
  exit: string;
}

export interface LoadTestReport {
  ok: boolean;
  problems: string[];
  startedAt: string;
  durationS: number;
  config: Record<string, unknown>;
  thresholds: Thresholds;
  totals: { publishersUp: number; subscribersUp: number; subscriptions: number; expectedSubscriptions: number; fpsOpened: number;
    worstFps: number; loss: number; freezes: number; notOpened: number };
  streams: StreamReport[];
  workers: WorkerReport[];
  subscriptions: SubscriptionReport[];
}

interface Tracked {
  first?: SubscriptionSample & { atMs: number };
  base?: SubscriptionSample & { atMs: number };
  prev?: SubscriptionSample & { atMs: number };
  last?: SubscriptionSample & { atMs: number };
}

interface WorkerState {
  publishers: number;
  subscribers: number;
  startedMs: number;
  prev?: SampleMessage;
  last?: SampleMessage;
  cpuPeak: number;
  rssPeak: number;
  exit?: string;
}

/** Frames before the measured window of a subscription: the first frames, key frame and ramp. */
const MIN_MEASURED_S = 2;

export class Tally {
  readonly #warmupMs: number;
  readonly #workers: WorkerState[];
  readonly #subscriptions = new Map<string, Tracked>();
  readonly #publishers = new Map<number, PublisherSample>();
  readonly problems: string[] = [];

  constructor(opts: { warmupS: number; workers: Array<{ publishers: number; subscribers: number }> }) {
    this.#warmupMs = opts.warmupS * 1000;
    const now = Date.now();
    this.#workers = opts.workers.map((w) => ({ ...w, startedMs: now, cpuPeak: 0, rssPeak: 0 }));
  }

  add(sample: SampleMessage): void {
    const worker = this.#workers[sample.worker];
    if (!worker) return;
    worker.prev = worker.last;
    worker.last = sample;
    worker.cpuPeak = Math.max(worker.cpuPeak, cpuPercent(worker.prev, sample, worker.startedMs));
    worker.rssPeak = Math.max(worker.rssPeak, sample.rssBytes);
    for (const line of sample.problems) this.problems.push(line);
    for (const p of sample.publishers) this.#publishers.set(p.publisher, p);
    for (const s of sample.subscriptions) {
      const key = `${s.subscriber}/${s.streamId}`;
      const tracked = this.#subscriptions.get(key) ?? {};
      this.#subscriptions.set(key, tracked);
      const stamped = { ...s, atMs: sample.atMs };
      tracked.prev = tracked.last;
      tracked.last = stamped;
      if (!tracked.first && s.framesOpened > 0) tracked.first = stamped;
      if (!tracked.base && tracked.first && sample.atMs - tracked.first.atMs >= this.#warmupMs) tracked.base = stamped;
    }
  }

  /**
   * Everybody is up and every expected subscription has opened frames for the warm-up: the
   * measured window can start.
   */
  settled(publishers: number, subscribers: number): boolean {
    const up = (field: 'publishersUp' | 'subscribersUp' | 'joinsPending' | 'joinsFailed'): number =>
      this.#workers.reduce((n, w) => n + (w.last?.[field] ?? 0), 0);
    // A join that failed fails the run: no reason to wait for it, measure what runs.
    if (this.#workers.every((w) => w.last) && up('joinsPending') === 0 && up('joinsFailed') > 0) return true;
    if (up('publishersUp') < publishers || up('subscribersUp') < subscribers) return false;
    let warm = 0;
    for (const t of this.#subscriptions.values()) if (t.base && t.last!.publisher >= 0) warm++;
    return warm >= publishers * subscribers;
  }

  /** The measured window starts now: each subscription warm by now is measured from its last sample. */
  startWindow(): void {
    for (const t of this.#subscriptions.values()) if (t.base) t.base = t.last;
  }

  workerExited(worker: number, exit: string): void {
    const state = this.#workers[worker];
    if (state && state.exit === undefined) state.exit = exit;
  }

  static readonly HEADER = '  time  pubs  subs  subscr   recv/s   open/s  worst   loss%  freezes  notopen  workers (cpu% rss MB)';

  /** This second: rates over the last sample of every subscription. */
  progressLine(elapsedS: number): string {
    let recv = 0;
    let opened = 0;
    let gaps = 0;
    let worst = Infinity;
    let freezes = 0;
    let notOpened = 0;
    let live = 0;
    for (const t of this.#subscriptions.values()) {
      const { prev, last } = t;
      if (!last) continue;
      freezes += last.freezes;
      notOpened += last.mismatch + last.integrity + last.replay;
      if (!prev || last.atMs <= prev.atMs || last.ended) continue;
      live++;
      const s = (last.atMs - prev.atMs) / 1000;
      recv += (last.framesReceived - prev.framesReceived) / s;
      const fps = (last.framesOpened - prev.framesOpened) / s;
      opened += fps;
      gaps += last.gaps - prev.gaps;
      if (t.first) worst = Math.min(worst, fps);
    }
    const perSecond = this.#workers.map((w, i) => (w.exit !== undefined ? `w${i} ${w.exit}`
      : w.last ? `w${i} ${cpuPercent(w.prev, w.last, w.startedMs).toFixed(0)}% ${(w.last.rssBytes / 1e6).toFixed(0)}` : `w${i} -`));
    const pubs = this.#workers.reduce((n, w) => n + (w.exit === undefined ? w.last?.publishersUp ?? 0 : 0), 0);
    const subs = this.#workers.reduce((n, w) => n + (w.exit === undefined ? w.last?.subscribersUp ?? 0 : 0), 0);
    const loss = opened + gaps > 0 ? (100 * gaps) / (opened + gaps) : 0;
    return `${pad(`${elapsedS}s`, 6)}${pad(pubs, 6)}${pad(subs, 6)}${pad(live, 8)}${pad(recv.toFixed(0), 9)}${pad(opened.toFixed(0), 9)}` +
      `${pad(worst === Infinity ? '-' : worst.toFixed(1), 7)}${pad(loss.toFixed(2), 8)}${pad(freezes, 9)}${pad(notOpened, 9)}  ${perSecond.join('  ')}`;
  }

  report(opts: { startedAt: Date; config: Record<string, unknown>; thresholds: Thresholds; publishers: number; subscribers: number;
    extraProblems: string[] }): LoadTestReport {
    const th = opts.thresholds;
    const subscriptions: SubscriptionReport[] = [];
    for (const t of this.#subscriptions.values()) {
      const last = t.last!;
      const base = t.base;
      const seconds = base ? (last.atMs - base.atMs) / 1000 : 0;
      const rate = (field: 'framesReceived' | 'framesOpened' | 'framesDecoded'): number => (base && seconds > 0 ? (last[field] - base[field]) / seconds : 0);
      const dGaps = base ? last.gaps - base.gaps : last.gaps;
      const dOpened = base ? last.framesOpened - base.framesOpened : last.framesOpened;
      const report: SubscriptionReport = {
        subscriber: last.subscriber, publisher: last.publisher, streamId: last.streamId, decode: last.decode, seconds: round(seconds, 1),
        fpsReceived: round(rate('framesReceived'), 2), fpsOpened: round(rate('framesOpened'), 2), fpsDecoded: round(rate('framesDecoded'), 2),
        loss: dOpened + dGaps > 0 ? round(dGaps / (dOpened + dGaps), 4) : 0,
        freezes: base ? last.freezes - base.freezes : last.freezes, freezeMs: base ? last.freezeMs - base.freezeMs : last.freezeMs,
        framesOpened: last.framesOpened, framesDecoded: last.framesDecoded, bytesOpened: last.bytesOpened, keyFrames: last.keyFrames,
        notOpened: { mismatch: last.mismatch, integrity: last.integrity, replay: last.replay, other: last.other },
        latencyP50Ms: last.latencyP50Ms, latencyP95Ms: last.latencyP95Ms, packetsLost: last.packetsLost, ended: last.ended, problems: [],
      };
      const p = report.problems;
      if (last.framesOpened === 0) p.push('no frame opened');
      if (last.mismatch > 0) p.push(`${last.mismatch} frames did not open with this secret (mismatch)`);
      if (last.integrity > 0) p.push(`${last.integrity} frames failed their integrity check`);
      if (last.ended) p.push('the subscription ended before the run did');
      if (last.framesOpened > 0 && seconds < MIN_MEASURED_S) p.push(`measured ${seconds.toFixed(1)} s only (the run or its warm-up too short)`);
      if (seconds >= MIN_MEASURED_S) {
        if (th.minFps !== undefined && report.fpsOpened < th.minFps) p.push(`${report.fpsOpened.toFixed(1)} fps opened, under ${th.minFps}`);
        if (th.maxLoss !== undefined && report.loss > th.maxLoss) p.push(`loss ${(report.loss * 100).toFixed(2)}%, over ${th.maxLoss * 100}%`);
        if (th.maxFreezes !== undefined && report.freezes > th.maxFreezes) p.push(`${report.freezes} freezes, over ${th.maxFreezes}`);
        if (th.maxLatencyP95Ms !== undefined && report.decode) {
          if (report.latencyP95Ms === null) p.push('latency unknown: no test-pattern frame code read');
          else if (report.latencyP95Ms > th.maxLatencyP95Ms) p.push(`latency p95 ${report.latencyP95Ms} ms, over ${th.maxLatencyP95Ms} ms`);
        }
      }
      subscriptions.push(report);
    }
    subscriptions.sort((a, b) => a.publisher - b.publisher || a.subscriber - b.subscriber);

    const streams: StreamReport[] = [];
    for (let i = 0; i < opts.publishers; i++) {
      const mine = subscriptions.filter((s) => s.publisher === i);
      const decoded = mine.filter((s) => s.latencyP95Ms !== null);
      const pub = this.#publishers.get(i);
      streams.push({
        publisher: i, streamId: pub?.streamId ?? null, fpsSent: round(pub?.fpsSent ?? 0, 1), subscriptions: mine.length,
        fpsOpenedMin: mine.length ? round(Math.min(...mine.map((s) => s.fpsOpened)), 2) : 0,
        fpsOpenedMean: mine.length ? round(mine.reduce((n, s) => n + s.fpsOpened, 0) / mine.length, 2) : 0,
        lossMax: mine.length ? Math.max(...mine.map((s) => s.loss)) : 0,
        freezes: mine.reduce((n, s) => n + s.freezes, 0),
        notOpened: mine.reduce((n, s) => n + s.notOpened.mismatch + s.notOpened.integrity + s.notOpened.replay, 0),
        latencyP50Ms: decoded.length ? Math.max(...decoded.map((s) => s.latencyP50Ms!)) : null,
        latencyP95Ms: decoded.length ? Math.max(...decoded.map((s) => s.latencyP95Ms!)) : null,
      });
    }

    const workers: WorkerReport[] = this.#workers.map((w, i) => ({
      worker: i, publishers: w.publishers, subscribers: w.subscribers,
      cpuPercent: w.last ? round(cpuPercent(undefined, w.last, w.startedMs), 1) : 0, cpuPeakPercent: round(w.cpuPeak, 1),
      rssMb: w.last ? round(w.last.rssBytes / 1e6, 1) : 0, rssPeakMb: round(w.rssPeak / 1e6, 1), exit: w.exit ?? 'running',
    }));

    const problems = [...opts.extraProblems, ...this.problems];
    const expected = opts.publishers * opts.subscribers;
    const ours = subscriptions.filter((s) => s.publisher >= 0).length;
    if (ours < expected) problems.push(`${expected - ours} of ${expected} subscriptions never started`);
    for (const s of streams) if (s.streamId === null) problems.push(`publisher ${s.publisher} never published`);
    const failedSubs = subscriptions.filter((s) => s.problems.length > 0);
    const measured = subscriptions.filter((s) => s.seconds >= MIN_MEASURED_S);
    const last = (field: 'publishersUp' | 'subscribersUp'): number => this.#workers.reduce((n, w) => n + (w.last?.[field] ?? 0), 0);
    return {
      ok: problems.length === 0 && failedSubs.length === 0,
      problems,
      startedAt: opts.startedAt.toISOString(),
      durationS: round((Date.now() - opts.startedAt.getTime()) / 1000, 1),
      config: opts.config,
      thresholds: th,
      totals: {
        publishersUp: last('publishersUp'), subscribersUp: last('subscribersUp'), subscriptions: subscriptions.length, expectedSubscriptions: expected,
        fpsOpened: round(measured.reduce((n, s) => n + s.fpsOpened, 0), 1),
        worstFps: measured.length ? Math.min(...measured.map((s) => s.fpsOpened)) : 0,
        loss: measured.length ? Math.max(...measured.map((s) => s.loss)) : 0,
        freezes: subscriptions.reduce((n, s) => n + s.freezes, 0),
        notOpened: subscriptions.reduce((n, s) => n + s.notOpened.mismatch + s.notOpened.integrity + s.notOpened.replay, 0),
      },
      streams, workers, subscriptions,
    };
  }
}

/** The report as text: verdict, per stream, per worker, the failing subscriptions. */
export function formatReport(r: LoadTestReport): string[] {
  const t = r.totals;
  const lines = [`${r.ok ? 'PASS' : 'FAIL'}: ${count(r.config['publishers'], 'publisher')} x ${count(r.config['subscribers'], 'subscriber')}, ` +
    `${t.subscriptions}/${t.expectedSubscriptions} subscriptions over ${r.durationS} s` +
    `${r.config['e2ee'] ? ', end-to-end encrypted' : ''}${r.config['verifyOnly'] ? ', verify-only' : ', decoding'}`];
  lines.push('stream         sent fps  subs  opened fps min/mean   loss max  freezes  not opened  latency p50/p95 ms');
  for (const s of r.streams) {
    const latency = s.latencyP95Ms === null ? '-' : `${s.latencyP50Ms}/${s.latencyP95Ms}`;
    lines.push(`${pad(`p${s.publisher}`, -13)}${pad(s.fpsSent.toFixed(1), 10)}${pad(s.subscriptions, 6)}` +
      `${pad(`${s.fpsOpenedMin.toFixed(1)}/${s.fpsOpenedMean.toFixed(1)}`, 20)}${pad(`${(s.lossMax * 100).toFixed(2)}%`, 11)}` +
      `${pad(s.freezes, 9)}${pad(s.notOpened, 12)}${pad(latency, 20)}`);
  }
  lines.push('worker  pubs  subs   cpu% mean/peak   rss MB last/peak  exit');
  for (const w of r.workers) {
    lines.push(`${pad(`w${w.worker}`, -6)}${pad(w.publishers, 6)}${pad(w.subscribers, 6)}${pad(`${w.cpuPercent}/${w.cpuPeakPercent}`, 17)}` +
      `${pad(`${w.rssMb}/${w.rssPeakMb}`, 21)}  ${w.exit}`);
  }
  const failing = r.subscriptions.filter((s) => s.problems.length > 0);
  for (const s of failing.slice(0, 20)) lines.push(`  subscriber ${s.subscriber} <- p${s.publisher}: ${s.problems.join('; ')}`);
  if (failing.length > 20) lines.push(`  ... and ${failing.length - 20} more failing subscriptions (see --json)`);
  for (const p of r.problems.slice(0, 30)) lines.push(`  problem: ${p}`);
  if (r.problems.length > 30) lines.push(`  ... and ${r.problems.length - 30} more problems (see --json)`);
  return lines;
}

function count(n: unknown, noun: string): string {
  return `${String(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function cpuPercent(prev: SampleMessage | undefined, last: SampleMessage, startedMs: number): number {
  const ms = prev ? last.atMs - prev.atMs : last.atMs - startedMs;
  const us = prev ? last.cpuUs - prev.cpuUs : last.cpuUs;
  return ms > 0 ? us / ms / 10 : 0;
}

function pad(value: string | number, width: number): string {
  const text = String(value);
  return width < 0 ? text.padEnd(-width) : text.padStart(width);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
