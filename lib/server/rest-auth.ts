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
  let claims: string | jwt.JwtPayload;
  try {
    claims = jwt.verify(header, apiSecret, {
      algorithms: ['HS256'],
      clockTimestamp: nowSeconds,
      clockTolerance: REST_JWT_CLOCK_SKEW_S,
    });
  } catch (err) {
    const reason = err instanceof jwt.TokenExpiredError ? 'expired' : 'invalid';
    return { ok: false, message: `X-OPENTOK-AUTH is ${reason}: ${(err as Error).message}` };
  }
  if (typeof claims === 'string') return { ok: false, message: 'X-OPENTOK-AUTH has no claims object' };
  if (String(claims.iss) !== apiKey) return { ok: false, message: 'X-OPENTOK-AUTH iss is not this API key' };
  if (claims['ist'] !== 'project') return { ok: false, message: 'X-OPENTOK-AUTH ist must be "project"' };
  // A client token is signed with the same secret and has iss/ist/iat/exp too; one made to live
  // under 5 minutes would otherwise pass as a project credential.
  if (CLIENT_TOKEN_CLAIMS.some((claim) => claims[claim] !== undefined)) {
    return { ok: false, message: 'X-OPENTOK-AUTH is a client token (session.connect), not a project credential' };
  }
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number') return { ok: false, message: 'X-OPENTOK-AUTH needs numeric iat and exp' };
  if (iat > nowSeconds + REST_JWT_CLOCK_SKEW_S) return { ok: false, message: 'X-OPENTOK-AUTH iat is in the future' };
  if (exp - iat > REST_JWT_MAX_LIFETIME_S + REST_JWT_CLOCK_SKEW_S) {
    return { ok: false, message: `X-OPENTOK-AUTH lives longer than ${REST_JWT_MAX_LIFETIME_S} s` };
  }
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
  let claims: string | jwt.JwtPayload;
  try {
    claims = jwt.verify(token, publicKey, { algorithms: ['RS256'], clockTimestamp: nowSeconds, clockTolerance: REST_JWT_CLOCK_SKEW_S });
  } catch (err) {
    const reason = err instanceof jwt.TokenExpiredError ? 'expired' : 'invalid';
    return { ok: false, message: `the application's JWT is ${reason}: ${(err as Error).message}` };
  }
  if (typeof claims === 'string') return { ok: false, message: 'the JWT has no claims object' };
  if (CLIENT_TOKEN_CLAIMS.some((claim) => claims[claim] !== undefined)) {
    return { ok: false, message: 'the JWT is a client token (session.connect), not a REST credential' };
  }
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number') return { ok: false, message: 'the JWT needs numeric iat and exp' };
  if (iat > nowSeconds + REST_JWT_CLOCK_SKEW_S) return { ok: false, message: 'the JWT iat is in the future' };
  if (exp - iat > APPLICATION_JWT_MAX_LIFETIME_S + REST_JWT_CLOCK_SKEW_S) {
    return { ok: false, message: `the JWT lives longer than ${APPLICATION_JWT_MAX_LIFETIME_S} s` };
  }
  return { ok: true, applicationId };
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
