// Session monitoring webhooks (OpenTok's callbacks): each connection and stream created or
// destroyed in a project's sessions, and each change of an archive's status, is POSTed as JSON to the URLs the project registered, signed
// with `Authorization: Bearer <JWT>` (HS256 with the project's secret: the API secret, or an
// application's signature secret; claims iat, jti, iss "node-otc", project_id and payload_hash,
// the SHA-256 of the body in hex). Deliveries are bounded: at most maxQueued wait (the oldest are
// dropped, counted and logged), concurrency at once, each within timeoutMs, retried after
// 1 s and 5 s when the receiver fails or answers other than 2xx.
import * as crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { ConnectionDestroyedReason, ConnectionInfo, StreamDestroyedReason, StreamInfo } from '../../protocol/messages';
import { type Archive, archiveJson } from '../archives/archive';
import { forLog } from '../sanitize';
import { type SessionRecord, SessionStore } from '../session-store';
import type { SessionMonitor } from '../signaling/session-monitor';
import type { CallbackEvent, CallbackGroup, CallbackRegistry } from './callback-registry';

export interface WebhookOptions {
  registry: CallbackRegistry;
  /** The secret a project's webhooks are signed with; undefined: not sent (an application deleted since). */
  secretOf: (projectId: string) => string | undefined;
  log?: (line: string) => void;
  maxQueued?: number;
  concurrency?: number;
  timeoutMs?: number;
  /** Delays before the retries, ms (default [1000, 5000]). */
  retryDelaysMs?: readonly number[];
  /** An available archive's download link (archive callbacks' `url`). */
  archiveUrl?: (archive: Archive) => string | null;
}

interface Delivery {
  url: string;
  body: string;
  projectId: string;
  attempt: number;
}

/** The connection of an event, as OpenTok's payloads give it. */
function connectionJson(connection: ConnectionInfo): Record<string, unknown> {
  return { id: connection.connectionId, createdAt: connection.creationTime, data: connection.data };
}

function streamJson(stream: StreamInfo, connection: ConnectionInfo | undefined): Record<string, unknown> {
  return {
    id: stream.streamId, createdAt: stream.creationTime, name: stream.name, videoType: stream.videoType,
    connection: connection ? connectionJson(connection) : { id: stream.connectionId },
  };
}

/** Signs a webhook body as receivers verify it (docs/protocol.md, "Session monitoring callbacks"). */
export function signWebhook(body: string, projectId: string, secret: string): string {
  const payloadHash = crypto.createHash('sha256').update(body).digest('hex');
  return jwt.sign({ iss: 'node-otc', jti: crypto.randomUUID(), project_id: projectId, payload_hash: payloadHash }, secret, {
    algorithm: 'HS256', expiresIn: 300,
  });
}

export class WebhookSender implements SessionMonitor {
  readonly #opts: Required<Omit<WebhookOptions, 'log' | 'archiveUrl'>> & Pick<WebhookOptions, 'log' | 'archiveUrl'>;
  readonly #queue: Delivery[] = [];
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<AbortController>();
  #dropped = 0;
  #closed = false;

  constructor(opts: WebhookOptions) {
    this.#opts = { maxQueued: 10_000, concurrency: 8, timeoutMs: 5000, retryDelaysMs: [1000, 5000], ...opts };
  }

  /** Deliveries given up for lack of room since start. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Deliveries waiting, retrying or in flight. */
  get pending(): number {
    return this.#queue.length + this.#retryTimers.size + this.#inFlight.size;
  }

  connectionCreated(session: SessionRecord, connection: ConnectionInfo): void {
    this.#emit(session, 'connection', 'created', 'connectionCreated', { connection: connectionJson(connection) });
  }

  connectionDestroyed(session: SessionRecord, connection: ConnectionInfo, reason: ConnectionDestroyedReason): void {
    this.#emit(session, 'connection', 'destroyed', 'connectionDestroyed', { reason, connection: connectionJson(connection) });
  }

  streamCreated(session: SessionRecord, stream: StreamInfo, connection: ConnectionInfo | undefined): void {
    this.#emit(session, 'stream', 'created', 'streamCreated', { stream: streamJson(stream, connection) });
  }

  streamDestroyed(session: SessionRecord, stream: StreamInfo, connection: ConnectionInfo | undefined, reason: StreamDestroyedReason): void {
    this.#emit(session, 'stream', 'destroyed', 'streamDestroyed', { reason, stream: streamJson(stream, connection) });
  }

  /** An archive's status changed: its description as the REST API gives it, with event "archive". */
  archiveStatus(archive: Archive): void {
    if (this.#closed) return;
    const urls = this.#opts.registry.urlsFor(archive.projectId, 'archive', 'status');
    if (urls.length === 0) return;
    const body = JSON.stringify({ ...archiveJson(archive, this.#opts.archiveUrl?.(archive) ?? null), event: 'archive', timestamp: Date.now() });
    for (const url of urls) this.#enqueue({ url, body, projectId: archive.projectId, attempt: 0 });
  }

  /** Stops: nothing more is sent; deliveries in flight are aborted. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    for (const controller of this.#inFlight) controller.abort();
    this.#queue.length = 0;
  }

  #emit(session: SessionRecord, group: CallbackGroup, event: CallbackEvent, name: string, fields: Record<string, unknown>): void {
    if (this.#closed) return;
    const projectId = SessionStore.projectOf(session);
    if (projectId === undefined) return;
    const urls = this.#opts.registry.urlsFor(projectId, group, event);
    if (urls.length === 0) return;
    const body = JSON.stringify({ sessionId: session.sessionId, projectId, event: name, timestamp: Date.now(), ...fields });
    for (const url of urls) this.#enqueue({ url, body, projectId, attempt: 0 });
  }

  #enqueue(delivery: Delivery): void {
    if (this.pending >= this.#opts.maxQueued) {
      const dropped = this.#queue.shift() ?? delivery;
      if (this.#dropped++ % 1000 === 0) this.#opts.log?.(forLog(`webhooks: queue full (${this.#opts.maxQueued}): dropped a delivery to ${dropped.url} (${this.#dropped} so far)`, 500));
      if (dropped === delivery) return;
    }
    this.#queue.push(delivery);
    this.#pump();
  }

  #pump(): void {
    while (!this.#closed && this.#inFlight.size < this.#opts.concurrency && this.#queue.length > 0) {
      void this.#send(this.#queue.shift()!);
    }
  }

  async #send(delivery: Delivery): Promise<void> {
    const secret = this.#opts.secretOf(delivery.projectId);
    if (secret === undefined) return;
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(), this.#opts.timeoutMs);
    let failure: string | undefined;
    try {
      const res = await fetch(delivery.url, {
        method: 'POST', body: delivery.body, signal: controller.signal, redirect: 'manual',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${signWebhook(delivery.body, delivery.projectId, secret)}` },
      });
      // The answer's body is not read beyond what the connection needs: a receiver cannot make us buffer it.
      await res.body?.cancel();
      if (res.status < 200 || res.status > 299) failure = `HTTP ${res.status}`;
    } catch (err) {
      // fetch says only "fetch failed": the cause says why (a refused connection, a certificate that does not verify).
      const cause = (err as Error & { cause?: unknown }).cause;
      failure = controller.signal.aborted ? `no answer within ${this.#opts.timeoutMs} ms`
        : `${(err as Error).message}${cause instanceof Error ? `: ${cause.message}` : ''}`;
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
    }
    if (failure !== undefined && !this.#closed) this.#retry(delivery, failure);
    this.#pump();
  }

  #retry(delivery: Delivery, failure: string): void {
    const delay = this.#opts.retryDelaysMs[delivery.attempt];
    if (delay === undefined) {
      this.#opts.log?.(forLog(`webhooks: gave up on ${delivery.url} after ${delivery.attempt + 1} attempts: ${failure}`, 500));
      return;
    }
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      this.#enqueue({ ...delivery, attempt: delivery.attempt + 1 });
    }, delay);
    timer.unref();
    this.#retryTimers.add(timer);
  }
}
