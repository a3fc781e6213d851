// Archives' lifecycle: started through the REST API (or by a client's connection to an
// archiveMode=always session), recorded by the media router into the archive's folder, stopped
// through the REST API, after maxDuration, or a minute after the session's last client left,
// then settled (size; audio or video dropped if the archive has none) and available. Changes
// of one session's archives run one at a time. Each status change goes to `notify` (archive
// callbacks).
import * as crypto from 'node:crypto';
import type { ConnectionInfo, StreamInfo } from '../../protocol/messages';
import type { MediaRouter } from '../router/media-router';
import { type SessionRecord, SessionStore } from '../session-store';
import type { SessionMonitor } from '../signaling/session-monitor';
import type { Archive, ArchiveStream, StreamMode } from './archive';
import { archiveFolder, removeFolder, settleFolder } from './archive-files';
import type { ArchiveStore } from './archive-store';

/** A refusal, with the REST status it answers. */
export class ArchiveError extends Error {
  constructor(readonly status: 400 | 404 | 405 | 409 | 429 | 501, message: string) {
    super(message);
  }
}

export interface StartOptions {
  name: string;
  hasAudio: boolean;
  hasVideo: boolean;
  streamMode: StreamMode;
  multiArchiveTag: string;
  /** Seconds after which it stops by itself. */
  maxDuration: number;
}

export const DEFAULT_MAX_DURATION_S = 4 * 3600;
export const MIN_MAX_DURATION_S = 60;
export const MAX_MAX_DURATION_S = 36_000;
/**
 * Most streams an archive lists. An auto archive records every stream the session gets, however
 * many come and go; it lists the first ones only, so a client publishing again and again cannot
 * grow the record (and its database row) without bound.
 */
export const MAX_ARCHIVE_STREAMS = 500;
/** How long an archive goes on recording a session nobody is connected to. */
export const DEFAULT_EMPTY_STOP_MS = 60_000;

const DEFAULTS: StartOptions = { name: '', hasAudio: true, hasVideo: true, streamMode: 'auto', multiArchiveTag: '', maxDuration: DEFAULT_MAX_DURATION_S };

export interface ArchiverOptions {
  store: ArchiveStore;
  router: MediaRouter | undefined;
  /** The session of an id (to check that a stream added to an archive is the session's). */
  sessionOf: (sessionId: string) => SessionRecord | undefined;
  /** Told of each archive's status changes. */
  notify?: (archive: Archive) => void;
  emptyStopMs?: number;
  log?: (line: string) => void;
}

export class Archiver implements SessionMonitor {
  readonly #opts: ArchiverOptions;
  readonly #chains = new Map<string, Promise<unknown>>();
  /** The recording archives: each one's maxDuration timer, and its empty-session one while nobody is connected. */
  readonly #recording = new Map<string, { archive: Archive; max: NodeJS.Timeout; empty?: NodeJS.Timeout }>();
  #closed = false;

  constructor(opts: ArchiverOptions) {
    this.#opts = opts;
  }

  /** Settles the archives a previous run left recording (their recorders went with it). */
  restore(): void {
    for (const archive of this.#opts.store.unfinished()) {
      if (archive.status === 'started') {
        archive.stoppedAt = Date.now();
        archive.reason = 'the server restarted';
      }
      this.#settle(archive);
    }
  }

  async start(projectId: string, session: SessionRecord, given: Partial<StartOptions> = {}): Promise<Archive> {
    const opts: StartOptions = { ...DEFAULTS, ...given };
    return this.#serial(session.sessionId, async () => {
      if (this.#closed) throw new ArchiveError(409, 'the server is stopping');
      if (session.mediaMode !== 'routed') {
        throw new ArchiveError(409, 'only routed sessions (p2p.preference=disabled) can be archived: a relayed session\'s media never reaches the server');
      }
      const router = this.#recorder();
      if (session.connections.size === 0) throw new ArchiveError(409, 'no clients are connected to this session');
      const active = this.#opts.store.activeFor(session.sessionId);
      if (active) {
        if (opts.multiArchiveTag !== '' && active.multiArchiveTag === opts.multiArchiveTag) return active;
        throw new ArchiveError(409, `this session is being archived already (archive ${active.id}); the router records each stream once`);
      }
      if (!this.#opts.store.hasRoom(projectId)) throw new ArchiveError(429, 'this project has too many archives: delete some first');
      const archive: Archive = {
        id: crypto.randomUUID(), projectId, sessionId: session.sessionId, name: opts.name, status: 'started', reason: '',
        createdAt: Date.now(), stoppedAt: 0, hasAudio: opts.hasAudio, hasVideo: opts.hasVideo, streamMode: opts.streamMode,
        multiArchiveTag: opts.multiArchiveTag, size: 0,
        streams: opts.streamMode === 'auto' ? [...session.streams.keys()].slice(0, MAX_ARCHIVE_STREAMS).map((streamId) => ({ streamId, hasAudio: opts.hasAudio, hasVideo: opts.hasVideo })) : [],
      };
      this.#opts.store.insert(archive);
      const max = setTimeout(() => void this.#stopQuietly(archive, 'maximum duration exceeded'), opts.maxDuration * 1000);
      max.unref();
      this.#recording.set(archive.id, { archive, max });
      this.#log(`archive ${archive.id} started for session ${session.sessionId} (${archive.streamMode} streams)`);
      this.#opts.notify?.(archive);
      try {
        await router.setRecording(session.sessionId, {
          folder: archive.id,
          includes: (streamId) => archive.streamMode === 'auto' || archive.streams.some((s) => s.streamId === streamId),
        });
      } catch (err) {
        await this.#stop(archive, `recording could not start: ${(err as Error).message}`);
        archive.status = 'failed';
        this.#opts.store.update(archive);
        this.#opts.notify?.(archive);
        throw err;
      }
      return archive;
    });
  }

  /** Stops a recording archive; resolves with it as it was when it stopped (status stopped), once settled. */
  async stop(projectId: string, archiveId: string, reason = 'user initiated'): Promise<Archive> {
    const archive = this.#find(projectId, archiveId);
    return this.#serial(archive.sessionId, async () => {
      if (archive.status !== 'started') throw new ArchiveError(409, `the archive is not recording (status ${archive.status})`);
      return this.#stop(archive, reason);
    });
  }

  /** Removes an archive's recordings; it stays listed as deleted. Deleting it again does nothing. */
  async delete(projectId: string, archiveId: string): Promise<void> {
    const archive = this.#find(projectId, archiveId);
    await this.#serial(archive.sessionId, async () => {
      if (archive.status === 'deleted') return;
      if (archive.status === 'started' || archive.status === 'stopped') throw new ArchiveError(409, 'the archive is recording: stop it first');
      const dir = this.#opts.router?.recordingsDir;
      if (dir !== undefined) removeFolder(archiveFolder(dir, archive.id));
      archive.status = 'deleted';
      archive.size = 0;
      this.#opts.store.update(archive);
      this.#opts.notify?.(archive);
    });
  }

  /** streamMode manual: adds a stream of the session to the archive (or changes its media), or removes one. */
  async changeStreams(projectId: string, archiveId: string, change: { add: ArchiveStream } | { remove: string }): Promise<void> {
    const archive = this.#find(projectId, archiveId);
    await this.#serial(archive.sessionId, async () => {
      if (archive.streamMode !== 'manual') throw new ArchiveError(405, 'the archive takes its streams automatically (streamMode auto)');
      if (archive.status !== 'started') throw new ArchiveError(409, `the archive is not recording (status ${archive.status})`);
      const router = this.#recorder();
      if ('add' in change) {
        const stream = change.add;
        if (!this.#opts.sessionOf(archive.sessionId)?.streams.has(stream.streamId)) throw new ArchiveError(404, 'no such stream in the archive\'s session');
        if (archive.streams.length >= MAX_ARCHIVE_STREAMS && !archive.streams.some((s) => s.streamId === stream.streamId)) throw new ArchiveError(409, `an archive takes at most ${MAX_ARCHIVE_STREAMS} streams`);
        archive.streams = [...archive.streams.filter((s) => s.streamId !== stream.streamId), { ...stream }];
      } else {
        if (!archive.streams.some((s) => s.streamId === change.remove)) throw new ArchiveError(404, 'the archive does not take this stream');
        archive.streams = archive.streams.filter((s) => s.streamId !== change.remove);
      }
      this.#opts.store.update(archive);
      await router.setRecording(archive.sessionId, {
        folder: archive.id, includes: (streamId) => archive.streams.some((s) => s.streamId === streamId),
      });
    });
  }

  /** The folder of an archive's recordings; undefined on a server that cannot archive. */
  folderOf(archive: Archive): string | undefined {
    const dir = this.#opts.router?.recordingsDir;
    return dir === undefined ? undefined : archiveFolder(dir, archive.id);
  }

  /** Stops every recording archive (the server is stopping). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#recording.values()].map(({ archive }) => this.#stopQuietly(archive, 'the server stopped')));
    await Promise.all([...this.#chains.values()].map((c) => c.catch(() => undefined)));
  }

  connectionCreated(session: SessionRecord, _connection: ConnectionInfo): void {
    const active = this.#opts.store.activeFor(session.sessionId);
    const timers = active && this.#recording.get(active.id);
    if (timers?.empty) {
      clearTimeout(timers.empty);
      delete timers.empty;
    }
    if (active || session.archiveMode !== 'always' || this.#closed) return;
    const projectId = SessionStore.projectOf(session);
    if (projectId === undefined) return;
    this.start(projectId, session).catch((err: Error) => {
      if (!(err instanceof ArchiveError && err.status === 409)) this.#log(`automatic archive of ${session.sessionId}: ${err.message}`);
    });
  }

  connectionDestroyed(session: SessionRecord): void {
    if (session.connections.size > 0) return;
    const active = this.#opts.store.activeFor(session.sessionId);
    const timers = active && this.#recording.get(active.id);
    if (!active || !timers || timers.empty) return;
    timers.empty = setTimeout(() => void this.#stopQuietly(active, 'session ended'), this.#opts.emptyStopMs ?? DEFAULT_EMPTY_STOP_MS);
    timers.empty.unref();
  }

  streamCreated(session: SessionRecord, stream: StreamInfo): void {
    const active = this.#opts.store.activeFor(session.sessionId);
    if (!active || active.streamMode !== 'auto' || active.streams.length >= MAX_ARCHIVE_STREAMS
      || active.streams.some((s) => s.streamId === stream.streamId)) return;
    active.streams.push({ streamId: stream.streamId, hasAudio: active.hasAudio, hasVideo: active.hasVideo });
    this.#opts.store.update(active);
  }

  streamDestroyed(): void {
    // The router closes a gone stream's recorder with its peer.
  }

  #recorder(): MediaRouter {
    const router = this.#opts.router;
    if (!router) throw new ArchiveError(501, 'archiving needs the media router (Janus): this server runs without one');
    if (router.recordingsDir === undefined) throw new ArchiveError(501, 'archiving needs a recordings folder: start the server with --recordings DIR');
    return router;
  }

  #find(projectId: string, archiveId: string): Archive {
    const archive = this.#opts.store.get(projectId, archiveId);
    if (!archive) throw new ArchiveError(404, 'no such archive in this project');
    return archive;
  }

  async #stopQuietly(archive: Archive, reason: string): Promise<void> {
    await this.#serial(archive.sessionId, async () => {
      if (archive.status === 'started') await this.#stop(archive, reason);
    }).catch((err: Error) => this.#log(`stopping archive ${archive.id}: ${err.message}`));
  }

  async #stop(archive: Archive, reason: string): Promise<Archive> {
    const timers = this.#recording.get(archive.id);
    if (timers) {
      clearTimeout(timers.max);
      if (timers.empty) clearTimeout(timers.empty);
      this.#recording.delete(archive.id);
    }
    archive.status = 'stopped';
    archive.reason = reason;
    archive.stoppedAt = Date.now();
    this.#opts.store.update(archive);
    const stopped: Archive = { ...archive, streams: archive.streams.map((s) => ({ ...s })) };
    this.#opts.notify?.(stopped);
    this.#log(`archive ${archive.id} stopped: ${reason}`);
    try {
      await this.#opts.router?.setRecording(archive.sessionId, undefined);
    } catch (err) {
      this.#log(`archive ${archive.id}: stopping its recorders failed: ${(err as Error).message}`);
    }
    this.#settle(archive);
    return stopped;
  }

  /** The recorders are closed: keeps what the archive asked for, and it is available. */
  #settle(archive: Archive): void {
    const dir = this.#opts.router?.recordingsDir;
    try {
      archive.size = dir === undefined ? 0 : settleFolder(archiveFolder(dir, archive.id), (streamId, kind) => {
        const stream = archive.streams.find((s) => s.streamId === streamId);
        return kind === 'audio' ? archive.hasAudio && (stream?.hasAudio ?? true) : archive.hasVideo && (stream?.hasVideo ?? true);
      });
      archive.status = 'available';
    } catch (err) {
      archive.status = 'failed';
      archive.reason = `its recordings could not be read: ${(err as Error).message}`;
    }
    this.#opts.store.update(archive);
    this.#opts.notify?.(archive);
  }

  #serial<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(sessionId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.#chains.set(sessionId, next);
    const forget = (): void => {
      if (this.#chains.get(sessionId) === next) this.#chains.delete(sessionId);
    };
    next.then(forget, forget);
    return next;
  }

  #log(line: string): void {
    this.#opts.log?.(`archives: ${line}`);
  }
}
