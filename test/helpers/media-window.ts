// One measured window of a call: what the publisher sealed and sent, and what the subscriber's
// media check read, over the same `ms`.
import type * as otc from '../../lib/index';
import { sleep } from './wait';

export interface MediaWindow {
  sealed: number;
  sent: number;
  received: number;
  publisher: otc.PublisherStats;
  check: otc.MediaCheck;
}

export async function measureWindow(publisher: otc.Publisher, subscriber: otc.Subscriber, ms: number): Promise<MediaWindow> {
  const sent0 = publisher.stats();
  const check0 = subscriber.mediaCheck();
  await sleep(ms);
  const sent1 = publisher.stats();
  const check1 = subscriber.mediaCheck();
  return {
    sealed: sent1.videoFramesSealed - sent0.videoFramesSealed,
    sent: sent1.videoFramesSent - sent0.videoFramesSent,
    received: check1.framesReceived - check0.framesReceived,
    publisher: sent1,
    check: check1,
  };
}
