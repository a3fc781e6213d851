// The browser client's caps on what a server may send it (lib/web/flood-guard.ts).
import test from 'ava';
import {
  MAX_PEERS_PER_PUBLISHER, MAX_SERVER_MESSAGE_BURST, MAX_SERVER_MESSAGE_CHARS, MAX_SERVER_MESSAGES_PER_SECOND, ServerFloodGuard, refusePeer,
} from '../lib/web/flood-guard';
import type { ConnectAck } from '../lib/protocol/messages';

test('a message over the size cap is refused, one at the cap is taken', (t) => {
  const guard = new ServerFloodGuard(() => 0);
  t.is(guard.admit(MAX_SERVER_MESSAGE_CHARS), undefined);
  t.regex(guard.admit(MAX_SERVER_MESSAGE_CHARS + 1) ?? '', /message of \d+ characters/);
});

test('the burst is taken at once, then the rate applies; time refills it', (t) => {
  let now = 0;
  const guard = new ServerFloodGuard(() => now);
  for (let i = 0; i < MAX_SERVER_MESSAGE_BURST; i++) t.is(guard.admit(10), undefined, `message ${i}`);
  t.regex(guard.admit(10) ?? '', new RegExp(`more than ${MAX_SERVER_MESSAGES_PER_SECOND} messages per second`));
  now += 100; // a tenth of a second: a tenth of the rate
  let taken = 0;
  while (guard.admit(10) === undefined && taken < 10 * MAX_SERVER_MESSAGES_PER_SECOND) taken += 1;
  t.is(taken, MAX_SERVER_MESSAGES_PER_SECOND / 10);
  // A server at the rate, for a minute, is never refused.
  const steady = new ServerFloodGuard(() => now);
  let refused = 0;
  for (let ms = 0; ms < 60_000; ms += 10) {
    now += 10;
    for (let i = 0; i < MAX_SERVER_MESSAGES_PER_SECOND / 100; i++) if (steady.admit(100)) refused += 1;
  }
  t.is(refused, 0);
});

test('a publisher refuses the peer beyond its cap', (t) => {
  t.is(refusePeer(0), undefined);
  t.is(refusePeer(MAX_PEERS_PER_PUBLISHER - 1), undefined);
  t.regex(refusePeer(MAX_PEERS_PER_PUBLISHER) ?? '', /already has 64 peer connections/);
});

// The built browser client under Node, with ws as its WebSocket, against a server of the test's
// own that floods it: the client closes its socket and reports 1022 with the reason.
interface WebSession {
  connect(token: string): Promise<void>;
  on(event: string, listener: (value: { code?: number; message?: string }) => void): void;
}
type WebClient = { Session: new (apiKey: string, sessionId: string, options: { signalingUrl: string }) => WebSession };

async function floodedClient(t: import('ava').ExecutionContext, flood: (ws: import('ws').WebSocket) => void):
  Promise<{ code: number; message: string; signals: number }> {
  const { WebSocket, WebSocketServer } = await import('ws');
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  const path = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const client = (await import(pathToFileURL(path.join(__dirname, '..', 'web', 'otc-client.mjs')).href)) as WebClient;
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'otc-signaling-v1' });
  t.teardown(() => wss.close());
  wss.on('connection', (ws) => ws.on('message', (data) => {
    const req = JSON.parse(data.toString()) as { type: string; id: string };
    if (req.type !== 'connect') return;
    // A complete ack (the client checks every field of it); the flood comes after it.
    const ack: ConnectAck = {
      type: 'ack', id: req.id, connectionId: 'c-1', sessionId: 'sid', role: 'publisher', data: '',
      session: { e2ee: false, mediaMode: 'relayed' }, connections: [], streams: [], iceServers: [], reconnectToken: 'r',
    };
    ws.send(JSON.stringify(ack));
    flood(ws);
  }));
  await new Promise((resolve) => wss.once('listening', resolve));
  const session = new client.Session('1', 'sid', { signalingUrl: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/v1/signaling` });
  let signals = 0;
  session.on('signal', () => { signals += 1; });
  const error = new Promise<{ code: number; message: string }>((resolve, reject) => {
    session.on('error', (e) => resolve({ code: e.code ?? 0, message: e.message ?? '' }));
    setTimeout(() => reject(new Error('no error within 10 s')), 10_000).unref();
  });
  await session.connect('token');
  return { ...await error, signals };
}

test('the browser client refuses a server that floods it with messages (1022, the reason)', async (t) => {
  const result = await floodedClient(t, (ws) => {
    for (let i = 0; i < 3 * MAX_SERVER_MESSAGE_BURST; i++) ws.send(JSON.stringify({ type: 'signal', from: 'x', signalType: 't', data: 'd' }));
  });
  t.is(result.code, 1022);
  t.regex(result.message, /refused: the server sent more than 5000 messages per second/);
  t.true(result.signals >= MAX_SERVER_MESSAGE_BURST && result.signals < 2 * MAX_SERVER_MESSAGE_BURST, `${result.signals} signals taken`);
});

test('the browser client refuses a message over its size cap', async (t) => {
  const result = await floodedClient(t, (ws) => {
    ws.send(JSON.stringify({ type: 'signal', from: 'x', signalType: 't', data: 'small' }));
    ws.send(JSON.stringify({ type: 'signal', from: 'x', signalType: 't', data: 'z'.repeat(MAX_SERVER_MESSAGE_CHARS) }));
  });
  t.is(result.code, 1022);
  t.regex(result.message, /refused: the server sent a message of \d+ characters/);
  t.is(result.signals, 1);
});
