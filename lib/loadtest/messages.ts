// The messages between `node-otc loadtest` (the coordinator) and its worker processes, over the
// IPC channel of child_process.fork. Defined once here; both sides import them.
import type { VideoCodec } from '../publisher';

/** One participant a worker runs: its place in the whole run and when it joins. */
export interface ParticipantPlan {
  /** Index among the run's publishers (or subscribers). */
  index: number;
  token: string;
  /** Milliseconds after the run's start (ramp-up). */
  joinAtMs: number;
}

export interface SubscriberPlan extends ParticipantPlan {
  /** Decodes (and reads the test pattern's media check: latency) instead of verify-only. */
  decode: boolean;
}

/** Coordinator -> worker: what to run. The secrets travel here, not on a command line. */
export interface StartMessage {
  type: 'start';
  worker: number;
  signalingUrl: string;
  caFile?: string;
  apiKey: string;
  sessionId: string;
  /** Publishers' secret; undefined without E2EE. */
  secret?: string;
  /** Subscribers' secret (a wrong one on purpose shows the mismatch counting); default `secret`. */
  subscriberSecret?: string;
  codec: VideoCodec;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
  publishers: ParticipantPlan[];
  subscribers: SubscriberPlan[];
}

/** Coordinator -> worker: leave, tear down, send a last sample and exit. */
export interface StopMessage {
  type: 'stop';
}

export type ToWorker = StartMessage | StopMessage;

/** Cumulative counters of one subscription (one subscriber x one publisher's stream). */
export interface SubscriptionSample {
  subscriber: number;
  /** The publisher's index (from its stream name); -1 for a stream that is not the run's. */
  publisher: number;
  streamId: string;
  decode: boolean;
  /** Media flowing now. */
  connected: boolean;
  /** The subscription ended (stream gone, subscriber lost) before the run did. */
  ended: boolean;
  /** Video frames received: opened + not opened. */
  framesReceived: number;
  /** Video frames the frame cryptor opened (without E2EE: frames received). */
  framesOpened: number;
  bytesOpened: number;
  keyFrames: number;
  /** Frames that did not open, audio and video. */
  mismatch: number;
  integrity: number;
  replay: number;
  other: number;
  /** Video frames missing (frame numbers or ids skipped). */
  gaps: number;
  freezes: number;
  freezeMs: number;
  framesDecoded: number;
  /** Test-pattern latency percentiles (decoding subscriptions that read a frame code; else null). */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  packetsLost: number;
}

export interface PublisherSample {
  publisher: number;
  streamId: string | null;
  up: boolean;
  fpsSent: number;
  framesSent: number;
  peers: number;
}

/** Worker -> coordinator, once a second and once more after it left (`final`). */
export interface SampleMessage {
  type: 'sample';
  worker: number;
  final: boolean;
  /** Worker clock (Date.now()) of the sample. */
  atMs: number;
  /** process.cpuUsage() since the worker started, microseconds (user + system). */
  cpuUs: number;
  rssBytes: number;
  publishersUp: number;
  subscribersUp: number;
  /** Participants not yet up whose join has not failed (waiting for their ramp-up turn, or joining). */
  joinsPending: number;
  joinsFailed: number;
  publishers: PublisherSample[];
  subscriptions: SubscriptionSample[];
  /** Problems seen since the last sample (failed joins, errors), one line each. */
  problems: string[];
}

/** Worker -> coordinator: a fatal error (the worker exits after it). */
export interface FailedMessage {
  type: 'failed';
  worker: number;
  message: string;
}

export type FromWorker = SampleMessage | FailedMessage;

/** A loose check of what arrives over IPC (from our own worker, but a crash can cut anything). */
export function isFromWorker(value: unknown): value is FromWorker {
  if (typeof value !== 'object' || value === null) return false;
  const { type, worker } = value as { type?: unknown; worker?: unknown };
  return (type === 'sample' || type === 'failed') && typeof worker === 'number';
}

export function isToWorker(value: unknown): value is ToWorker {
  if (typeof value !== 'object' || value === null) return false;
  const { type } = value as { type?: unknown };
  return type === 'start' || type === 'stop';
}
