import type { ExecutionContext } from 'ava';
import { SessionServer, type SessionServerOptions } from '../../../lib/server/index';
import { TestClient, type OpenOptions } from './client';

/** Starts a server on a free port of 127.0.0.1, closed when the test ends. */
export async function startServer(t: ExecutionContext, opts: SessionServerOptions = {}): Promise<SessionServer> {
  const server = await SessionServer.start({ apiKey: '47000001', apiSecret: 'a'.repeat(40), ...opts });
  t.teardown(() => server.close());
  return server;
}

/** Opens a signaling client, terminated when the test ends. */
export async function openClient(t: ExecutionContext, server: SessionServer, opts: OpenOptions = {}): Promise<TestClient> {
  const client = await TestClient.open(server.signalingUrl, opts);
  t.teardown(() => client.close());
  return client;
}

/** A connected signaling client and its connection id. */
export type Joined = { client: TestClient; connectionId: string };

/** Opens a client and connects it with a fresh publisher token (or `token`). */
export async function joined(t: ExecutionContext, server: SessionServer, sessionId: string, fields: Record<string, unknown> = {},
  token = server.generateToken(sessionId)): Promise<Joined> {
  const client = await openClient(t, server);
  const ack = await client.connect(token, fields);
  return { client, connectionId: ack.connectionId };
}

/** Opens a client and connects it with a moderator's token. */
export function joinedAsModerator(t: ExecutionContext, server: SessionServer, sessionId: string): Promise<Joined> {
  return joined(t, server, sessionId, {}, server.generateToken(sessionId, { role: 'moderator' }));
}

/** Publishes a stream from `who`; resolves with its id. */
export async function publishStream(who: Joined, name = ''): Promise<string> {
  return (await who.client.ok('publish', { name }))['streamId'] as string;
}
