// The browser client from an https:// page: the session server serves the demo page, the client
// and /clock over HTTPS and signaling over WSS (test certificates made by the openssl CLI);
// Chromium trusts the server's certificate by its public key (--ignore-certificate-errors-spki-list,
// Chromium's documented way for tests; without it the page does not load), the page derives
// wss:// from its https:// origin, and a Node bot joins over wss:// with the test CA: they
// decode each other's E2EE video.
import * as crypto from 'node:crypto';
import test from 'ava';
import type { Browser } from 'playwright-core';
import * as otc from '../../lib/index';
import { type DemoState, demoRoutes } from '../../lib/demo/demo-server';
import { SessionServer } from '../../lib/server/index';
import { type TestCerts, makeTestCerts } from '../helpers/tls-certs';
import { until } from '../helpers/wait';
import { SECRET, joinFromPageUrl, launchChromium, openPage, startNodeBot, waitForPage } from './helpers';

let certs: TestCerts;
let server: SessionServer;
let state: DemoState;
let browser: Browser;

/** base64(SHA-256(SubjectPublicKeyInfo)) of the first certificate in pem: what Chromium's flag takes. */
function spkiHash(pem: Buffer): string {
  const leaf = new crypto.X509Certificate(pem);
  return crypto.createHash('sha256').update(leaf.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}

test.before(async () => {
  otc.init();
  certs = makeTestCerts();
  state = { sessions: [], server: null, recordings: '' };
  server = await SessionServer.start({ tls: { cert: certs.read('server.pem'), key: certs.read('server.key') }, routes: [demoRoutes(state)] });
  state.server = server;
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spkiHash(certs.read('server.pem'))}`]);
});

test.after.always(async () => {
  await browser?.close();
  await server?.close();
  certs?.remove();
  otc.destroy();
});

test.serial('without trusting the certificate Chromium does not load the https:// page', async (t) => {
  const strict = await launchChromium();
  t.teardown(() => strict.close());
  const page = await (await strict.newContext()).newPage();
  const error = await t.throwsAsync(page.goto(`${server.url}/clock`));
  t.regex(error?.message ?? '', /ERR_CERT_AUTHORITY_INVALID/);
});

test.serial('an https:// page and a Node bot over wss:// decode each other\'s E2EE video', async (t) => {
  t.regex(server.url, /^https:\/\//);
  const sessionId = server.createSession({ mediaMode: 'relayed', e2ee: true }).sessionId;
  state.sessions = [{ mode: 'relayed', sessionId }];
  const bot = await startNodeBot(t, server, sessionId, SECRET, { caFile: certs.file('ca.pem') });
  t.regex(server.signalingUrl, /^wss:\/\//);

  const page = await joinFromPageUrl(t, browser, `${server.url}/?mode=relayed`, SECRET);
  const origin = await page.evaluate(() => {
    const g = globalThis as unknown as { location: { protocol: string }; isSecureContext: boolean };
    return { protocol: g.location.protocol, secure: g.isSecureContext };
  });
  t.deepEqual(origin, { protocol: 'https:', secure: true });
  const seen = await waitForPage(page, 'the page decodes 60 frames of the bot\'s pattern',
    (s) => (s.code?.framesRead ?? 0) >= 60 && (s.subscriber?.videoFramesDecoded ?? 0) >= 60, 30_000);
  t.log(`page over https/wss: ${seen.code!.framesRead} pattern frames read, decoded ${seen.subscriber!.videoFramesDecoded},` +
    ` latency p50 ${seen.code!.latencyP50Ms} ms`);
  t.is(seen.subscriber!.framesMismatch, 0);
  t.false(seen.mismatchShown);

  const subscriber = await bot.subscriber;
  await until(t, () => subscriber.mediaCheck().framesReceived >= 30, 20_000,
    () => `30 frames of the page's pattern read by the bot (${subscriber.mediaCheck().framesReceived} so far)`);
  t.true(subscriber.stats().videoFramesDecoded >= 30);
});

test.serial('the served client loads from the https:// origin and its Session defaults to wss://', async (t) => {
  const page = await openPage(t, browser, `${server.url}/clock`);
  await page.addScriptTag({ url: '/otc-client.js' });
  const url = await page.evaluate((sessionId) => {
    const OTC = (globalThis as unknown as { OTC: { Session: new (k: string, s: string) => { signalingUrl: string } } }).OTC;
    return new OTC.Session('key', sessionId).signalingUrl;
  }, server.createSession({ mediaMode: 'relayed' }).sessionId);
  t.is(url, server.signalingUrl);
});
