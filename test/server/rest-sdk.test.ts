// Every call of the real `opentok` server SDK (npm `opentok` 2.x) against the server: it works
// (signals, forced disconnects, streams and their class lists; forced muting in force-mute.test.ts,
// callbacks in callbacks.test.ts),
// or answers 501 with a body that says why (what a media server of this kind cannot do here),
// never the 404 that the SDK turns into "Session or Connection not found".
import test from 'ava';
import { MAX_SIGNAL_DATA_BYTES } from '../../lib/protocol/parse-request';
import { CloseCode } from '../../lib/protocol/messages';
import { SessionServer, signRestAuth } from '../../lib/server/index';
import { openTokFor, sdkCall } from './helpers/opentok';
import { joined, startServer } from './helpers/server';
import { tempDir } from '../helpers/temp-dir';

async function raw(server: SessionServer, method: string, rest: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/v2/project/${server.apiKey}/${rest}`, {
    method, signal: AbortSignal.timeout(5000),
    headers: { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, server.apiSecret), 'Content-Type': 'application/json' },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

test('signal through the SDK: to the whole session and to one connection, with no sender; unknown connection or session is 404', async (t) => {
  const server = await startServer(t);
  const ot = openTokFor(server);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const b = await joined(t, server, sessionId);

  t.deepEqual(await sdkCall(ot, 'signal', sessionId, null, { type: 'chat', data: 'to all' }), [null, undefined]);
  for (const who of [a, b]) t.deepEqual(await who.client.event('signal'), { type: 'signal', from: '', signalType: 'chat', data: 'to all' });

  t.deepEqual(await sdkCall(ot, 'signal', sessionId, b.connectionId, { data: 'to b only' }), [null, undefined]);
  t.deepEqual(await b.client.event('signal', (e) => e.data === 'to b only'), { type: 'signal', from: '', signalType: '', data: 'to b only' });
  // A marker to everyone after it: a has it, so anything sent to a before has arrived too.
  await sdkCall(ot, 'signal', sessionId, null, { data: 'marker' });
  await a.client.event('signal', (e) => e.data === 'marker');
  t.false(a.client.received.some((m) => m.type === 'signal' && m.data === 'to b only'), 'a did not get b\'s signal');

  const [unknownConnection] = await sdkCall(ot, 'signal', sessionId, 'c-unknown', { data: 'x' });
  t.regex(String(unknownConnection), /not found/);
  const otherSession = sessionId.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  t.regex(String((await sdkCall(ot, 'signal', otherSession, null, { data: 'x' }))[0]), /not found/);

  // Bodies OpenTok refuses: data missing (400), type with a space (400), data over 8 kB or type over 128 characters (413).
  t.is((await raw(server, 'POST', `session/${sessionId}/signal`, { type: 'x' })).status, 400);
  t.is((await raw(server, 'POST', `session/${sessionId}/signal`, { type: 'a b', data: '' })).status, 400);
  t.is((await raw(server, 'POST', `session/${sessionId}/signal`, { data: 'x'.repeat(MAX_SIGNAL_DATA_BYTES + 1) })).status, 413);
  t.is((await raw(server, 'POST', `session/${sessionId}/signal`, { type: 't'.repeat(129), data: '' })).status, 413);
  t.is((await raw(server, 'POST', `session/${sessionId}/signal`, '[1]')).status, 400);
  t.is((await raw(server, 'GET', `session/${sessionId}/signal`)).status, 405);
  t.is((await raw(server, 'POST', `session/${sessionId}/signal`, { data: 'x'.repeat(MAX_SIGNAL_DATA_BYTES) })).status, 204, 'exactly 8 kB is accepted');
});

test('forceDisconnect through the SDK: the socket closes with 4009, the others hear forceDisconnected for it and its stream; unknown is 404', async (t) => {
  const server = await startServer(t);
  const ot = openTokFor(server);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const b = await joined(t, server, sessionId);
  const streamId = (await b.client.ok('publish', { name: 'b' }))['streamId'] as string;

  t.deepEqual(await sdkCall(ot, 'forceDisconnect', sessionId, b.connectionId), [null, undefined]);
  t.like(await b.client.waitClose(), { code: CloseCode.FORCE_DISCONNECTED });
  t.like(await a.client.event('streamDestroyed'), { streamId, reason: 'forceDisconnected' });
  t.like(await a.client.event('connectionDestroyed'), { connectionId: b.connectionId, reason: 'forceDisconnected' });
  t.false(server.store.getSession(sessionId)!.connections.has(b.connectionId));

  const [again] = await sdkCall(ot, 'forceDisconnect', sessionId, b.connectionId);
  t.regex(String(again), /not found/, 'a connection already gone is 404');
  t.is((await raw(server, 'GET', `session/${sessionId}/connection/${a.connectionId}`)).status, 405);
});

test('a connection whose socket dropped (kept for a reconnection) is removed by forceDisconnect, and the others hear it', async (t) => {
  const server = await startServer(t);
  const ot = openTokFor(server);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId);
  const b = await joined(t, server, sessionId);
  b.client.ws.terminate();
  await b.client.closed;
  const detached = async (): Promise<number> => {
    const res = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(5000) });
    return ((await res.json()) as { detachedConnections: number }).detachedConnections;
  };
  while ((await detached()) === 0) await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(await sdkCall(ot, 'forceDisconnect', sessionId, b.connectionId), [null, undefined]);
  t.like(await a.client.event('connectionDestroyed'), { connectionId: b.connectionId, reason: 'forceDisconnected' });
  t.is(await detached(), 0);
});

test('listStreams and setStreamClassLists through the SDK; getStream answers OpenTok\'s JSON; the token\'s initial class list is the stream\'s', async (t) => {
  const server = await startServer(t);
  const ot = openTokFor(server);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, server, sessionId, {}, server.generateToken(sessionId, { initialLayoutClassList: ['focus', 'main'] }));
  const b = await joined(t, server, sessionId);
  const s1 = (await a.client.ok('publish', { name: 'camera of a' }))['streamId'] as string;
  const s2 = (await b.client.ok('publish', { name: 'screen of b', videoType: 'screen' }))['streamId'] as string;

  const [err, listed] = await sdkCall(ot, 'listStreams', sessionId);
  t.is(err, null);
  const byId = new Map((listed as Array<{ id: string }>).map((s) => [s.id, { ...s }]));
  t.deepEqual(byId.get(s1), { id: s1, videoType: 'camera', name: 'camera of a', layoutClassList: ['focus', 'main'] });
  t.deepEqual(byId.get(s2), { id: s2, videoType: 'screen', name: 'screen of b', layoutClassList: [] });

  t.deepEqual(await sdkCall(ot, 'setStreamClassLists', sessionId, [{ id: s1, layoutClassList: [] }, { id: s2, layoutClassList: ['full'] }]),
    [null, { count: 2, items: [{ id: s1, videoType: 'camera', name: 'camera of a', layoutClassList: [] },
      { id: s2, videoType: 'screen', name: 'screen of b', layoutClassList: ['full'] }] }]);
  const one = await raw(server, 'GET', `session/${sessionId}/stream/${s2}`);
  t.deepEqual(one, { status: 200, body: { id: s2, videoType: 'screen', name: 'screen of b', layoutClassList: ['full'] } });

  // All or nothing: one unknown stream changes none.
  const [unknown] = await sdkCall(ot, 'setStreamClassLists', sessionId, [{ id: s1, layoutClassList: ['x'] }, { id: 's-unknown', layoutClassList: [] }]);
  t.truthy(unknown);
  t.deepEqual(server.store.getSession(sessionId)!.classLists.get(s1), undefined);
  for (const bad of [{}, { items: [] }, { items: [{ id: s1 }] }, { items: [{ id: s1, layoutClassList: ['a b'] }] },
    { items: [{ id: s1, layoutClassList: ['x'.repeat(1025)] }] }, { items: [{ id: s1, layoutClassList: [3] }] }]) {
    t.is((await raw(server, 'PUT', `session/${sessionId}/stream`, bad)).status, 400, JSON.stringify(bad).slice(0, 80));
  }
  t.is((await raw(server, 'GET', `session/${sessionId}/stream/s-unknown`)).status, 404);
  t.is((await raw(server, 'DELETE', `session/${sessionId}/stream`)).status, 405);

  // opentok@2.23's getStream parses the JSON body a second time (JSON.parse of an object): it
  // reports a SyntaxError against any server that answers application/json, OpenTok's included.
  const [sdkGet] = await sdkCall(ot, 'getStream', sessionId, s2);
  t.log(`opentok SDK getStream: ${String(sdkGet)}`);

  // The class list leaves with its stream.
  await b.client.ok('unpublish', { streamId: s2 });
  t.false(server.store.getSession(sessionId)!.classLists.has(s2));
});

test('with a data directory, class lists (set and from tokens) survive a restart', async (t) => {
  const dataDir = tempDir(t, 'otc-rest-');
  const first = await SessionServer.start({ apiKey: '47000001', apiSecret: 'a'.repeat(40), dataDir });
  const { sessionId } = first.createSession({ mediaMode: 'relayed' });
  const a = await joined(t, first, sessionId, {}, first.generateToken(sessionId, { initialLayoutClassList: ['pip'] }));
  const s1 = (await a.client.ok('publish', {}))['streamId'] as string;
  const s2 = (await a.client.ok('publish', {}))['streamId'] as string;
  t.is((await raw(first, 'PUT', `session/${sessionId}/stream`, { items: [{ id: s2, layoutClassList: ['full', 'big'] }] })).status, 200);
  await first.close();
  const second = await SessionServer.start({ dataDir });
  t.teardown(() => second.close());
  const listed = await raw(second, 'GET', `session/${sessionId}/stream`);
  const items = (listed.body as { items: Array<{ id: string; layoutClassList: string[] }> }).items;
  t.deepEqual(items.find((s) => s.id === s1)?.layoutClassList, ['pip']);
  t.deepEqual(items.find((s) => s.id === s2)?.layoutClassList, ['full', 'big']);
});

test('every SDK call this server cannot serve answers 501 with the reason; none is a 404', async (t) => {
  const server = await startServer(t);
  const ot = openTokFor(server);
  const { sessionId } = server.createSession({ mediaMode: 'routed' });
  const token = server.generateToken(sessionId);
  const calls: Array<[string, RegExp, ...unknown[]]> = [
    ['setArchiveLayout', /layout/, 'a-1', 'bestFit', null],
    ['startBroadcast', /broadcast/, sessionId, { outputs: { hls: {} } }], ['stopBroadcast', /broadcast/, 'b-1'], ['getBroadcast', /broadcast/, 'b-1'],
    ['setBroadcastLayout', /broadcast/, 'b-1', 'bestFit', null, null], ['addBroadcastStream', /broadcast/, 'b-1', 's-1', {}],
    ['removeBroadcastStream', /broadcast/, 'b-1', 's-1'],
    ['dial', /SIP/, sessionId, token, 'sip:someone@127.0.0.1', {}], ['playDTMF', /SIP/, sessionId, null, '1234'],
    ['startRender', /Experience Composer/, { sessionId, token, url: 'https://127.0.0.1/' }], ['getRender', /Experience Composer/, 'r-1'],
    ['listRenders', /Experience Composer/, {}], ['stopRender', /Experience Composer/, 'r-1'],
    ['websocketConnect', /Audio Connector/, sessionId, token, 'wss://127.0.0.1/', {}],
    ['startCaptions', /captions/, sessionId, token, {}], ['stopCaptions', /captions/, 'c-1'],
  ];
  for (const [name, reason, ...args] of calls) {
    const [err] = await sdkCall(ot, name, ...args);
    t.truthy(err, name);
    t.regex(String(err), reason, name);
    t.regex(String(err), /not available on this server/, name);
  }
  // The answers themselves: 501 and OpenTok's error body.
  for (const [method, rest] of [['PUT', 'archive/a-1/layout'], ['POST', 'broadcast'], ['POST', 'dial'], ['POST', `session/${sessionId}/play-dtmf`],
    ['POST', `session/${sessionId}/connection/c-1/play-dtmf`], ['POST', 'render'], ['POST', 'connect'], ['POST', 'connect/x/stop'],
    ['POST', 'captions']] as const) {
    const res = await raw(server, method, rest);
    t.is(res.status, 501, `${method} ${rest}`);
    t.like(res.body, { code: 501 });
  }
  // Still 403 without credentials, and 404 for what OpenTok does not have either.
  const unauthenticated = await fetch(`${server.url}/v2/project/${server.apiKey}/broadcast`, { signal: AbortSignal.timeout(5000) });
  t.is(unauthenticated.status, 403);
  await unauthenticated.text();
  t.is((await raw(server, 'GET', 'no-such-thing')).status, 404);
});

test('createSession accepts location=null (what @vonage/video sends without a location)', async (t) => {
  const server = await startServer(t);
  const res = await fetch(`${server.url}/session/create`, {
    method: 'POST', body: 'archiveMode=manual&location=null&p2p.preference=disabled', signal: AbortSignal.timeout(5000),
    headers: { 'X-OPENTOK-AUTH': signRestAuth(server.apiKey, server.apiSecret), 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  t.is(res.status, 200);
  const [created] = (await res.json()) as Array<{ session_id: string }>;
  t.is(server.store.getSession(created!.session_id)?.location, '');
});
