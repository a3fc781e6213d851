// The browser client behind a NAT: Debian's Chromium in client A's namespace and a Node client in
// client B's (scripts/netns-topology.sh), both NATs refusing inbound connections; the page gets its
// ICE servers (the private coturn's, with a credential of its own) from the connect ack and the
// E2EE call connects only through TURN.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { type Browser, chromium } from 'playwright-core';
import { generateToken } from '../../lib/server/tokens';
import type { CallClientConfig, CallClientReport } from './call-client';
import { ADDR, CALL_CLIENT, CLI, type NsProcess, Topology, waitForOutput } from './topology';

const API_KEY = '47000011';
const API_SECRET = 'd'.repeat(40);
const SECRET = 'a secret the page and the bot share';
const PORT = 8080;
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'];

let topology: Topology | undefined;
let server: NsProcess | undefined;
let browser: Browser | undefined;
let tmp: string | undefined;

test.before(async () => {
  topology = await Topology.up();
  server = topology.spawn('pub', process.execPath, [CLI, 'serve', '--host', ADDR.pub, '--port', String(PORT), '--turn', '--no-router'],
    { OTC_API_KEY: API_KEY, OTC_API_SECRET: API_SECRET });
  await waitForOutput(server, /^ice servers: .*$/m, 20_000);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/install-system-deps.sh`);
  // Chromium runs in client A's namespace: playwright starts this script, which execs it there
  // (the pipes playwright talks over are inherited).
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-topology-browser-'));
  const wrapper = path.join(tmp, 'chromium-in-ns');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${topology.ns('ca')} ${CHROMIUM} "$@"\n`, { mode: 0o700 });
  // The page's origin is http://198.18.0.1: WebCrypto and the frame worker need a secure context.
  browser = await chromium.launch({ executablePath: wrapper, headless: true,
    args: [...FLAGS, `--unsafely-treat-insecure-origin-as-secure=http://${ADDR.pub}:${PORT}`] });
});

test.after.always(async () => {
  await browser?.close().catch(() => undefined);
  await topology?.down();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface PageStats {
  videoFramesDecoded: number;
  videoFramesOpened: number;
  audioFramesOpened: number;
  framesMismatch: number;
  localCandidateType: string;
  remoteCandidateType: string;
  relayProtocol: string;
}

test.serial('Chromium behind NAT A (relay only) and a Node client behind NAT B: an E2EE call through TURN, relay pairs, video both ways', async (t) => {
  t.timeout(150_000);
  const created = await topology!.node('cb', [CLI, 'create-session', '--url', `http://${ADDR.pub}:${PORT}`, '--api-key', API_KEY,
    '--api-secret', API_SECRET, '--e2ee', '--relayed'], 20_000);
  t.is(created.code, 0, created.output);
  const sessionId = created.output.trim().split('\n').pop()!;
  const signalingUrl = `ws://${ADDR.pub}:${PORT}/v1/signaling`;
  const botConfig: CallClientConfig = {
    name: 'node bot', signalingUrl, apiKey: API_KEY, sessionId, secret: SECRET, token: generateToken(API_KEY, API_SECRET, sessionId, {}),
    connectTimeoutMs: 45_000, warmupMs: 3000, windowMs: 8000, lingerMs: 30_000,
  };
  const bot = topology!.node('cb', [CALL_CLIENT, JSON.stringify(botConfig)], 120_000);

  const context = await browser!.newContext();
  t.teardown(() => context.close().catch(() => undefined));
  const page = await context.newPage();
  page.on('pageerror', (error) => t.log(`page error: ${error.message}`));
  // The page loads the client from the server through its NAT.
  await page.goto(`http://${ADDR.pub}:${PORT}/clock`);
  await page.addScriptTag({ url: `http://${ADDR.pub}:${PORT}/otc-client.js` });
  await page.evaluate(async ({ apiKey, sessionId, signalingUrl, secret, token }) => {
    type Sub = { stats(): Promise<unknown>; on(e: string, f: (x: { message: string }) => void): void };
    const OTC = (globalThis as unknown as { OTC: any }).OTC; // eslint-disable-line @typescript-eslint/no-explicit-any
    const state: { errors: string[]; sub: Sub | null; session: unknown; publisher: unknown } = { errors: [], sub: null, session: null, publisher: null };
    (globalThis as unknown as { otcTest: unknown }).otcTest = state;
    const refusals = [{ forceTurn: 'yes' }, { iceServers: [{ urls: ['turn:198.18.0.1'] }] }, { iceServers: [{ urls: ['http://x'] }] }].map((iceConfig) => {
      try {
        new OTC.Session(apiKey, sessionId, { signalingUrl, iceConfig }); // eslint-disable-line no-new
        return 'accepted';
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    });
    // Relay only: the page's every candidate pair goes through the server's TURN server.
    const session = new OTC.Session(apiKey, sessionId, { signalingUrl, iceConfig: { forceTurn: true } });
    state.session = session;
    (state as unknown as { refusals: string[] }).refusals = refusals;
    session.on('error', (e: { message: string }) => state.errors.push(`session: ${e.message}`));
    session.setEncryptionSecret(secret);
    const subscribe = (stream: { connectionId: string }): void => {
      if (state.sub || stream.connectionId === session.connectionId) return;
      const sub = session.subscribe(stream) as Sub;
      sub.on('error', (e) => state.errors.push(`subscriber: ${e.message}`));
      state.sub = sub;
    };
    session.on('streamCreated', subscribe);
    await session.connect(token);
    for (const stream of session.streams) subscribe(stream);
    const publisher = new OTC.Publisher({ name: 'page', testPattern: { width: 320, height: 180, fps: 30 } });
    publisher.on('error', (e: { message: string }) => state.errors.push(`publisher: ${e.message}`));
    state.publisher = publisher;
    await session.publish(publisher);
  }, { apiKey: API_KEY, sessionId, signalingUrl, secret: SECRET, token: generateToken(API_KEY, API_SECRET, sessionId, { data: 'page' }) });

  const refusals = await page.evaluate(() => (globalThis as unknown as { otcTest: { refusals: string[] } }).otcTest.refusals);
  t.regex(refusals[0]!, /^TypeError: iceConfig.forceTurn must be a boolean/);
  t.regex(refusals[1]!, /^TypeError: .*a TURN server needs username and credential/);
  t.regex(refusals[2]!, /^TypeError: .*urls must be stun:, stuns:, turn: or turns: URLs/);
  const pageStats = (): Promise<{ sub: PageStats | null; pub: Record<string, unknown>; errors: string[] }> => page.evaluate(async () => {
    const state = (globalThis as unknown as { otcTest: { errors: string[]; sub: { stats(): Promise<unknown> } | null; publisher: { stats(): Promise<unknown> } } }).otcTest;
    return { sub: (state.sub ? await state.sub.stats() : null) as PageStats | null, pub: await state.publisher.stats() as Record<string, unknown>, errors: state.errors };
  });
  const deadline = Date.now() + 45_000;
  let stats = await pageStats();
  while ((stats.sub?.videoFramesDecoded ?? 0) < 30 && stats.errors.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    stats = await pageStats();
  }
  t.deepEqual(stats.errors, [], JSON.stringify(stats));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const before = (await pageStats()).sub!.videoFramesDecoded;
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 8000));
  stats = await pageStats();
  const pageFps = ((stats.sub!.videoFramesDecoded - before) * 1000) / (Date.now() - start);
  t.is(await page.evaluate(() => (globalThis as unknown as { otcTest: { session: { sendSignal(o: object): number } } }).otcTest.session.sendSignal({ type: 'done', data: 'page' })), 0);
  const botRun = await bot;
  const reportLine = botRun.output.split('\n').find((line) => line.startsWith('{"event":"report"'));
  t.truthy(reportLine, botRun.output);
  const report = (JSON.parse(reportLine!) as { report: CallClientReport }).report;
  const sub = stats.sub!;
  t.log(`page: ${pageFps.toFixed(1)} fps of the bot's stream, pair ${sub.localCandidateType} -> ${sub.remoteCandidateType} (${sub.relayProtocol}); `
    + `bot: ${report.fps.toFixed(1)} fps of the page's, pair ${String(report.subscriber?.['localCandidateType'])} -> ${String(report.subscriber?.['remoteCandidateType'])}`);
  const detail = JSON.stringify({ stats, report });
  t.true(pageFps >= 25, detail);
  t.is(sub.localCandidateType, 'relay', detail);
  t.is(stats.pub['localCandidateType'], 'relay', detail);
  t.true(sub.videoFramesOpened > 0 && sub.audioFramesOpened > 0, detail);
  t.is(sub.framesMismatch, 0, detail);
  t.true(Number(stats.pub['videoFramesSealed']) > 0, detail);
  // The bot reads the page's frame code from what it decrypted (29-30 fps measured; the canvas
  // pattern of a headless Chromium on this busy 2-core machine gets a more generous bar).
  t.true(report.connected, detail);
  t.deepEqual(report.errors, [], detail);
  t.true(report.fps >= 20, detail);
  t.true(report.subscriber?.['localCandidateType'] === 'relay' || report.subscriber?.['remoteCandidateType'] === 'relay', detail);
  t.true(Number(report.subscriber?.['videoFramesOpened']) > 0, detail);
  t.is(Number(report.subscriber?.['framesMismatch']), 0, detail);
});
