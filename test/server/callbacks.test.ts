// Session monitoring callbacks: registered, listed and removed through the real `opentok` SDK;
// connection and stream events POSTed to a receiver in OpenTok's payloads, signed (HS256 JWT with
// the project's secret, payload_hash of the body); retried when the receiver fails; per project
// (an application's sessions go to its own callbacks, signed with its signature secret); kept in
// the data directory.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import jwt from 'jsonwebtoken';
import { CallbackRegistry, MAX_CALLBACKS_PER_PROJECT } from '../../lib/server/callbacks/callback-registry';
import { WebhookSender } from '../../lib/server/callbacks/webhook-sender';
import { SessionStore } from '../../lib/server/session-store';
import { SessionServer, signRestAuth } from '../../lib/server/index';
import { openTokFor, sdkCall } from './helpers/opentok';
import { joined, startServer } from './helpers/server';
import { tempDir } from '../helpers/temp-dir';
import { receiver, verified } from '../helpers/webhook-receiver';

test('the opentok SDK registers, lists and removes callbacks; connection and stream events arrive signed in OpenTok\'s shape', async (t) => {
  const server = await startServer(t);
  const hooks = await receiver(t);
  const ot = openTokFor(server);
  const registered: Array<{ id: string }> = [];
  for (const group of ['connection', 'stream']) {
    for (const event of ['created', 'destroyed']) {
      const [err, callback] = await sdkCall(ot, 'registerCallback', { group, event, url: hooks.url });
      t.is(err, null);
      t.like(callback, { group, event, url: hooks.url });
      registered.push(callback as { id: string });
    }
  }
  const [listErr, list] = await sdkCall(ot, 'listCallbacks');
  t.is(listErr, null);
  t.deepEqual((list as Array<{ id: string }>).map((c) => c.id).sort(), registered.map((c) => c.id).sort());

  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const who = await joined(t, server, sessionId, {}, server.generateToken(sessionId, { data: 'name=ada' }));
  const streamId = (await who.client.ok('publish', { name: 'camera' }))['streamId'] as string;
  await who.client.ok('unpublish', { streamId });
  await who.client.ok('disconnect');

  const connection = { id: who.connectionId, data: 'name=ada' };
  const created = await hooks.next('connectionCreated');
  t.like(created.body, { sessionId, projectId: server.apiKey, event: 'connectionCreated', connection });
  t.is(typeof created.body['timestamp'], 'number');
  t.is(typeof (created.body['connection'] as Record<string, unknown>)['createdAt'], 'number');
  t.like((await hooks.next('streamCreated')).body, { sessionId, stream: { id: streamId, name: 'camera', videoType: 'camera', connection } });
  t.like((await hooks.next('streamDestroyed')).body, { reason: 'clientUnpublished', stream: { id: streamId } });
  t.like((await hooks.next('connectionDestroyed')).body, { reason: 'clientDisconnected', connection });
  for (const r of hooks.received) t.true(verified(r, server.apiSecret, server.apiKey), r.raw);
  t.false(verified(hooks.received[0]!, 'another secret', server.apiKey));
  t.false(verified({ ...hooks.received[0]!, raw: `${hooks.received[0]!.raw} ` }, server.apiSecret, server.apiKey), 'another body');

  // Removed: nothing more arrives for that event.
  t.deepEqual(await sdkCall(ot, 'unregisterCallback', registered[0]!.id), [null, undefined]);
  const [again] = await sdkCall(ot, 'unregisterCallback', registered[0]!.id);
  t.truthy(again, 'an unknown callback is 404');
  const count = hooks.received.length;
  const second = await joined(t, server, sessionId);
  await second.client.ok('disconnect');
  await hooks.next('connectionDestroyed');
  await new Promise((r) => setTimeout(r, 300));
  t.false(hooks.received.slice(count).some((r) => r.body['event'] === 'connectionCreated'), 'connection/created was removed');
});

test('a receiver that fails is retried; bad registrations are 400; at most 64 per project', async (t) => {
  const server = await startServer(t, { limits: { restBurstPerAddress: 1000 } });
  const hooks = await receiver(t, 1);
  const post = async (body: unknown): Promise<number> => {
    const res = await fetch(`${server.url}/v2/project/${server.apiKey}/callback`, {
      method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(5000),
      headers: { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, server.apiSecret), 'Content-Type': 'application/json' },
    });
    await res.text();
    return res.status;
  };
  t.is(await post({ group: 'connection', event: 'created', url: hooks.url }), 200);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  await joined(t, server, sessionId);
  const delivered = await hooks.next('connectionCreated');
  t.like(delivered.body, { sessionId });
  t.is(hooks.received.length, 1, 'the 500 was not counted; the retry was delivered');

  for (const bad of [{ group: 'archive', event: 'created', url: hooks.url }, { group: 'broadcast', event: 'status', url: hooks.url }, { group: 'connection', event: 'moved', url: hooks.url },
    { group: 'stream', event: 'created', url: 'ftp://127.0.0.1/x' }, { group: 'stream', event: 'created', url: 'not a url' },
    { group: 'stream', event: 'created', url: 'http://user:pw@127.0.0.1/' }, { group: 'stream', event: 'created', url: `http://h/${'x'.repeat(2048)}` },
    { group: 'stream', event: 'created' }]) {
    t.is(await post(bad), 400, JSON.stringify(bad).slice(0, 60));
  }
  // The same registration again adds nothing; another URL for the same event is a second callback.
  t.is(await post({ group: 'connection', event: 'created', url: hooks.url }), 200);
  t.is(server.callbacks.list(server.apiKey).length, 1);
  for (let i = 1; i < MAX_CALLBACKS_PER_PROJECT; i++) t.is(await post({ group: 'stream', event: 'created', url: `${hooks.url}/${i}` }), 200);
  t.is(server.callbacks.list(server.apiKey).length, MAX_CALLBACKS_PER_PROJECT);
  t.is(await post({ group: 'stream', event: 'created', url: `${hooks.url}/one-more` }), 400, 'the project\'s limit');
  t.is(server.callbacks.list('another project').length, 0);
});

test('an application\'s sessions go to its own callbacks, signed with its signature secret; callbacks survive a restart', async (t) => {
  const dataDir = tempDir(t, 'otc-callbacks-');
  const first = await SessionServer.start({ dataDir });
  const app = await first.applications.create('hooks');
  await first.callbacks.register(app.applicationId, { group: 'connection', event: 'created', url: 'http://127.0.0.1:1/placeholder' });
  await first.close();

  const server = await SessionServer.start({ dataDir });
  t.teardown(() => server.close());
  t.is(server.callbacks.list(app.applicationId).length, 1, 'kept in the data directory');
  const appHooks = await receiver(t);
  const projectHooks = await receiver(t);
  await server.callbacks.register(app.applicationId, { group: 'connection', event: 'created', url: appHooks.url });
  await server.callbacks.register(server.apiKey, { group: 'connection', event: 'created', url: projectHooks.url });
  const session = server.createSession({ mediaMode: 'relayed', projectId: app.applicationId });
  const token = jwt.sign({ scope: 'session.connect', session_id: session.sessionId, role: 'publisher', application_id: app.applicationId,
    exp: Math.floor(Date.now() / 1000) + 60 }, app.privateKey, { algorithm: 'RS256' });
  await joined(t, server, session.sessionId, {}, token);
  const r = await appHooks.next('connectionCreated');
  t.true(verified(r, app.signatureSecret, app.applicationId));
  t.is(r.body['projectId'], app.applicationId);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is(projectHooks.received.length, 0, 'the API key\'s callbacks hear only its own sessions');
});

test('deliveries are bounded: a receiver that never answers holds at most maxQueued, the rest are dropped and counted; close() aborts', async (t) => {
  const hung = http.createServer(() => undefined); // reads the request, never answers
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    hung.closeAllConnections();
    hung.close();
  });
  const registry = new CallbackRegistry();
  await registry.register('47000001', { group: 'connection', event: 'created', url: `http://127.0.0.1:${(hung.address() as AddressInfo).port}/` });
  const lines: string[] = [];
  const sender = new WebhookSender({ registry, secretOf: () => 's'.repeat(40), log: (l) => lines.push(l), maxQueued: 3, concurrency: 1, timeoutMs: 60_000 });
  const store = new SessionStore('47000001');
  const session = store.createSession({ mediaMode: 'relayed' });
  for (let i = 0; i < 10; i++) sender.connectionCreated(session, { connectionId: `c-${i}`, data: '', creationTime: Date.now() });
  t.is(sender.pending, 3, 'one in flight and two waiting');
  t.is(sender.dropped, 7);
  t.regex(lines[0] ?? '', /queue full/);
  sender.close();
  await new Promise((r) => setTimeout(r, 100));
  t.is(sender.pending, 0);
});
