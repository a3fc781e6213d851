// Moderation in the browser client (docs/protocol.md, "Moderation"): a moderator page's
// capabilities, its forceDisconnect and forceUnpublish (Promises, as OpenTok.js's) on raw-protocol
// clients, a refusal (1535) for a page without the role; and the page at the receiving end: its
// publisher stopped by a moderator ('streamDestroyed' forceUnpublished, then published again) and
// the page forced out ('disconnected' with forceDisconnected, no error).
import test, { type ExecutionContext } from 'ava';
import type { Page } from 'playwright-core';
import { CloseCode } from '../../lib/protocol/messages';
import type { SessionServer } from '../../lib/server/index';
import { TestClient } from '../server/helpers/client';
import { openPage, sharedBrowserAndServer } from './helpers';

const shared = sharedBrowserAndServer(test);

interface PageLog {
  events: string[];
}

/** Opens a page with the client and connects a session (window.mod.session), logging its events. */
async function join(t: ExecutionContext, server: SessionServer, sessionId: string, role: 'publisher' | 'moderator'): Promise<Page> {
  const page = await openPage(t, shared.browser(), `${server.url}/clock`);
  await page.addScriptTag({ url: '/otc-client.js' });
  await page.evaluate(async ({ apiKey, sessionId, token, url }) => {
    type Session = { connect(t: string): Promise<void>; on(e: string, l: (...x: unknown[]) => void): void };
    const g = globalThis as unknown as { OTC: { Session: new (k: string, s: string, o: { signalingUrl: string }) => Session }; mod: PageLog & { session: Session } };
    const session = new g.OTC.Session(apiKey, sessionId, { signalingUrl: url });
    const events: string[] = [];
    session.on('disconnected', (error, end) => events.push(`disconnected ${error === undefined ? 'no error' : 'error'} ${JSON.stringify(end)}`));
    session.on('error', (e) => events.push(`error ${(e as { message: string }).message}`));
    await session.connect(token);
    g.mod = { session, events };
  }, { apiKey: server.apiKey, sessionId, token: server.generateToken(sessionId, { role }), url: server.signalingUrl });
  return page;
}

async function rawClient(t: ExecutionContext, server: SessionServer, sessionId: string, role: 'publisher' | 'moderator'): Promise<{ client: TestClient; connectionId: string }> {
  const client = await TestClient.open(server.signalingUrl);
  t.teardown(() => client.close());
  const ack = await client.connect(server.generateToken(sessionId, { role }));
  return { client, connectionId: ack.connectionId };
}

test('a moderator page: capabilities, forceUnpublish and forceDisconnect of other clients; a publisher page is refused with 1535', async (t) => {
  const server = shared.server();
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const other = await rawClient(t, server, sessionId, 'publisher');
  const streamId = (await other.client.ok('publish', { name: 'raw' }))['streamId'] as string;
  const page = await join(t, server, sessionId, 'moderator');
  t.deepEqual(await page.evaluate(() => (globalThis as unknown as { mod: { session: { capabilities: unknown } } }).mod.session.capabilities),
    { publish: true, forceDisconnect: true, forceMute: true, forceUnpublish: true });
  await page.evaluate(async (id) => {
    await (globalThis as unknown as { mod: { session: { forceUnpublish(s: string): Promise<void> } } }).mod.session.forceUnpublish(id);
  }, streamId);
  t.like(await other.client.event('streamDestroyed', (e) => e.streamId === streamId), { reason: 'forceUnpublished' });
  await page.evaluate(async (id) => {
    await (globalThis as unknown as { mod: { session: { forceDisconnect(c: { connectionId: string }): Promise<void> } } }).mod.session.forceDisconnect({ connectionId: id });
  }, other.connectionId);
  t.like(await other.client.waitClose(), { code: CloseCode.FORCE_DISCONNECTED });

  const publisherPage = await join(t, server, sessionId, 'publisher');
  t.like(await publisherPage.evaluate(() => (globalThis as unknown as { mod: { session: { capabilities: unknown } } }).mod.session.capabilities),
    { publish: true, forceDisconnect: false, forceUnpublish: false });
  const refused = await publisherPage.evaluate(async () => {
    try {
      await (globalThis as unknown as { mod: { session: { forceUnpublish(s: string): Promise<void> } } }).mod.session.forceUnpublish('s-none');
      return null;
    } catch (err) {
      return (err as { code: number }).code;
    }
  });
  t.is(refused, 1535);
});

test('a page\'s publisher stopped by a moderator emits streamDestroyed forceUnpublished and publishes again; a page forced out ends without an error', async (t) => {
  const server = shared.server();
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const moderator = await rawClient(t, server, sessionId, 'moderator');
  const page = await join(t, server, sessionId, 'publisher');
  const first = await page.evaluate(async () => {
    type Publisher = { on(e: string, l: (...x: unknown[]) => void): void };
    const g = globalThis as unknown as {
      OTC: { Publisher: new (o: Record<string, unknown>) => Publisher };
      mod: PageLog & { session: { publish(p: Publisher): Promise<{ streamId: string }> }; publisher: Publisher };
    };
    const publisher = new g.OTC.Publisher({ name: 'stopped soon', audioSource: 'tone' });
    publisher.on('streamDestroyed', (stream, end) => g.mod.events.push(`publisher streamDestroyed ${(stream as { streamId: string }).streamId} ${JSON.stringify(end)}`));
    g.mod.publisher = publisher;
    return (await g.mod.session.publish(publisher)).streamId;
  });
  await moderator.client.ok('forceUnpublish', { streamId: first });
  await page.waitForFunction((id) => (globalThis as unknown as { mod: PageLog }).mod.events.some((e) => e.startsWith(`publisher streamDestroyed ${id}`)), first);
  const ended = (await page.evaluate(() => (globalThis as unknown as { mod: PageLog }).mod.events)).find((e) => e.startsWith('publisher streamDestroyed'))!;
  t.regex(ended, /"reason":"forceUnpublished"/);
  const second = await page.evaluate(async () => {
    const g = globalThis as unknown as { mod: { session: { publish(p: unknown): Promise<{ streamId: string }> }; publisher: unknown } };
    return (await g.mod.session.publish(g.mod.publisher)).streamId;
  });
  t.not(second, first);
  t.like(await moderator.client.event('streamCreated', (e) => e.stream.streamId === second), { stream: { name: 'stopped soon' } });

  const pageConnection = server.store.getSession(sessionId)!.streams.get(second)!.connectionId;
  await moderator.client.ok('forceDisconnect', { connectionId: pageConnection });
  await page.waitForFunction(() => (globalThis as unknown as { mod: PageLog }).mod.events.some((e) => e.startsWith('disconnected')));
  const log = await page.evaluate(() => (globalThis as unknown as { mod: PageLog }).mod.events);
  t.true(log.some((e) => /^disconnected no error .*"reason":"forceDisconnected"/.test(e)), log.join('\n'));
  t.false(log.some((e) => e.startsWith('error')), log.join('\n'));
});
