// Shared by the routed tests: they run inside scripts/netns-run.sh, with a server that has a router.
import type { ExecutionContext, TestFn } from 'ava';
import * as otc from '../../lib/index';
import { SessionServer, type SessionServerOptions } from '../../lib/server/index';

export const API_KEY = '47000001';

/** Fails clearly outside the namespace: Janus gathers no ICE candidate on loopback (docs/platform-facts.md 2.1). */
export function requireNetns(): void {
  if (process.env['OTC_NETNS'] !== '1') {
    throw new Error('routed tests run inside scripts/netns-run.sh (Janus gathers no ICE candidate on a loopback interface; the namespace puts 127.0.0.1 on a veth)');
  }
}

/** A session server with its own private Janus. */
export function startRoutedServer(opts: SessionServerOptions = {}): Promise<SessionServer> {
  return SessionServer.start({ apiKey: API_KEY, apiSecret: 'a'.repeat(40), router: {}, ...opts });
}

/**
 * One routed server for every test of a file (started before them, closed after them); with
 * initMedia the file's libwebrtc engine too. Returns the server's getter.
 */
export function sharedRoutedServer(test: TestFn, opts: { initMedia?: boolean } = {}): () => SessionServer {
  let server: SessionServer | undefined;
  test.before(async () => {
    requireNetns();
    if (opts.initMedia) otc.init();
    server = await startRoutedServer();
  });
  test.after.always(async () => {
    await server?.close();
    if (opts.initMedia) otc.destroy();
  });
  return () => {
    if (!server) throw new Error('the routed server did not start');
    return server;
  };
}

/** A session with `secret`, connected to `sessionId`; deleted when the test ends. */
export async function joinSession(t: ExecutionContext, server: SessionServer, sessionId: string, name: string,
  secret: string, role: 'publisher' | 'moderator' = 'publisher'): Promise<otc.Session> {
  const session = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => session.delete());
  const key = session.encryptionKeyReady();
  t.is(session.setEncryptionSecret(secret), otc.ErrorCode.OTC_SUCCESS);
  await key;
  await session.connect(server.generateToken(sessionId, { data: name, role }));
  return session;
}

/** The stream once `session` knows it (a publisher's ack can arrive before the others' streamCreated). */
export function streamOn(session: otc.Session, streamId: string, timeoutMs = 10_000): Promise<otc.StreamEvent> {
  const known = session.streams.find((s) => s.streamId === streamId);
  if (known) return Promise.resolve(known);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stream ${streamId} not seen within ${timeoutMs} ms`)), timeoutMs);
    const onStream = (stream: otc.StreamEvent): void => {
      if (stream.streamId !== streamId) return;
      clearTimeout(timer);
      session.off('streamCreated', onStream);
      resolve(stream);
    };
    session.on('streamCreated', onStream);
  });
}
