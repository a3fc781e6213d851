// A session server restarted in place with `serve --data DIR` loses nothing (docs/protocol.md,
// "Reconnecting"): the CLI server runs as a child process; two Sessions in an E2EE relayed call
// (frames flowing peer to peer) see it stopped (SIGTERM: 4004; SIGKILL: the sockets die) and
// started again on the same port and directory: 'reconnecting' then 'reconnected' with the same
// connection ids, nobody destroyed, frames on through the outage and after, a signal sent after
// the restart delivered. And a client that never comes back is dropped when the grace ends.
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import { signRestAuth } from '../lib/server/rest-auth';
import { generateToken } from '../lib/server/tokens';
import { type ServeProcess, startServe } from './helpers/serve-process';
import { next, testSession } from './helpers/session-events';
import { sleep, until } from './helpers/wait';
import { tempDir } from './helpers/temp-dir';

const API_KEY = '47000002';
const API_SECRET = 'b'.repeat(40);
const E2EE_SECRET = 'correct horse battery staple, restart test';
const FPS = 15;

test.before(() => otc.init());
test.after.always(() => otc.destroy());

/** `node-otc serve --no-router --data DIR` on `port` (0: any), once it printed its credentials. */
function serve(t: ExecutionContext, port: number, dataDir: string, extra: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  return startServe(t, ['--no-router', '--port', String(port), '--data', dataDir, ...extra], env);
}

async function stop(s: ServeProcess, signal: NodeJS.Signals): Promise<void> {
  s.child.kill(signal);
  await Promise.race([s.exited, sleep(10_000).then(() => { throw new Error(`serve still running 10 s after ${signal}: ${s.output()}`); })]);
}

async function createRelayedE2eeSession(url: string): Promise<string> {
  const response = await fetch(`${url}/session/create`, {
    method: 'POST',
    headers: { 'X-OPENTOK-AUTH': signRestAuth(API_KEY, API_SECRET), 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: 'p2p.preference=enabled&e2ee=true',
  });
  if (response.status !== 200) throw new Error(`session/create answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as Array<{ session_id: string }>)[0]!.session_id;
}

/** Every event of `s` that a restart must not cause, named. */
function watch(s: otc.Session, name: string, seen: string[]): void {
  for (const event of ['disconnected', 'connectionDestroyed', 'streamDestroyed', 'error'] as const) {
    s.on(event, (arg?: unknown) => seen.push(`${name} ${event} ${arg instanceof Error ? arg.message : JSON.stringify(arg ?? null)}`));
  }
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test.serial(`${signal}: a server restarted on its data directory keeps both connections, their stream and peer; frames flow throughout`, async (t) => {
    t.timeout(110_000);
    const dataDir = tempDir(t, 'otc-restart-');
    const first = await serve(t, 0, dataDir, [], { OTC_API_KEY: API_KEY, OTC_API_SECRET: API_SECRET });
    const signalingUrl = `ws://127.0.0.1:${first.port}/v1/signaling`;
    const sessionId = await createRelayedE2eeSession(first.url);
    const a = testSession(t, API_KEY, sessionId, signalingUrl);
    const b = testSession(t, API_KEY, sessionId, signalingUrl);
    const keys = [a.encryptionKeyReady(), b.encryptionKeyReady()];
    t.is(a.setEncryptionSecret(E2EE_SECRET), otc.ErrorCode.OTC_SUCCESS);
    t.is(b.setEncryptionSecret(E2EE_SECRET), otc.ErrorCode.OTC_SUCCESS);
    await Promise.all(keys);
    await a.connect(generateToken(API_KEY, API_SECRET, sessionId, { data: 'publisher' }));
    await b.connect(generateToken(API_KEY, API_SECRET, sessionId, { data: 'subscriber' }));
    const publisher = new otc.Publisher({ name: 'restart', videoCodec: 'VP8', testPattern: { width: 160, height: 90, fps: FPS } });
    t.teardown(() => publisher.delete());
    const streamSeen = next(b, 'streamCreated');
    await a.publish(publisher);
    const [stream] = await streamSeen;
    const subscriber = b.subscribe(stream);
    await subscriber.connected(20_000);
    const frames = (): number => subscriber.mediaCheck().framesReceived;
    await until(t, () => frames() >= FPS, 20_000, () => `${FPS} frames (check ${JSON.stringify(subscriber.mediaCheck())})`);

    const ids = [a.connectionId, b.connectionId];
    const seen: string[] = [];
    watch(a, 'a', seen);
    watch(b, 'b', seen);
    const reconnecting = [next(a, 'reconnecting', 20_000), next(b, 'reconnecting', 20_000)];
    const reconnected = [next(a, 'reconnected', 60_000), next(b, 'reconnected', 60_000)];
    const atStop = frames();
    await stop(first, signal);
    await Promise.all(reconnecting);
    t.deepEqual([a.connectionId, b.connectionId], ids, 'the ids stay while reconnecting');
    // Media is peer to peer: it does not need the server.
    await until(t, () => frames() >= atStop + FPS, 15_000, () => `frames during the outage (${frames() - atStop} since the stop)`);
    const duringOutage = frames() - atStop;

    // Restarted on the same port and directory, without credentials: those of the directory.
    const second = await serve(t, first.port, dataDir);
    t.is(second.apiKey, API_KEY);
    const restartedAt = Date.now();
    await Promise.all(reconnected);
    t.log(`${signal}: ${duringOutage} frames while the server was down; both reconnected ${Date.now() - restartedAt} ms after the restart`);
    t.deepEqual([a.connectionId, b.connectionId], ids, 'same connection ids after the restart');
    t.regex(second.output(), /restored 2 connections/);

    const signalSeen = next(b, 'signal', 15_000);
    a.sendSignal({ type: 'after-restart', data: 'hello' });
    const [received] = await signalSeen;
    t.like(received, { type: 'after-restart', data: 'hello', from: ids[0]! });

    const afterRestart = frames();
    await until(t, () => frames() >= afterRestart + 2 * FPS, 20_000, () => `frames after the restart (${frames() - afterRestart})`);
    t.true(subscriber.isConnected);
    t.is(subscriber.stats().framesIntegrityFailure, 0);
    await sleep(500);
    t.deepEqual(seen, [], 'no connection, stream or session ended');

    // The server knows the stream still: a third client sees it.
    const c = testSession(t, API_KEY, sessionId, signalingUrl);
    c.setEncryptionSecret(E2EE_SECRET);
    const cSeesStream = next(c, 'streamCreated');
    await c.connect(generateToken(API_KEY, API_SECRET, sessionId));
    const [known] = await cSeesStream;
    t.is(known.streamId, stream.streamId);
    await c.disconnect();
    await stop(second, 'SIGTERM');
  });
}

test.serial('a client that does not come back after a restart is dropped when the grace ends: the other sees connectionDestroyed', async (t) => {
  t.timeout(90_000);
  const dataDir = tempDir(t, 'otc-restart-');
  const first = await serve(t, 0, dataDir, ['--reconnect-grace', '3'], { OTC_API_KEY: API_KEY, OTC_API_SECRET: API_SECRET });
  const signalingUrl = `ws://127.0.0.1:${first.port}/v1/signaling`;
  const sessionId = await createRelayedE2eeSession(first.url);
  const a = testSession(t, API_KEY, sessionId, signalingUrl);
  const b = testSession(t, API_KEY, sessionId, signalingUrl);
  for (const s of [a, b]) s.setEncryptionSecret(E2EE_SECRET);
  await a.connect(generateToken(API_KEY, API_SECRET, sessionId));
  const bSeesA = next(b, 'connectionCreated');
  await b.connect(generateToken(API_KEY, API_SECRET, sessionId));
  await bSeesA;
  const [aId, bId] = [a.connectionId!, b.connectionId!];
  const aReconnecting = next(a, 'reconnecting', 20_000);
  const bReconnected = next(b, 'reconnected', 60_000);
  await stop(first, 'SIGTERM');
  await aReconnecting;
  // a gives up while the server is down: its connection is stored, its client never returns.
  a.on('error', () => undefined);
  await a.disconnect();
  const aGone = next(b, 'connectionDestroyed', 30_000);
  const second = await serve(t, first.port, dataDir, ['--reconnect-grace', '3']);
  await bReconnected;
  t.is(b.connectionId, bId);
  const droppedAt = Date.now();
  const [gone] = await aGone;
  t.is(gone.connectionId, aId);
  t.log(`a dropped ${Date.now() - droppedAt} ms after b reconnected`);
  t.regex(second.output(), new RegExp(`drop ${aId}: no reconnection within 3000 ms`));
  await stop(second, 'SIGTERM');
});
