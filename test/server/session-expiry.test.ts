// Idle sessions are removed: a session nobody has been connected to for sessionIdleMs (serve
// --session-idle) is gone from memory and from the data directory; one with a connection never
// is, and its idle time starts when the last connection leaves, also across a restart.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import test from 'ava';
import { ErrorCode } from '../../lib/error-code';
import { SessionServer, signRestAuth } from '../../lib/server/index';
import { SessionStore } from '../../lib/server/session-store';
import { openDatabase } from '../../lib/server/store/database';
import { SessionJournal } from '../../lib/server/store/session-journal';
import { joined, openClient, startServer } from './helpers/server';
import { tempDir } from '../helpers/temp-dir';

async function restStatus(server: SessionServer, sessionId: string): Promise<number> {
  const res = await fetch(`${server.url}/v2/project/${server.apiKey}/session/${sessionId}`, {
    headers: { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, server.apiSecret) }, signal: AbortSignal.timeout(5000),
  });
  await res.text();
  return res.status;
}

test('a running server removes sessions idle for sessionIdleMs, never one with a connection; the idle time starts when the last one leaves', async (t) => {
  const server = await startServer(t, { sessionIdleMs: 1500 });
  const never = server.createSession({ mediaMode: 'relayed' }).sessionId;
  const used = server.createSession({ mediaMode: 'relayed' }).sessionId;
  const member = await joined(t, server, used);
  await new Promise((r) => setTimeout(r, 3500));
  t.is(await restStatus(server, never), 404, 'never joined: expired');
  t.is(await restStatus(server, used), 200, 'a connected session stays');
  const late = await openClient(t, server);
  t.like(await late.request('connect', { token: server.generateToken(never) }), { type: 'error', code: ErrorCode.OTC_SESSION_INVALID_SESSION });

  await member.client.ok('disconnect');
  await new Promise((r) => setTimeout(r, 1000));
  t.is(await restStatus(server, used), 200, 'not yet: it emptied a second ago');
  await new Promise((r) => setTimeout(r, 2500));
  t.is(await restStatus(server, used), 404);
  t.is(server.store.sessionCount, 0);
});

test('expireIdle: oldest first, bounded per call; the journal forgets expired sessions and keeps when the others emptied across a restart', (t) => {
  const dir = tempDir(t, 'otc-expiry-');
  const db = openDatabase(dir);
  t.teardown(() => db.close());
  const store = new SessionStore('47000001', Infinity, new SessionJournal(db));
  const a = store.createSession({ mediaMode: 'relayed' });
  const b = store.createSession({ mediaMode: 'relayed' });
  const c = store.createSession({ mediaMode: 'relayed' });
  const conn = store.addConnection(b, 'publisher', '', false);
  const created = a.createTime;
  t.deepEqual(store.expireIdle(1000, created + 500), [], 'nothing idle long enough');
  t.deepEqual(store.expireIdle(1000, created + 5000, 1).map((s) => s.sessionId), [a.sessionId], 'at most one per call, the oldest');
  t.deepEqual(store.expireIdle(1000, created + 5000).map((s) => s.sessionId), [c.sessionId], 'b has a connection');
  store.removeConnection(b, conn.info.connectionId);
  const emptied = Date.now();
  t.deepEqual(store.expireIdle(1000, emptied + 500), []);

  const reread = new SessionStore('47000001', Infinity, new SessionJournal(db));
  reread.restore();
  t.is(reread.sessionCount, 1, 'a and c are gone from the data directory');
  t.deepEqual(reread.expireIdle(1000, emptied + 500), [], 'b emptied moments ago, as stored');
  t.deepEqual(reread.expireIdle(1000, emptied + 1500).map((s) => s.sessionId), [b.sessionId]);
  t.is(new SessionJournal(db).load().sessions.length, 0);
});

test('bad sessionIdleMs values are TypeErrors; serve --session-idle must be 0 or more seconds', async (t) => {
  await t.throwsAsync(SessionServer.start({ sessionIdleMs: -1 }), { instanceOf: TypeError });
  await t.throwsAsync(SessionServer.start({ sessionIdleMs: 1.5 }), { instanceOf: TypeError });
  const cli = path.join(__dirname, '..', '..', 'lib', 'cli', 'index.js');
  for (const value of ['-1', 'soon']) {
    const run = spawnSync(process.execPath, [cli, 'serve', '--no-router', '--session-idle', value], { encoding: 'utf8', timeout: 20_000 });
    t.is(run.status, 2, value);
    t.regex(run.stderr, /session-idle/);
  }
});
