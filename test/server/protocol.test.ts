// The session protocol's one definition (lib/protocol): the server's parser of requests, the
// client's parser of the server's messages, every message a real server sends read back by the
// client's parser, and the browser client type-checked against the shared types.
import test from 'ava';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode } from '../../lib/error-code';
import type { RequestType } from '../../lib/protocol/messages';
import { parseClientRequest } from '../../lib/protocol/parse-request';
import { checkAck, parseServerMessage } from '../../lib/protocol/parse-server-message';
import type { TestClient } from './helpers/client';
import { joined, startServer } from './helpers/server';

const root = path.resolve(__dirname, '..', '..', '..');

test('requests: the envelope closes (4002 reasons), bad fields answer with their codes, good ones come back typed', (t) => {
  t.like(parseClientRequest('{'), { ok: false, protocolError: 'bad JSON' });
  t.like(parseClientRequest('[]'), { ok: false, protocolError: 'a message must be a JSON object' });
  t.like(parseClientRequest('{"type":"shout","id":"1"}'), { ok: false, protocolError: 'unknown type "shout"' });
  t.like(parseClientRequest('{"type":"publish"}'), { ok: false, protocolError: 'a request needs a string id' });
  t.like(parseClientRequest(JSON.stringify({ type: 'publish', id: 'x'.repeat(129) })), { ok: false, protocolError: 'a request needs a string id' });
  const field = (request: Record<string, unknown>): unknown => parseClientRequest(JSON.stringify({ id: '7', ...request }));
  t.like(field({ type: 'offer', peerId: 'p-1' }), { ok: false, id: '7', type: 'offer', code: ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER });
  t.like(field({ type: 'offer', peerId: 'p-1', sdp: 'v=0', e2ee: 'yes' }), { ok: false, message: 'e2ee must be a boolean' });
  t.like(field({ type: 'candidate', peerId: 'p-1', sdpMLineIndex: -1 }), { ok: false, code: ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER });
  t.like(field({ type: 'publish', videoType: 'hologram' }), { ok: false, message: 'videoType must be camera, screen or custom' });
  t.like(field({ type: 'signal', signalType: 'x'.repeat(129) }), { ok: false, code: ErrorCode.OTC_SESSION_SIGNAL_TYPE_TOO_LONG });
  t.like(field({ type: 'signal', signalType: 'a b' }), { ok: false, code: ErrorCode.OTC_SESSION_INVALID_SIGNAL_TYPE });
  // 8 KiB of UTF-8: 4096 two-byte characters pass, one more does not.
  t.like(field({ type: 'signal', data: 'é'.repeat(4096) }), { ok: true });
  t.like(field({ type: 'signal', data: 'é'.repeat(4097) }), { ok: false, code: ErrorCode.OTC_SESSION_SIGNAL_DATA_TOO_LONG });
  t.like(field({ type: 'signal', data: '😀'.repeat(2048) }), { ok: true });
  t.like(field({ type: 'signal', data: '😀'.repeat(2049) }), { ok: false, code: ErrorCode.OTC_SESSION_SIGNAL_DATA_TOO_LONG });
  t.like(field({ type: 'signal', to: 5 }), { ok: false, code: ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER });
  t.like(field({ type: 'connect', token: 't', reconnect: 'c-1' }), { ok: false, message: 'reconnect must be { connectionId, reconnectToken }' });
  t.deepEqual(field({ type: 'candidate', peerId: 'p-1', candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0, extra: 1 }), {
    ok: true, request: { type: 'candidate', id: '7', peerId: 'p-1', candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 },
  });
  t.deepEqual(field({ type: 'connect', token: 42, e2ee: 'yes' }), { ok: true, request: { type: 'connect', id: '7', token: '', e2ee: false } });
  t.deepEqual(field({ type: 'publish', name: 'n', hasVideo: false }), {
    ok: true, request: { type: 'publish', id: '7', videoType: 'camera', name: 'n', hasVideo: false },
  });
});

test("server messages: events and errors checked field by field, acks against their request's type", (t) => {
  t.like(parseServerMessage('{"type":"streamDestroyed","streamId":"s-1","reason":"clientUnpublished"}'),
    { kind: 'event', event: { type: 'streamDestroyed', streamId: 's-1', reason: 'clientUnpublished' } });
  t.like(parseServerMessage('{"type":"streamDestroyed","streamId":"s-1","reason":"bored"}'), { kind: 'invalid' });
  t.like(parseServerMessage('{"type":"offer","peerId":"p","streamId":"s","from":"router"}'), { kind: 'invalid', reason: 'sdp is not a string' });
  t.like(parseServerMessage('{"type":"candidate","peerId":"p","streamId":"s","from":"c","candidate":"","sdpMid":null,"sdpMLineIndex":1.5}'),
    { kind: 'invalid' });
  t.like(parseServerMessage('{"type":"streamCreated","stream":{"streamId":"s"}}'), { kind: 'invalid' });
  t.like(parseServerMessage('{"type":"surprise"}'), { kind: 'invalid', reason: 'unknown type "surprise"' });
  t.like(parseServerMessage('{"type":"archiveStarted","archiveId":"a-1","name":""}'),
    { kind: 'event', event: { type: 'archiveStarted', archiveId: 'a-1', name: '' } });
  t.like(parseServerMessage('{"type":"archiveStopped","archiveId":"a-1"}'), { kind: 'invalid', reason: 'name is not a string' });
  t.like(parseServerMessage('"ack"'), { kind: 'invalid' });
  t.like(parseServerMessage('{"type":"error","id":"3","code":1113,"message":"not yours"}'),
    { kind: 'error', reply: { id: '3', code: 1113, message: 'not yours' } });
  t.like(checkAck('subscribe', '4', { type: 'ack', id: '4', peerId: 'p-1' }), { ok: true, ack: { peerId: 'p-1' } });
  t.like(checkAck('subscribe', '4', { type: 'ack', id: '4' }), { ok: false, reason: 'peerId is not a string' });
  t.like(checkAck('publish', '5', { type: 'ack', id: '5', streamId: 's-1' }), { ok: true, ack: { streamId: 's-1' } });
  t.like(checkAck('connect', '1', { type: 'ack', id: '1', connectionId: 'c-1' }), { ok: false });
});

/** Sends a request and checks its ack with the client's parser. */
async function ok(t: import('ava').ExecutionContext, client: TestClient, type: RequestType, fields: Record<string, unknown> = {}):
  Promise<Record<string, unknown>> {
  const reply = await client.ok(type, fields);
  const checked = checkAck(type, reply.id, reply);
  t.true(checked.ok, `the ack of ${type} does not parse: ${JSON.stringify(checked)} ${JSON.stringify(reply)}`);
  return reply;
}

test('every message a real server sends (relayed and routed sessions) parses with the client parser', async (t) => {
  const server = await startServer(t);
  const clients: TestClient[] = [];
  for (const mediaMode of ['relayed', 'routed'] as const) {
    const { sessionId } = server.createSession({ mediaMode });
    const pub = await joined(t, server, sessionId, { e2ee: true, sessionId });
    const sub = await joined(t, server, sessionId);
    clients.push(pub.client, sub.client);
    const connect = checkAck('connect', '1', pub.client.received[0] as unknown as Record<string, unknown>);
    t.true(connect.ok, JSON.stringify(connect));
    const streamId = (await ok(t, pub.client, 'publish', { name: 'p', videoType: 'screen', videoCodec: 'VP9' }))['streamId'] as string;
    await sub.client.event('streamCreated');
    await ok(t, sub.client, 'signal', { signalType: 'chat', data: 'hi' });
    await ok(t, sub.client, 'signal', { to: pub.connectionId, data: 'just you' });
    await pub.client.event('signal', (e) => e.data === 'just you');
    if (mediaMode === 'relayed') {
      const peerId = (await ok(t, sub.client, 'subscribe', { streamId }))['peerId'] as string;
      await pub.client.event('subscriberJoined');
      await ok(t, pub.client, 'offer', { peerId, sdp: 'v=0 offer', e2ee: true });
      await sub.client.event('offer');
      await ok(t, sub.client, 'answer', { peerId, sdp: 'v=0 answer' });
      await ok(t, pub.client, 'candidate', { peerId, candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
      await ok(t, sub.client, 'candidate', { peerId, candidate: '' });
      await pub.client.event('candidate');
      await ok(t, sub.client, 'unsubscribe', { peerId });
      await pub.client.event('peerClosed');
    } else {
      t.like(await sub.client.request('subscribe', { streamId }), { type: 'error' });
    }
    await ok(t, pub.client, 'unpublish', { streamId });
    await sub.client.event('streamDestroyed');
    await ok(t, pub.client, 'disconnect');
    await sub.client.event('connectionDestroyed');
  }
  let events = 0;
  for (const client of clients) {
    for (const message of client.received) {
      const parsed = parseServerMessage(JSON.stringify(message));
      t.not(parsed.kind, 'invalid', `${JSON.stringify(parsed)} for ${JSON.stringify(message)}`);
      if (parsed.kind === 'event') ++events;
    }
  }
  t.true(events >= 20, `only ${events} events seen`);
});

test('the browser client type-checks against the protocol types (lib/web/client/tsconfig.json)', async (t) => {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', path.join(root, 'lib/web/client/tsconfig.json')], { cwd: root })
    .then(() => ({ code: 0, out: '' }), (err: { code?: number; stdout?: string }) => ({ code: err.code ?? 1, out: err.stdout ?? '' }));
  t.is(run.code, 0, run.out);
});
