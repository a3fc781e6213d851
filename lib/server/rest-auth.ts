import * as crypto from 'node:crypto';
import jwt from 'jsonwebtoken';

/** Largest accepted `exp - iat` of a REST JWT, seconds (the SDKs use 300). */
export const REST_JWT_MAX_LIFETIME_S = 300;
/** Tolerated clock difference between the caller and this server, seconds. */
export const REST_JWT_CLOCK_SKEW_S = 30;

/** Claims only client tokens carry (tokens.ts): their presence marks a client token. */
const CLIENT_TOKEN_CLAIMS = ['scope', 'session_id', 'role', 'nonce', 'connection_data'] as const;

export type RestAuthResult = { ok: true } | { ok: false; message: string };

/**
 * Verifies the `X-OPENTOK-AUTH` header: HS256 with the API secret, `iss` = API key,
 * `ist` = `project`, numeric `iat` and `exp`, `exp` in the future and at most 5 minutes (plus
 * skew) after `iat`. `jti` is accepted but not required: the OpenTok Node SDK does not send it.
 */
export function verifyRestAuth(header: string | string[] | undefined, apiKey: string, apiSecret: string,
  nowSeconds: number = Math.floor(Date.now() / 1000)): RestAuthResult {
  if (header === undefined || header === '') return { ok: false, message: 'missing X-OPENTOK-AUTH header' };
  if (Array.isArray(header)) return { ok: false, message: 'more than one X-OPENTOK-AUTH header' };
  const verified = verifyRestJwt(header, apiSecret, 'HS256', 'X-OPENTOK-AUTH', REST_JWT_MAX_LIFETIME_S, nowSeconds);
  if (!verified.ok) return verified;
  const { claims } = verified;
  if (String(claims.iss) !== apiKey) return { ok: false, message: 'X-OPENTOK-AUTH iss is not this API key' };
  if (claims['ist'] !== 'project') return { ok: false, message: 'X-OPENTOK-AUTH ist must be "project"' };
  if (claims.jti !== undefined && typeof claims.jti !== 'string') return { ok: false, message: 'X-OPENTOK-AUTH jti must be a string' };
  return { ok: true };
}

/** Longest accepted `exp - iat` of an application's REST JWT, seconds (@vonage/video uses 900). */
export const APPLICATION_JWT_MAX_LIFETIME_S = 24 * 60 * 60;

export type ApplicationAuthResult = { ok: true; applicationId: string } | { ok: false; message: string };

/**
 * Verifies `Authorization: Bearer <JWT>` as `@vonage/video` (and `opentok` with an application)
 * sends it: RS256 with the application's private key, `application_id` naming a registered
 * application, numeric `iat` and `exp`, `exp` in the future and at most a day after `iat`. A
 * client token (session.connect) is not a REST credential.
 */
export function verifyApplicationAuth(header: string | string[] | undefined, publicKeyOf: (applicationId: string) => string | undefined,
  nowSeconds: number = Math.floor(Date.now() / 1000)): ApplicationAuthResult {
  if (header === undefined || header === '') return { ok: false, message: 'missing Authorization header' };
  if (Array.isArray(header)) return { ok: false, message: 'more than one Authorization header' };
  const match = /^Bearer ([A-Za-z0-9_.-]{1,16384})$/.exec(header);
  if (!match) return { ok: false, message: 'Authorization must be "Bearer <JWT>"' };
  const token = match[1]!;
  const unverified = jwt.decode(token, { json: true });
  const applicationId = unverified?.['application_id'];
  if (typeof applicationId !== 'string') return { ok: false, message: 'the JWT names no application_id' };
  const publicKey = publicKeyOf(applicationId);
  if (publicKey === undefined) return { ok: false, message: `no application ${forMessage(applicationId)} on this server` };
  const verified = verifyRestJwt(token, publicKey, 'RS256', "the application's JWT", APPLICATION_JWT_MAX_LIFETIME_S, nowSeconds);
  return verified.ok ? { ok: true, applicationId } : verified;
}

/**
 * What both kinds of REST credential check: the signature and expiry (jsonwebtoken, one
 * algorithm), a claims object that is not a client token's (signed with the same key, it has
 * iat and exp too, and one made to live briefly would otherwise pass), numeric `iat` and `exp`,
 * `iat` not in the future and at most `maxLifetimeS` (plus skew) between them.
 */
function verifyRestJwt(token: string, key: string, algorithm: jwt.Algorithm, what: string, maxLifetimeS: number,
  nowSeconds: number): { ok: true; claims: jwt.JwtPayload } | { ok: false; message: string } {
  let claims: string | jwt.JwtPayload;
  try {
    claims = jwt.verify(token, key, { algorithms: [algorithm], clockTimestamp: nowSeconds, clockTolerance: REST_JWT_CLOCK_SKEW_S });
  } catch (err) {
    const reason = err instanceof jwt.TokenExpiredError ? 'expired' : 'invalid';
    return { ok: false, message: `${what} is ${reason}: ${(err as Error).message}` };
  }
  if (typeof claims === 'string') return { ok: false, message: `${what} has no claims object` };
  if (CLIENT_TOKEN_CLAIMS.some((claim) => claims[claim] !== undefined)) {
    return { ok: false, message: `${what} is a client token (session.connect), not a REST credential` };
  }
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number') return { ok: false, message: `${what} needs numeric iat and exp` };
  if (iat > nowSeconds + REST_JWT_CLOCK_SKEW_S) return { ok: false, message: `${what} iat is in the future` };
  if (exp - iat > maxLifetimeS + REST_JWT_CLOCK_SKEW_S) return { ok: false, message: `${what} lives longer than ${maxLifetimeS} s` };
  return { ok: true, claims };
}

/** An id from a request, safe in an error message. */
function forMessage(id: string): string {
  return JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id);
}

/** Makes an `X-OPENTOK-AUTH` value as the SDKs do (used by the CLI and tests). */
export function signRestAuth(apiKey: string, apiSecret: string, lifetimeSeconds = REST_JWT_MAX_LIFETIME_S): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ iss: apiKey, ist: 'project', iat: now, exp: now + lifetimeSeconds, jti: crypto.randomUUID() },
    apiSecret, { algorithm: 'HS256' });
}
