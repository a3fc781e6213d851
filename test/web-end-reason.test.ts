// The browser client's end reasons: the server's words map to the codes the C core gives
// (cpp/src/otc/end_reason.cpp), and a word it does not know is 'unknown', never a prototype key;
// which close codes it reconnects after.
import test from 'ava';
import { ErrorCode } from '../lib/error-code';
import { CloseCode } from '../lib/protocol/messages';
import { END_FORCE_DISCONNECTED, endFromServer } from '../lib/web/client/end-reason';
import { reconnectable } from '../lib/web/client/reconnector';

test('each reason word of the protocol maps to the C core\'s code', (t) => {
  t.deepEqual(endFromServer('clientDisconnected'), { reason: 'clientDisconnected', code: ErrorCode.OTC_SUCCESS });
  t.deepEqual(endFromServer('clientUnpublished'), { reason: 'clientUnpublished', code: ErrorCode.OTC_SUCCESS });
  t.deepEqual(endFromServer('clientUnsubscribed'), { reason: 'clientUnsubscribed', code: ErrorCode.OTC_SUCCESS });
  t.deepEqual(endFromServer('networkDisconnected'), { reason: 'networkDisconnected', code: ErrorCode.OTC_SESSION_CONNECTION_DROPPED });
  t.deepEqual(endFromServer('forceDisconnected'), { reason: 'forceDisconnected', code: ErrorCode.OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM });
  t.deepEqual(endFromServer('routerFailed'), { reason: 'routerFailed', code: ErrorCode.OTC_SUBSCRIBER_WEBRTC_ERROR });
});

test('an unknown word is unknown / 1022, including names on Object.prototype', (t) => {
  for (const word of ['', 'somethingNew', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
    t.deepEqual(endFromServer(word), { reason: 'unknown', code: ErrorCode.OTC_SESSION_CONNECTION_DROPPED }, word);
  }
});

test('the browser client reconnects after a dropped link or a restart, never after a final close (4009: removed by the project)', (t) => {
  for (const code of [1001, 1006, 1011, 1012, 4004]) t.true(reconnectable(code), String(code));
  for (const code of [1000, 1008, 1009, 4001, 4002, 4003, 4005, 4006, 4007, 4008, CloseCode.FORCE_DISCONNECTED]) t.false(reconnectable(code), String(code));
  t.deepEqual(END_FORCE_DISCONNECTED, { reason: 'forceDisconnected', code: ErrorCode.OTC_SUCCESS });
});
