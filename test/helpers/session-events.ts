// Waiting for a Session's events in tests (session reconnection, server restarts).
import type { EventEmitter } from 'node:events';
import type { ExecutionContext } from 'ava';
import { Session } from '../../lib/index';
import type { SessionEvents } from '../../lib/session';

/** The next `event` of `session`, or a rejection after timeoutMs. */
export function next<E extends keyof SessionEvents & string>(session: Session, event: E, timeoutMs = 10_000): Promise<SessionEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    // A plain EventEmitter view: the listener takes the event's arguments as one tuple.
    (session as unknown as EventEmitter).once(event, (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as SessionEvents[E]);
    });
  });
}

/** A Session deleted when the test ends. */
export function testSession(t: ExecutionContext, apiKey: string, sessionId: string, signalingUrl: string,
  reconnectionTimeoutMs?: number): Session {
  const s = new Session(apiKey, sessionId, { signalingUrl, ...(reconnectionTimeoutMs !== undefined && { reconnectionTimeoutMs }) });
  t.teardown(() => s.delete());
  return s;
}
