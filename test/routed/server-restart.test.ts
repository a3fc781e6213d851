// A routed E2EE call across a session server restart on its data directory (inside
// scripts/netns-run.sh): the router (its private Janus) does not survive the server, so when the
// publisher's connection comes back its stream is healed as after a router restart
// (docs/protocol.md, "Server restarts"): both sessions keep their connection ids, nobody hears of
// a destroyed stream or connection, and the subscriber's frames come back through the new Janus.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import * as otc from '../../lib/index';
import { next } from '../helpers/session-events';
import { until } from '../helpers/wait';
import { joinSession, requireNetns, startRoutedServer, streamOn } from './helpers';

const SECRET = 'routed restart secret';

test.before(() => {
  requireNetns();
  otc.init();
});
test.after.always(() => otc.destroy());

test.serial('a routed publisher back after a server restart is healed: same ids, no destroyed events, frames through the new router', async (t) => {
  t.timeout(120_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-routed-restart-'));
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const log = (line: string): void => {
    lines.push(line);
  };
  const first = await startRoutedServer({ dataDir, log });
  const { port } = first;
  let second: Awaited<ReturnType<typeof startRoutedServer>> | undefined;
  t.teardown(async () => {
    await first.close();
    await second?.close();
  });
  const { sessionId } = first.createSession({ e2ee: true, mediaMode: 'routed' });
  const a = await joinSession(t, first, sessionId, 'publisher', SECRET);
  const b = await joinSession(t, first, sessionId, 'subscriber', SECRET);
  const publisher = new otc.Publisher({ name: 'restart', testPattern: { width: 320, height: 180, fps: 15 } });
  t.teardown(() => publisher.delete());
  const streamId = (await a.publish(publisher)).streamId;
  const subscriber = b.subscribe(await streamOn(b, streamId));
  t.teardown(() => subscriber.delete());
  const frames = (): number => subscriber.mediaCheck().framesReceived;
  await until(t, () => frames() > 15, 20_000, () => 'frames before the restart');

  const ids = [a.connectionId, b.connectionId];
  const seen: string[] = [];
  for (const [name, s] of [['a', a], ['b', b]] as const) {
    for (const event of ['disconnected', 'connectionDestroyed', 'streamDestroyed'] as const) s.on(event, () => seen.push(`${name} ${event}`));
  }
  const errors: string[] = [];
  publisher.on('error', (err) => errors.push(`publisher ${err.code}: ${err.message}`));
  subscriber.on('error', (err) => errors.push(`subscriber ${err.code}: ${err.message}`));
  const reconnected = [next(a, 'reconnected', 60_000), next(b, 'reconnected', 60_000)];
  await first.close();
  second = await startRoutedServer({ dataDir, log, port });
  const restartedAt = Date.now();
  await Promise.all(reconnected);
  t.deepEqual([a.connectionId, b.connectionId], ids);
  const atReconnect = frames();
  await until(t, () => frames() > atReconnect + 30, 40_000,
    () => `frames through the new router (${frames() - atReconnect}; errors ${JSON.stringify(errors)}; server: ${lines.slice(-8).join(' | ')})`);
  t.log(`frames again ${Date.now() - restartedAt} ms after the restart`);
  t.true(lines.some((l) => l.includes(`routed peer pub-${streamId} lost (negotiating again)`)), 'healed as a router restart');
  t.deepEqual(seen, []);
  t.deepEqual(errors, []);
  t.is(subscriber.stats().framesIntegrityFailure, 0);
});
