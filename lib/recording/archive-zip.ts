// An archive as the session server hands it out (the zip at its `url`: Janus's recordings and a
// manifest) turned into video by a key holder: each recorded stream's files are opened with the
// session's secret and muxed into `<streamId>.webm` (`<streamId>-part-<n>.webm` for a stream
// recorded again after its router peer was made anew). Only entries named as the server names
// recordings are read, each to a flat temporary name: a hostile zip's paths go nowhere.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { Secret } from '../secret';
import { type RecordingReport, RecordingError, decryptRecording, recordingNameParts } from './decrypt-recording';

/** Most entries an archive zip may have, and largest recording in it (bytes). */
export const MAX_ZIP_ENTRIES = 10_000;
export const MAX_RECORDING_BYTES = 8 * 1024 ** 3;

export interface ArchiveZipOptions {
  secret: Secret;
  /** The session (part of the key); default: the one the recordings' names give. */
  sessionId?: string;
  progress?: (line: string) => void;
}

/** What became of one stream (one part of it) of the archive. */
export interface ArchiveStreamReport {
  streamId: string;
  output: string;
  reports: RecordingReport[];
}

interface Recording {
  file: string;
  streamId: string;
  sessionId: string;
  /** 1 for a stream's first recording, n for part-<n>/. */
  part: number;
}

async function extractRecordings(zipFile: string, work: string): Promise<Recording[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipFile, { lazyEntries: true, autoClose: false });
  } catch (err) {
    throw new RecordingError(`${zipFile}: not a zip file (${(err as Error).message})`);
  }
  const recordings: Recording[] = [];
  try {
    if (zip.entryCount > MAX_ZIP_ENTRIES) throw new RecordingError(`${zipFile}: more than ${MAX_ZIP_ENTRIES} entries`);
    const entries: yauzl.Entry[] = await new Promise((resolve, reject) => {
      const all: yauzl.Entry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        all.push(entry);
        zip.readEntry();
      });
      zip.once('end', () => resolve(all));
      zip.once('error', reject);
      zip.readEntry();
    });
    for (const entry of entries) {
      const parts = recordingNameParts(entry.fileName);
      if (!parts || entry.fileName.endsWith('/')) continue;
      if (entry.uncompressedSize > MAX_RECORDING_BYTES) throw new RecordingError(`${entry.fileName}: larger than ${MAX_RECORDING_BYTES} bytes`);
      const part = /(?:^|\/)part-(\d{1,6})\//.exec(entry.fileName);
      const file = path.join(work, `${recordings.length}-${path.basename(entry.fileName)}`);
      await pipeline(await zip.openReadStreamPromise(entry), fs.createWriteStream(file, { mode: 0o600 }));
      recordings.push({ file, streamId: parts.streamId, sessionId: parts.sessionId, part: part ? Number(part[1]) : 1 });
    }
  } catch (err) {
    if (err instanceof RecordingError) throw err;
    throw new RecordingError(`${zipFile}: ${(err as Error).message}`);
  } finally {
    zip.close();
  }
  return recordings;
}

/** Opens every recorded stream of an archive zip into `outDir` (created if missing). */
export async function decryptArchiveZip(zipFile: string, outDir: string, opts: ArchiveZipOptions): Promise<ArchiveStreamReport[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'node-otc-archive-'));
  try {
    const recordings = await extractRecordings(zipFile, work);
    if (recordings.length === 0) throw new RecordingError(`${zipFile}: no recordings in it (<sessionId>-<streamId>-<kind>-<n>.mjr)`);
    const sessions = new Set(recordings.map((r) => r.sessionId));
    const sessionId = opts.sessionId || (sessions.size === 1 ? [...sessions][0]! : undefined);
    if (sessionId === undefined) throw new RecordingError(`${zipFile}: its recordings name ${sessions.size} sessions: give the session id`);
    fs.mkdirSync(outDir, { recursive: true });
    const groups = new Map<string, Recording[]>();
    for (const recording of recordings) {
      const name = recording.part === 1 ? recording.streamId : `${recording.streamId}-part-${recording.part}`;
      groups.set(name, [...(groups.get(name) ?? []), recording]);
    }
    const results: ArchiveStreamReport[] = [];
    for (const [name, group] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      const output = path.join(outDir, `${name}.webm`);
      const reports = await decryptRecording(group.map((r) => r.file), output, {
        sessionId, secret: opts.secret, ...(opts.progress && { progress: opts.progress }),
      });
      results.push({ streamId: group[0]!.streamId, output, reports });
    }
    return results;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
