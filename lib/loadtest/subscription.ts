// The one place the load test subscribes and reads a subscription's counters: a verify-only
// subscription (frames opened and counted, never decoded) or a decoding one (the test pattern's
// media check adds latency). Both come out as the same SubscriptionSample.
import type { Session, StreamEvent } from '../session';
import { Subscriber } from '../subscriber';
import type { SubscriptionSample } from './messages';

/** What `subscriber.verifyStats()` reports for one kind of media (the verify-only API). */
interface VerifyKindStats {
  framesOpened: number;
  bytesOpened: number;
  keyFrames: number;
  notOpened: { mismatch: number; integrity: number; replay: number; other: number };
  gaps: number;
  freezes: number;
  freezeMs: number;
}

interface VerifyStats {
  video: VerifyKindStats;
  audio: VerifyKindStats;
}

/** The verify-only calls, reached structurally: a build without them decodes instead. */
interface VerifyCapable {
  subscribe(stream: StreamEvent, options: { verifyOnly: boolean }): Subscriber;
}

function verifyStatsOf(subscriber: Subscriber): VerifyStats | undefined {
  const read = (subscriber as unknown as { verifyStats?: () => VerifyStats }).verifyStats;
  return typeof read === 'function' ? read.call(subscriber) : undefined;
}

/** Whether this build has verify-only subscriptions. */
export function verifyOnlySupported(): boolean {
  return 'verifyStats' in Subscriber.prototype;
}

/** Subscribes to `stream`: verify-only unless `decode`. */
export function subscribeTo(session: Session, stream: StreamEvent, decode: boolean): Subscriber {
  if (decode) return session.subscribe(stream);
  return (session as unknown as VerifyCapable).subscribe(stream, { verifyOnly: true });
}

/** The subscription's counters now, or undefined when it can no longer be read (deleted). */
export function sampleOf(subscriber: Subscriber, base: Pick<SubscriptionSample, 'subscriber' | 'publisher' | 'streamId' | 'decode' |
  'connected' | 'ended'>): SubscriptionSample | undefined {
  try {
    const stats = subscriber.stats();
    // The verify counts are kept for decoding subscriptions too: every subscription is measured
    // the same way, the decoding ones add the test pattern's latency.
    const verify = verifyStatsOf(subscriber);
    if (verify) {
      const { video, audio } = verify;
      const notOpened = (k: keyof VerifyKindStats['notOpened']): number => video.notOpened[k] + audio.notOpened[k];
      const videoNotOpened = video.notOpened.mismatch + video.notOpened.integrity + video.notOpened.replay + video.notOpened.other;
      const check = base.decode ? subscriber.mediaCheck() : undefined;
      const readable = check !== undefined && check.framesReceived > 0;
      return {
        ...base, framesReceived: video.framesOpened + videoNotOpened, framesOpened: video.framesOpened, bytesOpened: video.bytesOpened,
        keyFrames: video.keyFrames, mismatch: notOpened('mismatch'), integrity: notOpened('integrity'), replay: notOpened('replay'),
        other: notOpened('other'), gaps: video.gaps, freezes: video.freezes, freezeMs: video.freezeMs, framesDecoded: stats.videoFramesDecoded,
        latencyP50Ms: readable ? check.latencyP50Ms : null, latencyP95Ms: readable ? check.latencyP95Ms : null, packetsLost: stats.packetsLost,
      };
    }
    // A build without the verify counts (decoding only): frames opened from the subscriber's
    // counters (E2EE), else those decoded; gaps, freezes and latency from the media check.
    const check = subscriber.mediaCheck();
    const opened = stats.e2ee ? stats.videoFramesOpened : stats.videoFramesDecoded;
    const readable = check.framesReceived > 0;
    return {
      ...base, framesReceived: opened + stats.framesMismatch + stats.framesIntegrityFailure + stats.framesReplay, framesOpened: opened,
      bytesOpened: 0, keyFrames: 0, mismatch: stats.framesMismatch, integrity: stats.framesIntegrityFailure, replay: stats.framesReplay,
      other: stats.framesDroppedOther, gaps: check.framesLost, freezes: check.freezes, freezeMs: 0, framesDecoded: stats.videoFramesDecoded,
      latencyP50Ms: readable ? check.latencyP50Ms : null, latencyP95Ms: readable ? check.latencyP95Ms : null, packetsLost: stats.packetsLost,
    };
  } catch {
    return undefined;
  }
}
