// Which published streams Janus records, and where. A session's plan (an archive: a folder under
// the recordings folder, and which of its streams it takes) is applied to each of its publishers
// whose media is up, and again to each one whose media comes up later. Each publisher's recorder
// changes one step at a time, in order, so a quick start-stop-start never leaves it recording
// into the wrong folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JanusHandle } from './janus-connection';
import * as videoRoom from './video-room';

export interface RecordingPlan {
  /** A folder under the recordings folder (one archive's), made here if missing. */
  folder: string;
  includes(streamId: string): boolean;
}

interface Publisher {
  streamId: string;
  handle: JanusHandle;
  /** The folder it records into now (as far as the requests sent so far go). */
  folder: string | undefined;
  /** Its recorder's changes, one after another. */
  chain: Promise<void>;
}

interface SessionRecording {
  plan: RecordingPlan | undefined;
  publishers: Map<string, Publisher>;
  /** Recordings made so far per stream in the plan's folder: a publisher recorded again (its peer
   * made anew) goes to part-<n>/, since Janus would overwrite a file of the same name. */
  segments: Map<string, number>;
}

export class Recordings {
  readonly #dir: string | undefined;
  readonly #log: (line: string) => void;
  readonly #sessions = new Map<string, SessionRecording>();

  constructor(dir: string | undefined, log: (line: string) => void) {
    this.#dir = dir;
    this.#log = log;
  }

  /** The recordings folder; undefined: this router records nothing. */
  get dir(): string | undefined {
    return this.#dir;
  }

  /** A publisher's media is up at Janus: from now on it follows its session's plan. */
  mediaUp(sessionId: string, streamId: string, handle: JanusHandle): void {
    const session = this.#session(sessionId);
    const publisher: Publisher = { streamId, handle, folder: undefined, chain: Promise.resolve() };
    session.publishers.set(streamId, publisher);
    void this.#apply(sessionId, session, publisher);
  }

  /** A publisher's peer is gone (Janus closed its recorders with it). */
  publisherGone(sessionId: string, streamId: string): void {
    const session = this.#sessions.get(sessionId);
    if (!session) return;
    session.publishers.delete(streamId);
    this.#forgetIfIdle(sessionId, session);
  }

  /**
   * Records the session's streams as `plan` says (undefined: none); resolves once Janus has
   * started and stopped the recorders this takes (a publisher Janus failed to change is logged).
   */
  async setPlan(sessionId: string, plan: RecordingPlan | undefined): Promise<void> {
    if (plan && this.#dir === undefined) throw new Error('this media router has no recordings folder');
    const session = this.#session(sessionId);
    if (plan?.folder !== session.plan?.folder) session.segments.clear();
    session.plan = plan;
    if (plan) fs.mkdirSync(path.join(this.#dir!, plan.folder), { recursive: true });
    await Promise.all([...session.publishers.values()].map((p) => this.#apply(sessionId, session, p)));
    this.#forgetIfIdle(sessionId, session);
  }

  /** The session's room is gone: its publishers with it. */
  sessionClosed(sessionId: string): void {
    const session = this.#sessions.get(sessionId);
    if (!session) return;
    session.publishers.clear();
    this.#forgetIfIdle(sessionId, session);
  }

  #session(sessionId: string): SessionRecording {
    let session = this.#sessions.get(sessionId);
    if (!session) {
      session = { plan: undefined, publishers: new Map(), segments: new Map() };
      this.#sessions.set(sessionId, session);
    }
    return session;
  }

  #forgetIfIdle(sessionId: string, session: SessionRecording): void {
    if (!session.plan && session.publishers.size === 0) this.#sessions.delete(sessionId);
  }

  #apply(sessionId: string, session: SessionRecording, publisher: Publisher): Promise<void> {
    publisher.chain = publisher.chain.then(async () => {
      if (session.publishers.get(publisher.streamId) !== publisher) return;
      const plan = session.plan;
      const wanted = plan?.includes(publisher.streamId) ? plan.folder : undefined;
      if (wanted === publisher.folder) return;
      if (publisher.folder !== undefined) {
        publisher.folder = undefined;
        await videoRoom.stopRecordingPublisher(publisher.handle);
      }
      if (wanted !== undefined) {
        publisher.folder = wanted;
        await videoRoom.recordPublisher(publisher.handle, this.#fileBase(sessionId, session, wanted, publisher.streamId));
      }
    }).catch((err: Error) => this.#log(`recording ${publisher.streamId}: ${err.message}`));
    return publisher.chain;
  }

  /** `<folder>/<sessionId>-<streamId>` (the name decrypt-recording reads), in part-<n>/ from the second time on. */
  #fileBase(sessionId: string, session: SessionRecording, folder: string, streamId: string): string {
    const n = (session.segments.get(streamId) ?? 0) + 1;
    session.segments.set(streamId, n);
    if (n === 1) return `${folder}/${sessionId}-${streamId}`;
    fs.mkdirSync(path.join(this.#dir!, folder, `part-${n}`), { recursive: true });
    return `${folder}/part-${n}/${sessionId}-${streamId}`;
  }
}
