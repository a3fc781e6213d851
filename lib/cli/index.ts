#!/usr/bin/env node
// node-otc command line: serve, create-session, token, decrypt-recording, bot, loadtest, demo, impair, app.
import * as path from 'node:path';
import { type Out, UsageError, type Values, fileArgument, numberArgument, parse, redisUrlArgument, required, secretArgument } from './args';
import { APP_USAGE, appCommand } from './app-command';
import { BOT_USAGE, botCommand } from './bot-command';
import { LIMIT_USAGE, limitsFromFlags } from './limit-flags';
import { LOADTEST_USAGE, loadtestCommand } from './loadtest-command';
import { DEMO_USAGE, demoCommand } from './demo-command';
import { ICE_FLAGS, ICE_USAGE, iceOptionsFromFlags } from './ice-flags';
import { IMPAIR_USAGE, impairCommand } from './impair-command';
import { decryptArchiveZip } from '../recording/archive-zip';
import { RecordingError, decryptRecording, recordingNameParts } from '../recording/decrypt-recording';
import type { MediaRouterOptions } from '../server/router/media-router';
import { SessionServer, generateApiKey, generateApiSecret } from '../server/server';
import { signRestAuth } from '../server/rest-auth';
import { ServerTlsError, describeCertificate } from '../server/tls';
import { DataDirError } from '../server/store/database';
import { ClusterCredentialsError } from '../server/cluster/cluster-credentials';
import { restRequest } from './rest-request';
import { generateToken, isTokenRole } from '../server/tokens';

const USAGE = `usage:
  node-otc serve [--host 127.0.0.1] [--port 0|N] [--janus-url URL]... [--janus-api-secret S] [--janus-private N]
                 [--janus-ice ADDRESS|INTERFACE] [--janus-netns NAME] [--recordings DIR] [--no-router]
                 [--turn [--turn-ip IP] [--turn-port N] [--turn-relay-ports MIN-MAX] | --turn-url URL... --turn-secret(-file) S]
                 [--turn-ttl SECONDS] [--stun-url URL]... [--tls-cert F --tls-key F] [--reconnect-grace S] [--limit NAME=N]...
                 [--data DIR | --redis URL|--redis-url-file F [--cluster-url URL]] [--session-idle S]
      runs the session server; API key/secret from OTC_API_KEY / OTC_API_SECRET, else those kept
      in --data DIR, else generated.
      --data DIR: keep sessions, connections, streams and subscriptions in DIR/sessions.sqlite
      (created if needed; it also keeps the API key and secret, so keep DIR private). A server
      restarted with the same DIR (stopped by SIGTERM/SIGINT, or killed) knows them again: each
      client that reconnects within --reconnect-grace keeps its connection id, streams and
      subscriptions; the others are dropped when it ends. Without --data all lives in memory.
      --redis URL: one process of a cluster serving one deployment with the others that share this
      Redis (redis://[user:password@]host:port[/db], rediss:// for TLS): sessions, connections,
      streams, subscriptions, applications and callbacks live there. Each session is served by one
      process; the others relay its clients' sockets and REST calls to it, and when it dies the
      first process asked for the session serves it (its clients reconnect and carry on). Put a
      TCP load balancer in front; every process needs the same API key and secret (OTC_API_KEY /
      OTC_API_SECRET, else those kept in Redis, else generated and kept there by the first).
      --redis-url-file F: the URL from F's first line (a password then stays out of ps).
      --cluster-url URL: how the other processes reach this one (default its own url); archives
      answer 501 in a cluster.
      --tls-cert/--tls-key: serve HTTPS and WSS with this PEM certificate (chain, leaf first) and
      its PEM private key; without them plain HTTP (loopback, or behind a TLS-terminating proxy).
      Routed sessions go through Janus: N private instances it starts itself (default 1, or 0 with
      --janus-url) gathering ICE on --janus-ice (default 127.0.0.1, which works in the network
      namespace of scripts/netns-run.sh; on a host give its LAN address or interface), plus the
      instances at --janus-url (ws://host:port, janus-protocol). Sessions spread over all of them.
      --recordings DIR: folder for archives (REST archiving, archiveMode=always sessions): one
      subfolder of .mjr recordings per archive, named by its id (default DIR/archives with --data,
      else none: archiving then answers 501). With --janus-url, DIR must be the same path on the
      Janus machines (Janus writes the files, the server sizes and deletes them).
      --no-router: no Janus; routed sessions then refuse media.
      --janus-netns NAME: run the private Janus inside that network namespace (ip netns; root).
      --reconnect-grace S: a client whose socket drops keeps its connection and streams this long
      for it to reconnect (default 60; 1..3600).
      --session-idle S: a session nobody has been connected to for S seconds is removed (default
      604800, 7 days; 0: never); checked at most once a minute.
${LIMIT_USAGE}
${ICE_USAGE}
  node-otc create-session --url URL --api-key K --api-secret S [--e2ee] [--relayed|--routed] [--archive-mode manual|always]
                          [--location IPv4] [--ca-file F]
      creates a session through the REST API and prints its id; an https:// server's certificate
      must chain to --ca-file (PEM) if given, else to Node's CA store (+ NODE_EXTRA_CA_CERTS)
  node-otc token --api-key K --api-secret S --session ID [--role publisher|publisheronly|subscriber|moderator]
                 [--data STR] [--expire-in SECONDS] [--legacy]
      prints a client token
  node-otc decrypt-recording [--session ID] (--secret S | --secret-file F) <in.mjr>... <out.webm>
  node-otc decrypt-recording [--session ID] (--secret S | --secret-file F) <archive.zip> <out-dir>
      opens every frame of a publisher's E2EE recording (its audio and/or video .mjr, as Janus
      wrote them) with the session's secret and writes a playable WebM (janus-pp-rec, ffmpeg);
      an archive's zip (downloaded from its url) becomes one <streamId>.webm per stream in
      out-dir; the session id comes from the file names the server gives recordings unless
      --session is given; --secret-file reads the secret from a file (its first line), out of
      the process list
${BOT_USAGE}
${LOADTEST_USAGE}
${DEMO_USAGE}
${IMPAIR_USAGE}
${APP_USAGE}
  node-otc --help`;

/** The router options the flags ask for; undefined with --no-router. `explicit`: any router flag given. */
function routerOptions(values: Values, out: Out): { router?: MediaRouterOptions; explicit: boolean } {
  const urls = (values['janus-url'] as string[] | undefined) ?? [];
  const explicit = urls.length > 0 || ['janus-private', 'janus-ice', 'janus-api-secret', 'janus-netns', 'recordings'].some((f) => values[f] !== undefined);
  if (values['no-router']) {
    if (explicit) throw new UsageError('--no-router excludes the --janus-* and --recordings flags');
    return { explicit: true };
  }
  for (const url of urls) {
    if (!/^(ws|wss|ws\+unix):\/\//.test(url)) throw new UsageError(`--janus-url must be a ws://, wss:// or ws+unix:// URL, not ${url}`);
  }
  const privateText = (values['janus-private'] as string | undefined) ?? (urls.length > 0 ? '0' : '1');
  if (!/^\d+$/.test(privateText) || Number(privateText) > 16) throw new UsageError(`--janus-private must be 0..16, not ${privateText}`);
  const managed = Number(privateText);
  if (managed === 0 && urls.length === 0) throw new UsageError('--janus-private 0 needs at least one --janus-url (or use --no-router)');
  const apiSecret = values['janus-api-secret'] as string | undefined;
  const dataDir = values['data'] as string | undefined;
  const recordingsDir = (values['recordings'] as string | undefined) ?? (dataDir !== undefined ? path.join(dataDir, 'archives') : undefined);
  return {
    explicit,
    router: {
      managed,
      instances: urls.map((url) => ({ url, ...(apiSecret !== undefined && { apiSecret }) })),
      janus: {
        iceEnforce: (values['janus-ice'] as string | undefined) ?? '127.0.0.1',
        ...(values['janus-netns'] !== undefined && { netns: values['janus-netns'] as string }),
        // Janus's warnings and errors only (its banner and start-up chatter are not).
        log: (line) => {
          if (/\[(WARN|ERR)\]/.test(line) && !/has been disabled, skipping/.test(line)) out(`${new Date().toISOString()} janus: ${line}`);
        },
      },
      ...(recordingsDir !== undefined && { recordingsDir }),
    },
  };
}

async function serve(args: string[], out: Out): Promise<number> {
  const { values } = parse(args, {
    host: 'string', port: 'string', 'janus-url': 'strings', 'janus-api-secret': 'string', 'janus-private': 'string', 'janus-ice': 'string',
    recordings: 'string', 'no-router': 'boolean', 'janus-netns': 'string', ...ICE_FLAGS, 'tls-cert': 'string', 'tls-key': 'string',
    'reconnect-grace': 'string', limit: 'strings', data: 'string', 'session-idle': 'string', redis: 'string', 'redis-url-file': 'string', 'cluster-url': 'string',
  });
  if (values['help']) {
    out(USAGE);
    return 0;
  }
  const host = (values['host'] as string | undefined) ?? '127.0.0.1';
  const portText = (values['port'] as string | undefined) ?? '0';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new UsageError(`--port must be 0..65535, not ${portText}`);
  // With --data, credentials not given are the data directory's (generated there the first time).
  const redisUrl = redisUrlArgument(values);
  const stored = values['data'] !== undefined || redisUrl !== undefined;
  const apiKey = process.env['OTC_API_KEY'] || (stored ? undefined : generateApiKey());
  const apiSecret = process.env['OTC_API_SECRET'] || (stored ? undefined : generateApiSecret());
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const cert = fileArgument(values, 'tls-cert');
  const key = fileArgument(values, 'tls-key');
  const tls = cert && key ? { tls: { cert, key } } : {};
  const { router, explicit } = routerOptions(values, out);
  const ice = iceOptionsFromFlags(values, host, out);
  const log = (line: string): void => out(`${new Date().toISOString()} ${line}`);
  const graceS = numberArgument(values, 'reconnect-grace', 1, 3600);
  const reconnect = graceS === undefined ? {} : { reconnectGraceMs: Math.round(graceS * 1000) };
  const idleS = numberArgument(values, 'session-idle', 0, 10 * 365 * 24 * 3600);
  const idle = idleS === undefined ? {} : { sessionIdleMs: Math.round(idleS * 1000) };
  const limits = limitsFromFlags(values);
  const dataDir = values['data'] as string | undefined;
  if (dataDir === '') throw new UsageError('--data needs a directory');
  const data = dataDir === undefined ? {} : { dataDir };
  const clusterUrl = values['cluster-url'] as string | undefined;
  if (redisUrl !== undefined && dataDir !== undefined) throw new UsageError('--redis and --data exclude each other: a cluster keeps its state in Redis');
  if (clusterUrl !== undefined && redisUrl === undefined) throw new UsageError('--cluster-url goes with --redis');
  if (clusterUrl !== undefined && !/^https?:\/\/[^/]+$/.test(clusterUrl)) throw new UsageError(`--cluster-url must be http(s)://host:port, not ${clusterUrl}`);
  const cluster = redisUrl === undefined ? {} : { cluster: { redisUrl, ...(clusterUrl !== undefined && { url: clusterUrl }) } };
  const credentials = { ...(apiKey !== undefined && { apiKey }), ...(apiSecret !== undefined && { apiSecret }) };
  const options = { host, port: Number(portText), ...credentials, log, limits, ...data, ...cluster, ...tls, ...reconnect, ...idle, ...(ice && { ice }) };
  let server: SessionServer;
  try {
    server = await SessionServer.start({ ...options, ...(router && { router }) });
  } catch (err) {
    if (err instanceof ServerTlsError) throw new UsageError(`--tls-cert/--tls-key: ${err.message}`);
    if (err instanceof DataDirError) throw new UsageError(`--data: ${err.message}`);
    if (err instanceof ClusterCredentialsError) throw new UsageError(`--redis: ${err.message}`);
    // Without router flags, a machine without Janus still gets a server (relayed sessions only).
    if (!router || explicit || !/cannot run janus/.test((err as Error).message)) throw err;
    log(`routed media unavailable: ${(err as Error).message} (install Janus: bash scripts/install-system-deps.sh)`);
    server = await SessionServer.start(options);
  }
  // The private key now lives in OpenSSL's context only (node built it at start): the copy read
  // from the file is zeroed.
  key?.fill(0);
  // The signal handlers go in before the first line is printed: whoever waits for the output may
  // signal at once, and a signal before the handlers would kill the process without a close.
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      out(`${signal}: shutting down`);
      // Janus needs a moment to stop; anything still running after 5 s is killed at exit.
      const timer = setTimeout(() => resolve(0), 5000);
      server.close().then(() => {
        clearTimeout(timer);
        resolve(0);
      }, () => resolve(1));
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  if (cert) out(`tls: ${describeCertificate(cert)}`);
  out(`url: ${server.url}`);
  out(`signaling: ${server.signalingUrl}`);
  out(`api key: ${server.apiKey}`);
  out(`api secret: ${server.apiSecret}`);
  for (const instance of server.router?.instances ?? []) {
    out(`router: ${instance.label}${instance.pid !== undefined ? ` pid ${instance.pid}` : ''}`);
  }
  if (!server.router) out('router: none (routed sessions refuse media)');
  const turn = server.privateTurn?.process;
  if (turn) out(`turn: private coturn on ${turn.ip}:${turn.port} pid ${turn.pid ?? '?'}`);
  const iceUrls = server.iceServers?.forConnection('-').flatMap((s) => s.urls) ?? [];
  out(`ice servers: ${iceUrls.length > 0 ? iceUrls.join(' ') : 'none (host candidates only: clients behind NATs that refuse inbound connections cannot connect)'}`);
  return stopped;
}

async function createSession(args: string[], out: Out): Promise<number> {
  const { values } = parse(args, {
    url: 'string', 'api-key': 'string', 'api-secret': 'string', e2ee: 'boolean', relayed: 'boolean', routed: 'boolean', location: 'string',
    'archive-mode': 'string', 'ca-file': 'string',
  });
  if (values['help']) {
    out(USAGE);
    return 0;
  }
  const url = required(values, 'url');
  const apiKey = required(values, 'api-key');
  const apiSecret = required(values, 'api-secret');
  if (values['relayed'] && values['routed']) throw new UsageError('--relayed and --routed exclude each other');
  let endpoint: URL;
  try {
    endpoint = new URL('session/create', url.endsWith('/') ? url : `${url}/`);
  } catch {
    throw new UsageError(`--url is not a URL: ${url}`);
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw new UsageError(`--url must be http:// or https://, not ${url}`);
  const ca = fileArgument(values, 'ca-file');
  const archiveMode = (values['archive-mode'] as string | undefined) ?? 'manual';
  if (archiveMode !== 'manual' && archiveMode !== 'always') throw new UsageError(`--archive-mode must be manual or always, not ${archiveMode}`);
  if (archiveMode === 'always' && values['relayed']) throw new UsageError('--archive-mode always needs a routed session');
  const form = new URLSearchParams({
    'p2p.preference': values['relayed'] ? 'enabled' : 'disabled',
    archiveMode,
    e2ee: values['e2ee'] ? 'true' : 'false',
  });
  if (typeof values['location'] === 'string') form.set('location', values['location']);
  const { status, text } = await restRequest(endpoint, {
    method: 'POST',
    headers: { 'X-OPENTOK-AUTH': signRestAuth(apiKey, apiSecret), 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: form.toString(),
    timeoutMs: 10_000,
    ...(ca && { ca }),
  });
  if (status < 200 || status > 299) {
    process.stderr.write(`node-otc: ${endpoint.href} answered ${status}: ${text}\n`);
    return 1;
  }
  const body = JSON.parse(text) as Array<{ session_id?: unknown }>;
  const sessionId = body[0]?.session_id;
  if (typeof sessionId !== 'string') {
    process.stderr.write(`node-otc: unexpected answer: ${text}\n`);
    return 1;
  }
  out(sessionId);
  return 0;
}

function token(args: string[], out: Out): number {
  const { values } = parse(args, {
    'api-key': 'string', 'api-secret': 'string', session: 'string', role: 'string', data: 'string', 'expire-in': 'string', legacy: 'boolean',
  });
  if (values['help']) {
    out(USAGE);
    return 0;
  }
  const apiKey = required(values, 'api-key');
  const apiSecret = required(values, 'api-secret');
  const sessionId = required(values, 'session');
  const role = values['role'] ?? 'publisher';
  if (!isTokenRole(role)) throw new UsageError(`--role must be publisher, publisheronly, subscriber or moderator, not ${String(role)}`);
  const data = values['data'] as string | undefined;
  if (data !== undefined && data.length > 1024) throw new UsageError('--data is longer than 1024 characters');
  let expireTime: number | undefined;
  if (values['expire-in'] !== undefined) {
    const text = values['expire-in'] as string;
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--expire-in must be a positive number of seconds, not ${text}`);
    expireTime = Math.round(Date.now() / 1000) + Number(text);
  }
  try {
    out(generateToken(apiKey, apiSecret, sessionId, { role, ...(data !== undefined && { data }), ...(expireTime !== undefined && { expireTime }) },
      values['legacy'] === true));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return 0;
}

/** Runs `work`; a RecordingError (a recording or secret that does not do) is exit 1 with its message. */
async function exitOnRecordingError(work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return 0;
  } catch (err) {
    if (err instanceof RecordingError) {
      process.stderr.write(`node-otc: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function decryptArchiveCommand(zip: string, outDir: string, secret: string, sessionId: string | undefined, out: Out): Promise<number> {
  return exitOnRecordingError(async () => {
    const streams = await decryptArchiveZip(zip, outDir, { secret, ...(sessionId && { sessionId }), progress: out });
    for (const stream of streams) {
      out(`${stream.output}: ${stream.reports.reduce((n, r) => n + r.decrypted, 0)} frames opened (stream ${stream.streamId})`);
    }
  });
}

async function decryptRecordingCommand(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(args, { session: 'string', secret: 'string', 'secret-file': 'string' }, true);
  if (values['help']) {
    out(USAGE);
    return 0;
  }
  const secret = secretArgument(values);
  if (!secret) throw new UsageError('--secret or --secret-file is required');
  if (positionals.length < 2) throw new UsageError('give the .mjr file(s) and then the output file, or an archive\'s .zip and an output folder');
  const output = positionals[positionals.length - 1]!;
  const inputs = positionals.slice(0, -1);
  if (inputs.length === 1 && inputs[0]!.endsWith('.zip')) return decryptArchiveCommand(inputs[0]!, output, secret, values['session'] as string | undefined, out);
  if (inputs.some((input) => !input.endsWith('.mjr'))) throw new UsageError('inputs must be .mjr files (Janus recordings)');
  let sessionId = values['session'] as string | undefined;
  if (sessionId === undefined || sessionId === '') {
    const named = new Set(inputs.map((input) => recordingNameParts(input)?.sessionId));
    if (named.size !== 1 || named.has(undefined)) {
      throw new UsageError('--session is required: the file names do not name one session (<sessionId>-<streamId>-<kind>-<n>.mjr)');
    }
    sessionId = [...named][0]!;
  }
  const key = { sessionId, secret };
  return exitOnRecordingError(async () => {
    const reports = await decryptRecording(inputs, output, { ...key, progress: out });
    const frames = reports.reduce((n, r) => n + r.decrypted, 0);
    out(`${output}: ${frames} frames opened from ${inputs.length} recording${inputs.length === 1 ? '' : 's'}`);
  });
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[], out: Out = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': return await serve(rest, out);
      case 'create-session': return await createSession(rest, out);
      case 'token': return token(rest, out);
      case 'decrypt-recording': return await decryptRecordingCommand(rest, out);
      case 'bot': return await botCommand(rest, out, USAGE);
      case 'loadtest': return await loadtestCommand(rest, out, USAGE);
      case 'demo': return await demoCommand(rest, out, USAGE);
      case 'impair': return await impairCommand(rest, out, USAGE);
      case 'app': return await appCommand(rest, out, USAGE);
      case '--help':
      case '-h':
      case 'help':
        out(USAGE);
        return 0;
      case undefined: throw new UsageError('missing command');
      default: throw new UsageError(`unknown command ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`node-otc: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`node-otc: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  // Exit explicitly: `serve` must not wait for stragglers once the server is closed.
  main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
    process.stderr.write(`node-otc: ${String(err)}\n`);
    process.exit(1);
  });
}
