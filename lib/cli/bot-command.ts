// `node-otc bot`: a headless participant for CI media tests (see lib/bot/bot.ts).
import * as fs from 'node:fs';
import type { BotOptions, BotReport } from '../bot/bot';
import type { EncodedMediaOptions } from '../publisher';
import { type Out, UsageError, numberArgument, parse, required, secretArgument, videoCodecArgument, videoSizeArgument } from './args';

export const BOT_USAGE = `  node-otc bot --url WS_URL --token T [--secret S | --secret-file F] [--publish pattern|file|encoded|none]
               [--media FILE[,FILE]] [--size 640x360] [--fps 30] [--codec VP8|VP9|H264] [--name NAME] [--no-subscribe]
               [--duration 30] [--warmup 2] [--expect-fps N] [--max-latency-ms N] [--report report.json]
               [--snapshots DIR] [--snapshot-every S] [--ratchet-every S] [--verify-only [--decode-sample N]]
               [--api-key K] [--session ID] [--ca-file F]
      joins a session (API key and session id from the token), publishes the test pattern or a
      media file (Y4M/WAV or anything ffmpeg reads, looped; --media implies --publish file), or
      with --publish encoded pre-encoded files sent as they are, no decode or re-encode (--media
      VIDEO[,AUDIO]: an IVF VP8/VP9 or raw H.264 file and/or an Ogg Opus file, told apart by their
      content; the codec is the file's, --fps the raw H.264 frame rate),
      subscribes to every other stream, prints a status line a second, and exits 0 when every
      subscription held --expect-fps decoded frames/s and a latency p95 under --max-latency-ms
      (test-pattern streams), 1 when not or on any error; --report writes the whole run as JSON,
      --snapshots saves received frames as PNG (at the end, or every --snapshot-every seconds),
      --ratchet-every re-keys the bot's stream to the next ratchet step every S seconds;
      --verify-only subscribes without decoding (every frame opened and counted: fps is frames
      opened per second, gaps and freezes from the frame cryptor's counts, latency not judged),
      --decode-sample N still decodes every Nth subscription (snapshots and latency come from those);
      --url wss://...: the server's certificate must chain to --ca-file (PEM) if given, else to
      the file in OTC_CA_FILE, else to the system's CA store`;


// --media VIDEO[,AUDIO] of --publish encoded: which file is which, from its first bytes (an Ogg
// file is the audio); the native side checks each file whole.
function encodedFiles(list: string): EncodedMediaOptions {
  const files = list.split(',').filter((file) => file !== '');
  if (files.length === 0 || files.length > 2) throw new UsageError('--publish encoded takes --media VIDEO[,AUDIO] (one or two files)');
  const result: EncodedMediaOptions = {};
  for (const file of files) {
    const head = Buffer.alloc(4);
    try {
      const fd = fs.openSync(file, 'r');
      try {
        fs.readSync(fd, head, 0, 4, 0);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      throw new UsageError(`cannot read --media ${file}: ${(err as Error).message}`);
    }
    const kind = head.toString('latin1') === 'OggS' ? 'audio' : 'video';
    if (result[kind] !== undefined) throw new UsageError(`--media names two ${kind} files (${result[kind]}, ${file})`);
    result[kind] = file;
  }
  return result;
}

export async function botCommand(args: string[], out: Out, usage: string): Promise<number> {
  const { values } = parse(args, {
    url: 'string', token: 'string', secret: 'string', 'secret-file': 'string', 'api-key': 'string', session: 'string', name: 'string',
    publish: 'string', media: 'string', size: 'string', fps: 'string', codec: 'string', 'no-subscribe': 'boolean', duration: 'string',
    warmup: 'string', 'expect-fps': 'string', 'max-latency-ms': 'string', report: 'string', snapshots: 'string', 'snapshot-every': 'string',
    'ratchet-every': 'string', 'ca-file': 'string', 'verify-only': 'boolean', 'decode-sample': 'string',
  });
  if (values['help']) {
    out(usage);
    return 0;
  }
  const signalingUrl = required(values, 'url');
  if (!/^wss?:\/\//.test(signalingUrl)) throw new UsageError(`--url must be the signaling URL (ws://host:port/v1/signaling or wss://...), not ${signalingUrl}`);
  const caFile = values['ca-file'] as string | undefined;
  if (caFile !== undefined) {
    if (!signalingUrl.startsWith('wss://')) throw new UsageError('--ca-file goes with a wss:// --url');
    try {
      fs.accessSync(caFile, fs.constants.R_OK);
    } catch (err) {
      throw new UsageError(`cannot read --ca-file ${caFile}: ${(err as Error).message}`);
    }
  }
  const token = required(values, 'token');
  const media = values['media'] as string | undefined;
  const publish = (values['publish'] as string | undefined) ?? (media ? 'file' : 'pattern');
  if (publish !== 'pattern' && publish !== 'file' && publish !== 'encoded' && publish !== 'none') {
    throw new UsageError(`--publish must be pattern, file, encoded or none, not ${publish}`);
  }
  if ((publish === 'file' || publish === 'encoded') && !media) throw new UsageError(`--publish ${publish} needs --media FILE`);
  if (publish !== 'file' && publish !== 'encoded' && media) throw new UsageError('--media goes with --publish file or encoded');
  const encodedMedia = publish === 'encoded' ? encodedFiles(media!) : undefined;
  const { width, height } = videoSizeArgument(values);
  const codec = videoCodecArgument(values);
  const reportFile = values['report'] as string | undefined;
  const verifyOnly = values['verify-only'] === true;
  const decodeSample = numberArgument(values, 'decode-sample', 0, 1_000_000);
  if (decodeSample !== undefined && !Number.isInteger(decodeSample)) throw new UsageError('--decode-sample must be a whole number');
  if (decodeSample !== undefined && !verifyOnly) throw new UsageError('--decode-sample goes with --verify-only');
  const opts: BotOptions = {
    signalingUrl, token, publish, videoCodec: codec, width, height,
    fps: numberArgument(values, 'fps', 1, 60) ?? 30,
    durationS: numberArgument(values, 'duration', 1, 24 * 3600) ?? 30,
    warmupS: numberArgument(values, 'warmup', 0, 600) ?? 2,
    subscribe: values['no-subscribe'] !== true,
    verifyOnly,
    ...(decodeSample !== undefined && { decodeSample }),
  };
  const secret = secretArgument(values);
  if (secret !== undefined) opts.secret = secret;
  const optional: Array<[keyof BotOptions, unknown]> = [
    ['apiKey', values['api-key']], ['sessionId', values['session']], ['name', values['name']], ['mediaFile', media],
    ['expectFps', numberArgument(values, 'expect-fps', 0, 240)], ['maxLatencyMs', numberArgument(values, 'max-latency-ms', 1, 60_000)],
    ['snapshotDir', values['snapshots']], ['snapshotEveryS', numberArgument(values, 'snapshot-every', 1, 3600)],
    ['ratchetEveryS', numberArgument(values, 'ratchet-every', 1, 3600)], ['caFile', caFile],
    ['encodedMedia', encodedMedia && { ...encodedMedia, ...(values['fps'] !== undefined && { frameRate: opts.fps }) }],
  ];
  if (encodedMedia) delete opts.mediaFile;
  for (const [key, value] of optional) if (value !== undefined) (opts as unknown as Record<string, unknown>)[key] = value;
  if (opts.snapshotEveryS !== undefined && !opts.snapshotDir) throw new UsageError('--snapshot-every goes with --snapshots DIR');

  // Loaded here: the other commands do not need the native addon.
  const { runBot } = await import('../bot/bot.js');
  const abort = new AbortController();
  // The signal's name is the abort reason: the report says what stopped the run early.
  const onSignal = (signal: NodeJS.Signals): void => abort.abort(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const tty = process.stdout.isTTY === true;
  let statusShown = false;
  opts.signal = abort.signal;
  opts.progress = (line, kind) => {
    if (kind === 'status' && tty) {
      process.stdout.write(`\r\x1b[K${line}`);
      statusShown = true;
      return;
    }
    if (statusShown) process.stdout.write('\n');
    statusShown = false;
    out(kind === 'status' ? line : `* ${line}`);
  };
  let report: BotReport;
  try {
    report = await runBot(opts);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (statusShown) process.stdout.write('\n');
  for (const line of summary(report)) out(line);
  if (reportFile) {
    fs.writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    out(`report: ${reportFile}`);
  }
  return report.ok ? 0 : 1;
}

function summary(report: BotReport): string[] {
  const lines = [`${report.ok ? 'PASS' : 'FAIL'}: ${report.subscriptions.length} subscription(s) over ${report.durationS.toFixed(1)} s` +
    `${report.e2ee ? ', end-to-end encrypted' : ''}`];
  for (const s of report.subscriptions) {
    const check = s.mediaCheck;
    const { video } = s.verify;
    const latency = s.verifyOnly ? `verify-only: ${video.framesOpened} frames opened, gaps ${video.gaps}, ` +
      `freezes ${video.freezes} (${video.freezeMs.toFixed(0)} ms)` : check.framesReceived > 0 ? `latency p50 ${check.latencyP50Ms} ms p95 ${check.latencyP95Ms} ms, lost ${check.framesLost}, ` +
      `freezes ${check.freezes}` : 'no test-pattern code (latency unknown)';
    lines.push(`  ${s.name || s.streamId}: ${s.fps.toFixed(1)} fps over ${s.seconds.toFixed(1)} s, ${latency}` +
      `${s.judged ? '' : ' (too short to judge)'}${s.problems.length ? ` -- ${s.problems.join('; ')}` : ''}`);
  }
  for (const problem of report.problems) lines.push(`  problem: ${problem}`);
  for (const file of report.snapshots) lines.push(`  snapshot: ${file}`);
  return lines;
}
