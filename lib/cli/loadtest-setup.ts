// What `node-otc loadtest` needs from the server before it starts: a session (created through the
// OpenTok-shaped REST API, docs/protocol.md section 1) and a token per participant.
import { SIGNALING_PATH } from '../protocol/messages';
import { signRestAuth } from '../server/rest-auth';
import { generateToken } from '../server/tokens';
import { restRequest } from './rest-request';

/** The signaling URL of a server given by its http(s):// base URL (ws(s):// URLs pass as they are). */
export function signalingUrlOf(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') return parsed.href;
  const base = parsed.pathname.replace(/\/+$/, '');
  return `${parsed.protocol === 'https:' ? 'wss' : 'ws'}://${parsed.host}${base}${SIGNALING_PATH}`;
}

export interface CreateSessionOptions {
  url: string;
  apiKey: string;
  apiSecret: string;
  e2ee: boolean;
  routed: boolean;
  ca?: Buffer;
}

/** Creates a session over REST; resolves with its id, rejects with the server's answer. */
export async function createSession(opts: CreateSessionOptions): Promise<string> {
  const endpoint = new URL('session/create', opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  const form = new URLSearchParams({ 'p2p.preference': opts.routed ? 'disabled' : 'enabled', archiveMode: 'manual', e2ee: String(opts.e2ee) });
  const { status, text } = await restRequest(endpoint, {
    method: 'POST',
    headers: { 'X-OPENTOK-AUTH': signRestAuth(opts.apiKey, opts.apiSecret), 'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json' },
    body: form.toString(),
    timeoutMs: 10_000,
    ...(opts.ca && { ca: opts.ca }),
  });
  if (status < 200 || status > 299) throw new Error(`${endpoint.href} answered ${status}: ${text.slice(0, 300)}`);
  let sessionId: unknown;
  try {
    sessionId = (JSON.parse(text) as Array<{ session_id?: unknown }>)[0]?.session_id;
  } catch {
    sessionId = undefined;
  }
  if (typeof sessionId !== 'string') throw new Error(`${endpoint.href}: unexpected answer: ${text.slice(0, 300)}`);
  return sessionId;
}

/** Tokens valid for the run and a margin (a day at most), one per participant. */
export function makeTokens(apiKey: string, apiSecret: string, sessionId: string, role: 'publisher' | 'subscriber', count: number,
  validS: number): string[] {
  const expireTime = Math.round(Date.now() / 1000) + Math.min(86_400, Math.ceil(validS) + 600);
  return Array.from({ length: count }, (_, i) => generateToken(apiKey, apiSecret, sessionId, { role, data: `loadtest ${role} ${i}`, expireTime }));
}
