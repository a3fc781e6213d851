// Recordings of end-to-end encrypted routed sessions for key holders. Janus records exactly what
// it forwarded, sealed frames, and marks the files encrypted (janus-pp-rec refuses them). Here each
// recorded frame is opened with the session's secret and the result written as a plain .mjr, which
// janus-pp-rec turns into WebM/Opus; ffmpeg puts audio and video into one file.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { FrameCryptor } from '../frame-cryptor';
import type { Secret } from '../secret';
import { type RecordedCodec, type RecordedFrame, codecOfRecording, depacketize, packetize } from './frames';
import { MjrError, parseMjr, serializeMjr } from './mjr';

const run = promisify(execFile);

export interface RecordingKey {
  /** The session the recording belongs to (part of the key derivation). */
  sessionId: string;
  /** The session's encryption secret. */
  secret: Secret;
}

/** What became of one recorded stream. */
export interface RecordingReport {
  input: string;
  kind: 'audio' | 'video';
  codec: RecordedCodec;
  /** Whether Janus marked the file as end-to-end encrypted. */
  markedEncrypted: boolean;
  frames: number;
  decrypted: number;
  /** Frames the secret did not open (another secret, another session, damaged). */
  notDecrypted: number;
  /** Frames with a packet missing, left out. */
  incomplete: number;
  /** Records that were not RTP of the stream's codec. */
  unreadable: number;
}

/**
 * The session and stream a recording of node-otc's router belongs to, from its file name
 * (`<sessionId>-<streamId>-<audio|video>-<n>.mjr`); undefined for other names.
 */
export function recordingNameParts(file: string): { sessionId: string; streamId: string; kind: 'audio' | 'video' } | undefined {
  const match = /^(.+)-(s-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(audio|video)-\d+\.mjr$/.exec(path.basename(file));
  return match ? { sessionId: match[1]!, streamId: match[2]!, kind: match[3] as 'audio' | 'video' } : undefined;
}

export class RecordingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordingError';
  }
}

/** Opens every frame of one encrypted .mjr and writes a plain .mjr `output` that janus-pp-rec accepts. */
export async function decryptMjr(input: string, output: string, key: RecordingKey): Promise<RecordingReport> {
  const cryptor = await FrameCryptor.create({ sessionId: key.sessionId, secret: key.secret });
  try {
    return decryptMjrWith(cryptor, input, output);
  } finally {
    cryptor.delete();
  }
}

/**
 * decryptMjr with a cryptor of the session's key: one serves all of a session's recordings (each
 * sender has its own KID, so its own replay window), with the key derived (PBKDF2) once.
 */
function decryptMjrWith(cryptor: FrameCryptor, input: string, output: string): RecordingReport {
  const mjr = parseMjrFile(input);
  const codec = codecOfRecording(mjr.info.c);
  if (mjr.info.t === 'd') throw new RecordingError(`${input}: a data-channel recording has no media to decrypt`);
  if (!codec) throw new RecordingError(`${input}: codec ${mjr.info.c} is not supported (VP8 and Opus are)`);
  const { frames, incomplete, unreadable } = depacketize(codec, mjr.packets);
  const opened: RecordedFrame[] = [];
  for (const frame of frames) {
    // Janus names codecs in lower case ('vp8'); the frame format spells them as SDP does.
    const result = cryptor.open(frame.data, { codec: codec === 'vp8' ? 'VP8' : 'opus' });
    if (result.outcome === 'decrypted' && result.frame) opened.push({ ...frame, data: result.frame });
  }
  const { e: _encrypted, ...plainInfo } = mjr.info;
  fs.writeFileSync(output, serializeMjr({ ...plainInfo, t: mjr.info.t, c: mjr.info.c }, packetize(codec, opened)));
  return {
    input, kind: mjr.info.t === 'a' ? 'audio' : 'video', codec, markedEncrypted: mjr.info.e === true,
    frames: frames.length, decrypted: opened.length, notDecrypted: frames.length - opened.length, incomplete, unreadable,
  };
}

export interface DecryptRecordingOptions extends RecordingKey {
  /** Executables (default: janus-pp-rec and ffmpeg on PATH). */
  janusPpRec?: string;
  ffmpeg?: string;
  /** One line per step. */
  progress?: (line: string) => void;
}

/**
 * Turns the .mjr files of one publisher (its audio and/or video) into one playable file
 * (`output`, WebM: VP8 + Opus). Throws RecordingError when no frame opens (wrong secret or session).
 */
export async function decryptRecording(inputs: readonly string[], output: string, opts: DecryptRecordingOptions): Promise<RecordingReport[]> {
  if (inputs.length === 0) throw new RecordingError('no .mjr file given');
  const progress = opts.progress ?? ((): void => undefined);
  const cryptor = await FrameCryptor.create({ sessionId: opts.sessionId, secret: opts.secret });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'node-otc-recording-'));
  try {
    const reports: RecordingReport[] = [];
    const media: string[] = [];
    for (const [i, input] of inputs.entries()) {
      const plain = path.join(work, `${i}.mjr`);
      const report = decryptMjrWith(cryptor, input, plain);
      reports.push(report);
      progress(`${input}: ${report.kind} ${report.codec}, ${report.decrypted} of ${report.frames} frames opened` +
        `${report.incomplete ? `, ${report.incomplete} incomplete` : ''}${report.markedEncrypted ? '' : ' (the file was not marked encrypted)'}`);
      if (report.decrypted === 0) {
        throw new RecordingError(`${input}: no frame opened with this secret and session id (of ${report.frames})`);
      }
      const extracted = path.join(work, `${i}.${report.kind === 'audio' ? 'opus' : 'webm'}`);
      await tool(opts.janusPpRec ?? 'janus-pp-rec', [plain, extracted]);
      if (!fs.existsSync(extracted) || fs.statSync(extracted).size === 0) {
        throw new RecordingError(`janus-pp-rec wrote nothing for ${input}`);
      }
      media.push(extracted);
    }
    progress(`muxing ${media.length} stream${media.length === 1 ? '' : 's'} into ${output}`);
    await tool(opts.ffmpeg ?? 'ffmpeg', ['-y', '-v', 'error', ...media.flatMap((m) => ['-i', m]), ...media.flatMap((_, i) => ['-map', String(i)]),
      '-c', 'copy', output]);
    return reports;
  } finally {
    cryptor.delete();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function parseMjrFile(file: string) {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    throw new RecordingError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return parseMjr(data);
  } catch (err) {
    if (err instanceof MjrError) throw new RecordingError(`${file}: ${err.message}`);
    throw err;
  }
}

async function tool(binary: string, args: string[]): Promise<void> {
  try {
    await run(binary, args, { maxBuffer: 16 << 20, timeout: 10 * 60_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: string | number };
    const detail = (e.stderr ?? '').trim().split('\n').slice(-5).join('\n');
    throw new RecordingError(e.code === 'ENOENT' ? `${binary} is not installed (bash scripts/install-system-deps.sh)`
      : `${binary} failed: ${detail || e.message}`);
  }
}
