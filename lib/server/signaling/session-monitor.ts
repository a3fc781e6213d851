// What happens in sessions, told to whoever monitors them (the webhooks of callbacks/, the
// archiver of archives/): a connection or stream created or destroyed, with the records as they
// were at that moment.
import type { ConnectionDestroyedReason, ConnectionInfo, StreamDestroyedReason, StreamInfo } from '../../protocol/messages';
import type { SessionRecord } from '../session-store';

export interface SessionMonitor {
  connectionCreated(session: SessionRecord, connection: ConnectionInfo): void;
  connectionDestroyed(session: SessionRecord, connection: ConnectionInfo, reason: ConnectionDestroyedReason): void;
  /** `connection`: the publisher's (undefined only if it is already gone). */
  streamCreated(session: SessionRecord, stream: StreamInfo, connection: ConnectionInfo | undefined): void;
  streamDestroyed(session: SessionRecord, stream: StreamInfo, connection: ConnectionInfo | undefined, reason: StreamDestroyedReason): void;
}

/** One monitor telling several, in order. */
export function monitorsOf(...monitors: SessionMonitor[]): SessionMonitor {
  return {
    connectionCreated: (session, connection) => monitors.forEach((m) => m.connectionCreated(session, connection)),
    connectionDestroyed: (session, connection, reason) => monitors.forEach((m) => m.connectionDestroyed(session, connection, reason)),
    streamCreated: (session, stream, connection) => monitors.forEach((m) => m.streamCreated(session, stream, connection)),
    streamDestroyed: (session, stream, connection, reason) => monitors.forEach((m) => m.streamDestroyed(session, stream, connection, reason)),
  };
}
