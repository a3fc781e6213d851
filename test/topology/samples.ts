// Reading a call client's frame samples (CallClientReport.samples): frames between two times,
// and when media came back after a fault.
import type { FrameSample } from './call-client';

/** Frames received between two times, from the samples (the last sample at or before each). */
export function framesBetween(samples: FrameSample[], from: number, to: number): number {
  const at = (time: number): number => {
    let frames = samples[0]?.frames ?? 0;
    for (const sample of samples) if (sample.at <= time) frames = sample.frames;
    return frames;
  };
  return at(to) - at(from);
}

/** The first sample after `since` from which `frames` frames arrived within 1 s: 1 for the first frame back, 15 for half the rate. */
export function recoveredAt(samples: FrameSample[], since: number, frames: number): number | undefined {
  for (const sample of samples) {
    if (sample.at < since) continue;
    const later = samples.find((s) => s.at >= sample.at + 1000);
    if (later && later.frames - sample.frames >= frames) return sample.at;
  }
  return undefined;
}
