// Forced muting in the browser client (docs/protocol.md, "Forced muting"): a moderator page
// forces another page's publisher to mute; the publisher reports 'muteForced' and stops
// publishing audio as setPublishAudio(false) does (others hear hasAudio false), and the tone's
// energy stops arriving at the moderator's subscriber until the publisher turns audio back on.
// The session's mute state: 'muteForced' { active } on every page, a non-moderator refused (1540),
// a page joining while it is on (forceMuteActive) and its publisher muted as it is published.
import test, { type ExecutionContext } from 'ava';
import type { Page } from 'playwright-core';
import type { SessionServer } from '../../lib/server/index';
import { tcpProxy } from '../helpers/tcp-proxy';
import { sleep } from '../helpers/wait';
import { TestClient } from '../server/helpers/client';
import { startServer } from '../server/helpers/server';
import { openPage, sharedBrowserAndServer } from './helpers';

const shared = sharedBrowserAndServer(test);

/** What each page keeps in `window.mute` (set up by join()). */
interface PageLog {
  events: string[];
}

/** Opens a page with the client and connects a session (kept as window.mute.session). */
async function join(t: ExecutionContext, server: SessionServer, sessionId: string, role: 'publisher' | 'moderator',
  url = server.signalingUrl): Promise<Page> {
  const page = await openPage(t, shared.browser(), `${server.url}/clock`);
  await page.addScriptTag({ url: '/otc-client.js' });
  await page.evaluate(async ({ apiKey, sessionId, token, url }) => {
    type Session = { connect(t: string): Promise<void>; on(e: string, l: (x: unknown) => void): void };
    const g = globalThis as unknown as { OTC: { Session: new (k: string, s: string, o: { signalingUrl: string }) => Session }; mute: PageLog & { session: Session } };
    const session = new g.OTC.Session(apiKey, sessionId, { signalingUrl: url });
    const events: string[] = [];
    session.on('muteForced', (e) => events.push(`session muteForced ${JSON.stringify(e)}`));
    session.on('streamPropertyChanged', (e) => {
      const change = e as { changedProperty: string; newValue: unknown };
      events.push(`streamPropertyChanged ${change.changedProperty} ${JSON.stringify(change.newValue)}`);
    });
    session.on('error', (e) => events.push(`error ${(e as { message: string }).message}`));
    await session.connect(token);
    g.mute = { session, events };
  }, { apiKey: server.apiKey, sessionId, token: server.generateToken(sessionId, { role }), url });
  return page;
}

function events(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { mute: PageLog }).mute.events.slice());
}

async function waitForEvent(page: Page, wanted: string, timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction((w) => (globalThis as unknown as { mute: PageLog }).mute.events.includes(w), wanted, { timeout: timeoutMs });
}

/** The growth of the moderator's subscriber's audio energy over `ms`. */
function energyOver(page: Page, ms: number): Promise<number> {
  return page.evaluate(async (ms) => {
    const g = globalThis as unknown as { mute: { subscriber: { stats(): Promise<{ audioEnergy: number }> } } };
    const before = (await g.mute.subscriber.stats()).audioEnergy;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return (await g.mute.subscriber.stats()).audioEnergy - before;
  }, ms);
}

test('a moderator page forces a page\'s publisher to mute: muteForced, hasAudio false for others, the tone stops arriving; forceMuteAll / disableForceMute', async (t) => {
  const server = shared.server();
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const publisherPage = await join(t, server, sessionId, 'publisher');
  const moderatorPage = await join(t, server, sessionId, 'moderator');

  const streamId = await publisherPage.evaluate(async () => {
    type Publisher = { on(e: string, l: () => void): void; publishAudio: boolean };
    const g = globalThis as unknown as {
      OTC: { Publisher: new (o: Record<string, unknown>) => Publisher };
      mute: PageLog & { session: { publish(p: Publisher): Promise<{ streamId: string }> }; publisher: Publisher };
    };
    const publisher = new g.OTC.Publisher({ name: 'tone', audioSource: 'tone' });
    publisher.on('muteForced', () => g.mute.events.push(`publisher muteForced publishAudio=${publisher.publishAudio}`));
    g.mute.publisher = publisher;
    return (await g.mute.session.publish(publisher)).streamId;
  });

  await moderatorPage.evaluate(async (streamId) => {
    type Subscriber = { connected(ms: number): Promise<void> };
    const g = globalThis as unknown as { mute: { session: { subscribe(id: string): Subscriber; streams: Array<{ streamId: string }> }; subscriber: Subscriber } };
    const deadline = Date.now() + 10_000;
    while (!g.mute.session.streams.some((s) => s.streamId === streamId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    g.mute.subscriber = g.mute.session.subscribe(streamId);
    await g.mute.subscriber.connected(20_000);
  }, streamId);
  // The tone arrives (energy grows), once its playout has started.
  await energyOver(moderatorPage, 1500);
  const sounding = await energyOver(moderatorPage, 2000);
  t.log(`audio energy at the subscriber over 2 s, tone on: ${sounding.toExponential(3)}`);
  t.true(sounding > 1e-3, `the tone's energy arrives (${sounding})`);

  // A non-moderator may not.
  const refused = await publisherPage.evaluate(async (streamId) => {
    const g = globalThis as unknown as { mute: { session: { forceMuteStream(id: string): Promise<void> } } };
    try {
      await g.mute.session.forceMuteStream(streamId);
      return 0;
    } catch (error) {
      return (error as { code: number }).code;
    }
  }, streamId);
  t.is(refused, 1540);

  // The moderator forces the mute.
  await moderatorPage.evaluate(async () => {
    const g = globalThis as unknown as { mute: { session: { forceMuteStream(s: unknown): Promise<void>; streams: unknown[] } } };
    await g.mute.session.forceMuteStream(g.mute.session.streams[0]);
  });
  await waitForEvent(publisherPage, 'publisher muteForced publishAudio=false');
  await waitForEvent(moderatorPage, 'streamPropertyChanged hasAudio false');
  await energyOver(moderatorPage, 1000); // what was in flight plays out
  const muted = await energyOver(moderatorPage, 2000);
  t.log(`audio energy over 2 s, muted: ${muted.toExponential(3)}`);
  t.true(muted < sounding / 50, `no sound arrives once muted (${muted} against ${sounding})`);

  // Only its application turns it on again.
  await publisherPage.evaluate(() => {
    (globalThis as unknown as { mute: { publisher: { setPublishAudio(on: boolean): number } } }).mute.publisher.setPublishAudio(true);
  });
  await waitForEvent(moderatorPage, 'streamPropertyChanged hasAudio true');
  await energyOver(moderatorPage, 1000);
  const again = await energyOver(moderatorPage, 2000);
  t.true(again > sounding / 10, `the tone arrives again (${again})`);

  // The session's mute state: every page hears it go on and off; the publisher is muted again.
  await moderatorPage.evaluate(async () => {
    const g = globalThis as unknown as { mute: { session: { forceMuteAll(excluded?: unknown[]): Promise<void>; forceMuteActive: boolean } } };
    await g.mute.session.forceMuteAll();
  });
  for (const page of [publisherPage, moderatorPage]) await waitForEvent(page, 'session muteForced {"active":true}');
  await waitForEvent(moderatorPage, 'streamPropertyChanged hasAudio false');
  t.true(await publisherPage.evaluate(() => (globalThis as unknown as { mute: { session: { forceMuteActive: boolean } } }).mute.session.forceMuteActive));
  await moderatorPage.evaluate(async () => {
    await (globalThis as unknown as { mute: { session: { disableForceMute(): Promise<void> } } }).mute.session.disableForceMute();
  });
  for (const page of [publisherPage, moderatorPage]) await waitForEvent(page, 'session muteForced {"active":false}');
  const publisherEvents = await events(publisherPage);
  t.deepEqual(publisherEvents.filter((e) => e.startsWith('publisher')), ['publisher muteForced publishAudio=false', 'publisher muteForced publishAudio=false']);
  t.false(publisherEvents.some((e) => e.startsWith('error')), publisherEvents.join('; '));
  t.false(await publisherPage.evaluate(() => (globalThis as unknown as { mute: { publisher: { publishAudio: boolean } } }).mute.publisher.publishAudio),
    'disableForceMute unmutes nobody');
  const moderatorEvents = await events(moderatorPage);
  t.false(moderatorEvents.some((e) => e.startsWith('error')), moderatorEvents.join('; '));
  t.deepEqual(moderatorEvents.filter((e) => e.includes('hasAudio')),
    ['streamPropertyChanged hasAudio false', 'streamPropertyChanged hasAudio true', 'streamPropertyChanged hasAudio false']);
});

test('a page joining while the session\'s mute state is on knows it, and its new publisher is muted as it is published (a raw-protocol moderator)', async (t) => {
  const server = shared.server();
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const moderator = await TestClient.open(server.signalingUrl);
  t.teardown(() => moderator.close());
  await moderator.connect(server.generateToken(sessionId, { role: 'moderator' }));
  await moderator.ok('forceMuteAll');

  const page = await join(t, server, sessionId, 'publisher');
  t.true(await page.evaluate(() => (globalThis as unknown as { mute: { session: { forceMuteActive: boolean } } }).mute.session.forceMuteActive));
  const out = await page.evaluate(async () => {
    type Publisher = { on(e: string, l: () => void): void; publishAudio: boolean };
    const g = globalThis as unknown as {
      OTC: { Publisher: new (o: Record<string, unknown>) => Publisher };
      mute: PageLog & { session: { publish(p: Publisher): Promise<{ streamId: string }> } };
    };
    const publisher = new g.OTC.Publisher({ name: 'late', audioSource: 'tone' });
    const forced = new Promise<void>((resolve) => publisher.on('muteForced', resolve));
    const { streamId } = await g.mute.session.publish(publisher);
    await forced;
    return { streamId, publishAudio: publisher.publishAudio };
  });
  t.false(out.publishAudio);
  t.like(await moderator.event('streamPropertyChanged', (e) => e.streamId === out.streamId),
    { streamId: out.streamId, property: 'hasAudio', value: false });
  t.like(server.store.getSession(sessionId)!.streams.get(out.streamId), { hasAudio: false });

  await moderator.ok('disableForceMute');
  await waitForEvent(page, 'session muteForced {"active":false}');
  t.false(await page.evaluate(() => (globalThis as unknown as { mute: { session: { forceMuteActive: boolean } } }).mute.session.forceMuteActive));
  t.deepEqual((await events(page)).filter((e) => e.startsWith('session')), ['session muteForced {"active":false}'],
    'no event at connect: the ack\'s state is read by forceMuteActive');
});

test('a change of the mute state while the page reconnects is reported once', async (t) => {
  // A server of its own: its connection count is this test's.
  const server = await startServer(t);
  const link = await tcpProxy(t, server.port);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const moderator = await TestClient.open(server.signalingUrl);
  t.teardown(() => moderator.close());
  await moderator.connect(server.generateToken(sessionId, { role: 'moderator' }));
  const page = await join(t, server, sessionId, 'publisher', `ws://127.0.0.1:${link.port}/v1/signaling`);
  await page.evaluate(() => {
    const g = globalThis as unknown as { mute: PageLog & { session: { on(e: string, l: () => void): void } } };
    g.mute.session.on('reconnected', () => g.mute.events.push('reconnected'));
  });
  await moderator.event('connectionCreated');
  link.resetAll();
  // Changed while the page's connection is detached (its first attempt waits at least 400 ms):
  // the event is queued for it, and its reconnect ack says the state is on too.
  const deadline = Date.now() + 2000;
  while (server.connectionCount > 1 && Date.now() < deadline) await sleep(5);
  t.is(server.connectionCount, 1, 'the page\'s connection is detached');
  await moderator.ok('forceMuteAll');
  await waitForEvent(page, 'reconnected', 15_000);
  await waitForEvent(page, 'session muteForced {"active":true}');
  // Whatever was queued for the page has arrived once a signal sent after it has.
  await page.evaluate(() => {
    const g = globalThis as unknown as { mute: PageLog & { session: { on(e: string, l: (s: { type: string }) => void): void } } };
    g.mute.session.on('signal', (s) => g.mute.events.push(`signal ${s.type}`));
  });
  await moderator.ok('signal', { signalType: 'after' });
  await waitForEvent(page, 'signal after');
  t.deepEqual((await events(page)).filter((e) => e.startsWith('session')), ['session muteForced {"active":true}']);
  t.true(await page.evaluate(() => (globalThis as unknown as { mute: { session: { forceMuteActive: boolean } } }).mute.session.forceMuteActive));
});
