// `node-otc loadtest`: N publishers x M subscribers against a session server, spread over worker
// processes (lib/loadtest/run.ts); exit 0 when every subscription met the thresholds, 1 when
// not, 2 on a usage or setup error.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { type Out, UsageError, fileArgument, numberArgument, parse, secretArgument, videoCodecArgument, videoSizeArgument } from './args';
import { createSession, makeTokens, signalingUrlOf } from './loadtest-setup';
import { readTokenClaims } from '../bot/token-claims';

export const LOADTEST_USAGE = `  node-otc loadtest --url URL (--api-key K --api-secret S [--session ID] | --token T) [--publishers 1] [--subscribers 1]
                    [--workers N] [--duration 30] [--ramp-up 0] [--settle 30] [--warmup 2] [--codec VP8|VP9|H264] [--size 640x360] [--fps 30]
                    [--no-audio] [--routed|--relayed] [--no-e2ee] [--secret S | --secret-file F] [--subscriber-secret S]
                    [--no-verify-only] [--decode-sample N] [--min-fps F] [--max-loss R] [--max-freezes N]
                    [--max-latency-p95 MS] [--json FILE] [--ca-file F]
      load-tests a session server (ours, or any speaking docs/protocol.md): --publishers publish the test
      pattern, --subscribers each subscribe to every publisher's stream, all spread over --workers
      processes (default: one per core). --url http(s)://host:port creates a routed (default) or relayed
      session through the REST API with --api-key/--api-secret (or joins --session) and signs a token per
      participant; with --token every participant uses that token (session and key from it; --url may
      then be the ws(s):// signaling URL). E2EE with a random secret unless --no-e2ee or --secret;
      --subscriber-secret gives subscribers another secret (to see mismatches counted). Subscriptions are
      verify-only (frames opened and counted, not decoded) but for every --decode-sample-th subscriber
      (they decode and read the test pattern: latency); --no-verify-only decodes all. Joins spread over
      --ramp-up seconds; the measured --duration starts when every subscription has opened frames for
      --warmup s (at the latest --settle s after the ramp-up: what is missing then fails the run).
      Prints a line a second and a report; --json FILE writes the report. Exit 0 when every
      subscription opened frames, none failed to open, and each met --min-fps (frames opened/s),
      --max-loss (missing frames, 0..1), --max-freezes and --max-latency-p95 (decoding ones); 1 when
      not or when a worker died; 2 on a usage or setup error. SIGINT stops early and still reports
      (exit 1).`;

/** Bounds: one machine's worth, with room; the server refuses what it must. */
const MAX_PUBLISHERS = 64;
const MAX_SUBSCRIBERS = 1000;
const MAX_SUBSCRIPTIONS = 10_000;
const MAX_WORKERS = 64;

export async function loadtestCommand(args: string[], out: Out, usage: string): Promise<number> {
  const { values } = parse(args, {
    url: 'string', 'api-key': 'string', 'api-secret': 'string', session: 'string', token: 'string', publishers: 'string', subscribers: 'string',
    workers: 'string', duration: 'string', 'ramp-up': 'string', settle: 'string', warmup: 'string', codec: 'string', size: 'string', fps: 'string',
    'no-audio': 'boolean', routed: 'boolean', relayed: 'boolean', 'no-e2ee': 'boolean', secret: 'string', 'secret-file': 'string',
    'subscriber-secret': 'string', 'no-verify-only': 'boolean', 'decode-sample': 'string', 'min-fps': 'string', 'max-loss': 'string',
    'max-freezes': 'string', 'max-latency-p95': 'string', json: 'string', 'ca-file': 'string',
  });
  if (values['help']) {
    out(usage);
    return 0;
  }
  const url = values['url'];
  if (typeof url !== 'string' || url === '') throw new UsageError('--url is required');
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL: ${url}`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsedUrl.protocol)) throw new UsageError(`--url must be http(s):// or ws(s)://, not ${url}`);
  const rest = parsedUrl.protocol === 'http:' || parsedUrl.protocol === 'https:';

  const publishers = numberArgument(values, 'publishers', 1, MAX_PUBLISHERS) ?? 1;
  const subscribers = numberArgument(values, 'subscribers', 0, MAX_SUBSCRIBERS) ?? 1;
  if (!Number.isInteger(publishers) || !Number.isInteger(subscribers)) throw new UsageError('--publishers and --subscribers are whole numbers');
  if (publishers * subscribers > MAX_SUBSCRIPTIONS) {
    throw new UsageError(`${publishers} x ${subscribers} = ${publishers * subscribers} subscriptions, over the ${MAX_SUBSCRIPTIONS} allowed`);
  }
  const participants = publishers + subscribers;
  const workersFlag = numberArgument(values, 'workers', 1, MAX_WORKERS);
  if (workersFlag !== undefined && !Number.isInteger(workersFlag)) throw new UsageError('--workers is a whole number');
  const workers = Math.min(workersFlag ?? os.availableParallelism(), participants);
  const durationS = numberArgument(values, 'duration', 1, 24 * 3600) ?? 30;
  const rampUpS = numberArgument(values, 'ramp-up', 0, 3600) ?? 0;
  const warmupS = numberArgument(values, 'warmup', 0, 600) ?? 2;
  const settleS = numberArgument(values, 'settle', 1, 600) ?? 30;

  const codec = videoCodecArgument(values);
  const { width, height } = videoSizeArgument(values);
  const fps = numberArgument(values, 'fps', 1, 60) ?? 30;

  if (values['routed'] && values['relayed']) throw new UsageError('--routed and --relayed exclude each other');
  const routed = values['relayed'] !== true;
  const e2ee = values['no-e2ee'] !== true;
  const given = secretArgument(values);
  if (!e2ee && (given !== undefined || values['subscriber-secret'] !== undefined)) {
    throw new UsageError('--no-e2ee excludes --secret, --secret-file and --subscriber-secret');
  }
  if (given === '') throw new UsageError('--secret is empty');
  const secret = e2ee ? given ?? randomBytes(32).toString('hex') : undefined;
  const subscriberSecret = values['subscriber-secret'] as string | undefined;
  if (subscriberSecret === '') throw new UsageError('--subscriber-secret is empty');

  const verifyOnly = values['no-verify-only'] !== true;
  const decodeSample = numberArgument(values, 'decode-sample', 0, MAX_SUBSCRIBERS) ?? 0;
  if (!Number.isInteger(decodeSample)) throw new UsageError('--decode-sample is a whole number');
  if (!verifyOnly && values['decode-sample'] !== undefined) throw new UsageError('--decode-sample goes with verify-only subscriptions (not --no-verify-only)');
  const thresholds = {
    ...optional('minFps', numberArgument(values, 'min-fps', 0, 1000)),
    ...optional('maxLoss', numberArgument(values, 'max-loss', 0, 1)),
    ...optional('maxFreezes', numberArgument(values, 'max-freezes', 0, 1_000_000)),
    ...optional('maxLatencyP95Ms', numberArgument(values, 'max-latency-p95', 1, 60_000)),
  };
  if (thresholds.maxLatencyP95Ms !== undefined && verifyOnly && decodeSample === 0) {
    throw new UsageError('--max-latency-p95 needs decoding subscribers: --decode-sample N or --no-verify-only');
  }
  const jsonFile = values['json'] as string | undefined;
  if (jsonFile === '') throw new UsageError('--json needs a file name');
  const caFile = values['ca-file'] as string | undefined;
  const ca = fileArgument(values, 'ca-file');

  // Loaded here: the other commands do not need the native addon.
  const { runLoadTest } = await import('../loadtest/run.js');
  const { formatReport } = await import('../loadtest/tally.js');
  const { validateSecret } = await import('../secret.js');
  for (const [flag, value] of [['--secret', secret], ['--subscriber-secret', subscriberSecret]] as const) {
    if (value !== undefined && validateSecret(value) !== 0) throw new UsageError(`${flag} is not a valid secret (8 to 256 characters, no NUL)`);
  }

  // Credentials: a key and secret (tokens signed here), or one token for everybody.
  const token = values['token'] as string | undefined;
  const apiKeyFlag = values['api-key'] as string | undefined;
  const apiSecret = values['api-secret'] as string | undefined;
  let apiKey: string;
  let sessionId: string;
  let publisherTokens: string[];
  let subscriberTokens: string[];
  const validS = rampUpS + settleS + durationS + 60;
  if (token !== undefined) {
    if (apiSecret !== undefined) throw new UsageError('--token excludes --api-secret (tokens are then made elsewhere)');
    const claims = readTokenClaims(token);
    apiKey = apiKeyFlag ?? claims.apiKey ?? '';
    sessionId = (values['session'] as string | undefined) ?? claims.sessionId ?? '';
    if (!apiKey || !sessionId) throw new UsageError('the --token names no API key or session: give --api-key and --session');
    publisherTokens = Array.from({ length: publishers }, () => token);
    subscriberTokens = Array.from({ length: subscribers }, () => token);
  } else {
    if (!apiKeyFlag || !apiSecret) throw new UsageError('give --api-key and --api-secret (or --token)');
    apiKey = apiKeyFlag;
    const existing = values['session'] as string | undefined;
    if (existing === undefined && !rest) throw new UsageError('creating a session needs the server\'s http(s):// --url (or give --session)');
    try {
      sessionId = existing ?? await createSession({ url, apiKey, apiSecret, e2ee, routed, ...(ca && { ca }) });
    } catch (err) {
      process.stderr.write(`node-otc: cannot create the session: ${(err as Error).message}\n`);
      return 2;
    }
    try {
      publisherTokens = makeTokens(apiKey, apiSecret, sessionId, 'publisher', publishers, validS);
      subscriberTokens = makeTokens(apiKey, apiSecret, sessionId, 'subscriber', subscribers, validS);
    } catch (err) {
      throw new UsageError(`cannot sign tokens: ${(err as Error).message}`);
    }
  }

  const signalingUrl = signalingUrlOf(url);
  out(`* ${publishers} publisher${publishers === 1 ? '' : 's'} x ${subscribers} subscriber${subscribers === 1 ? '' : 's'} on ${workers} worker${workers === 1 ? '' : 's'}, session ${sessionId}` +
    ` (${routed ? 'routed' : 'relayed'}${e2ee ? ', E2EE' : ''}), ${codec} ${width}x${height}@${fps}, ${rampUpS} s ramp-up + ${durationS} s`);

  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => abort.abort(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let report;
  try {
    report = await runLoadTest({
      signalingUrl, apiKey, sessionId, publisherTokens, subscriberTokens, workers, durationS, rampUpS, settleS, warmupS, codec,
      width, height, fps, audio: values['no-audio'] !== true, verifyOnly, decodeEvery: decodeSample, thresholds,
      progress: out, signal: abort.signal, describe: { url, signalingUrl, routed },
      ...(caFile !== undefined && { caFile }), ...(secret !== undefined && { secret }), ...(subscriberSecret !== undefined && { subscriberSecret }),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  for (const line of formatReport(report)) out(line);
  if (jsonFile) {
    fs.writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    out(`report: ${jsonFile}`);
  }
  return report.ok ? 0 : 1;
}

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}
