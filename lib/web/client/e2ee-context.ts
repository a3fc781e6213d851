// A session's end-to-end encryption on the page: the frame worker holding its keys, and the
// transforms that put the worker into each sender's and receiver's media pipeline.
import workerSource from 'otc:frame-worker-source';
import type { Codec } from '../e2ee/codec-prefix';
import type { PeerIce } from './ice-config';
import type { FromWorker, ToWorker, TransformCounters, TransformOptions } from './worker/messages';
import { emptyCounters } from './worker/messages';

export type EpisodeEvent = 'mismatch' | 'match' | 'integrity-failure';

/** Whether this browser can run the frame format inside its media pipeline at all. */
export function insertableStreamsSupported(): boolean {
  return typeof RTCRtpScriptTransform !== 'undefined' ||
    typeof (RTCRtpSender.prototype as { createEncodedStreams?: unknown }).createEncodedStreams === 'function';
}

/**
 * A peer connection's configuration: its ICE servers and policy; Chromium without
 * RTCRtpScriptTransform needs encodedInsertableStreams on every peer connection (legacy API).
 */
export function peerConnectionConfig(ice: PeerIce): RTCConfiguration {
  const config: RTCConfiguration & { encodedInsertableStreams?: boolean } = {
    iceServers: ice.iceServers, iceTransportPolicy: ice.iceTransportPolicy,
  };
  if (typeof RTCRtpScriptTransform === 'undefined') config.encodedInsertableStreams = true;
  return config;
}

type EncodedEndpoint = (RTCRtpSender | RTCRtpReceiver) & {
  transform?: RTCRtpTransform | null;
  createEncodedStreams?: () => { readable: ReadableStream; writable: WritableStream };
};

export class E2eeContext {
  readonly #worker: Worker;
  readonly #workerUrl: string;
  readonly #pending = new Map<number, { resolve: (epochId: number) => void; reject: (error: { code: number; message: string }) => void }>();
  #nextRequest = 1;
  #nextTransform = 1;
  #counters: Record<string, TransformCounters> = {};
  #closed = false;

  constructor(private readonly onEpisode: (subscriberId: string, event: EpisodeEvent) => void) {
    this.#workerUrl = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
    this.#worker = new Worker(this.#workerUrl, { name: 'otc-frame-worker' });
    this.#worker.onmessage = (event: MessageEvent<FromWorker>) => this.#onMessage(event.data);
  }

  /** Derives the key in the worker (PBKDF2) and makes it the sending key: resolves with its epoch id. */
  setSecret(sessionId: string, secret: Uint8Array): Promise<number> {
    return this.#request((requestId) => ({ type: 'secret', requestId, sessionId, secret }), [secret.buffer as ArrayBuffer]);
  }

  ratchet(): Promise<number> {
    return this.#request((requestId) => ({ type: 'ratchet', requestId }), []);
  }

  /** Seals what this sender sends; returns the transform's id (for counters). */
  attachSender(sender: RTCRtpSender, kind: 'audio' | 'video', codec: Codec | undefined): string {
    return this.#attach(sender, { role: 'send', id: `s${this.#nextTransform++}`, kind, ...(codec ? { codec } : {}) });
  }

  /** Opens what this receiver receives (dropping what does not open); returns the transform's id. */
  attachReceiver(receiver: RTCRtpReceiver, kind: 'audio' | 'video', payloadCodecs: Record<number, Codec>, subscriberId: string): string {
    return this.#attach(receiver, { role: 'receive', id: `r${this.#nextTransform++}`, kind, payloadCodecs, subscriberId });
  }

  counters(id: string): TransformCounters {
    return this.#counters[id] ?? emptyCounters();
  }

  forget(id: string): void {
    if (!this.#closed) this.#post({ type: 'forget', id });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#post({ type: 'close' });
    URL.revokeObjectURL(this.#workerUrl);
    for (const { reject } of this.#pending.values()) reject({ code: 6001, message: 'the session was closed' });
    this.#pending.clear();
  }

  #attach(endpoint: EncodedEndpoint, options: TransformOptions): string {
    if (typeof RTCRtpScriptTransform !== 'undefined') {
      endpoint.transform = new RTCRtpScriptTransform(this.#worker, options);
    } else if (endpoint.createEncodedStreams) {
      const { readable, writable } = endpoint.createEncodedStreams();
      this.#post({ type: 'legacy', options, readable, writable }, [readable as unknown as Transferable, writable as unknown as Transferable]);
    } else {
      throw new Error('this browser has no insertable streams (RTCRtpScriptTransform or createEncodedStreams)');
    }
    return options.id;
  }

  #request(make: (requestId: number) => ToWorker, transfer: Transferable[]): Promise<number> {
    if (this.#closed) return Promise.reject({ code: 6001, message: 'the session was closed' });
    const requestId = this.#nextRequest++;
    return new Promise((resolve, reject) => {
      this.#pending.set(requestId, { resolve, reject });
      this.#post(make(requestId), transfer);
    });
  }

  #post(message: ToWorker, transfer: Transferable[] = []): void {
    this.#worker.postMessage(message, transfer);
  }

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'keyReady':
      case 'keyFailed': {
        const pending = this.#pending.get(message.requestId);
        this.#pending.delete(message.requestId);
        if (message.type === 'keyReady') pending?.resolve(message.epochId);
        else pending?.reject({ code: message.code, message: message.message });
        break;
      }
      case 'episode':
        this.onEpisode(message.subscriberId, message.event);
        break;
      case 'counters':
        this.#counters = message.counters;
    }
  }
}
