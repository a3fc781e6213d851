// Several Janus instances behind one session server (inside scripts/netns-run.sh): sessions
// spread over two private instances, and an instance the operator runs, reached by its URL.
import test, { type ExecutionContext } from 'ava';
import * as otc from '../../lib/index';
import { JanusProcess, type SessionServer } from '../../lib/server/index';
import { until } from '../helpers/wait';
import { joinSession, requireNetns, startRoutedServer, streamOn } from './helpers';

const SECRET = 'several routers, one secret';

test.before(() => {
  requireNetns();
  otc.init();
});
test.after.always(() => otc.destroy());

/** A routed E2EE call in a new session of `server`; resolves with the session id once frames flow. */
async function call(t: ExecutionContext, server: SessionServer, name: string): Promise<string> {
  const { sessionId } = server.createSession({ e2ee: true, mediaMode: 'routed' });
  const a = await joinSession(t, server, sessionId, `${name} publisher`, SECRET);
  const b = await joinSession(t, server, sessionId, `${name} subscriber`, SECRET);
  const publisher = new otc.Publisher({ name, testPattern: { width: 320, height: 180, fps: 15 } });
  t.teardown(() => publisher.delete());
  const stream = await streamOn(b, (await a.publish(publisher)).streamId);
  const subscriber = b.subscribe(stream);
  t.teardown(() => subscriber.delete());
  await until(t, () => subscriber.mediaCheck().framesReceived >= 10, 20_000, () => `frames in ${name} (${JSON.stringify(subscriber.stats())})`);
  t.is(subscriber.stats().framesMismatch, 0);
  return sessionId;
}

test.serial('two private Janus instances: new sessions go to the one with fewer rooms, and calls work on both', async (t) => {
  t.timeout(90_000);
  const server = await startRoutedServer({ router: { managed: 2 } });
  t.teardown(() => server.close());
  const instances = server.router!.instances;
  t.is(instances.length, 2);
  t.true(instances.every((i) => i.up) && instances[0]!.pid !== instances[1]!.pid);
  const first = await call(t, server, 'first');
  const second = await call(t, server, 'second');
  const rooms = [server.router!.roomOf(first)!, server.router!.roomOf(second)!];
  t.log(`first session on ${rooms[0]!.instance}, second on ${rooms[1]!.instance}`);
  t.not(rooms[0]!.instance, rooms[1]!.instance, 'the sessions are spread over the two instances');
  t.deepEqual(server.router!.instances.map((i) => i.rooms), [1, 1]);
});

test.serial('a Janus the operator runs, reached by URL (no private instance)', async (t) => {
  t.timeout(60_000);
  const janus = await JanusProcess.start(); // stands in for an operator's instance: the router only gets its URL and secret
  t.teardown(() => janus.stop());
  const server = await startRoutedServer({ router: { managed: 0, instances: [{ url: janus.url, apiSecret: janus.apiSecret }] } });
  t.teardown(() => server.close());
  t.deepEqual(server.router!.managedProcesses, []);
  t.is(server.router!.instances[0]!.url, janus.url);
  const sessionId = await call(t, server, 'operator');
  t.truthy(server.router!.roomOf(sessionId));
  await server.close();
  t.true(janus.running, "closing the server leaves the operator's Janus running");
});

test.serial('a wrong API secret for an operator-run Janus fails the start with a clear error', async (t) => {
  t.timeout(30_000);
  const janus = await JanusProcess.start();
  t.teardown(() => janus.stop());
  await t.throwsAsync(startRoutedServer({ router: { managed: 0, instances: [{ url: janus.url, apiSecret: 'not the secret' }] } }),
    { message: /cannot use the Janus at .*Unauthorized/i });
});
