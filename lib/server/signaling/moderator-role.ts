// The moderator role's powers (forced muting, forced disconnects and unpublishing) are refused to
// every other token with the error code of the power asked for.
import type { ErrorCode } from '../../error-code';
import type { ConnectionRecord } from '../session-store';
import { RequestError } from './request-error';

export function requireModerator(conn: ConnectionRecord, code: ErrorCode, what: string): void {
  if (conn.role !== 'moderator') throw new RequestError(code, `${what} needs a moderator token`);
}
