// Archives as the browser client hears of them: a page in a routed session gets 'archiveStarted'
// { id, name } when the REST API starts an archive, a page joining while it records gets it on
// connecting, and both get 'archiveStopped' { id } (as OpenTok.js's archive events).
import test, { type ExecutionContext } from 'ava';
import type { Browser, Page } from 'playwright-core';
import { SessionServer, signRestAuth } from '../../lib/server/index';
import { tempDir } from '../helpers/temp-dir';
import { sleep } from '../helpers/wait';
import { launchChromium, openPage } from './helpers';

let browser: Browser | undefined;
test.before(async () => {
  browser = await launchChromium();
});
test.after.always(() => browser?.close());

/** A page connected to the session, logging its archive events in window.archiveLog. */
async function pageIn(t: ExecutionContext, server: SessionServer, sessionId: string): Promise<Page> {
  const page = await openPage(t, browser!, `${server.url}/clock`);
  await page.addScriptTag({ url: '/otc-client.js' });
  await page.evaluate(async ({ apiKey, sessionId, token, url }) => {
    type Session = { connect(t: string): Promise<void>; on(e: string, l: (event: unknown) => void): void };
    const g = globalThis as unknown as { OTC: { Session: new (k: string, s: string, o: { signalingUrl: string }) => Session }; archiveLog: string[] };
    const session = new g.OTC.Session(apiKey, sessionId, { signalingUrl: url });
    g.archiveLog = [];
    for (const name of ['archiveStarted', 'archiveStopped']) session.on(name, (event) => g.archiveLog.push(`${name} ${JSON.stringify(event)}`));
    await session.connect(token);
  }, { apiKey: server.apiKey, sessionId, token: server.generateToken(sessionId), url: server.signalingUrl });
  return page;
}

/** The page's archive events once it has `count` of them (10 s at most). */
async function archiveLog(page: Page, count: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const log = await page.evaluate(() => (globalThis as unknown as { archiveLog: string[] }).archiveLog);
    if (log.length >= count || Date.now() > deadline) return log;
    await sleep(100);
  }
}

async function restArchive(server: SessionServer, path: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(`${server.url}/v2/project/${server.apiKey}/${path}`, {
    method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000),
    headers: { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, server.apiSecret), 'Content-Type': 'application/json' },
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

test('pages hear archiveStarted (on joining too) and archiveStopped', async (t) => {
  t.timeout(90_000);
  const server = await SessionServer.start({ router: { recordingsDir: tempDir(t, 'otc-page-archives-') } });
  t.teardown(() => server.close());
  const { sessionId } = server.createSession({ mediaMode: 'routed' });
  const first = await pageIn(t, server, sessionId);
  const archive = await restArchive(server, 'archive', { sessionId, name: 'lecture' });
  const started = `archiveStarted ${JSON.stringify({ id: archive.id, name: 'lecture' })}`;
  t.deepEqual(await archiveLog(first, 1), [started]);
  const late = await pageIn(t, server, sessionId);
  t.deepEqual(await archiveLog(late, 1), [started], 'told on joining');
  await restArchive(server, `archive/${archive.id}/stop`, {});
  const stopped = `archiveStopped ${JSON.stringify({ id: archive.id })}`;
  for (const page of [first, late]) t.deepEqual(await archiveLog(page, 2), [started, stopped]);
});
