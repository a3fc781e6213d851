// A routed E2EE call between a Chromium page and a Node bot survives its Janus being killed: the
// router restarts it, the page's publisher offers its stream again (routerRestarted) and the
// page's subscriber takes a new peer connection for the same subscription, with no error and
// no new subscriber; the bot's ends do the same (C++ client).
import test from 'ava';
import type { Browser } from 'playwright-core';
import * as otc from '../../lib/index';
import { until } from '../helpers/wait';
import { type DemoServer, SECRET, joinFromPage, launchChromium, pageSnapshot, startDemoServer, startNodeBot, waitForPage } from './helpers';

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

test.serial('routed: Janus killed mid-call; the page and the bot receive each other again by themselves', async (t) => {
  t.timeout(120_000);
  const { sessionId } = demo.addSession('routed');
  const bot = await startNodeBot(t, demo.server, sessionId);
  const page = await joinFromPage(t, browser, demo.server, 'routed', SECRET);
  const messages: string[] = [];
  page.on('console', (m) => { if (/media router|error/i.test(m.text())) messages.push(m.text()); });
  await waitForPage(page, 'the page reads 60 frames of the bot\'s pattern', (s) => (s.code?.framesRead ?? 0) >= 60, 30_000);
  const botSubscriber = await bot.subscriber;
  let botErrors = 0;
  let botDisconnected = false;
  botSubscriber.on('error', () => { botErrors++; });
  botSubscriber.on('disconnected', () => { botDisconnected = true; });
  bot.publisher.on('error', () => { botErrors++; });
  await until(t, () => botSubscriber.mediaCheck().framesReceived > 30, 30_000, () => 'the bot receives the page');

  const pageBefore = (await pageSnapshot(page)).code!.lastFrameNumber;
  const botBefore = botSubscriber.mediaCheck().lastFrameNumber;
  const killedAt = Date.now();
  demo.server.router!.managedProcesses[0]!.kill('SIGKILL');
  // 60 frame numbers past the kill (about 2 s of the bot's pattern): frames sent after it.
  const after = await waitForPage(page, 'the page reads the bot again', (s) => (s.code?.lastFrameNumber ?? 0) > pageBefore + 60, 30_000);
  const pageMs = Date.now() - killedAt;
  await until(t, () => botSubscriber.mediaCheck().lastFrameNumber > botBefore + 60, 30_000,
    () => `the bot receives the page again (${JSON.stringify(botSubscriber.mediaCheck())})`);
  const botMs = Date.now() - killedAt;
  t.log(`after SIGKILL: the page reads the bot's frames again within ${pageMs} ms, the bot the page's within ${botMs} ms; page console: ${JSON.stringify(messages)}`);
  t.true(pageMs < 20_000 && botMs < 20_000, 'both directions back within 20 s');
  t.is(after.subscriber?.framesMismatch, 0);
  t.is(after.subscriber?.framesIntegrityFailure, 0);
  t.is(botErrors, 0, 'the bot heard no error');
  t.false(botDisconnected, 'the bot\'s subscriber stayed');
  t.false(messages.some((m) => /giving up|closed the (stream|subscription)/.test(m)), 'the page reported no router failure');
});
