// What the page and the frame worker say to each other (structured-clone messages).
import type { Codec } from '../../e2ee/codec-prefix';

/** How a transform knows which codec a frame is: the frame's own metadata first, then these. */
export interface TransformOptions {
  role: 'send' | 'receive';
  /** Unique per transform within the worker. */
  id: string;
  kind: 'audio' | 'video';
  /** A sender's negotiated codec (when the frame's metadata names none). */
  codec?: Codec;
  /** A receiver's RTP payload type -> codec map, from the offer it answered. */
  payloadCodecs?: Record<number, Codec>;
  /** Receivers of one subscriber share a mismatch episode (docs/e2ee-frame-format.md section 6.3). */
  subscriberId?: string;
}

export type ToWorker =
  | { type: 'secret'; requestId: number; sessionId: string; secret: Uint8Array }
  | { type: 'ratchet'; requestId: number }
  | { type: 'legacy'; options: TransformOptions; readable: ReadableStream; writable: WritableStream }
  | { type: 'forget'; id: string }
  | { type: 'close' };

/** Frames a transform has handled, by outcome. */
export interface TransformCounters {
  sealed: number;
  decrypted: number;
  mismatch: number;
  integrityFailure: number;
  replay: number;
  /** Empty frames (Chromium hands some audio ones) passed on unchanged. */
  empty: number;
  /** Frames dropped before any key was set, or of a codec the frame format does not know. */
  dropped: number;
  bytes: number;
}

export type FromWorker =
  | { type: 'keyReady'; requestId: number; epochId: number }
  | { type: 'keyFailed'; requestId: number; code: number; message: string }
  | { type: 'episode'; subscriberId: string; event: 'mismatch' | 'match' | 'integrity-failure' }
  | { type: 'counters'; counters: Record<string, TransformCounters> };

export function emptyCounters(): TransformCounters {
  return { sealed: 0, decrypted: 0, mismatch: 0, integrityFailure: 0, replay: 0, empty: 0, dropped: 0, bytes: 0 };
}
