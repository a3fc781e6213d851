// Why something ended, in the page: the same { reason, code } the Node API gives (the C core's
// end_reason.cpp maps the server's words alike), so code written against the shared types reads
// an end the same way in both.
import { ErrorCode } from '../../error-code';
import type { EndReason } from '../../session-types';

/** The code of each word the session server gives as a reason (docs/protocol.md); others are 'unknown'. */
const SERVER_REASON_CODES: Readonly<Record<string, ErrorCode>> = {
  clientDisconnected: ErrorCode.OTC_SUCCESS,
  clientUnpublished: ErrorCode.OTC_SUCCESS,
  clientUnsubscribed: ErrorCode.OTC_SUCCESS,
  networkDisconnected: ErrorCode.OTC_SESSION_CONNECTION_DROPPED,
  forceDisconnected: ErrorCode.OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM,
  forceUnpublished: ErrorCode.OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM,
  routerFailed: ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR,
};

/** A stream's, connection's or peer's end as the server words it. */
export function endFromServer(reason: string): EndReason {
  const code = Object.hasOwn(SERVER_REASON_CODES, reason) ? SERVER_REASON_CODES[reason] : undefined;
  return code === undefined ? { reason: 'unknown', code: ErrorCode.OTC_SESSION_CONNECTION_DROPPED } : { reason, code };
}

/** Ends this page asked for. */
export const END_DISCONNECTED: EndReason = Object.freeze({ reason: 'clientDisconnected', code: ErrorCode.OTC_SUCCESS });
export const END_UNPUBLISHED: EndReason = Object.freeze({ reason: 'clientUnpublished', code: ErrorCode.OTC_SUCCESS });
export const END_UNSUBSCRIBED: EndReason = Object.freeze({ reason: 'clientUnsubscribed', code: ErrorCode.OTC_SUCCESS });
/** Removed by the project (REST forceDisconnect) or a moderator: an ending, not an error. */
export const END_FORCE_DISCONNECTED: EndReason = Object.freeze({ reason: 'forceDisconnected', code: ErrorCode.OTC_SUCCESS });
/** The page's link to the server dropped and could not be restored. */
export const END_LINK_DROPPED: EndReason = Object.freeze({ reason: 'networkDisconnected', code: ErrorCode.OTC_SESSION_CONNECTION_DROPPED });
/** A subscription ended because its session did. */
export const END_SESSION_GONE: EndReason = Object.freeze({ reason: 'sessionDisconnected', code: ErrorCode.OTC_SUBSCRIBER_SESSION_DISCONNECTED });
/** A subscription's peer connection failed (ICE, negotiation) or the router gave up on it. */
export const END_PEER_FAILED: EndReason = Object.freeze({ reason: 'peerFailed', code: ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR });
