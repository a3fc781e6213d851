// Forced muting (docs/protocol.md, "Forced muting"): a moderator, or the REST API, tells the
// publisher of a stream to turn its audio off (muteForced), or turns the session's mute state
// on (forceMuteAll: every stream but the excluded ones, now and published later) or off. The
// state lives in the session record (SessionStore.setForceMute, journaled); the clients mute
// themselves, the server relays no media change. Each call costs O(the session's streams) at most.
import { ErrorCode } from '../../error-code';
import type { DisableForceMuteRequest, ForceMuteAllRequest, ForceMuteStreamRequest, StreamInfo } from '../../protocol/messages';
import type { ConnectionRecord, SessionRecord, SessionStore } from '../session-store';
import type { Client } from './client';
import type { Delivery } from './delivery';
import { requireModerator } from './moderator-role';
import { RequestError } from './request-error';

/** What the REST API calls (no connection: the project's credentials authorize it). */
export interface ForceMuteControl {
  /** Tells the publisher of `streamId` to mute its audio; false when the session has no such stream. */
  muteStream(session: SessionRecord, streamId: string): boolean;
  /** The session's mute state on, excluding `excluded`; every other stream's publisher is told to mute. */
  muteAll(session: SessionRecord, excluded: readonly string[]): void;
  /** The session's mute state off (nobody is unmuted). */
  disable(session: SessionRecord): void;
}

export class ForceMute implements ForceMuteControl {
  readonly #store: SessionStore;
  readonly #delivery: Delivery;
  readonly #log: (line: string) => void;

  constructor(store: SessionStore, delivery: Delivery, log: (line: string) => void) {
    this.#store = store;
    this.#delivery = delivery;
    this.#log = log;
  }

  forceMuteStream(client: Client, conn: ConnectionRecord, session: SessionRecord, req: ForceMuteStreamRequest): void {
    requireModerator(conn, ErrorCode.OTC_UNABLE_TO_FORCE_MUTE, 'forceMuteStream');
    if (!session.streams.has(req.streamId)) throw new RequestError(ErrorCode.OTC_UNABLE_TO_FORCE_MUTE, 'no such stream in this session');
    this.#delivery.send(client, { type: 'ack', id: req.id });
    this.muteStream(session, req.streamId, conn.info.connectionId);
  }

  forceMuteAll(client: Client, conn: ConnectionRecord, session: SessionRecord, req: ForceMuteAllRequest): void {
    requireModerator(conn, ErrorCode.OTC_UNABLE_TO_FORCE_MUTE, 'forceMuteAll');
    // The ack after the state is written: a failed write is answered with the error instead.
    const excluded = req.excludedStreamIds ?? [];
    this.#store.setForceMute(session, excluded);
    this.#delivery.send(client, { type: 'ack', id: req.id });
    this.#announceAll(session, conn.info.connectionId);
  }

  disableForceMute(client: Client, conn: ConnectionRecord, session: SessionRecord, req: DisableForceMuteRequest): void {
    requireModerator(conn, ErrorCode.OTC_UNABLE_TO_FORCE_MUTE, 'disableForceMute');
    this.#store.setForceMute(session, null);
    this.#delivery.send(client, { type: 'ack', id: req.id });
    this.#announceDisabled(session, conn.info.connectionId);
  }

  muteStream(session: SessionRecord, streamId: string, by = 'REST'): boolean {
    const stream = session.streams.get(streamId);
    if (!stream) return false;
    this.#delivery.sendTo(stream.connectionId, { type: 'muteForced', streamId });
    this.#log(`forceMuteStream ${streamId} by ${by}`);
    return true;
  }

  muteAll(session: SessionRecord, excluded: readonly string[]): void {
    this.#store.setForceMute(session, excluded);
    this.#announceAll(session, 'REST');
  }

  disable(session: SessionRecord): void {
    this.#store.setForceMute(session, null);
    this.#announceDisabled(session, 'REST');
  }

  /** A stream was published (its streamCreated sent): muted at once while the session's mute state is on, unless excluded. */
  streamPublished(session: SessionRecord, stream: StreamInfo): void {
    if (session.forceMute && !session.forceMute.has(stream.streamId)) {
      this.#delivery.sendTo(stream.connectionId, { type: 'muteForced', streamId: stream.streamId, all: true });
    }
  }

  #announceAll(session: SessionRecord, by: string): void {
    const excluded = session.forceMute ?? new Set<string>();
    this.#delivery.broadcast(session, { type: 'forceMuteChanged', active: true });
    let muted = 0;
    for (const stream of session.streams.values()) {
      if (excluded.has(stream.streamId)) continue;
      this.#delivery.sendTo(stream.connectionId, { type: 'muteForced', streamId: stream.streamId, all: true });
      muted += 1;
    }
    this.#log(`forceMuteAll in ${session.sessionId} by ${by}: ${muted} streams muted, ${excluded.size} ids excluded`);
  }

  #announceDisabled(session: SessionRecord, by: string): void {
    this.#delivery.broadcast(session, { type: 'forceMuteChanged', active: false });
    this.#log(`disableForceMute in ${session.sessionId} by ${by}`);
  }
}
