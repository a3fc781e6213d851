// The REST calls on one session, under /v2/project/{id}/session/{sessionId}, with OpenTok's paths,
// bodies and status codes: its description, signals (to all, to one connection), forced
// disconnects, its streams (list, one, class lists) and forced muting.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectionInfo, StreamInfo, VideoType } from '../../protocol/messages';
import { MAX_SIGNAL_DATA_BYTES, MAX_SIGNAL_TYPE_LENGTH, excludedStreamIdsProblem } from '../../protocol/parse-request';
import { decodePathSegment } from '../request-target';
import type { SessionRecord, SessionStore } from '../session-store';
import type { ForceMuteControl } from '../signaling/force-mute';
import type { ServerControl } from '../signaling/server-control';
import { MAX_LAYOUT_CLASS_LIST_LENGTH } from '../tokens';
import { HttpError, readJsonObject, requireMethod, sendJson, sendNoContent } from './http';

/** Most streams one setStreamClassLists call may change. */
export const MAX_CLASS_LIST_ITEMS = 256;

/** The answer of `GET /v2/project/{apiKey}/session/{sessionId}`. */
export interface SessionInfoResponse {
  session_id: string;
  e2ee: boolean;
  media_mode: 'relayed' | 'routed';
  archive_mode: 'manual' | 'always';
  connections: ConnectionInfo[];
  streams: StreamInfo[];
}

/** A stream as OpenTok's REST API describes it (getStream, listStreams' items). */
export interface RestStream {
  id: string;
  videoType: VideoType;
  name: string;
  layoutClassList: string[];
}

export interface SessionRoutesContext {
  store: SessionStore;
  bodyLimit: number;
  /** The project of the path (its API key): named in the answers that carry it. */
  projectId: string;
  /** Without them the routes that need the signaling server are 404 (a REST-only server in tests). */
  forceMute?: ForceMuteControl;
  control?: ServerControl;
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

function restStream(session: SessionRecord, stream: StreamInfo): RestStream {
  return { id: stream.streamId, videoType: stream.videoType, name: stream.name, layoutClassList: [...(session.classLists.get(stream.streamId) ?? [])] };
}

function segment(raw: string): string {
  const value = decodePathSegment(raw);
  if (value === undefined) throw new HttpError(400, 'malformed %-escape in the path');
  return value;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** A signal's body as OpenTok takes it: `data` (at most 8 kB), `type` optional (at most 128 characters). */
function parseSignal(body: Record<string, unknown>): { signalType: string; data: string } {
  const { type = '', data } = body;
  if (typeof data !== 'string') throw new HttpError(400, 'data must be a string');
  if (typeof type !== 'string') throw new HttpError(400, 'type must be a string');
  if (type.length > MAX_SIGNAL_TYPE_LENGTH) throw new HttpError(413, `type is longer than ${MAX_SIGNAL_TYPE_LENGTH} characters`);
  if (!/^[A-Za-z0-9_~-]*$/.test(type)) throw new HttpError(400, 'type may hold only letters, digits, "-", "_" and "~"');
  if (utf8Length(data) > MAX_SIGNAL_DATA_BYTES) throw new HttpError(413, `data is larger than ${MAX_SIGNAL_DATA_BYTES} bytes`);
  return { signalType: type, data };
}

/** setStreamClassLists' `{ items: [{ id, layoutClassList }] }`. */
function parseClassLists(body: Record<string, unknown>): Array<{ streamId: string; classList: string[] }> {
  const { items } = body;
  if (!Array.isArray(items) || items.length === 0) throw new HttpError(400, 'items must be a non-empty array of { id, layoutClassList }');
  if (items.length > MAX_CLASS_LIST_ITEMS) throw new HttpError(400, `items may change at most ${MAX_CLASS_LIST_ITEMS} streams`);
  return items.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw new HttpError(400, `items[${i}] must be an object`);
    const { id, layoutClassList } = item as Record<string, unknown>;
    if (typeof id !== 'string' || id === '') throw new HttpError(400, `items[${i}].id must be a stream id`);
    if (!Array.isArray(layoutClassList) || !layoutClassList.every((name) => typeof name === 'string' && name !== '' && !/\s/.test(name))) {
      throw new HttpError(400, `items[${i}].layoutClassList must be an array of class names (no spaces)`);
    }
    const names = layoutClassList as string[];
    if (names.join(' ').length > MAX_LAYOUT_CLASS_LIST_LENGTH) {
      throw new HttpError(400, `items[${i}].layoutClassList is longer than ${MAX_LAYOUT_CLASS_LIST_LENGTH} characters`);
    }
    return { streamId: id, classList: names };
  });
}

function requireControl<T>(part: T | undefined): T {
  if (!part) throw new HttpError(404, 'this server has no signaling attached');
  return part;
}

/**
 * Serves `rest` (the path after the session id, '' for the session itself) of `session`; false
 * when no route of a session matches.
 */
export async function serveSessionRoute(req: IncomingMessage, res: ServerResponse, ctx: SessionRoutesContext,
  session: SessionRecord, rest: string): Promise<boolean> {
  let m: RegExpExecArray | null;
  if (rest === '') {
    requireMethod(req, 'GET');
    sendJson(res, 200, describe(session));
  } else if (rest === '/signal') {
    requireMethod(req, 'POST');
    const { signalType, data } = parseSignal(await readJsonObject(req, ctx.bodyLimit));
    requireControl(ctx.control).signal(session, undefined, signalType, data);
    sendNoContent(res);
  } else if ((m = /^\/connection\/([^/]+)\/signal$/.exec(rest))) {
    requireMethod(req, 'POST');
    const connectionId = segment(m[1]!);
    const { signalType, data } = parseSignal(await readJsonObject(req, ctx.bodyLimit));
    if (!requireControl(ctx.control).signal(session, connectionId, signalType, data)) throw new HttpError(404, 'no such connection in this session');
    sendNoContent(res);
  } else if ((m = /^\/connection\/([^/]+)$/.exec(rest))) {
    requireMethod(req, 'DELETE');
    if (!requireControl(ctx.control).forceDisconnect(session, segment(m[1]!))) throw new HttpError(404, 'no such connection in this session');
    sendNoContent(res);
  } else if (rest === '/stream') {
    if (req.method === 'PUT') {
      const lists = parseClassLists(await readJsonObject(req, ctx.bodyLimit));
      const missing = ctx.store.setStreamClassLists(session, lists);
      if (missing !== undefined) throw new HttpError(404, `no stream ${missing} in this session`);
      sendJson(res, 200, { count: lists.length, items: lists.map((l) => restStream(session, session.streams.get(l.streamId)!)) });
    } else {
      requireMethod(req, 'GET');
      const items = [...session.streams.values()].map((s) => restStream(session, s));
      sendJson(res, 200, { count: items.length, items });
    }
  } else if ((m = /^\/stream\/([^/]+)$/.exec(rest))) {
    requireMethod(req, 'GET');
    const stream = session.streams.get(segment(m[1]!));
    if (!stream) throw new HttpError(404, 'no such stream in this session');
    sendJson(res, 200, restStream(session, stream));
  } else if ((m = /^\/stream\/([^/]+)\/mute$/.exec(rest))) {
    requireMethod(req, 'POST');
    await readJsonObject(req, ctx.bodyLimit);
    if (!requireControl(ctx.forceMute).muteStream(session, segment(m[1]!))) throw new HttpError(404, 'no such stream in this session');
    sendJson(res, 200, { applicationId: ctx.projectId, status: 'ACTIVE' });
  } else if (rest === '/mute') {
    requireMethod(req, 'POST');
    const forceMute = requireControl(ctx.forceMute);
    const { active, excludedStreamIds } = await readJsonObject(req, ctx.bodyLimit);
    if (typeof active !== 'boolean') throw new HttpError(400, 'active must be true or false');
    if (active) {
      const problem = excludedStreamIds === undefined ? undefined : excludedStreamIdsProblem(excludedStreamIds);
      if (problem !== undefined) throw new HttpError(400, problem);
      forceMute.muteAll(session, (excludedStreamIds as string[] | undefined) ?? []);
    } else {
      forceMute.disable(session);
    }
    sendJson(res, 200, { applicationId: ctx.projectId, status: 'ACTIVE' });
  } else {
    return false;
  }
  return true;
}
