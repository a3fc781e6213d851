// The REST API (docs/protocol.md section 1): OpenTok's paths, as its server SDKs call them.
// Session creation is here; the calls on one session are in session-routes.ts; what this server
// cannot do answers 501 (not-available.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as net from 'node:net';
import { SIGNALING_PATH } from '../../protocol/messages';
import { addressKey } from '../admission';
import type { KeyedRateLimiter } from '../rate-limiter';
import { decodePathSegment, parseRequestTarget } from '../request-target';
import type { Applications } from '../applications';
import type { Archiver } from '../archives/archiver';
import type { ArchiveStore } from '../archives/archive-store';
import type { CallbackRegistry } from '../callbacks/callback-registry';
import { verifyApplicationAuth, verifyRestAuth } from '../rest-auth';
import { forLog } from '../sanitize';
import { LimitError, type SessionRecord, SessionStore } from '../session-store';
import type { ForceMuteControl } from '../signaling/force-mute';
import type { ServerControl } from '../signaling/server-control';
import { type HttpRoute, serveWeb } from '../web-routes';
import { DEFAULT_REST_BODY_LIMIT, HttpError, readBody, requireMethod, sendJson } from './http';
import { refuseUnavailable } from './not-available';
import { serveArchiveDownload, serveArchiveRoute } from './archive-routes';
import { serveCallbackRoute } from './callback-routes';
import { serveSessionRoute } from './session-routes';
import type { SessionPlace } from '../cluster/cluster-sessions';
import { forwardRest } from '../cluster/rest-forward';
import { RELAY_HEADER, type RelayAuth } from '../cluster/relay-auth';

export { DEFAULT_REST_BODY_LIMIT } from './http';
export type { RestStream, SessionInfoResponse } from './session-routes';

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
  health?: () => Record<string, number | string>;
  /** Forced muting through the signaling server (the `/mute` routes); without it they are 404. */
  forceMute?: ForceMuteControl;
  /** Signals and forced disconnects through the signaling server; without it they are 404. */
  control?: ServerControl;
  /** Applications whose RS256 JWTs (`Authorization: Bearer`) are REST credentials too. */
  applications?: Applications;
  /** Session monitoring callbacks (`/callback`); without it they are 501. */
  callbacks?: CallbackRegistry;
  /** Archives (`/archive`); without them they are 501. */
  archives?: { archiver: Archiver; store: ArchiveStore };
  /**
   * Cluster mode: calls on a session go to its home process (relayed there when it is another);
   * calls relayed by another process are vouched for by relayAuth.
   */
  cluster?: {
    relayAuth: RelayAuth;
    place: (sessionId: string) => Promise<SessionPlace>;
    /** A session this process just made: its home from the start (resolves once Redis has it). */
    created: (sessionId: string) => Promise<void>;
  };
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

/**
 * The project the request's credentials prove: the API key (`X-OPENTOK-AUTH`, HS256, as the
 * `opentok` SDKs send it) or an application (`Authorization: Bearer`, RS256, as `@vonage/video`
 * sends it). 403 otherwise.
 */
function requireAuth(req: IncomingMessage, ctx: RestContext): string {
  if (req.headers['x-opentok-auth'] !== undefined || !ctx.applications || req.headers.authorization === undefined) {
    const result = verifyRestAuth(req.headers['x-opentok-auth'], ctx.apiKey, ctx.apiSecret);
    if (!result.ok) throw new HttpError(403, result.message);
    return ctx.apiKey;
  }
  const applications = ctx.applications;
  const result = verifyApplicationAuth(req.headers.authorization, (id) => applications.publicKey(id));
  if (!result.ok) throw new HttpError(403, result.message);
  return result.applicationId;
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
  // @vonage/video sends location=null when none is given.
  const given = oneField(form, 'location');
  const location = given === undefined || given === 'null' ? '' : given;
  if (location !== '' && !net.isIPv4(location)) throw new HttpError(400, 'location must be an IPv4 address');
  const mediaMode = p2p === 'enabled' ? 'relayed' : 'routed';
  if (archiveMode === 'always' && mediaMode !== 'routed') {
    throw new HttpError(400, 'archiveMode "always" needs a routed session (p2p.preference=disabled)');
  }
  return { mediaMode, archiveMode, e2ee: e2ee === 'true', location };
}

/** The server's URL as the request reached it (download links in its answers point there). */
function baseUrlFor(req: IncomingMessage): string {
  const host = req.headers.host ?? `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? 0}`;
  return `${(req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'}://${host}`;
}

function signalingUrlFor(req: IncomingMessage): string {
  const host = req.headers.host ?? `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? 0}`;
  return `ws://${host}${SIGNALING_PATH}`;
}

/** The session of a `/v2/project/{projectId}/session/{sessionId}/…` path, or 404 (400 for a bad %-escape). */
function projectSession(ctx: RestContext, projectId: string, rawSessionId: string): SessionRecord {
  const sessionId = decodePathSegment(rawSessionId);
  if (sessionId === undefined) throw new HttpError(400, 'malformed %-escape in the path');
  const session = ctx.store.getSession(sessionId);
  if (!session || SessionStore.projectOf(session) !== projectId) throw new HttpError(404, 'no such session in this project');
  return session;
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: RestContext): Promise<void> {
  const url = parseRequestTarget(req.url);
  if (!url) throw new HttpError(400, 'malformed request target', { Connection: 'close' });
  const path = url.pathname;
  const bodyLimit = ctx.bodyLimit ?? DEFAULT_REST_BODY_LIMIT;
  if (path === '/health') {
    requireMethod(req, 'GET');
    sendJson(res, 200, { ok: true, status: 'ok', ...ctx.health?.() }, { 'Cache-Control': 'no-store' });
    return;
  }
  // A call relayed by another process of the cluster was counted there, against its client's address.
  const relayed = ctx.cluster?.relayAuth.verify(req.headers[RELAY_HEADER]) !== undefined;
  if (ctx.rateLimiter && !relayed && !ctx.rateLimiter.take(addressKey(req.socket.remoteAddress))) {
    throw new HttpError(429, 'too many requests from this address', { 'Retry-After': '1' });
  }
  if (path === '/session/create') {
    requireMethod(req, 'POST');
    const projectId = requireAuth(req, ctx);
    const body = await readBody(req, bodyLimit);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (body !== '' && contentType !== 'application/x-www-form-urlencoded') {
      throw new HttpError(415, 'body must be application/x-www-form-urlencoded');
    }
    const opts = parseCreateForm(new URLSearchParams(body));
    if (opts.archiveMode === 'always' && ctx.cluster) throw new HttpError(501, 'archives are not available in a cluster (serve --redis): archiveMode "always" cannot be honoured');
    let session: SessionRecord;
    try {
      session = ctx.store.createSession({ ...opts, projectId });
    } catch (err) {
      if (err instanceof LimitError) throw new HttpError(429, err.message);
      throw err;
    }
    // Answered once stored: an acknowledged session is never lost (Redis in a cluster).
    try {
      await Promise.all([ctx.store.flushed(), ctx.cluster?.created(session.sessionId)]);
    } catch (err) {
      ctx.log?.(`session ${session.sessionId} not stored: ${(err as Error).message}`);
      throw new HttpError(503, 'the session could not be stored: try again', { 'Retry-After': '1' });
    }
    ctx.log?.(`session created ${session.sessionId} ${session.mediaMode}${session.e2ee ? ' e2ee' : ''}`);
    const answer: CreateSessionResponse = {
      session_id: session.sessionId,
      project_id: projectId,
      partner_id: projectId,
      create_dt: new Date(session.createTime).toUTCString(),
      media_server_url: signalingUrlFor(req),
      e2ee: session.e2ee,
      media_mode: session.mediaMode,
    };
    sendJson(res, 200, [answer]);
    return;
  }
  if (ctx.archives && serveArchiveDownload(req, res, { archiver: ctx.archives.archiver, archives: ctx.archives.store, linkSecret: ctx.apiSecret },
    path, url.searchParams)) return;
  const project = /^\/v2\/project\/([^/]+)\/(.*)$/.exec(path);
  if (project) {
    const projectId = requireAuth(req, ctx);
    const pathProject = decodePathSegment(project[1]!);
    if (pathProject === undefined) throw new HttpError(400, 'malformed %-escape in the path');
    if (pathProject !== projectId) throw new HttpError(403, 'the path names another project than the credentials');
    const rest = project[2]!;
    const inSession = /^session\/([^/]+)(\/.*)?$/.exec(rest);
    if (inSession && ctx.cluster) {
      const sessionId = decodePathSegment(inSession[1]!);
      let place: SessionPlace | undefined;
      try {
        place = sessionId === undefined ? undefined : await ctx.cluster.place(sessionId);
      } catch (err) {
        ctx.log?.(`placing session ${sessionId ?? '?'} failed: ${(err as Error).message}`);
        throw new HttpError(503, 'the session cannot be served now: try again', { 'Retry-After': '1' });
      }
      if (place?.where === 'elsewhere') {
        // Relayed once at most: a process asked as the home that is no longer it answers 503 (retried, it lands right).
        if (relayed) throw new HttpError(503, 'the session moved to another server process: try again', { 'Retry-After': '1' });
        return forwardRest(req, res, place.url, ctx.cluster.relayAuth);
      }
    }
    if (inSession) {
      const session = projectSession(ctx, projectId, inSession[1]!);
      const sessionRest = inSession[2] ?? '';
      if (await serveSessionRoute(req, res, { store: ctx.store, bodyLimit, projectId,
        ...(ctx.forceMute && { forceMute: ctx.forceMute }), ...(ctx.control && { control: ctx.control }) }, session, sessionRest)) return;
    }
    if (ctx.callbacks && await serveCallbackRoute(req, res, ctx.callbacks, projectId, rest, bodyLimit)) return;
    if (ctx.archives && await serveArchiveRoute(req, res, {
      archiver: ctx.archives.archiver, archives: ctx.archives.store, sessions: ctx.store, projectId, bodyLimit,
      linkBase: baseUrlFor(req), linkSecret: ctx.apiSecret,
    }, rest, url.searchParams)) return;
    refuseUnavailable(rest);
    throw new HttpError(404, `no route for ${path}`);
  }
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
