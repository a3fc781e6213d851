// Session ids, client tokens and REST auth: the shapes the OpenTok Node SDK makes and parses.
import * as crypto from 'node:crypto';
import test from 'ava';
import jwt from 'jsonwebtoken';
import { ErrorCode } from '../../lib/error-code';
import { generateToken, mintSessionId, parseSessionId, signRestAuth, verifyRestAuth, verifyToken } from '../../lib/server/index';
import { OpenTok } from './helpers/opentok';

const KEY = '47000001';
const SECRET = 'b'.repeat(40);

test('minted session ids parse back, and the SDK accepts them for its API key only', (t) => {
  const id = mintSessionId(KEY, '10.1.2.3');
  t.regex(id, /^1_[A-Za-z0-9_-]+$/);
  const parsed = parseSessionId(id);
  t.is(parsed?.apiKey, KEY);
  t.is(parsed?.location, '10.1.2.3');
  t.not(mintSessionId(KEY), mintSessionId(KEY));
  t.notThrows(() => new OpenTok(KEY, SECRET).generateToken(id));
  t.throws(() => new OpenTok('47000002', SECRET).generateToken(id), { message: /belongs to the API Key/ });
  t.is(parseSessionId('nonsense'), undefined);
  t.is(parseSessionId('1_' + Buffer.from('x~y').toString('base64url')), undefined);
});

/** Runs fn with Math.random fixed, retrying across (half-)second boundaries so both calls see one `now`. */
function sameSecond<T>(fn: () => T): T {
  const random = Math.random;
  Math.random = () => 0.123456;
  try {
    for (;;) {
      const before = Date.now();
      const value = fn();
      const after = Date.now();
      // The SDK rounds some times and floors others: both must agree across the calls.
      if (Math.round(before / 1000) === Math.round(after / 1000) && Math.floor(before / 1000) === Math.floor(after / 1000)) return value;
    }
  } finally {
    Math.random = random;
  }
}

test('generateToken produces byte for byte what the opentok SDK produces (JWT and legacy)', (t) => {
  const id = mintSessionId(KEY);
  const ot = new OpenTok(KEY, SECRET);
  const expireTime = Math.round(Date.now() / 1000) + 3600;
  for (const legacy of [false, true]) {
    for (const opts of [{}, { role: 'subscriber', data: 'name=Ann', expireTime }, { role: 'moderator', initialLayoutClassList: ['a', 'b'] }] as const) {
      const [ours, theirs] = sameSecond(() => [generateToken(KEY, SECRET, id, opts, legacy), ot.generateToken(id, { ...opts }, legacy)]);
      t.is(ours, theirs, `legacy=${legacy} ${JSON.stringify(opts)}`);
    }
  }
});

test('verifyToken accepts SDK tokens of both forms and reports their grant', (t) => {
  const id = mintSessionId(KEY);
  const ot = new OpenTok(KEY, SECRET);
  for (const legacy of [false, true]) {
    const check = verifyToken(ot.generateToken(id, { role: 'subscriber', data: 'd=1' }, legacy), KEY, SECRET);
    t.true(check.ok, JSON.stringify(check));
    if (check.ok) {
      t.is(check.grant.sessionId, id);
      t.is(check.grant.role, 'subscriber');
      t.is(check.grant.data, 'd=1');
    }
  }
});

test('verifyToken refuses wrong secrets, tampering, expiry, wrong scope, other algorithms with 1004', (t) => {
  const id = mintSessionId(KEY);
  const now = Math.floor(Date.now() / 1000);
  const refused = (token: string, why: RegExp): void => {
    const check = verifyToken(token, KEY, SECRET);
    t.false(check.ok, token);
    if (!check.ok) {
      t.is(check.code, ErrorCode.OTC_SESSION_AUTHORIZATION_FAILURE);
      t.regex(check.message, why);
    }
  };
  refused(generateToken(KEY, 'c'.repeat(40), id), /invalid/);
  refused(generateToken(KEY, 'c'.repeat(40), id, {}, true), /signature/);
  const legacy = Buffer.from(generateToken(KEY, SECRET, id, {}, true).slice(4), 'base64').toString();
  refused('T1==' + Buffer.from(legacy.replace('role=publisher', 'role=moderator')).toString('base64'), /signature/);
  refused('T1==' + Buffer.from(legacy.replace(/sig=[0-9a-f]+/, 'sig=00')).toString('base64'), /malformed/);
  const claims = { iss: KEY, ist: 'project', iat: now - 100, session_id: id, role: 'publisher', scope: 'session.connect' };
  refused(jwt.sign({ ...claims, exp: now - 10, expire_time: now - 10 }, SECRET), /expired/);
  refused(jwt.sign({ ...claims, exp: now + 60, scope: 'session.moderate' }, SECRET), /scope/);
  refused(jwt.sign({ ...claims, exp: now + 60, iss: '1' }, SECRET), /iss/);
  refused(jwt.sign({ ...claims, exp: now + 60 }, SECRET, { algorithm: 'HS512' }), /invalid/);
  refused(jwt.sign({ ...claims, exp: now + 60, role: 'king' }, SECRET), /role/);
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  refused(jwt.sign({ ...claims, exp: now + 60 }, privateKey, { algorithm: 'RS256' }), /application_id/);
  refused(jwt.sign({ ...claims, exp: now + 60, application_id: 'app' }, privateKey, { algorithm: 'RS256' }), /application this server does not have/);
  refused(jwt.sign({ ...claims, exp: now + 60, session_id: mintSessionId('47999999') }, SECRET), /another project/);
  refused('', /missing/);
  refused('T1==!!!', /malformed/);
});

test('REST auth: SDK-shaped JWTs pass; missing, wrong secret, expired, long-lived, wrong iss or ist fail', (t) => {
  const now = Math.floor(Date.now() / 1000);
  t.deepEqual(verifyRestAuth(signRestAuth(KEY, SECRET), KEY, SECRET), { ok: true });
  // The opentok SDK sends no jti: accepted.
  t.deepEqual(verifyRestAuth(jwt.sign({ iss: KEY, ist: 'project', iat: now, exp: now + 300 }, SECRET), KEY, SECRET), { ok: true });
  const bad = (header: string | undefined, why: RegExp): void => {
    const result = verifyRestAuth(header, KEY, SECRET);
    t.false(result.ok);
    if (!result.ok) t.regex(result.message, why);
  };
  bad(undefined, /missing/);
  bad(signRestAuth(KEY, 'wrong'), /invalid/);
  bad(jwt.sign({ iss: KEY, ist: 'project', iat: now - 400, exp: now - 100 }, SECRET), /expired/);
  bad(jwt.sign({ iss: KEY, ist: 'project', iat: now, exp: now + 3600 }, SECRET), /longer/);
  bad(jwt.sign({ iss: '99', ist: 'project', iat: now, exp: now + 60 }, SECRET), /iss/);
  bad(jwt.sign({ iss: KEY, ist: 'account', iat: now, exp: now + 60 }, SECRET), /ist/);
  bad(jwt.sign({ iss: KEY, ist: 'project', iat: now, exp: now + 60 }, SECRET, { algorithm: 'HS384' }), /invalid/);
});
