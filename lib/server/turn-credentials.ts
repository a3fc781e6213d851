// TURN credentials in coturn's shared-secret scheme (`use-auth-secret` + `static-auth-secret`, the
// "TURN REST API"): username = "<expiry unix seconds>:<id>", password = base64(HMAC-SHA1(secret,
// username)). The TURN server recomputes the password from the username and refuses it once the
// expiry has passed, so the server hands out credentials without telling the TURN server anything.
import * as crypto from 'node:crypto';

export interface TurnCredential {
  username: string;
  credential: string;
}

/** The credential of `id` valid for `ttlSeconds` from `nowMs`. */
export function turnCredential(secret: string | Uint8Array, id: string, ttlSeconds: number, nowMs: number = Date.now()): TurnCredential {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new TypeError(`ttlSeconds must be a positive integer, not ${ttlSeconds}`);
  if (id.includes(':')) throw new TypeError('a TURN credential id may not hold ":" (it ends the expiry)');
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${id}`;
  const credential = crypto.createHmac('sha1', secret).update(username, 'utf8').digest('base64');
  return { username, credential };
}

/** Whether `credential` is the one `secret` gives `username` and its expiry is still ahead (tests, diagnostics). */
export function checkTurnCredential(secret: string | Uint8Array, username: string, credential: string, nowMs: number = Date.now()): boolean {
  const expiry = Number(username.split(':', 1)[0]);
  if (!Number.isInteger(expiry) || expiry * 1000 <= nowMs) return false;
  const expected = Buffer.from(crypto.createHmac('sha1', secret).update(username, 'utf8').digest('base64'));
  const given = Buffer.from(credential);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}
