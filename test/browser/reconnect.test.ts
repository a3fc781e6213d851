// The browser client reconnects by itself: the page's signaling socket is reset (a TCP proxy
// between the page and the server), the page gets 'reconnecting' then 'reconnected' with the same
// connection id, a signal it sent meanwhile arrives, and the others never see it leave.
import test from 'ava';
import { tcpProxy } from '../helpers/tcp-proxy';
import { sleep } from '../helpers/wait';
import { openClient } from '../server/helpers/server';
import { openPage, sharedBrowserAndServer } from './helpers';

const shared = sharedBrowserAndServer(test);

test('the page\'s socket reset: reconnecting, reconnected, same connection id, a signal sent meanwhile delivered', async (t) => {
  const browser = shared.browser();
  const server = shared.server();
  const link = await tcpProxy(t, server.port);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const watcher = await openClient(t, server);
  await watcher.connect(server.generateToken(sessionId));
  const page = await openPage(t, browser, `${server.url}/clock`);
  await page.addScriptTag({ url: '/otc-client.js' });
  const connectionId = await page.evaluate(async ({ apiKey, sessionId, token, url }) => {
    type Session = {
      connect(token: string): Promise<void>; connectionId: string; sendSignal(o: { type: string; data: string }): number;
      on(event: string, listener: (...args: unknown[]) => void): void;
    };
    const g = globalThis as unknown as { OTC: { Session: new (k: string, s: string, o: { signalingUrl: string }) => Session }; events: string[]; session: Session };
    const session = new g.OTC.Session(apiKey, sessionId, { signalingUrl: url });
    g.events = [];
    g.session = session;
    session.on('reconnecting', () => {
      g.events.push('reconnecting');
      // Sent while reconnecting: accepted at once (code 0), sent once reconnected.
      g.events.push(`signal ${session.sendSignal({ type: 'meanwhile', data: 'from-the-page' })}`);
    });
    session.on('error', (e) => g.events.push(`error ${(e as Error).message}`));
    session.on('reconnected', () => g.events.push('reconnected'));
    session.on('disconnected', () => g.events.push('disconnected'));
    await session.connect(token);
    return session.connectionId;
  }, { apiKey: server.apiKey, sessionId, token: server.generateToken(sessionId), url: `ws://127.0.0.1:${link.port}/v1/signaling` });
  await watcher.event('connectionCreated');
  const resetAt = Date.now();
  link.resetAll();
  const events = (): Promise<string[]> => page.evaluate(() => (globalThis as unknown as { events: string[] }).events);
  let seen: string[] = [];
  const deadline = Date.now() + 15_000;
  while (!seen.includes('reconnected') && Date.now() < deadline) {
    await sleep(100);
    seen = await events();
  }
  t.log(`page reconnected within ${Date.now() - resetAt} ms of the reset: ${seen.join(', ')}`);
  t.deepEqual(seen, ['reconnecting', 'signal 0', 'reconnected']);
  t.is(await page.evaluate(() => (globalThis as unknown as { session: { connectionId: string } }).session.connectionId), connectionId);
  t.like(await watcher.event('signal'), { signalType: 'meanwhile', data: 'from-the-page', from: connectionId });
  t.false(watcher.has('connectionDestroyed'));
});
