import type { IncomingMessage, ServerResponse } from 'node:http';
import * as net from 'node:net';
import type { ConnectionInfo, StreamInfo } from '../protocol/messages';
import { SIGNALING_PATH } from '../protocol/messages';
import { excludedStreamIdsProblem } from '../protocol/parse-request';
import { addressKey } from './admission';
import type { KeyedRateLimiter } from './rate-limiter';
import { decodePathSegment, parseRequestTarget } from './request-target';
import { verifyRestAuth } from './rest-auth';
import { forLog } from './sanitize';
import { LimitError, type SessionRecord, type SessionStore } from './session-store';
import type { ForceMuteControl } from './signaling/force-mute';
import { type HttpRoute, serveWeb } from './web-routes';

/** Largest accepted REST request body, bytes. */
export const DEFAULT_REST_BODY_LIMIT = 16 * 1024;

export interface RestContext {
  store: SessionStore;
  apiKey: string;
  apiSecret: string;
  bodyLimit?: number;
  log?: (line: string) => void;
  /** More routes (tried after the API's and the browser client's), e.g. the demo's page. */
  routes?: HttpRoute[];
  /** Requests per remote address (beyond: 429); /health is exempt. */
  rateLimiter?: KeyedRateLimiter;
  /** Figures for /health beside its status. */
  health?: () => Record<string, number>;
  /** Forced muting through the signaling server (the `/mute` routes); without it they are 404. */
  forceMute?: ForceMuteControl;
}

/** The JSON element of a `POST /session/create` answer. */
export interface CreateSessionResponse {
  session_id: string;
  project_id: string;
  partner_id: string;
  create_dt: string;
  media_server_url: string;
  e2ee: boolean;
  media_mode: 'relayed' | 'routed';
}

/** The answer of `GET /v2/project/{apiKey}/session/{sessionId}`. */
export interface SessionInfoResponse {
  session_id: string;
  e2ee: boolean;
  media_mode: 'relayed' | 'routed';
  archive_mode: 'manual' | 'always';
  connections: ConnectionInfo[];
  streams: StreamInfo[];
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new HttpError(413, `request body larger than ${limit} bytes`, { Connection: 'close' }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        reject(new HttpError(413, `request body larger than ${limit} bytes`, { Connection: 'close' }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}

function requireAuth(req: IncomingMessage, ctx: RestContext): void {
  const result = verifyRestAuth(req.headers['x-opentok-auth'], ctx.apiKey, ctx.apiSecret);
  if (!result.ok) throw new HttpError(403, result.message);
}

function requireMethod(req: IncomingMessage, method: string): void {
  if (req.method !== method) throw new HttpError(405, `use ${method} here`, { Allow: method });
}

function oneField(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw new HttpError(400, `field ${name} given more than once`);
  return values[0];
}

function parseCreateForm(form: URLSearchParams): { mediaMode: 'relayed' | 'routed'; archiveMode: 'manual' | 'always'; e2ee: boolean; location: string } {
  const p2p = oneField(form, 'p2p.preference') ?? 'disabled';
  if (p2p !== 'enabled' && p2p !== 'disabled') throw new HttpError(400, 'p2p.preference must be "enabled" or "disabled"');
  const archiveMode = oneField(form, 'archiveMode') ?? 'manual';
  if (archiveMode !== 'manual' && archiveMode !== 'always') throw new HttpError(400, 'archiveMode must be "manual" or "always"');
  const e2ee = oneField(form, 'e2ee') ?? 'false';
  if (e2ee !== 'true' && e2ee !== 'false') throw new HttpError(400, 'e2ee must be "true" or "false"');
  const location = oneField(form, 'location') ?? '';
  if (location !== '' && !net.isIPv4(location)) throw new HttpError(400, 'location must be an IPv4 address');
  const mediaMode = p2p === 'enabled' ? 'relayed' : 'routed';
  if (archiveMode === 'always' && mediaMode !== 'routed') {
    throw new HttpError(400, 'archiveMode "always" needs a routed session (p2p.preference=disabled)');
  }
  return { mediaMode, archiveMode, e2ee: e2ee === 'true', location };
}

function signalingUrlFor(req: IncomingMessage): string {
  const host = req.headers.host ?? `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? 0}`;
  return `ws://${host}${SIGNALING_PATH}`;
}

function describe(session: SessionRecord): SessionInfoResponse {
  return {
    session_id: session.sessionId,
    e2ee: session.e2ee,
    media_mode: session.mediaMode,
    archive_mode: session.archiveMode,
    connections: [...session.connections.values()].map((c) => c.info),
    streams: [...session.streams.values()],
  };
}

/** A JSON body that must be an object (empty: {}); anything else is 400. */
async function readJsonObject(req: IncomingMessage, ctx: RestContext): Promise<Record<string, unknown>> {
  const body = await readBody(req, ctx.bodyLimit ?? DEFAULT_REST_BODY_LIMIT);
  if (body.trim() === '') return {};
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/json') throw new HttpError(415, 'body must be application/json');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'body must be a JSON object');
  return value as Record<string, unknown>;
}

/** The session of a `/v2/project/{apiKey}/session/{sessionId}/…` path, or 404 (400 for a bad %-escape). */
function projectSession(ctx: RestContext, rawApiKey: string, rawSessionId: string): SessionRecord {
  const apiKey = decodePathSegment(rawApiKey);
  const sessionId = decodePathSegment(rawSessionId);
  if (apiKey === undefined || sessionId === undefined) throw new HttpError(400, 'malformed %-escape in the path');
  const session = apiKey === ctx.apiKey ? ctx.store.getSession(sessionId) : undefined;
  if (!session) throw new HttpError(404, 'no such session in this project');
  return session;
}

/**
 * `POST …/session/{sessionId}/mute` (`{ active, excludedStreamIds? }`) and
 * `POST …/session/{sessionId}/stream/{streamId}/mute` (docs/protocol.md, "Forced muting"), as
 * the OpenTok server SDKs call them. Answered 200 with the project's id and status (the SDKs read
 * only the status code).
 */
async function forceMuteRoute(req: IncomingMessage, res: ServerResponse, ctx: RestContext, path: string): Promise<boolean> {
  const all = /^\/v2\/project\/([^/]+)\/session\/([^/]+)\/mute$/.exec(path);
  const one = all ? null : /^\/v2\/project\/([^/]+)\/session\/([^/]+)\/stream\/([^/]+)\/mute$/.exec(path);
  if ((!all && !one) || !ctx.forceMute) return false;
  requireMethod(req, 'POST');
  requireAuth(req, ctx);
  const match = (all ?? one)!;
  const body = await readJsonObject(req, ctx);
  const session = projectSession(ctx, match[1]!, match[2]!);
  if (one) {
    const streamId = decodePathSegment(one[3]!);
    if (streamId === undefined) throw new HttpError(400, 'malformed %-escape in the path');
    if (!ctx.forceMute.muteStream(session, streamId)) throw new HttpError(404, 'no such stream in this session');
  } else {
    const { active, excludedStreamIds } = body;
    if (typeof active !== 'boolean') throw new HttpError(400, 'active must be true or false');
    if (active) {
      const problem = excludedStreamIds === undefined ? undefined : excludedStreamIdsProblem(excludedStreamIds);
      if (problem !== undefined) throw new HttpError(400, problem);
      ctx.forceMute.muteAll(session, (excludedStreamIds as string[] | undefined) ?? []);
    } else {
      ctx.forceMute.disable(session);
    }
  }
  sendJson(res, 200, { applicationId: ctx.apiKey, status: 'ACTIVE' });
  return true;
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: RestContext): Promise<void> {
  const url = parseRequestTarget(req.url);
  if (!url) throw new HttpError(400, 'malformed request target', { Connection: 'close' });
  const path = url.pathname;
  if (path === '/health') {
    requireMethod(req, 'GET');
    sendJson(res, 200, { ok: true, status: 'ok', ...ctx.health?.() }, { 'Cache-Control': 'no-store' });
    return;
  }
  if (ctx.rateLimiter && !ctx.rateLimiter.take(addressKey(req.socket.remoteAddress))) {
    throw new HttpError(429, 'too many requests from this address', { 'Retry-After': '1' });
  }
  if (path === '/session/create') {
    requireMethod(req, 'POST');
    requireAuth(req, ctx);
    const body = await readBody(req, ctx.bodyLimit ?? DEFAULT_REST_BODY_LIMIT);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (body !== '' && contentType !== 'application/x-www-form-urlencoded') {
      throw new HttpError(415, 'body must be application/x-www-form-urlencoded');
    }
    const opts = parseCreateForm(new URLSearchParams(body));
    let session: SessionRecord;
    try {
      session = ctx.store.createSession(opts);
    } catch (err) {
      if (err instanceof LimitError) throw new HttpError(429, err.message);
      throw err;
    }
    ctx.log?.(`session created ${session.sessionId} ${session.mediaMode}${session.e2ee ? ' e2ee' : ''}`);
    const answer: CreateSessionResponse = {
      session_id: session.sessionId,
      project_id: ctx.apiKey,
      partner_id: ctx.apiKey,
      create_dt: new Date(session.createTime).toUTCString(),
      media_server_url: signalingUrlFor(req),
      e2ee: session.e2ee,
      media_mode: session.mediaMode,
    };
    sendJson(res, 200, [answer]);
    return;
  }
  const match = /^\/v2\/project\/([^/]+)\/session\/([^/]+)$/.exec(path);
  if (match) {
    requireMethod(req, 'GET');
    requireAuth(req, ctx);
    sendJson(res, 200, describe(projectSession(ctx, match[1]!, match[2]!)));
    return;
  }
  if (await forceMuteRoute(req, res, ctx, path)) return;
  for (const extra of [serveWeb, ...(ctx.routes ?? [])]) if (await extra(req, res, url)) return;
  throw new HttpError(404, `no route for ${path}`);
}

/** The node:http request handler of the REST API (docs/protocol.md section 1). */
export function createRestHandler(ctx: RestContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(req, res, ctx).catch((err: unknown) => {
      if (err instanceof HttpError) {
        sendJson(res, err.status, { code: err.status, message: err.message }, err.headers);
        if (err.status === 413) req.resume();
      } else {
        ctx.log?.(forLog(`REST internal error on ${req.method ?? '?'} ${req.url ?? ''}: ${(err as Error).message}`, 2000));
        sendJson(res, 500, { code: 500, message: 'internal error' });
      }
    });
  };
}
