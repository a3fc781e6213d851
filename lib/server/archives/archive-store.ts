// The archives, per project: read from the data directory's database once, each change written
// through (else kept in memory only). The server is their only writer.
import type { Db } from '../store/database';
import type { Archive, ArchiveStatus, ArchiveStream, StreamMode } from './archive';

/** Most archives one project keeps that are not deleted (a start beyond is refused). */
export const MAX_ARCHIVES_PER_PROJECT = 50_000;
/** Most deleted archives one project keeps listed; older ones are forgotten. */
export const MAX_DELETED_ARCHIVES_PER_PROJECT = 1000;

interface ArchiveRow {
  archive_id: string; project_id: string; session_id: string; name: string; status: string; reason: string;
  created_at: number; stopped_at: number; has_audio: number; has_video: number; output_mode: string;
  stream_mode: string; multi_archive_tag: string; size: number; streams: string;
}

function fromRow(row: ArchiveRow): Archive {
  return {
    id: row.archive_id, projectId: row.project_id, sessionId: row.session_id, name: row.name,
    status: row.status as ArchiveStatus, reason: row.reason, createdAt: row.created_at, stoppedAt: row.stopped_at,
    hasAudio: row.has_audio === 1, hasVideo: row.has_video === 1, streamMode: row.stream_mode as StreamMode,
    multiArchiveTag: row.multi_archive_tag, size: row.size, streams: JSON.parse(row.streams) as ArchiveStream[],
  };
}

export interface ArchiveListing {
  /** How many match, beyond this page too. */
  count: number;
  /** Newest first. */
  items: Archive[];
}

export class ArchiveStore {
  readonly #db: Db | undefined;
  readonly #byId = new Map<string, Archive>();
  /** Each project's archives, oldest first. */
  readonly #byProject = new Map<string, Archive[]>();
  /** The archive each session records now. */
  readonly #active = new Map<string, Archive>();

  constructor(db?: Db) {
    this.#db = db;
    const rows = (db?.prepare('SELECT * FROM archives ORDER BY created_at, rowid').all() ?? []) as ArchiveRow[];
    for (const row of rows) this.#add(fromRow(row));
  }

  /** Whether the project may start another archive. */
  hasRoom(projectId: string): boolean {
    const archives = this.#byProject.get(projectId) ?? [];
    return archives.filter((a) => a.status !== 'deleted').length < MAX_ARCHIVES_PER_PROJECT;
  }

  insert(archive: Archive): void {
    this.#db?.prepare(`INSERT INTO archives (archive_id, project_id, session_id, name, status, reason, created_at, stopped_at,
      has_audio, has_video, output_mode, stream_mode, multi_archive_tag, size, streams)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'individual', ?, ?, ?, ?)`).run(
      archive.id, archive.projectId, archive.sessionId, archive.name, archive.status, archive.reason, archive.createdAt,
      archive.stoppedAt, archive.hasAudio ? 1 : 0, archive.hasVideo ? 1 : 0, archive.streamMode, archive.multiArchiveTag,
      archive.size, JSON.stringify(archive.streams));
    this.#add(archive);
  }

  /** Writes an archive's changed fields (status, reason, stoppedAt, size, streams). */
  update(archive: Archive): void {
    this.#db?.prepare('UPDATE archives SET status = ?, reason = ?, stopped_at = ?, size = ?, streams = ? WHERE archive_id = ?')
      .run(archive.status, archive.reason, archive.stoppedAt, archive.size, JSON.stringify(archive.streams), archive.id);
    if (archive.status === 'started') this.#active.set(archive.sessionId, archive);
    else if (this.#active.get(archive.sessionId) === archive) this.#active.delete(archive.sessionId);
    if (archive.status === 'deleted') this.#pruneDeleted(archive.projectId);
  }

  get(projectId: string, archiveId: string): Archive | undefined {
    const archive = this.#byId.get(archiveId);
    return archive?.projectId === projectId ? archive : undefined;
  }

  /** An archive whatever its project (download links name no project: the link is the credential). */
  byId(archiveId: string): Archive | undefined {
    return this.#byId.get(archiveId);
  }

  /** The archive recording the session now, if any. */
  activeFor(sessionId: string): Archive | undefined {
    return this.#active.get(sessionId);
  }

  /** Archives that were recording or finishing when the server last stopped. */
  unfinished(): Archive[] {
    return [...this.#byId.values()].filter((a) => a.status === 'started' || a.status === 'stopped');
  }

  list(projectId: string, opts: { offset: number; count: number; sessionId?: string }): ArchiveListing {
    const all = this.#byProject.get(projectId) ?? [];
    const matching = opts.sessionId === undefined ? all : all.filter((a) => a.sessionId === opts.sessionId);
    const newestFirst = matching.slice().reverse();
    return { count: matching.length, items: newestFirst.slice(opts.offset, opts.offset + opts.count) };
  }

  #add(archive: Archive): void {
    this.#byId.set(archive.id, archive);
    let archives = this.#byProject.get(archive.projectId);
    if (!archives) {
      archives = [];
      this.#byProject.set(archive.projectId, archives);
    }
    archives.push(archive);
    if (archive.status === 'started') this.#active.set(archive.sessionId, archive);
  }

  #pruneDeleted(projectId: string): void {
    const archives = this.#byProject.get(projectId);
    if (!archives) return;
    const deleted = archives.filter((a) => a.status === 'deleted');
    const excess = deleted.slice(0, Math.max(0, deleted.length - MAX_DELETED_ARCHIVES_PER_PROJECT));
    if (excess.length === 0) return;
    const gone = new Set(excess);
    for (const archive of excess) {
      this.#db?.prepare('DELETE FROM archives WHERE archive_id = ?').run(archive.id);
      this.#byId.delete(archive.id);
    }
    this.#byProject.set(projectId, archives.filter((a) => !gone.has(a)));
  }
}
