// The browser client's end reasons: the server's words map to the codes the C core gives
// (cpp/src/otc/end_reason.cpp), and a word it does not know is 'unknown', never a prototype key.
import test from 'ava';
import { ErrorCode } from '../lib/error-code';
import { endFromServer } from '../lib/web/client/end-reason';

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
