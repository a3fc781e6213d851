// A Node bot and a Chromium page in one end-to-end encrypted session, relayed and routed: each
// decodes the other's video and audio; the page reads the bot's test pattern code back from the
// video it shows and the bot reads the page's; a wrong secret shows "mismatch" and nothing
// decoded until the right one is set; a re-key from the bot is followed without a reload.
import test from 'ava';
import type { Browser } from 'playwright-core';
import * as otc from '../../lib/index';
import { sleep, until } from '../helpers/wait';
import {
  type DemoServer, SECRET, joinFromPage, launchChromium, pageSnapshot, saveScreenshot, startDemoServer, startNodeBot, waitForPage,
} from './helpers';

let demo: DemoServer;
let browser: Browser;

test.before(async () => {
  otc.init();
  demo = await startDemoServer();
  browser = await launchChromium();
});

test.after.always(async () => {
  await browser?.close();
  await demo?.close();
  otc.destroy();
});

const CASES = [
  { mode: 'relayed', legacyStreams: false, title: 'relayed' },
  { mode: 'routed', legacyStreams: false, title: 'routed' },
  { mode: 'relayed', legacyStreams: true, title: 'relayed, the page on the legacy createEncodedStreams() path' },
] as const;

for (const { mode, legacyStreams, title } of CASES) {
  test.serial(`${title}: the bot and the page decode each other's video and audio; the page reads the pattern code back`, async (t) => {
    const { sessionId } = demo.addSession(mode);
    const bot = await startNodeBot(t, demo.server, sessionId);
    const page = await joinFromPage(t, browser, demo.server, mode, SECRET, { legacyStreams });
    if (legacyStreams) t.false(await page.evaluate(() => 'RTCRtpScriptTransform' in globalThis), 'the page has only the legacy API');

    // The page: 90 test pattern frames read back from its video element, in order, decrypted.
    const seen = await waitForPage(page, 'the page reads 90 frames of the bot\'s pattern',
      (s) => (s.code?.framesRead ?? 0) >= 90 && (s.subscriber?.videoFramesOpened ?? 0) >= 90 && (s.subscriber?.videoFramesDecoded ?? 0) >= 90
        && (s.subscriber?.audioFramesOpened ?? 0) >= 50 && (s.subscriber?.audioSamplesReceived ?? 0) > 48_000, 30_000);
    const sub = seen.subscriber!;
    const code = seen.code!;
    t.log(`page: ${code.framesRead} pattern frames read (#${code.firstFrameNumber}..#${code.lastFrameNumber}), ${code.framesUnreadable} unreadable,` +
      ` latency p50 ${code.latencyP50Ms} ms p95 ${code.latencyP95Ms} ms; opened video ${sub.videoFramesOpened} audio ${sub.audioFramesOpened},` +
      ` decoded ${sub.videoFramesDecoded}, audio samples ${sub.audioSamplesReceived}`);
    t.false(seen.mismatchShown);
    t.is(sub.framesMismatch, 0);
    t.is(sub.framesIntegrityFailure, 0);
    // Opened in the worker, then decoded: every decoded frame was one the worker opened.
    t.true(sub.videoFramesDecoded <= sub.videoFramesOpened + 15, 'nothing decoded that the worker did not open (its counters lag 250 ms)');
    // The codes read are the bot's own frame numbers, advancing as frames arrive (a loaded page
    // paints, and so reads, only some of them).
    const span = code.lastFrameNumber - code.firstFrameNumber + 1;
    t.true(code.framesRead >= span * 0.5, `${code.framesRead} frames read of the ${span} numbers spanned`);
    t.true(code.lastFrameNumber < bot.publisher.stats().videoFramesCaptured, 'no frame number the bot has not drawn');
    t.true(code.latencyP50Ms > 0 && code.latencyP50Ms < 400, `capture to display p50 ${code.latencyP50Ms} ms`);

    // The bot: the page's pattern (drawn by lib/web/frame-code.ts) read by the C++ media check.
    const subscriber = await bot.subscriber;
    await until(t, () => subscriber.mediaCheck().framesReceived >= 60, 20_000,
      () => `60 frames of the page's pattern read by the bot (${subscriber.mediaCheck().framesReceived} so far)`);
    const check = subscriber.mediaCheck();
    const stats = subscriber.stats();
    t.log(`bot: ${check.framesReceived} of the page's frames read (${check.framesUnreadable} unreadable), latency p50 ${check.latencyP50Ms} ms;` +
      ` opened video ${stats.videoFramesOpened} audio ${stats.audioFramesOpened}, decoded ${stats.videoFramesDecoded}`);
    t.true(stats.videoFramesDecoded >= 60);
    t.true(stats.audioFramesOpened >= 50, 'audio frames opened by the bot');
    t.is(stats.framesMismatch, 0);
    t.true(check.latencyP50Ms > 0 && check.latencyP50Ms < 400, `page capture to bot decode p50 ${check.latencyP50Ms} ms`);

    if (mode === 'routed') {
      const routed = await waitForPage(page, 'the page shows Janus\'s recording', (s) => (s.router?.frames ?? 0) > 30);
      t.log(`router: ${routed.router!.frames} frames recorded, marked encrypted: ${routed.router!.encrypted}; ${routed.router!.decoder}`);
      t.true(routed.router!.encrypted);
      t.regex(routed.router!.decoder, /undecodable|only noise/);
    }
    t.log(`screenshot: ${await saveScreenshot(page, `browser-${mode}${legacyStreams ? '-legacy' : ''}.png`)}`);
  });
}

test.serial('a wrong secret in the page: mismatch shown, nothing decoded; the right secret recovers without a reload', async (t) => {
  const { sessionId } = demo.addSession('relayed');
  const bot = await startNodeBot(t, demo.server, sessionId);
  const page = await joinFromPage(t, browser, demo.server, 'relayed', 'not the secret of this session');

  const wrong = await waitForPage(page, 'the page shows the mismatch', (s) => s.mismatchShown && (s.subscriber?.framesMismatch ?? 0) >= 30);
  t.true(await page.isVisible('#mismatch'));
  t.regex((await page.textContent('#mismatch')) ?? '', /encryption secret mismatch/i);
  t.is(wrong.subscriber!.videoFramesOpened, 0);
  t.is(wrong.subscriber!.videoFramesDecoded, 0, 'no undecryptable frame reaches the decoder');
  t.is(wrong.code?.framesRead ?? 0, 0);
  const subscriber = await bot.subscriber;
  await until(t, () => bot.mismatches > 0, 20_000, () => 'the bot to report the page\'s frames as a mismatch');
  t.is(subscriber.stats().videoFramesDecoded, 0);
  await saveScreenshot(page, 'browser-mismatch.png');

  await page.fill('#secret', SECRET);
  await page.click('#apply-secret');
  const fixed = await waitForPage(page, 'the page recovers', (s) => !s.mismatchShown && (s.code?.framesRead ?? 0) >= 30);
  t.false(await page.isVisible('#mismatch'));
  t.true(fixed.subscriber!.videoFramesDecoded >= 30);
  await until(t, () => subscriber.mediaCheck().framesReceived >= 30, 20_000,
    () => `the bot to decode the page after the fix (${subscriber.mediaCheck().framesReceived} frames read)`);
  t.log(`after the fix: page read ${fixed.code!.framesRead} frames, the bot ${subscriber.mediaCheck().framesReceived}`);
});

test.serial('a re-key from the bot mid-call: the page follows the ratchet without a reload', async (t) => {
  const { sessionId } = demo.addSession('relayed');
  const bot = await startNodeBot(t, demo.server, sessionId);
  const page = await joinFromPage(t, browser, demo.server, 'relayed', SECRET);
  const before = await waitForPage(page, 'frames flow', (s) => (s.code?.framesRead ?? 0) >= 30);
  const epochBefore = bot.publisher.stats().encryptionEpoch;

  for (let step = 0; step < 3; step++) {
    t.is(bot.session.ratchetEncryptionKey(), otc.ErrorCode.OTC_SUCCESS);
    await sleep(1000);
  }
  const epochAfter = bot.publisher.stats().encryptionEpoch;
  t.not(epochAfter, epochBefore, 'the bot seals under a new epoch');
  const framesAtRekey = (await pageSnapshot(page)).code!.framesRead;
  const after = await waitForPage(page, 'frames keep flowing after the re-key', (s) => (s.code?.framesRead ?? 0) >= framesAtRekey + 60);
  t.false(after.mismatchShown);
  t.is(after.subscriber!.framesMismatch, before.subscriber!.framesMismatch, 'no frame of the new epochs failed to open');
  t.log(`epoch 0x${epochBefore.toString(16)} -> 0x${epochAfter.toString(16)}: the page read ${after.code!.framesRead - before.code!.framesRead} frames across 3 ratchet steps`);
});
