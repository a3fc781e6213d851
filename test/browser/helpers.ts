// Shared by the browser tests: Debian's Chromium driven by playwright-core, headless, inside the
// private network namespace of scripts/netns-run.sh (docs/platform-facts.md section 3: the
// loopback flags make it gather 127.0.0.1 candidates there; outside it would use the machine's
// real interface).
import type { ExecutionContext, TestFn } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import * as otc from '../../lib/index';
import { BOT_NAME, type DemoSession, type DemoState, demoRoutes } from '../../lib/demo/demo-server';
import { SessionServer } from '../../lib/server/index';
import { sleep } from '../helpers/wait';
import { requireNetns } from '../routed/helpers';

export const CHROMIUM = '/usr/bin/chromium';
export const SECRET = 'a secret the bot and the page share';
/** Screenshots the tests leave for people to look at. */
export const ARTIFACTS = path.join(__dirname, '..', '..', '..', 'test-artifacts');

const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required',
];

/** Chromium with a fresh profile (playwright's temporary user-data-dir); closed when the caller says. extraArgs: more flags. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  requireNetns();
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/install-system-deps.sh`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...extraArgs] });
}

/**
 * One Chromium and one session server (no router) for every test of a file, started before them
 * and closed after them; with initMedia the file's libwebrtc engine too.
 */
export function sharedBrowserAndServer(test: TestFn, opts: { initMedia?: boolean } = {}): { browser: () => Browser; server: () => SessionServer } {
  let browser: Browser | undefined;
  let server: SessionServer | undefined;
  test.before(async () => {
    if (opts.initMedia) otc.init();
    server = await SessionServer.start({});
    browser = await launchChromium();
  });
  test.after.always(async () => {
    await browser?.close();
    await server?.close();
    if (opts.initMedia) otc.destroy();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (!value) throw new Error(`the shared ${what} did not start`);
    return value;
  };
  return { browser: () => started(browser, 'Chromium'), server: () => started(server, 'session server') };
}

/**
 * A page whose console errors and crashes show up in the test's log. legacyStreams: the page
 * has no RTCRtpScriptTransform, so the client takes the createEncodedStreams() path.
 */
export async function openPage(t: ExecutionContext, browser: Browser, url: string, opts: { legacyStreams?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
  t.teardown(() => context.close().catch(() => undefined));
  if (opts.legacyStreams) {
    await context.addInitScript(() => {
      delete (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform;
    });
  }
  const page = await context.newPage();
  page.on('pageerror', (error) => t.log(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('favicon')) t.log(`page console: ${message.text()}`);
  });
  await page.goto(url);
  return page;
}

export interface DemoServer {
  server: SessionServer;
  state: DemoState;
  recordings: string;
  /** A new E2EE session served on the demo page (relayed, or routed and recorded). */
  addSession(mode: 'relayed' | 'routed'): DemoSession;
  close(): Promise<void>;
}

/** A session server with a private Janus recording routed sessions, serving the demo page. */
export async function startDemoServer(): Promise<DemoServer> {
  const recordings = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-browser-recordings-'));
  const state: DemoState = { sessions: [], server: null, recordings };
  const server = await SessionServer.start({ router: { recordingsDir: recordings }, routes: [demoRoutes(state)] });
  state.server = server;
  return {
    server, state, recordings,
    addSession(mode) {
      const created = server.createSession({ mediaMode: mode, e2ee: true, ...(mode === 'routed' ? { archiveMode: 'always' as const } : {}) });
      const session = { mode, sessionId: created.sessionId };
      // The page offers the last session of each mode.
      state.sessions = [...state.sessions.filter((s) => s.mode !== mode), session];
      return session;
    },
    async close() {
      await server.close();
      fs.rmSync(recordings, { recursive: true, force: true });
    },
  };
}

/** The Node side: a session publishing the test pattern under the demo's bot name. */
export interface NodeBot {
  session: otc.Session;
  publisher: otc.Publisher;
  /** Its subscription to the page's stream, once the page publishes. */
  subscriber: Promise<otc.Subscriber>;
  mismatches: number;
}

export async function startNodeBot(t: ExecutionContext, server: SessionServer, sessionId: string, secret = SECRET,
  options: Omit<otc.SessionOptions, 'signalingUrl'> = {}): Promise<NodeBot> {
  const session = new otc.Session(server.apiKey, sessionId, { signalingUrl: server.signalingUrl, ...options });
  t.teardown(() => session.delete());
  const keyReady = session.encryptionKeyReady();
  t.is(session.setEncryptionSecret(secret), otc.ErrorCode.OTC_SUCCESS);
  await keyReady;
  await session.connect(server.generateToken(sessionId, { data: 'node bot' }));
  otc.audio.captureTone(440, 0.3);
  const publisher = new otc.Publisher({ name: BOT_NAME, videoSource: 'testPattern' });
  t.teardown(() => publisher.delete());
  await session.publish(publisher);
  const bot: NodeBot = { session, publisher, subscriber: Promise.resolve(null as unknown as otc.Subscriber), mismatches: 0 };
  bot.subscriber = new Promise((resolve) => {
    const subscribe = (stream: otc.StreamEvent): void => {
      if (stream.connectionId === session.connectionId) return;
      session.off('streamCreated', subscribe);
      const subscriber = session.subscribe(stream);
      subscriber.on('error', (error) => t.log(`bot subscriber: ${error.message}`));
      subscriber.on('encryptionSecretMismatch', () => bot.mismatches++);
      resolve(subscriber);
    };
    session.on('streamCreated', subscribe);
    for (const stream of session.streams) subscribe(stream);
  });
  return bot;
}

/** What the demo page reports (window.otcDemo.snapshot(), lib/web/demo/demo-page.ts). */
export interface PageSnapshot {
  joined: boolean;
  mode: string;
  status: string;
  mismatchShown: boolean;
  keyEpoch: number;
  subscriber: { videoFramesOpened: number; audioFramesOpened: number; framesMismatch: number; framesIntegrityFailure: number;
    videoFramesDecoded: number; audioSamplesReceived: number; videoFps: number; inMismatch: boolean } | null;
  code: { framesRead: number; framesUnreadable: number; firstFrameNumber: number; lastFrameNumber: number; fps: number;
    latencyP50Ms: number; latencyP95Ms: number } | null;
  publisher: { videoFramesSealed: number; audioFramesSealed: number; videoFramesSent: number; subscribers: number } | null;
  router: { frames: number; encrypted: boolean; decoder: string } | null;
}

export function pageSnapshot(page: Page): Promise<PageSnapshot> {
  return page.evaluate(() => (globalThis as unknown as { otcDemo: { snapshot(): Promise<unknown> } }).otcDemo.snapshot()) as Promise<PageSnapshot>;
}

/** Polls the page until `ok` holds (returns that snapshot) or fails with the last one after timeoutMs. */
export async function waitForPage(page: Page, what: string, ok: (s: PageSnapshot) => boolean, timeoutMs = 20_000): Promise<PageSnapshot> {
  const end = Date.now() + timeoutMs;
  let last = await pageSnapshot(page);
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms; the page reports ${JSON.stringify(last)}`);
    await sleep(250);
    last = await pageSnapshot(page);
  }
  return last;
}

/** Opens the demo page on `mode`, types the secret and joins. */
export function joinFromPage(t: ExecutionContext, browser: Browser, server: SessionServer, mode: string, secret: string,
  opts: { legacyStreams?: boolean } = {}): Promise<Page> {
  return joinFromPageUrl(t, browser, `${server.url}/?mode=${mode}`, secret, opts);
}

/** Opens the demo page at url, types the secret and joins. */
export async function joinFromPageUrl(t: ExecutionContext, browser: Browser, url: string, secret: string,
  opts: { legacyStreams?: boolean } = {}): Promise<Page> {
  const page = await openPage(t, browser, url, opts);
  await page.evaluate(() => (globalThis as unknown as { otcDemo: { ready: Promise<void> } }).otcDemo.ready);
  await page.fill('#secret', secret);
  await page.click('#join');
  return page;
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file });
  return file;
}
