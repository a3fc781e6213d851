// A bot: joins a session, publishes the test pattern or a media file, subscribes to every other
// stream, watches each with its media check, and judges the run against the thresholds a CI job
// sets (frames per second, latency). The CLI (`node-otc bot`) prints and saves what this returns.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audio } from '../audio';
import { ErrorCode } from '../error-code';
import type { OtcError } from '../errors';
import { type EncodedMediaOptions, Publisher, type PublisherStats, type VideoCodec } from '../publisher';
import type { Secret } from '../secret';
import { Session, type StreamEvent } from '../session';
import type { MediaCheck, Subscriber, SubscriberStats, VerifyStats } from '../subscriber';
import { destroy as destroyMedia, init as initMedia } from '../media-engine';
import { MediaFileSource } from './media-file-source';
import { writePng } from './snapshot';
import { readTokenClaims } from './token-claims';

export interface BotOptions {
  /** The session server's signaling URL (ws://host:port/v1/signaling, or wss:// over TLS). */
  signalingUrl: string;
  /** wss://: a PEM file of the CAs to trust instead of the system store (default: env OTC_CA_FILE). */
  caFile?: string;
  token: string;
  /** Default: from the token. */
  apiKey?: string;
  sessionId?: string;
  /** The session's encryption secret (required to join an E2EE session). */
  secret?: Secret;
  /** The published stream's name (default 'node-otc bot'). */
  name?: string;
  /** What to publish: the moving test pattern (default), a media file, pre-encoded files sent as
   *  they are (encodedMedia), or nothing. */
  publish?: 'pattern' | 'file' | 'encoded' | 'none';
  /** With publish 'encoded': an IVF/H.264 video file and/or an Ogg Opus audio file. */
  encodedMedia?: EncodedMediaOptions;
  /** With publish 'file': a Y4M/WAV file or anything ffmpeg reads (looped). */
  mediaFile?: string;
  width?: number;
  height?: number;
  fps?: number;
  videoCodec?: VideoCodec;
  /** Subscribe to every other stream, present and future (default true). */
  subscribe?: boolean;
  /**
   * Subscribe verify-only: every frame opened by the frame cryptor and counted, none decoded
   * (Subscriber.verifyStats()); fps is then frames opened per second, latency is not judged.
   */
  verifyOnly?: boolean;
  /** With verifyOnly: every Nth subscription (the Nth, 2Nth...) still decodes, for picture-level checks (default 0: none). */
  decodeSample?: number;
  /** How long to stay, seconds (default 30). */
  durationS?: number;
  /** Seconds of each subscription left out of its figures (default 2). */
  warmupS?: number;
  /** Every judged subscription must decode at least this many frames per second. */
  expectFps?: number;
  /** Every judged subscription's capture-to-decode latency p95 must stay under this (test pattern streams). */
  maxLatencyMs?: number;
  /** Save PNG snapshots of received frames here. */
  snapshotDir?: string;
  /** A snapshot per subscription every N seconds (default: one at the end). */
  snapshotEveryS?: number;
  /** Called about once a second with a status line, and with a line per notable event. */
  progress?: (line: string, kind: 'status' | 'event') => void;
  /** Moves the bot's key to the next ratchet step every N seconds (subscribers follow by themselves). */
  ratchetEveryS?: number;
  /** Stops the bot early (the report covers what ran). */
  signal?: AbortSignal;
}

export interface SubscriptionReport {
  streamId: string;
  name: string;
  connectionId: string;
  e2ee: boolean;
  /** Seconds measured (after the warm-up). */
  seconds: number;
  /** Whether it was verify-only (frames opened and counted, not decoded). */
  verifyOnly: boolean;
  /**
   * Frames per second over the measured seconds: decoded (counted by the media check as they are
   * decoded), or opened by the frame cryptor for a verify-only subscription.
   */
  fps: number;
  /** The test pattern's media check (frames read, lost, latency); zeros for streams without it. */
  mediaCheck: MediaCheck;
  stats: SubscriberStats;
  /** The frame cryptor's counts (every subscription; the only figures of a verify-only one). */
  verify: VerifyStats;
  /** Whether the thresholds were applied to it (it ran long enough). */
  judged: boolean;
  /** The subscription ended before the run did (its stream ended or was lost): when, and why. */
  ended?: { afterS: number; reason: string | null; code: number | null };
  problems: string[];
}

export interface BotReport {
  ok: boolean;
  problems: string[];
  startedAt: string;
  durationS: number;
  sessionId: string;
  connectionId: string | null;
  e2ee: boolean;
  thresholds: { expectFps?: number; maxLatencyMs?: number };
  published: { streamId: string; stats: PublisherStats } | null;
  subscriptions: SubscriptionReport[];
  snapshots: string[];
}

interface Watched {
  stream: StreamEvent;
  subscriber: Subscriber;
  verifyOnly: boolean;
  startedMs: number;
  /** When the first frame was decoded: the warm-up counts from there. */
  firstFrameMs?: number;
  /** Decoded-frame count and time when the warm-up ended. */
  base?: { frames: number; atMs: number };
  /** The figures of the last second the subscription was connected (its window closes there when it ends). */
  last?: Figures;
  /** Frames per second over the last second, for the status line. */
  rate?: number;
  /** When the decoded-frame count last grew (a stream whose frames stop is a stream that stopped). */
  lastFrameMs?: number;
  ended: boolean;
  /** When and why the subscription ended, if it did during the run. */
  end?: { atMs: number; reason: string | null; code: number | null };
  problems: string[];
  snapshotsTaken: number;
}

interface Figures {
  stats: SubscriberStats;
  check: MediaCheck;
  verify: VerifyStats;
  atMs: number;
}

/** The frames a subscription counts: decoded, or opened when verify-only. */
function framesOf(entry: Watched, figures: Figures): number {
  return entry.verifyOnly ? figures.verify.video.framesOpened : figures.check.framesDecoded;
}

function readFigures(subscriber: Subscriber, atMs: number): Figures | undefined {
  return safe(() => ({ stats: subscriber.stats(), check: subscriber.mediaCheck(), verify: subscriber.verifyStats(), atMs }));
}

/** Minimum measured seconds for the thresholds to apply to a subscription. */
const MIN_JUDGED_S = 2;
/** A judged stream with no decoded frame for this long at the end of the run has stopped. */
const STOPPED_AFTER_S = 3;

export async function runBot(opts: BotOptions): Promise<BotReport> {
  const claims = readTokenClaims(opts.token);
  const apiKey = opts.apiKey ?? claims.apiKey;
  const sessionId = opts.sessionId ?? claims.sessionId;
  if (!apiKey || !sessionId) throw new TypeError('the token names no API key or session: give apiKey and sessionId');
  const durationS = opts.durationS ?? 30;
  const warmupS = opts.warmupS ?? 2;
  const width = opts.width ?? 640;
  const height = opts.height ?? 360;
  const fps = opts.fps ?? 30;
  const publish = opts.publish ?? 'pattern';
  const decodeSample = opts.decodeSample ?? 0;
  if (!Number.isInteger(decodeSample) || decodeSample < 0) throw new TypeError('decodeSample must be a whole number >= 0');
  let subscriptionsMade = 0;
  const progress = opts.progress ?? ((): void => undefined);
  const problems: string[] = [];
  const snapshots: string[] = [];
  const startedAt = new Date();
  const started = Date.now();

  initMedia();
  const session = new Session(apiKey, sessionId, { signalingUrl: opts.signalingUrl, ...(opts.caFile !== undefined && { caFile: opts.caFile }) });
  const watched = new Map<string, Watched>();
  let publisher: Publisher | undefined;
  let fileSource: MediaFileSource | undefined;
  let publishedStreamId: string | null = null;
  const fail = (line: string): void => {
    problems.push(line);
    progress(line, 'event');
  };
  session.on('error', (error: OtcError) => fail(`session: ${error.message}`));
  // A bot with thresholds judges its subscriptions: each must last the whole run.
  const judging = opts.expectFps !== undefined || opts.maxLatencyMs !== undefined;
  const endAt = started + durationS * 1000;
  // Why a stream ended, from the session's streamDestroyed (the subscriber's end may not say).
  const streamEnds = new Map<string, { reason: string | null; code: number | null }>();
  let runEndedMs = 0;
  try {
    if (opts.secret !== undefined) {
      const ready = session.encryptionKeyReady();
      const status = session.setEncryptionSecret(opts.secret);
      if (status !== ErrorCode.OTC_SUCCESS) throw new Error(`the secret is not valid (${ErrorCode[status]})`);
      await ready;
    }
    await session.connect(opts.token);
    progress(`connected to ${sessionId} as ${session.connectionId}${session.isE2ee ? ' (end-to-end encrypted)' : ''}`, 'event');

    const subscribe = (stream: StreamEvent): void => {
      if (opts.subscribe === false || stream.connectionId === session.connectionId || watched.has(stream.streamId)) return;
      subscriptionsMade++;
      const verifyOnly = opts.verifyOnly === true && !(decodeSample > 0 && subscriptionsMade % decodeSample === 0);
      const subscriber = session.subscribe(stream, { verifyOnly });
      const entry: Watched = {
        stream, subscriber, verifyOnly, startedMs: Date.now(), problems: [], snapshotsTaken: 0, ended: false,
      };
      subscriber.on('error', (error) => entry.problems.push(error.message));
      subscriber.once('disconnected', (...args: unknown[]) => {
        entry.ended = true;
        if (runEndedMs !== 0) return; // the bot's own leaving
        const said = endOf(args[0]);
        const known = streamEnds.get(stream.streamId);
        entry.end = { atMs: Date.now(), reason: said.reason ?? known?.reason ?? null, code: said.code ?? known?.code ?? null };
      });
      subscriber.on('encryptionSecretMismatch', (error) => entry.problems.push(error.message));
      watched.set(stream.streamId, entry);
      progress(`subscribed to ${stream.name || stream.streamId} (${stream.videoCodec}${stream.e2ee ? ', E2EE' : ''}` +
        `${verifyOnly ? ', verify-only' : ''})`, 'event');
    };
    session.on('streamCreated', subscribe);
    session.on('streamDestroyed', (stream: StreamEvent, ...rest: unknown[]) => {
      const said = endOf(rest[0] ?? stream);
      streamEnds.set(stream.streamId, said);
      progress(`stream ${stream.name || stream.streamId} ended${said.reason ? ` (${said.reason})` : ''}`, 'event');
    });
    for (const stream of session.streams) subscribe(stream);

    if (publish !== 'none') {
      if (publish === 'file' && !opts.mediaFile) throw new TypeError('publish "file" needs mediaFile');
      if (publish === 'encoded' && !opts.encodedMedia) throw new TypeError('publish "encoded" needs encodedMedia');
      if (publish === 'file') {
        if (!fs.existsSync(opts.mediaFile!)) throw new Error(`no such media file: ${opts.mediaFile}`);
        audio.captureSilence(); // until the file's audio arrives
      } else {
        audio.captureTone(440, 0.3);
      }
      publisher = new Publisher({
        name: opts.name ?? 'node-otc bot', videoCodec: opts.videoCodec ?? 'VP8',
        videoSource: publish === 'file' ? 'pushed' : 'testPattern',
        ...(publish === 'pattern' && { testPattern: { width, height, fps } }),
        ...(publish === 'encoded' && { encodedMedia: opts.encodedMedia! }),
      });
      publisher.on('error', (error) => fail(`publisher: ${error.message}`));
      const stream = await session.publish(publisher);
      publishedStreamId = stream.streamId;
      const what = publish === 'file' ? opts.mediaFile
        : publish === 'encoded' ? `as encoded: ${[opts.encodedMedia!.video, opts.encodedMedia!.audio].filter(Boolean).join(', ')}`
          : `test pattern ${width}x${height}@${fps}`;
      progress(`publishing ${stream.streamId} (${what})`, 'event');
      if (publish === 'file') {
        fileSource = new MediaFileSource(publisher, { file: opts.mediaFile!, width, height, fps, audio: true, onError: fail });
      }
    }

    // The run: a status line a second, snapshots on their schedule.
    let ratchetedAt = Date.now();
    while (Date.now() < endAt && !opts.signal?.aborted) {
      await sleep(Math.min(1000, endAt - Date.now()), opts.signal);
      const now = Date.now();
      if (opts.ratchetEveryS && session.isE2ee && now - ratchetedAt >= opts.ratchetEveryS * 1000) {
        ratchetedAt = now;
        const status = session.ratchetEncryptionKey();
        progress(status === ErrorCode.OTC_SUCCESS ? 're-keyed: the next ratchet step' : `re-key failed (${ErrorCode[status]})`, 'event');
      }
      for (const entry of watched.values()) {
        // The media check counts decoded frames as they come, the verify counts opened ones
        // (transport stats refresh once a second).
        const figures = entry.ended ? undefined : readFigures(entry.subscriber, now);
        const previous = entry.last;
        const before = previous ? framesOf(entry, previous) : 0;
        if (figures) entry.last = figures;
        const decoded = figures ? framesOf(entry, figures) : undefined;
        if (figures && previous && figures.atMs > previous.atMs) entry.rate = ((decoded ?? 0) - before) * 1000 / (figures.atMs - previous.atMs);
        if (decoded !== undefined && decoded > 0 && entry.firstFrameMs === undefined) entry.firstFrameMs = now;
        if (decoded !== undefined && decoded > before) entry.lastFrameMs = now;
        if (decoded !== undefined && !entry.base && entry.firstFrameMs !== undefined && now - entry.firstFrameMs >= warmupS * 1000) {
          entry.base = { frames: decoded, atMs: now };
        }
        const every = opts.snapshotEveryS;
        if (opts.snapshotDir && every && !entry.verifyOnly && (now - entry.startedMs) / 1000 >= every * (entry.snapshotsTaken + 1)) {
          await snapshot(entry, opts.snapshotDir, snapshots, fail);
        }
      }
      progress(statusLine(now, started, durationS, watched, publisher), 'status');
    }
    if (opts.snapshotDir && !opts.snapshotEveryS) {
      for (const entry of watched.values()) if (!entry.verifyOnly) await snapshot(entry, opts.snapshotDir, snapshots, fail);
    }
  } catch (err) {
    fail((err as Error).message);
  }
  runEndedMs = Date.now();
  if (opts.signal?.aborted && runEndedMs < endAt) {
    const why = opts.signal.reason;
    const by = typeof why === 'string' ? why : why instanceof Error && why.name !== 'AbortError' ? why.message : 'its abort signal';
    problems.push(`stopped early (${by}) after ${((runEndedMs - started) / 1000).toFixed(1)} of ${durationS} s: the run is incomplete`);
  }

  // Figures and verdict.
  const now = Date.now();
  const subscriptions: SubscriptionReport[] = [];
  for (const entry of watched.values()) {
    const live = entry.ended ? undefined : readFigures(entry.subscriber, now);
    const figures = live ?? entry.last;
    if (!figures) continue; // ended before its first second
    const { stats, check, verify } = figures;
    const seconds = entry.base ? Math.max(0, (figures.atMs - entry.base.atMs) / 1000) : 0;
    const measuredFps = entry.base && seconds > 0 ? (framesOf(entry, figures) - entry.base.frames) / seconds : 0;
    const judged = seconds >= MIN_JUDGED_S;
    const report: SubscriptionReport = {
      streamId: entry.stream.streamId, name: entry.stream.name, connectionId: entry.stream.connectionId, e2ee: stats.e2ee,
      verifyOnly: entry.verifyOnly, seconds, fps: measuredFps, mediaCheck: check, stats, verify, judged,
      problems: [...entry.problems],
    };
    if (entry.end) {
      const { atMs, reason, code } = entry.end;
      report.ended = { afterS: (atMs - started) / 1000, reason, code };
      if (judging) {
        report.problems.push(`the stream ended ${((runEndedMs - atMs) / 1000).toFixed(1)} s before the end of the run` +
          ` (${reason ?? 'no reason given'}${code !== null ? `, ${code}` : ''})`);
      }
    } else if (judging && entry.firstFrameMs !== undefined && runEndedMs - (entry.lastFrameMs ?? entry.firstFrameMs) >= STOPPED_AFTER_S * 1000) {
      report.problems.push(`the stream stopped: no frame ${entry.verifyOnly ? 'opened' : 'decoded'} in the last ${((runEndedMs - (entry.lastFrameMs ?? entry.firstFrameMs)) / 1000).toFixed(1)} s of the run`);
    }
    if (stats.framesMismatch > 0) report.problems.push(`${stats.framesMismatch} frames did not open with this secret (6003)`);
    if (stats.framesIntegrityFailure > 0) report.problems.push(`${stats.framesIntegrityFailure} frames failed their integrity check`);
    if (judged && opts.expectFps !== undefined && measuredFps < opts.expectFps) {
      report.problems.push(`${measuredFps.toFixed(1)} fps ${entry.verifyOnly ? 'opened' : 'decoded'}, under the expected ${opts.expectFps}`);
    }
    // A verify-only subscription has no pixels, so no capture time to measure latency from.
    if (judged && opts.maxLatencyMs !== undefined && !entry.verifyOnly) {
      if (check.framesReceived === 0) report.problems.push('latency unknown: no test-pattern frame was read (a media file or no video)');
      else if (check.latencyP95Ms > opts.maxLatencyMs) report.problems.push(`latency p95 ${check.latencyP95Ms} ms, over ${opts.maxLatencyMs} ms`);
    }
    subscriptions.push(report);
  }
  if ((opts.expectFps !== undefined || opts.maxLatencyMs !== undefined) && !subscriptions.some((s) => s.judged)) {
    problems.push(`nothing to check: no stream was subscribed for ${warmupS + MIN_JUDGED_S} s or more`);
  }
  const published = publisher && publishedStreamId ? { streamId: publishedStreamId, stats: safe(() => publisher!.stats()) } : null;
  const report: BotReport = {
    ok: problems.length === 0 && subscriptions.every((s) => s.problems.length === 0),
    problems,
    startedAt: startedAt.toISOString(),
    durationS: (now - started) / 1000,
    sessionId,
    connectionId: session.connectionId,
    e2ee: session.isE2ee,
    thresholds: {
      ...(opts.expectFps !== undefined && { expectFps: opts.expectFps }),
      ...(opts.maxLatencyMs !== undefined && { maxLatencyMs: opts.maxLatencyMs }),
    },
    published: published && published.stats ? { streamId: published.streamId, stats: published.stats } : null,
    subscriptions,
    snapshots,
  };

  // Leave: everything torn down, nothing left running.
  fileSource?.stop();
  await session.disconnect().catch(() => undefined);
  for (const entry of watched.values()) entry.subscriber.delete();
  publisher?.delete();
  session.delete();
  destroyMedia();
  return report;
}

function statusLine(now: number, started: number, durationS: number, watched: Map<string, Watched>, publisher?: Publisher): string {
  const parts = [`${Math.round((now - started) / 1000)}/${durationS} s`];
  if (publisher) {
    const stats = safe(() => publisher.stats());
    if (stats) parts.push(`sending ${stats.videoFps.toFixed(0)} fps to ${stats.subscribers}`);
  }
  for (const entry of watched.values()) {
    const name = entry.stream.name || entry.stream.streamId.slice(0, 10);
    if (entry.ended || !entry.last) {
      parts.push(`${name}: ${entry.ended ? 'ended' : 'starting'}`);
      continue;
    }
    const { stats, check } = entry.last; // read this second by the run loop
    const mismatch = stats.framesMismatch ? ` MISMATCH ${stats.framesMismatch}` : '';
    if (entry.verifyOnly) {
      const { video } = entry.last.verify;
      parts.push(`${name}: ${(entry.rate ?? 0).toFixed(0)} fps opened gaps ${video.gaps} freezes ${video.freezes}${mismatch}`);
      continue;
    }
    const latency = check.framesReceived > 0 ? ` p50 ${check.latencyP50Ms} ms` : '';
    parts.push(`${name}: ${stats.videoFps.toFixed(0)} fps${latency} lost ${check.framesLost}${mismatch}`);
  }
  return parts.join(' | ');
}

async function snapshot(entry: Watched, dir: string, saved: string[], fail: (line: string) => void): Promise<void> {
  entry.snapshotsTaken++;
  try {
    const frame = await entry.subscriber.firstFrame(3000);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${entry.stream.streamId}-${entry.snapshotsTaken}.png`);
    await writePng(frame, file);
    saved.push(file);
  } catch (err) {
    fail(`snapshot of ${entry.stream.streamId}: ${(err as Error).message}`);
  }
}

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The reason and code an end event carries (an object with `reason` / `code`), if any. */
function endOf(value: unknown): { reason: string | null; code: number | null } {
  if (typeof value !== 'object' || value === null) return { reason: null, code: null };
  const { reason, code } = value as { reason?: unknown; code?: unknown };
  return { reason: typeof reason === 'string' ? reason : null, code: typeof code === 'number' ? code : null };
}
