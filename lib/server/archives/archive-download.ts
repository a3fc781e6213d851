// An available archive as OpenTok gives it: `url`, a link that works without credentials for ten
// minutes (as a pre-signed storage URL does), to a zip of its recordings and a manifest
// `<archiveId>.json`. The link carries a JWT the server signs with its API secret and alone
// checks. The .mjr files go in stored (not deflated): sealed media does not compress.
import * as fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import * as path from 'node:path';
import jwt from 'jsonwebtoken';
import yazl from 'yazl';
import { recordingNameParts } from '../../recording/decrypt-recording';
import type { Archive } from './archive';
import { recordingFiles } from './archive-files';

/** How long a download link works, s. */
export const DOWNLOAD_LINK_TTL_S = 600;
/** The path of download links (outside /v2: the link is the credential). */
export const DOWNLOAD_PATH = '/archive-download/';

const AUDIENCE = 'node-otc archive download';

/** A download link of `archive` under `baseUrl` (the server's URL as its caller reached it). */
export function downloadUrl(baseUrl: string, archive: Archive, secret: string): string {
  const token = jwt.sign({ sub: archive.id }, secret, { algorithm: 'HS256', audience: AUDIENCE, expiresIn: DOWNLOAD_LINK_TTL_S });
  return `${baseUrl}${DOWNLOAD_PATH}${encodeURIComponent(archive.id)}?token=${token}`;
}

/** Whether `token` is a live link to `archiveId`. */
export function downloadAllowed(token: string | null, archiveId: string, secret: string): boolean {
  if (!token || token.length > 2048) return false;
  try {
    const claims = jwt.verify(token, secret, { algorithms: ['HS256'], audience: AUDIENCE }) as jwt.JwtPayload;
    return claims.sub === archiveId;
  } catch {
    return false;
  }
}

/** The manifest of an archive's zip, OpenTok's individual-archive manifest in shape. */
export interface ArchiveManifest {
  id: string;
  name: string;
  sessionId: string;
  createdAt: number;
  /** Janus's recordings (sealed frames in an end-to-end encrypted session: `node-otc decrypt-recording` opens them). */
  files: Array<{ filename: string; size: number; streamId: string; kind: 'audio' | 'video' }>;
}

/** Streams the zip of an archive's folder as the answer. */
export function sendArchiveZip(res: ServerResponse, archive: Archive, folder: string): void {
  const zip = new yazl.ZipFile();
  const manifest: ArchiveManifest = { id: archive.id, name: archive.name, sessionId: archive.sessionId, createdAt: archive.createdAt, files: [] };
  for (const file of recordingFiles(folder)) {
    const parts = recordingNameParts(file);
    if (!parts) continue;
    const filename = path.relative(folder, file).split(path.sep).join('/');
    manifest.files.push({ filename, size: fs.statSync(file).size, streamId: parts.streamId, kind: parts.kind });
    zip.addFile(file, filename, { compress: false });
  }
  zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2)), `${archive.id}.json`);
  zip.end();
  res.writeHead(200, {
    'Content-Type': 'application/zip', 'Cache-Control': 'no-store',
    'Content-Disposition': `attachment; filename="${archive.id}.zip"`,
  });
  zip.outputStream.on('error', () => res.destroy());
  zip.outputStream.pipe(res);
}
