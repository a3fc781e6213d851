import * as crypto from 'node:crypto';
import * as querystring from 'node:querystring';
import jwt from 'jsonwebtoken';
import { ErrorCode } from '../error-code';
import { parseSessionId } from './session-id';

export type TokenRole = 'publisher' | 'publisheronly' | 'subscriber' | 'moderator';
export const TOKEN_ROLES: readonly TokenRole[] = ['publisher', 'publisheronly', 'subscriber', 'moderator'];
export const MAX_CONNECTION_DATA_LENGTH = 1024;
/** Longest layout class list, its names joined by spaces (as OpenTok's SDKs check it). */
export const MAX_LAYOUT_CLASS_LIST_LENGTH = 1024;
const LEGACY_SENTINEL = 'T1==';

export function isTokenRole(value: unknown): value is TokenRole {
  return typeof value === 'string' && (TOKEN_ROLES as readonly string[]).includes(value);
}

export interface GenerateTokenOptions {
  role?: TokenRole;
  /** connection_data, at most 1024 characters. */
  data?: string;
  /** Expiry as a Unix time in seconds (default: one day from now). */
  expireTime?: number;
  initialLayoutClassList?: readonly string[] | string;
}

/**
 * Makes a client token exactly as the `opentok` Node SDK's `generateToken` does: a JWT (HS256,
 * claims in the SDK's order) by default, or with `legacy` the `T1==` form.
 */
export function generateToken(apiKey: string, apiSecret: string, sessionId: string,
  opts: GenerateTokenOptions = {}, legacy = false): string {
  const now = Math.round(Date.now() / 1000);
  const parsed = parseSessionId(sessionId);
  if (!parsed || parsed.apiKey !== apiKey) throw new Error('Token cannot be generated unless the session belongs to the API Key');
  const role = opts.role ?? 'publisher';
  if (!isTokenRole(role)) throw new Error(`Invalid role for token generation: ${String(role)}`);
  const expireTime = opts.expireTime === undefined ? now + 60 * 60 * 24 : Math.round(opts.expireTime);
  if (!Number.isFinite(expireTime)) throw new Error(`Invalid expireTime for token generation: ${expireTime}`);
  if (expireTime < now) throw new Error(`Invalid expireTime for token generation, time cannot be in the past: ${expireTime} < ${now}`);
  if (opts.data !== undefined && (typeof opts.data !== 'string' || opts.data.length > MAX_CONNECTION_DATA_LENGTH)) {
    throw new Error('Invalid data for token generation, must be a string with maximum length 1024');
  }
  const list = opts.initialLayoutClassList ?? '';
  const layout = typeof list === 'string' ? list : list.join(' ');
  if (layout.length > MAX_LAYOUT_CLASS_LIST_LENGTH) throw new Error('Invalid initial layout class list for token generation, must have concatenated length of less than 1024');
  // Same keys, same order as the SDK's _.pick(...).
  const tokenData: Record<string, string | number> = {
    session_id: sessionId,
    create_time: now,
    nonce: Math.random(),
    role,
    expire_time: expireTime,
  };
  if (opts.data) tokenData['connection_data'] = opts.data;
  tokenData['initial_layout_class_list'] = layout;
  tokenData['scope'] = 'session.connect';
  if (legacy) {
    const dataString = querystring.stringify(tokenData);
    const sig = crypto.createHmac('sha1', apiSecret).update(dataString).digest('hex');
    return LEGACY_SENTINEL + Buffer.from(`partner_id=${apiKey}&sig=${sig}:${dataString}`, 'utf8').toString('base64');
  }
  // The SDK rounds create_time but floors iat.
  return jwt.sign({ iss: apiKey, ist: 'project', iat: Math.floor(Date.now() / 1000), exp: expireTime, ...tokenData }, apiSecret);
}

/** An application's public key (PEM) by its id; undefined for one the server does not have. */
export type PublicKeyOf = (applicationId: string) => string | undefined;

/** What a verified token grants. */
export interface TokenGrant {
  sessionId: string;
  role: TokenRole;
  data: string;
  expireTime: number;
  /** initial_layout_class_list: the class names of the streams the connection publishes. */
  layoutClassList: string[];
}

export type TokenCheck =
  | { ok: true; grant: TokenGrant }
  | { ok: false; code: ErrorCode; message: string };

type TokenFailure = Extract<TokenCheck, { ok: false }>;

function fail(message: string, code: ErrorCode = ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE): TokenFailure {
  return { ok: false, code, message };
}

function grantFrom(fields: Record<string, unknown>, nowSeconds: number): TokenCheck {
  const sessionId = fields['session_id'];
  if (typeof sessionId !== 'string' || sessionId === '') return fail('token names no session_id');
  const scope = fields['scope'];
  if (scope !== undefined && scope !== 'session.connect') return fail('token scope is not session.connect');
  const role = fields['role'] ?? 'publisher';
  if (!isTokenRole(role)) return fail(`token role ${String(role)} is not known`);
  const data = fields['connection_data'] ?? '';
  if (typeof data !== 'string' || data.length > MAX_CONNECTION_DATA_LENGTH) return fail('token connection_data is not a string of at most 1024 characters');
  const expireTime = Number(fields['expire_time'] ?? fields['exp']);
  if (!Number.isFinite(expireTime)) return fail('token has no expiry');
  if (expireTime <= nowSeconds) return fail('token expired');
  const layout = fields['initial_layout_class_list'] ?? '';
  if (typeof layout !== 'string' || layout.length > MAX_LAYOUT_CLASS_LIST_LENGTH) {
    return fail(`token initial_layout_class_list is not a string of at most ${MAX_LAYOUT_CLASS_LIST_LENGTH} characters`);
  }
  const layoutClassList = layout.split(' ').filter((name) => name !== '');
  return { ok: true, grant: { sessionId, role, data, expireTime, layoutClassList } };
}

function verifyLegacy(token: string, apiKey: string, apiSecret: string, nowSeconds: number): TokenCheck {
  const decoded = Buffer.from(token.slice(LEGACY_SENTINEL.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return fail('legacy token is malformed');
  const head = querystring.parse(decoded.slice(0, colon));
  const dataString = decoded.slice(colon + 1);
  if (head['partner_id'] !== apiKey) return fail('token is for another API key');
  const sig = head['sig'];
  if (typeof sig !== 'string' || !/^[0-9a-f]{40}$/i.test(sig)) return fail('legacy token signature is malformed');
  const expected = crypto.createHmac('sha1', apiSecret).update(dataString).digest();
  if (!crypto.timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return fail('token signature is invalid');
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(querystring.parse(dataString))) {
    if (typeof value !== 'string') return fail(`legacy token field ${key} is repeated`);
    fields[key] = value;
  }
  return grantFrom(fields, nowSeconds);
}

/** The session a grant names must belong to the project whose key signed the token. */
function ofProject(check: TokenCheck, projectId: string): TokenCheck {
  if (check.ok && parseSessionId(check.grant.sessionId)?.apiKey !== projectId) return fail('token is for a session of another project');
  return check;
}

/**
 * An application's client token, as `@vonage/video`'s generateClientToken makes it: RS256 with
 * the application's private key, `application_id`, `scope` session.connect, `session_id`, `role`,
 * `exp`, optional `connection_data` and `initial_layout_class_list`.
 */
/** Signature and expiry (one algorithm), then the claims every client token holds. */
function verifiedClientClaims(token: string, key: string, algorithm: jwt.Algorithm, nowSeconds: number):
  { ok: true; claims: jwt.JwtPayload } | TokenFailure {
  let claims: string | jwt.JwtPayload;
  try {
    claims = jwt.verify(token, key, { algorithms: [algorithm], clockTimestamp: nowSeconds });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) return fail('token expired');
    return fail(`token is invalid: ${(err as Error).message}`);
  }
  if (typeof claims === 'string') return fail('token has no claims object');
  if (claims['scope'] !== 'session.connect') return fail('token scope is not session.connect');
  return { ok: true, claims };
}

function verifyApplicationJwt(token: string, applicationId: unknown, publicKeyOf: PublicKeyOf | undefined, nowSeconds: number): TokenCheck {
  if (typeof applicationId !== 'string') return fail('an RS256 token must name its application_id');
  const publicKey = publicKeyOf?.(applicationId);
  if (publicKey === undefined) return fail('token names an application this server does not have');
  const verified = verifiedClientClaims(token, publicKey, 'RS256', nowSeconds);
  if (!verified.ok) return verified;
  return ofProject(grantFrom(verified.claims, nowSeconds), applicationId);
}

function verifyJwt(token: string, apiKey: string, apiSecret: string, nowSeconds: number, publicKeyOf: PublicKeyOf | undefined): TokenCheck {
  const unverified = jwt.decode(token, { complete: true });
  if (unverified && unverified.header.alg === 'RS256') {
    const payload = typeof unverified.payload === 'object' ? unverified.payload : {};
    return verifyApplicationJwt(token, payload['application_id'], publicKeyOf, nowSeconds);
  }
  const verified = verifiedClientClaims(token, apiSecret, 'HS256', nowSeconds);
  if (!verified.ok) return verified;
  const { claims } = verified;
  if (String(claims.iss) !== apiKey) return fail('token iss is not this API key');
  if (claims['ist'] !== 'project') return fail('token ist must be "project"');
  return ofProject(grantFrom(claims, nowSeconds), apiKey);
}

/**
 * Checks a client token (JWT or legacy `T1==`, HS256 with the API secret; or an application's
 * RS256 JWT, checked with `publicKeyOf`): signature, expiry, scope, role, and that its session
 * belongs to the project that signed it. Failures are
 * `OTC_SESSION_AUTHORIZATION_FAILURE` (1004); whether the session exists is the caller's check.
 */
export function verifyToken(token: unknown, apiKey: string, apiSecret: string,
  nowSeconds: number = Math.floor(Date.now() / 1000), publicKeyOf?: PublicKeyOf): TokenCheck {
  if (typeof token !== 'string' || token === '') return fail('token missing');
  if (token.length > 16384) return fail('token too long');
  try {
    return token.startsWith(LEGACY_SENTINEL)
      ? ofProject(verifyLegacy(token, apiKey, apiSecret, nowSeconds), apiKey)
      : verifyJwt(token, apiKey, apiSecret, nowSeconds, publicKeyOf);
  } catch (err) {
    return fail(`token is malformed: ${(err as Error).message}`);
  }
}
