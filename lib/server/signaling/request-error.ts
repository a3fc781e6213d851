// A request the session's state does not allow (its fields were read by the protocol's parser,
// lib/protocol/parse-request.ts): answered with an `error` reply, the connection stays open.
import type { ErrorCode } from '../../error-code';

/** Largest message before `connect` (a token is at most 16 KiB), bytes. */
export const UNAUTHENTICATED_MESSAGE_BYTES = 32 * 1024;

/** A request refused with an `error` reply carrying `code`; the connection stays open. */
export class RequestError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}
