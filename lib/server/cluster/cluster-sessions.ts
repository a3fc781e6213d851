// Which process serves a session, as the signaling endpoint and the REST API ask it: this one
// once the session's state is in its store (read back from Redis when it just took the session
// over), or the URL of its home process. One owner of the question for both.
import type { MediaRouter } from '../router/media-router';
import type { RestoredConnection, SessionStore } from '../session-store';
import type { ClusterNode } from './cluster-node';
import type { RedisJournal } from './redis-journal';
import { REDIS_COMMAND_TIMEOUT_MS } from './redis-link';

export type SessionPlace = { where: 'here' } | { where: 'elsewhere'; url: string } | { where: 'unknown' };

export class ClusterSessions {
  readonly node: ClusterNode;
  readonly #journal: RedisJournal;
  readonly #store: SessionStore;
  readonly #restore: (restored: RestoredConnection[]) => void;
  readonly #log: (line: string) => void;
  readonly #router: MediaRouter | undefined;

  /** restore: takes connections read back from Redis as detached ones (their clients reconnect here). */
  constructor(node: ClusterNode, journal: RedisJournal, store: SessionStore, restore: (restored: RestoredConnection[]) => void,
    log: (line: string) => void, router?: MediaRouter) {
    this.#router = router;
    this.node = node;
    this.#journal = journal;
    this.#store = store;
    this.#restore = restore;
    this.#log = log;
  }

  /** Rejects when Redis does not answer within REDIS_COMMAND_TIMEOUT_MS (the caller answers "try again"). */
  async place(sessionId: string): Promise<SessionPlace> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${REDIS_COMMAND_TIMEOUT_MS} ms`)), REDIS_COMMAND_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.#place(sessionId), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #place(sessionId: string): Promise<SessionPlace> {
    const placement = await this.node.place(sessionId);
    if (placement.where !== 'here') return placement;
    if (this.#store.getSession(sessionId)) return { where: 'here' };
    const loaded = await this.#journal.loadSession(sessionId);
    if (!loaded) {
      this.node.forget(sessionId);
      return { where: 'unknown' };
    }
    const { contents, room } = loaded;
    // Another placement of the same session may have adopted it meanwhile: adopt() skips it then.
    const restored = this.#store.adopt(contents);
    if (restored.length > 0 || placement.taken) {
      this.#log(`cluster: session ${sessionId} served here now, ${restored.length} connections waiting for their clients`);
    }
    this.#restore(restored);
    // The room its last home made at a shared Janus is nobody's now: this process makes its own.
    if (placement.taken && room && this.#router) {
      this.#router.destroyForeignRoom(room.url, room.roomId).then((done) => {
        if (done) this.#log(`cluster: room ${room.roomId} of session ${sessionId}'s previous home destroyed at ${room.url}`);
      }, (err: Error) => this.#log(`cluster: room ${room.roomId} of session ${sessionId}'s previous home not destroyed: ${err.message}`));
    }
    return { where: 'here' };
  }
}
