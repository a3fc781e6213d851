// An archive's folder of recordings, `<recordings>/<archiveId>/` (part-<n>/ below it for streams
// recorded again after their peer was made anew): what is kept once it stops, and its removal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { recordingNameParts } from '../../recording/decrypt-recording';

/** The archive's folder. Archive ids are the server's own UUIDs, never a client's text. */
export function archiveFolder(recordingsDir: string, archiveId: string): string {
  return path.join(recordingsDir, archiveId);
}

/** The files under an archive's folder (its part-<n>/ folders too), in name order. */
export function recordingFiles(dir: string): string[] {
  return filesUnder(dir).sort();
}

function filesUnder(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name))
    : e.isFile() ? [path.join(dir, e.name)] : []));
}

/**
 * Removes the recordings `keep` refuses (Janus records a publisher's audio and video together;
 * an archive without one of them drops its files here) and returns the bytes left.
 */
export function settleFolder(dir: string, keep: (streamId: string, kind: 'audio' | 'video') => boolean): number {
  let size = 0;
  for (const file of filesUnder(dir)) {
    const parts = recordingNameParts(file);
    if (parts && !keep(parts.streamId, parts.kind)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    size += fs.statSync(file).size;
  }
  return size;
}

export function removeFolder(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
