// `/v2/project/{id}/archive…`: archives as the `opentok` and `@vonage/video` SDKs start, stop,
// get, list, delete them and change their streams, with OpenTok's bodies and status codes.
// What only composed archives have (a layout, a resolution, encoder settings) and transcription
// answer 501: the server records each stream as it is sent and cannot compose or hear
// end-to-end encrypted media.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Archive, type ArchiveJson, archiveJson } from '../archives/archive';
import { DOWNLOAD_PATH, downloadAllowed, downloadUrl, sendArchiveZip } from '../archives/archive-download';
import { ArchiveError, type Archiver, MAX_MAX_DURATION_S, MIN_MAX_DURATION_S, type StartOptions } from '../archives/archiver';
import type { ArchiveStore } from '../archives/archive-store';
import { decodePathSegment } from '../request-target';
import { SessionStore } from '../session-store';
import { HttpError, readJsonObject, requireMethod, sendJson, sendNoContent } from './http';

/** Longest archive name and multiArchiveTag. */
export const MAX_ARCHIVE_NAME_LENGTH = 255;
/** Most archives one list call answers. */
export const MAX_ARCHIVES_PER_PAGE = 1000;

export interface ArchiveRoutesContext {
  archiver: Archiver;
  archives: ArchiveStore;
  sessions: SessionStore;
  projectId: string;
  bodyLimit: number;
  /** The server's URL as this request reached it, and the secret download links are signed with. */
  linkBase: string;
  linkSecret: string;
}

function describe(ctx: ArchiveRoutesContext, archive: Archive): ArchiveJson {
  return archiveJson(archive, archive.status === 'available' ? downloadUrl(ctx.linkBase, archive, ctx.linkSecret) : null);
}

function optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new HttpError(400, `${name} must be true or false`);
  return value;
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > MAX_ARCHIVE_NAME_LENGTH) {
    throw new HttpError(400, `${name} must be a string of at most ${MAX_ARCHIVE_NAME_LENGTH} characters`);
  }
  return value;
}

/** startArchive's body: what this server can honour, 501 for what only composed archives or transcription have. */
function parseStart(body: Record<string, unknown>): { sessionId: string; options: Partial<StartOptions> } {
  const { sessionId } = body;
  if (typeof sessionId !== 'string' || sessionId === '') throw new HttpError(400, 'sessionId must be a non-empty string');
  const { outputMode, streamMode, maxDuration } = body;
  if (outputMode !== undefined && outputMode !== null && outputMode !== 'individual') {
    if (outputMode === 'composed') {
      throw new HttpError(501, 'composed archives are not available on this server: it records each stream on its own (outputMode "individual"), ' +
        'since it cannot decode, let alone compose, end-to-end encrypted media');
    }
    throw new HttpError(400, 'outputMode must be "individual" or "composed"');
  }
  for (const composedOnly of ['layout', 'resolution', 'maxBitrate', 'quantizationParameter']) {
    if (body[composedOnly] !== undefined && body[composedOnly] !== null) {
      throw new HttpError(501, `${composedOnly} applies to composed archives, which this server cannot make (its archives are individual)`);
    }
  }
  if (optionalBoolean(body, 'hasTranscription') === true) {
    throw new HttpError(501, 'transcription is not available on this server: it needs a speech-to-text service, and the server cannot hear end-to-end encrypted audio');
  }
  if (streamMode !== undefined && streamMode !== null && streamMode !== 'auto' && streamMode !== 'manual') {
    throw new HttpError(400, 'streamMode must be "auto" or "manual"');
  }
  if (maxDuration !== undefined && maxDuration !== null
    && (!Number.isInteger(maxDuration) || (maxDuration as number) < MIN_MAX_DURATION_S || (maxDuration as number) > MAX_MAX_DURATION_S)) {
    throw new HttpError(400, `maxDuration must be a whole number of seconds from ${MIN_MAX_DURATION_S} to ${MAX_MAX_DURATION_S}`);
  }
  const hasAudio = optionalBoolean(body, 'hasAudio');
  const hasVideo = optionalBoolean(body, 'hasVideo');
  if (hasAudio === false && hasVideo === false) throw new HttpError(400, 'an archive needs audio or video: hasAudio and hasVideo are both false');
  const name = optionalString(body, 'name');
  const multiArchiveTag = optionalString(body, 'multiArchiveTag');
  return {
    sessionId,
    options: {
      ...(name !== undefined && { name }),
      ...(hasAudio !== undefined && { hasAudio }),
      ...(hasVideo !== undefined && { hasVideo }),
      ...(streamMode === 'manual' || streamMode === 'auto' ? { streamMode } : {}),
      ...(multiArchiveTag !== undefined && { multiArchiveTag }),
      ...(typeof maxDuration === 'number' && { maxDuration }),
    },
  };
}

/** A list call's query: offset (default 0), count (default 50, at most 1000), sessionId. */
function parseListQuery(query: URLSearchParams): { offset: number; count: number; sessionId?: string } {
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const text = query.get(name);
    if (text === null || text === '') return fallback;
    if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}`);
    return Number(text);
  };
  const sessionId = query.get('sessionId');
  return {
    offset: number('offset', 0, 0, 1e9), count: number('count', 50, 1, MAX_ARCHIVES_PER_PAGE),
    ...(sessionId !== null && sessionId !== '' && { sessionId }),
  };
}

function parseStreamsChange(body: Record<string, unknown>): { add: { streamId: string; hasAudio: boolean; hasVideo: boolean } } | { remove: string } {
  const { addStream, removeStream } = body;
  if ((addStream === undefined) === (removeStream === undefined)) throw new HttpError(400, 'give exactly one of addStream and removeStream');
  const streamId = addStream ?? removeStream;
  if (typeof streamId !== 'string' || streamId === '' || streamId.length > MAX_ARCHIVE_NAME_LENGTH) {
    throw new HttpError(400, 'the stream id must be a non-empty string');
  }
  if (removeStream !== undefined) return { remove: streamId };
  return { add: { streamId, hasAudio: optionalBoolean(body, 'hasAudio') ?? true, hasVideo: optionalBoolean(body, 'hasVideo') ?? true } };
}

/**
 * `GET /archive-download/{archiveId}?token=…`: an available archive's zip to whoever holds a live
 * link (`url`); 403 for a link that is not one (forged, expired, another archive's), 404 when the
 * archive or its recordings are gone. False when `path` is not a download path.
 */
export function serveArchiveDownload(req: IncomingMessage, res: ServerResponse, ctx: { archiver: Archiver; archives: ArchiveStore; linkSecret: string },
  path: string, query: URLSearchParams): boolean {
  if (!path.startsWith(DOWNLOAD_PATH)) return false;
  requireMethod(req, 'GET');
  const archiveId = decodePathSegment(path.slice(DOWNLOAD_PATH.length));
  if (archiveId === undefined) throw new HttpError(400, 'malformed %-escape in the path');
  if (!downloadAllowed(query.get('token'), archiveId, ctx.linkSecret)) throw new HttpError(403, 'not a live download link of this archive');
  const archive = ctx.archives.byId(archiveId);
  const folder = archive && ctx.archiver.folderOf(archive);
  if (!archive || archive.status !== 'available' || folder === undefined) throw new HttpError(404, 'the archive is not available (deleted, or its recordings are gone)');
  sendArchiveZip(res, archive, folder);
  return true;
}

async function archiveCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ArchiveError) throw new HttpError(err.status, err.message);
    throw err;
  }
}

/** Serves `rest` (the path after /v2/project/{id}/); false when it is not one of these archive paths. */
export async function serveArchiveRoute(req: IncomingMessage, res: ServerResponse, ctx: ArchiveRoutesContext, rest: string,
  query: URLSearchParams): Promise<boolean> {
  if (rest === 'archive' || rest === 'archive/') {
    if (req.method === 'GET') {
      const listing = ctx.archives.list(ctx.projectId, parseListQuery(query));
      sendJson(res, 200, { count: listing.count, items: listing.items.map((a) => describe(ctx, a)) });
      return true;
    }
    requireMethod(req, 'POST');
    const { sessionId, options } = parseStart(await readJsonObject(req, ctx.bodyLimit));
    const session = ctx.sessions.getSession(sessionId);
    if (!session || SessionStore.projectOf(session) !== ctx.projectId) throw new HttpError(404, 'no such session in this project');
    const archive = await archiveCall(() => ctx.archiver.start(ctx.projectId, session, options));
    sendJson(res, 200, describe(ctx, archive));
    return true;
  }
  const one = /^archive\/([^/]+)(\/stop|\/streams)?$/.exec(rest);
  if (!one) return false;
  const archiveId = decodePathSegment(one[1]!);
  if (archiveId === undefined) throw new HttpError(400, 'malformed %-escape in the path');
  switch (one[2]) {
    case '/stop':
      requireMethod(req, 'POST');
      sendJson(res, 200, describe(ctx, await archiveCall(() => ctx.archiver.stop(ctx.projectId, archiveId))));
      return true;
    case '/streams': {
      requireMethod(req, 'PATCH');
      const change = parseStreamsChange(await readJsonObject(req, ctx.bodyLimit));
      await archiveCall(() => ctx.archiver.changeStreams(ctx.projectId, archiveId, change));
      sendNoContent(res);
      return true;
    }
    default:
      if (req.method === 'DELETE') {
        await archiveCall(() => ctx.archiver.delete(ctx.projectId, archiveId));
        sendNoContent(res);
        return true;
      }
      requireMethod(req, 'GET');
      {
        const archive = ctx.archives.get(ctx.projectId, archiveId);
        if (!archive) throw new HttpError(404, 'no such archive in this project');
        sendJson(res, 200, describe(ctx, archive));
      }
      return true;
  }
}
