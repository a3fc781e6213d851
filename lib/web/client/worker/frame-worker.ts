// The frame worker: seals every encoded frame a page sends and opens every frame it receives,
// inside the media pipeline (RTCRtpScriptTransform, or the legacy createEncodedStreams() streams
// handed over by message). One worker per session holds the session's keys; the page never
// sees them after handing over the secret.
import { type Codec, codecOfName } from '../../e2ee/codec-prefix';
import { InvalidSecretError, WebFrameCryptor } from '../../e2ee/frame-cryptor';
import { type FromWorker, type ToWorker, type TransformCounters, type TransformOptions, emptyCounters } from './messages';

declare const self: DedicatedWorkerGlobalScope;

type EncodedFrame = RTCEncodedVideoFrame | RTCEncodedAudioFrame;

/** docs/e2ee-frame-format.md section 6.3: 3 undecryptable frames in a row start a mismatch episode. */
const MISMATCH_EPISODE_FRAMES = 3;
const COUNTERS_INTERVAL_MS = 250;

let cryptor: WebFrameCryptor | null = null;
let closed = false;
const counters = new Map<string, TransformCounters>();
const episodes = new Map<string, { undecryptableInARow: number; inMismatch: boolean; inIntegrity: boolean }>();
let countersDirty = false;

function post(message: FromWorker): void {
  self.postMessage(message);
}

function codecFromMime(mime: string): Codec | undefined {
  return codecOfName(mime.slice(mime.indexOf('/') + 1));
}

function codecOf(frame: EncodedFrame, options: TransformOptions): Codec | undefined {
  const metadata = frame.getMetadata() as { mimeType?: string; payloadType?: number };
  if (metadata.mimeType) return codecFromMime(metadata.mimeType);
  if (metadata.payloadType !== undefined && options.payloadCodecs?.[metadata.payloadType]) {
    return options.payloadCodecs[metadata.payloadType];
  }
  return options.codec;
}

function episodeEvent(subscriberId: string | undefined, outcome: 'decrypted' | 'mismatch' | 'integrity-failure' | 'replay'): void {
  if (!subscriberId) return;
  let state = episodes.get(subscriberId);
  if (!state) episodes.set(subscriberId, (state = { undecryptableInARow: 0, inMismatch: false, inIntegrity: false }));
  if (outcome === 'decrypted') {
    state.undecryptableInARow = 0;
    state.inIntegrity = false;
    if (state.inMismatch) {
      state.inMismatch = false;
      post({ type: 'episode', subscriberId, event: 'match' });
    }
  } else if (outcome === 'mismatch') {
    if (++state.undecryptableInARow >= MISMATCH_EPISODE_FRAMES && !state.inMismatch) {
      state.inMismatch = true;
      post({ type: 'episode', subscriberId, event: 'mismatch' });
    }
  } else if (outcome === 'integrity-failure' && !state.inIntegrity) {
    state.inIntegrity = true;
    post({ type: 'episode', subscriberId, event: 'integrity-failure' });
  }
}

async function handle(frame: EncodedFrame, options: TransformOptions, count: TransformCounters,
  controller: TransformStreamDefaultController<EncodedFrame>): Promise<void> {
  const data = new Uint8Array(frame.data);
  countersDirty = true;
  if (data.length === 0) {
    count.empty++;
    controller.enqueue(frame);
    return;
  }
  const codec = codecOf(frame, options);
  // Never a clear frame out, never an unopened one in. (Frames before the first key is derived
  // are not a mismatch: the secret is not known yet.)
  if (!cryptor || !codec || closed) {
    count.dropped++;
    return;
  }
  if (options.role === 'send') {
    const sealed = await cryptor.seal(data, codec);
    frame.data = sealed.buffer as ArrayBuffer;
    count.sealed++;
    count.bytes += sealed.length;
    controller.enqueue(frame);
    return;
  }
  const result = await cryptor.open(data, codec);
  episodeEvent(options.subscriberId, result.outcome);
  switch (result.outcome) {
    case 'decrypted':
      frame.data = result.frame!.buffer as ArrayBuffer;
      count.decrypted++;
      count.bytes += result.frame!.length;
      controller.enqueue(frame);
      return;
    case 'mismatch':
      count.mismatch++;
      return;
    case 'integrity-failure':
      count.integrityFailure++;
      return;
    case 'replay':
      count.replay++;
  }
}

function run(readable: ReadableStream, writable: WritableStream, options: TransformOptions): void {
  const count = emptyCounters();
  counters.set(options.id, count);
  const transform = new TransformStream<EncodedFrame, EncodedFrame>({
    transform: async (frame, controller) => {
      try {
        await handle(frame, options, count, controller);
      } catch {
        count.dropped++; // a frame that could not be handled is dropped, never passed on
      }
    },
  });
  readable.pipeThrough(transform).pipeTo(writable).catch(() => undefined).finally(() => {
    counters.delete(options.id);
  });
}

async function setSecret(requestId: number, sessionId: string, secret: Uint8Array): Promise<void> {
  try {
    if (!cryptor) {
      cryptor = await WebFrameCryptor.create(sessionId, secret);
    } else {
      await cryptor.setBaseKey(await WebFrameCryptor.baseKey(sessionId, secret));
    }
    post({ type: 'keyReady', requestId, epochId: cryptor.epochId });
  } catch (error) {
    const code = error instanceof InvalidSecretError ? error.code : 6001;
    post({ type: 'keyFailed', requestId, code, message: error instanceof Error ? error.message : String(error) });
  } finally {
    secret.fill(0);
  }
}

async function ratchet(requestId: number): Promise<void> {
  if (!cryptor) {
    post({ type: 'keyFailed', requestId, code: 6000, message: 'no encryption secret is set' });
    return;
  }
  await cryptor.ratchet();
  post({ type: 'keyReady', requestId, epochId: cryptor.epochId });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'secret':
      void setSecret(message.requestId, message.sessionId, message.secret);
      break;
    case 'ratchet':
      void ratchet(message.requestId);
      break;
    case 'legacy':
      run(message.readable, message.writable, message.options);
      break;
    case 'forget':
      counters.delete(message.id);
      episodes.delete(message.id);
      break;
    case 'close':
      closed = true;
      void cryptor?.delete();
      cryptor = null;
      self.close();
  }
};

// RTCRtpScriptTransform: the browser hands each transform's streams here.
(self as unknown as { onrtctransform: ((event: RTCTransformEvent) => void) | null }).onrtctransform = (event) => {
  const transformer = event.transformer;
  run(transformer.readable, transformer.writable, transformer.options as TransformOptions);
};

setInterval(() => {
  if (!countersDirty) return;
  countersDirty = false;
  post({ type: 'counters', counters: Object.fromEntries(counters) });
}, COUNTERS_INTERVAL_MS);
