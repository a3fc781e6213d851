// The frames of a recording Janus is still writing: what it has recorded so far, read again on
// each call (the file grows; its last record, even its header, may be only partly written yet).
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { RecordingError, recordingNameParts } from './decrypt-recording';
import { codecOfRecording, depacketize } from './frames';
import { MjrError, type Mjr, parseMjr } from './mjr';

export interface RecordedFrame {
  /** 0-based position among the whole frames read so far, in RTP sequence order. */
  index: number;
  /** The RTP timestamp of the frame's packets. */
  timestamp: number;
  /** VP8: the frame's key-frame bit (left in the clear by the frame format); Opus: always true. */
  keyFrame: boolean;
  /** The frame as recorded: for an E2EE stream, SFrame ciphertext with the codec's clear prefix. */
  data: Uint8Array;
}

export interface LiveRecordingSnapshot {
  file: string;
  /** The codec from the .mjr header ('vp8', 'opus', ...); '' while Janus has not written the header yet. */
  codec: string;
  /** Whole packet records read. */
  packets: number;
  /** Whole frames among them (a frame with a packet missing, or not all written yet, is not counted). */
  frames: number;
  /** Bytes of the file read. */
  bytes: number;
  lastKeyFrame: RecordedFrame | null;
  lastFrame: RecordedFrame | null;
  /** Whether Janus marked the recording end-to-end encrypted in its header. */
  encrypted: boolean;
}

/**
 * What Janus has recorded in `file` so far. Reads the file once; cheap enough to call every
 * second on a recording of a few MB. Never rejects on a file cut short (a recording still being
 * written); rejects with a RecordingError when the file cannot be read or is not a .mjr at all.
 * Frames of codecs other than VP8 and Opus are not taken apart: `frames` stays 0 for them.
 */
export async function readLiveRecording(file: string): Promise<LiveRecordingSnapshot> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw new RecordingError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let mjr: Mjr | undefined;
  try {
    mjr = parseMjr(data, { growing: true });
  } catch (err) {
    if (err instanceof MjrError) throw new RecordingError(`${file}: ${err.message}`);
    throw err;
  }
  const snapshot: LiveRecordingSnapshot = {
    file, codec: mjr?.info.c ?? '', packets: mjr?.packets.length ?? 0, frames: 0, bytes: data.length,
    lastKeyFrame: null, lastFrame: null, encrypted: mjr?.info.e === true,
  };
  const codec = mjr ? codecOfRecording(mjr.info.c) : undefined;
  if (!mjr || !codec) return snapshot;
  const { frames } = depacketize(codec, mjr.packets);
  const isKey = (frame: Uint8Array): boolean => codec === 'opus' || isVp8KeyFrame(frame);
  const recorded = (index: number): RecordedFrame => {
    const frame = frames[index]!;
    return { index, timestamp: frame.first.timestamp, keyFrame: isKey(frame.data), data: frame.data };
  };
  snapshot.frames = frames.length;
  if (frames.length > 0) snapshot.lastFrame = recorded(frames.length - 1);
  const lastKey = frames.findLastIndex((frame) => isKey(frame.data));
  if (lastKey >= 0) snapshot.lastKeyFrame = recorded(lastKey);
  return snapshot;
}

/**
 * The .mjr files under `dir` (archives' folders included) of session `sessionId`, by the router's
 * naming (`<sessionId>-<streamId>-<audio|video>-<n>.mjr`), as paths in name order (numbers by value).
 */
export async function findRecordings(dir: string, sessionId: string): Promise<string[]> {
  const names = (await readdir(dir, { recursive: true })).filter((name) => recordingNameParts(name)?.sessionId === sessionId);
  const isFile = await Promise.all(names.map((name) => stat(path.join(dir, name)).then((s) => s.isFile(), () => false)));
  return names
    .filter((_, i) => isFile[i])
    .sort((a, b) => path.basename(a).localeCompare(path.basename(b), 'en', { numeric: true }))
    .map((name) => path.join(dir, name));
}

/** VP8 payload header (RFC 6386 section 9.1): the P bit of the first byte is 0 on a key frame. */
function isVp8KeyFrame(frame: Uint8Array): boolean {
  return frame.length > 0 && (frame[0]! & 0x01) === 0;
}
