// One end of a call in the NAT traversal tests, run by the test in a client namespace
// (`ip netns exec <ns> node dist/test/topology/call-client.js '<json config>'`) with the package
// API: it joins the E2EE session, publishes the test pattern, subscribes to the other client's
// stream and reports, as JSON lines on stdout, every error and then what the call did: the
// selected candidate pairs, the frames sealed, opened and read over a window after warm-up.
import * as otc from '../../lib/index';

export interface CallClientConfig {
  name: string;
  signalingUrl: string;
  apiKey: string;
  sessionId: string;
  token: string;
  secret: string;
  /** Given to the Session as its iceConfig (the Linux SDK's custom ICE configuration). */
  iceConfig?: { iceServers?: Array<{ urls: string[]; username?: string; credential?: string }>; forceTurn?: boolean; useCustomTurnOnly?: boolean };
  /** How long to wait for the other client's stream, and then for media or an error. */
  connectTimeoutMs: number;
  warmupMs: number;
  windowMs: number;
  /** After its own window, how long to wait for the other client's "done" signal. */
  lingerMs: number;
  /** If set, the frames received are sampled this often over the window (the link-cut tests). */
  sampleEveryMs?: number;
}

/** A sample of the window: wall-clock time (ms since 1970, the test's clock too) and frames received so far. */
export interface FrameSample {
  at: number;
  frames: number;
}

/** A session event with its wall-clock time. */
export interface SessionEventAt {
  at: number;
  name: 'reconnecting' | 'reconnected' | 'disconnected';
}

export interface ClientError {
  side: 'publisher' | 'subscriber' | 'session';
  code: number;
  message: string;
  /** Since the subscription started. */
  ms: number;
}

export interface CallClientReport {
  name: string;
  connected: boolean;
  /** subscribe() to 'connected' (or to the first error). */
  connectMs: number;
  errors: ClientError[];
  windowMs: number;
  /** Frames with a readable pattern code per second over the window. */
  fps: number;
  check: otc.MediaCheck | null;
  subscriber: Record<string, unknown> | null;
  publisher: Record<string, unknown>;
  samples: FrameSample[];
  sessionEvents: SessionEventAt[];
  /** The connection id at the start and at the end (a reconnection keeps it). */
  connectionIds: [string, string];
}

type Line = { event: 'error'; error: ClientError } | { event: 'report'; report: CallClientReport } | { event: 'log'; text: string };

function emit(line: Line): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function plain(stats: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(stats, (_key, value: unknown) => (typeof value === 'bigint' ? Number(value) : value))) as Record<string, unknown>;
}

async function main(config: CallClientConfig): Promise<void> {
  otc.init();
  otc.audio.captureTone(440, 0.3);
  const errors: ClientError[] = [];
  let subscribedAt = Date.now();
  const failed = (side: ClientError['side']) => (error: otc.OtcError): void => {
    const entry = { side, code: error.code, message: error.message, ms: Date.now() - subscribedAt };
    errors.push(entry);
    emit({ event: 'error', error: entry });
  };
  const options = { signalingUrl: config.signalingUrl, ...(config.iceConfig && { iceConfig: config.iceConfig }) } as otc.SessionOptions;
  const session = new otc.Session(config.apiKey, config.sessionId, options);
  session.on('error', failed('session'));
  const sessionEvents: SessionEventAt[] = [];
  for (const name of ['reconnecting', 'reconnected', 'disconnected'] as const) {
    session.on(name, () => {
      sessionEvents.push({ at: Date.now(), name });
      emit({ event: 'log', text: `${config.name}: ${name}` });
    });
  }
  const keyReady = session.encryptionKeyReady();
  if (session.setEncryptionSecret(config.secret) !== otc.ErrorCode.OTC_SUCCESS) throw new Error('the secret was refused');
  await keyReady;
  let otherDone = false;
  session.on('signal', (signal) => {
    if (signal.type === 'done' && signal.from !== session.connectionId) otherDone = true;
  });
  await session.connect(config.token);
  const firstConnectionId = session.connectionId ?? '';
  const publisher = new otc.Publisher({ name: config.name, testPattern: { width: 320, height: 180, fps: 30 } });
  publisher.on('error', failed('publisher'));
  await session.publish(publisher);

  const stream = await new Promise<otc.StreamEvent>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no stream of the other client within ${config.connectTimeoutMs} ms`)), config.connectTimeoutMs);
    const pick = (s: otc.StreamEvent): void => {
      if (s.connectionId === session.connectionId) return;
      clearTimeout(timer);
      resolve(s);
    };
    session.on('streamCreated', pick);
    for (const s of session.streams) pick(s);
  });
  subscribedAt = Date.now();
  const subscriber = session.subscribe(stream);
  subscriber.on('error', failed('subscriber'));
  let connected = false;
  const connectedOrFailed = await Promise.race([
    subscriber.connected(config.connectTimeoutMs).then(() => 'connected', (error: Error) => `not connected: ${error.message}`),
    new Promise<string>((resolve) => {
      const poll = setInterval(() => {
        if (errors.length > 0) {
          clearInterval(poll);
          resolve('error');
        }
      }, 50);
      setTimeout(() => clearInterval(poll), config.connectTimeoutMs + 1000);
    }),
  ]);
  connected = connectedOrFailed === 'connected';
  const connectMs = Date.now() - subscribedAt;
  emit({ event: 'log', text: `${config.name}: ${connectedOrFailed} after ${connectMs} ms` });

  let fps = 0;
  let check: otc.MediaCheck | null = null;
  let windowMs = 0;
  const samples: FrameSample[] = [];
  if (connected) {
    await sleep(config.warmupMs);
    const before = subscriber.mediaCheck().framesReceived;
    const start = Date.now();
    if (config.sampleEveryMs) {
      emit({ event: 'log', text: `${config.name}: window started` });
      while (Date.now() - start < config.windowMs) {
        samples.push({ at: Date.now(), frames: subscriber.mediaCheck().framesReceived });
        await sleep(config.sampleEveryMs);
      }
    } else {
      await sleep(config.windowMs);
    }
    check = subscriber.mediaCheck();
    windowMs = Date.now() - start;
    fps = ((check.framesReceived - before) * 1000) / windowMs;
  } else {
    // Wait a little for the publisher's side of the failure too.
    await sleep(Math.min(5000, config.lingerMs));
  }
  const report: CallClientReport = {
    name: config.name, connected, connectMs, errors, windowMs, fps, check,
    subscriber: plain(subscriber.stats()), publisher: plain(publisher.stats()),
    samples, sessionEvents, connectionIds: [firstConnectionId, session.connectionId ?? ''],
  };
  session.sendSignal({ type: 'done', data: config.name });
  const deadline = Date.now() + config.lingerMs;
  while (connected && !otherDone && Date.now() < deadline) await sleep(100);
  emit({ event: 'report', report });
  subscriber.delete();
  publisher.delete();
  await session.disconnect();
  session.delete();
  otc.destroy();
}

if (require.main === module) {
  const raw = process.argv[2];
  if (!raw) {
    process.stderr.write('usage: node call-client.js <json config>\n');
    process.exit(2);
  }
  main(JSON.parse(raw) as CallClientConfig).then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`call-client: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  });
}
