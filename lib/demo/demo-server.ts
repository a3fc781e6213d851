// `npx node-otc demo`: a session server (relayed sessions, and routed ones through a private Janus
// where Janus is installed), a node-otc bot in each session publishing the test pattern and
// subscribing to whoever joins, and the demo page (lib/web/demo) served beside the browser client.
import * as crypto from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BotOptions, BotReport } from '../bot/bot';
import { findRecordings, readLiveRecording } from '../recording/live-frames';
import { SessionServer } from '../server/server';
import { type HttpRoute, send, sendBuiltFile } from '../server/web-routes';

export interface DemoOptions {
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** The sessions' encryption secret (default: generated, printed). */
  secret?: string;
  /** Routed session through a private Janus: 'auto' (when Janus can run), or off. */
  routed?: 'auto' | 'off';
  /** Where Janus gathers ICE (default 127.0.0.1). */
  janusIce?: string;
  /** The bots re-key every N seconds (default never). */
  ratchetEveryS?: number;
  log?: (line: string) => void;
}

export interface DemoSession {
  mode: 'relayed' | 'routed';
  sessionId: string;
}

export interface Demo {
  /** The page. */
  url: string;
  secret: string;
  server: SessionServer;
  sessions: DemoSession[];
  /** Why there is no routed session, when there is none. */
  routedUnavailable?: string;
  close(): Promise<void>;
}

export const BOT_NAME = 'node-otc demo bot';

export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  const log = opts.log ?? (() => undefined);
  const secret = opts.secret ?? `demo-${crypto.randomBytes(6).toString('base64url')}`;
  const sessions: DemoSession[] = [];
  const state: DemoState = { sessions, server: null, recordings: '' };
  const base = { host: opts.host ?? '127.0.0.1', port: opts.port ?? 0, log, routes: [demoRoutes(state)] };
  let server: SessionServer;
  let routedUnavailable: string | undefined;
  if (opts.routed !== 'off') {
    state.recordings = mkdtempSync(path.join(os.tmpdir(), 'otc-demo-recordings-'));
    try {
      server = await SessionServer.start({
        ...base, router: { managed: 1, janus: { iceEnforce: opts.janusIce ?? '127.0.0.1' }, recordingsDir: state.recordings },
      });
    } catch (error) {
      routedUnavailable = (error as Error).message;
      rmSync(state.recordings, { recursive: true, force: true });
      state.recordings = '';
      server = await SessionServer.start(base);
    }
  } else {
    routedUnavailable = 'turned off (--no-routed)';
    server = await SessionServer.start(base);
  }
  state.server = server;
  sessions.push({ mode: 'relayed', sessionId: server.createSession({ mediaMode: 'relayed', e2ee: true }).sessionId });
  if (server.router) {
    sessions.push({ mode: 'routed', sessionId: server.createSession({ mediaMode: 'routed', e2ee: true, archiveMode: 'always' }).sessionId });
  }

  // The bots: loaded here, as they need the native addon (the server does not).
  const { runBot } = await import('../bot/bot.js');
  const abort = new AbortController();
  const bots: Array<Promise<BotReport | undefined>> = sessions.map((session) => {
    const botOptions: BotOptions = {
      signalingUrl: server.signalingUrl, token: server.generateToken(session.sessionId, { role: 'publisher', data: 'demo bot' }),
      secret, name: BOT_NAME, publish: 'pattern', durationS: 24 * 3600, signal: abort.signal,
      progress: (line, kind) => {
        if (kind === 'event') log(`bot (${session.mode}): ${line}`);
      },
      ...(opts.ratchetEveryS ? { ratchetEveryS: opts.ratchetEveryS } : {}),
    };
    return runBot(botOptions).catch((error: Error) => {
      log(`bot (${session.mode}) failed: ${error.message}`);
      return undefined;
    });
  });

  return {
    url: `${server.url}/`,
    secret,
    server,
    sessions,
    ...(routedUnavailable !== undefined ? { routedUnavailable } : {}),
    async close() {
      abort.abort();
      await Promise.all(bots);
      await server.close();
      if (state.recordings) rmSync(state.recordings, { recursive: true, force: true });
    },
  };
}

/** What the demo's routes serve: its sessions, on this server. */
export interface DemoState {
  sessions: DemoSession[];
  server: SessionServer | null;
  /** Where Janus records the routed session ('' without one). */
  recordings: string;
}

/** The page, its script, /demo/config (sessions and fresh tokens) and /demo/recording (what Janus holds). */
export function demoRoutes(state: DemoState): HttpRoute {
  return async (req, res, url) => {
    if (req.method !== 'GET') return false;
    switch (url.pathname) {
      case '/':
      case '/index.html':
        await sendBuiltFile(res, 'demo.html', 'text/html; charset=utf-8');
        return true;
      case '/demo.mjs':
        await sendBuiltFile(res, 'demo.mjs', 'text/javascript; charset=utf-8');
        return true;
      case '/demo/config': {
        const server = state.server!;
        // A fresh token per page load: every page is its own connection.
        const sessions = state.sessions.map((s) => ({
          ...s, apiKey: server.apiKey, token: server.generateToken(s.sessionId, { role: 'publisher', data: 'demo page' }),
        }));
        send(res, 200, 'application/json', JSON.stringify({ sessions, botName: BOT_NAME }), { 'cache-control': 'no-store' });
        return true;
      }
      case '/demo/recording':
        send(res, 200, 'application/json', JSON.stringify(await recordingView(state, url.searchParams.get('session') ?? '')),
          { 'cache-control': 'no-store' });
        return true;
      default:
        return false;
    }
  };
}

/** What Janus has recorded of the bot's video in a routed session: its latest key frame, as stored. */
async function recordingView(state: DemoState, sessionId: string): Promise<Record<string, unknown>> {
  const session = state.server?.store.getSession(sessionId);
  if (!state.recordings || !session || session.mediaMode !== 'routed') return { available: false, reason: 'not a routed session' };
  const bot = [...session.streams.values()].find((s) => s.name === BOT_NAME);
  if (!bot) return { available: false, reason: 'the bot is not publishing' };
  const files = (await findRecordings(state.recordings, sessionId)).filter((f) => f.includes(`-${bot.streamId}-video-`));
  const file = files.at(-1);
  if (!file) return { available: false, reason: 'nothing recorded yet' };
  const snapshot = await readLiveRecording(file);
  const frame = snapshot.lastKeyFrame;
  return {
    available: true, file: path.basename(file), codec: snapshot.codec, encrypted: snapshot.encrypted,
    frames: snapshot.frames, bytes: snapshot.bytes,
    keyFrame: frame ? { index: frame.index, size: frame.data.length, timestamp: frame.timestamp, data: Buffer.from(frame.data).toString('base64') } : null,
  };
}
