// Reading a call client's report after a fault (a cut link, a killed server): frames between two
// times, when media came back, and what every such test asks of both ends.
import type { ExecutionContext } from 'ava';
import type { CallClientReport, FrameSample } from './call-client';

/**
 * The end stayed in the call through the fault: connected, no error, the same connection id at
 * the end, never `disconnected`. Returns the report as text, for the caller's own messages.
 */
export function checkKeptConnection(t: ExecutionContext, side: CallClientReport): string {
  const detail = `${side.name}: ${JSON.stringify({ ...side, samples: undefined })}`;
  t.true(side.connected, detail);
  t.deepEqual(side.errors, [], detail);
  t.truthy(side.connectionIds[0], detail);
  t.is(side.connectionIds[1], side.connectionIds[0], `${side.name} kept its connection id: ${detail}`);
  t.false(side.sessionEvents.some((e) => e.name === 'disconnected'), detail);
  return detail;
}

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
