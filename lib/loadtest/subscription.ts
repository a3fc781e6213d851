// The one place the load test subscribes and reads a subscription's counters: verify-only
// (frames opened and counted, never decoded) or decoding (the test pattern's media check adds
// latency). Both are measured by the same verify counts (kept for every subscription).
import type { Session, StreamEvent } from '../session';
import type { Subscriber, VerifyNotOpened } from '../subscriber';
import type { SubscriptionSample } from './messages';

/** Subscribes to `stream`: verify-only unless `decode`. */
export function subscribeTo(session: Session, stream: StreamEvent, decode: boolean): Subscriber {
  return session.subscribe(stream, { verifyOnly: !decode });
}

/** The subscription's counters now, or undefined when it can no longer be read (deleted). */
export function sampleOf(subscriber: Subscriber, base: Pick<SubscriptionSample, 'subscriber' | 'publisher' | 'streamId' | 'decode' |
  'connected' | 'ended'>): SubscriptionSample | undefined {
  try {
    const stats = subscriber.stats();
    const { video, audio } = subscriber.verifyStats();
    const notOpened = (k: keyof VerifyNotOpened): number => video.notOpened[k] + audio.notOpened[k];
    const videoNotOpened = video.notOpened.mismatch + video.notOpened.integrity + video.notOpened.replay + video.notOpened.other;
    const check = base.decode ? subscriber.mediaCheck() : undefined;
    const readable = check !== undefined && check.framesReceived > 0;
    return {
      ...base, framesReceived: video.framesOpened + videoNotOpened, framesOpened: video.framesOpened, bytesOpened: video.bytesOpened,
      keyFrames: video.keyFrames, mismatch: notOpened('mismatch'), integrity: notOpened('integrity'), replay: notOpened('replay'),
      other: notOpened('other'), gaps: video.gaps, freezes: video.freezes, freezeMs: video.freezeMs, framesDecoded: stats.videoFramesDecoded,
      latencyP50Ms: readable ? check.latencyP50Ms : null, latencyP95Ms: readable ? check.latencyP95Ms : null, packetsLost: stats.packetsLost,
    };
  } catch {
    return undefined;
  }
}
