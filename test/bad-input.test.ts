// Every public entry point with bad input: each call ends in an OtcError with the right code, a
// TypeError (argument mistakes), or the documented non-throwing result; none crashes or hangs.
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import { uniqueSessionId } from './helpers/frames';

const TIMEOUT_MS = 60_000;

/** An ava test with this file's 60 s timeout. */
function check(title: string, body: (t: ExecutionContext) => Promise<void> | void): void {
  test(title, async (t) => {
    t.timeout(TIMEOUT_MS, 'bad input must not hang');
    await body(t);
  });
}

const SECRET = 'a perfectly good secret';
const INVALID = otc.ErrorCode.OTC_SESSION_INVALID_ENCRYPTION_SECRET;

/** Calls a function with arguments the type system forbids. */
function loosely<A extends unknown[], R>(fn: (...args: A) => R): (...args: unknown[]) => R {
  return fn as unknown as (...args: unknown[]) => R;
}

function assertOtcError(t: ExecutionContext, error: unknown, code: otc.ErrorCode, what: string): void {
  t.true(error instanceof otc.OtcError, `${what}: expected OtcError ${otc.ErrorCode[code]}, got ${String(error)}`);
  if (error instanceof otc.OtcError) t.is(error.code, code, `${what}: ${error.message}`);
}

function throwsOtc(t: ExecutionContext, fn: () => unknown, code: otc.ErrorCode, what: string): void {
  try {
    const result = fn();
    t.fail(`${what}: returned ${String(result)} instead of throwing ${otc.ErrorCode[code]}`);
  } catch (error) {
    assertOtcError(t, error, code, what);
  }
}

async function rejectsOtc(t: ExecutionContext, fn: () => Promise<unknown>, code: otc.ErrorCode, what: string): Promise<void> {
  try {
    const result = await fn();
    t.fail(`${what}: resolved to ${String(result)} instead of rejecting with ${otc.ErrorCode[code]}`);
  } catch (error) {
    assertOtcError(t, error, code, what);
  }
}

function throwsType(t: ExecutionContext, fn: () => unknown, what: string): void {
  t.throws(fn, { instanceOf: TypeError }, what);
}

async function rejectsType(t: ExecutionContext, fn: () => Promise<unknown>, what: string): Promise<void> {
  await t.throwsAsync(fn, { instanceOf: TypeError }, what);
}

// --- Secrets -------------------------------------------------------------------------------------

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];

/** Secrets that break the rules (docs/e2ee-frame-format.md section 1.1), as strings and raw UTF-8. */
const INVALID_SECRETS: Array<[string, string | Uint8Array]> = [
  ['0 code points', ''],
  ['7 ASCII code points', 'a'.repeat(7)],
  ['257 ASCII code points', 'a'.repeat(257)],
  ['7 two-byte code points (14 bytes)', 'é'.repeat(7)],
  ['257 two-byte code points', 'é'.repeat(257)],
  ['4 two-byte code points (8 bytes)', 'é'.repeat(4)],
  ['257 three-byte code points', '€'.repeat(257)],
  ['7 emoji (14 UTF-16 units, 28 bytes)', '😀'.repeat(7)],
  ['2 emoji (8 bytes)', '😀'.repeat(2)],
  ['257 emoji', '😀'.repeat(257)],
  ['embedded NUL', 'abcd\0efgh'],
  ['only NULs', '\0'.repeat(8)],
  ['trailing NUL', 'abcdefgh\0'],
  ['lone high surrogate at the end', 'abcdefgh\uD800'],
  ['lone low surrogate at the start', '\uDC00abcdefgh'],
  ['high surrogate followed by a letter', 'abcd\uDBFFxefgh'],
  ['surrogates in the wrong order', '\uDE00\uD83Dabcdefgh'],
  ['bytes: 0 bytes', bytes()],
  ['bytes: 7 ASCII', Buffer.from('a'.repeat(7))],
  ['bytes: 257 ASCII', Buffer.from('a'.repeat(257))],
  ['bytes: 257 emoji', Buffer.from('😀'.repeat(257))],
  ['bytes: 7 emoji', Buffer.from('😀'.repeat(7))],
  ['bytes: embedded NUL', Buffer.from('abcd\0efgh')],
  ['bytes: C3 28 (bad continuation)', bytes(0xc3, 0x28, ...ascii('abcdefgh'))],
  ['bytes: lone continuation byte', bytes(0x80, ...ascii('abcdefgh'))],
  ['bytes: overlong "/" C0 AF', bytes(0xc0, 0xaf, ...ascii('abcdefgh'))],
  ['bytes: overlong C1 BF', bytes(0xc1, 0xbf, ...ascii('abcdefgh'))],
  ['bytes: overlong NUL C0 80', bytes(...ascii('abcd'), 0xc0, 0x80, ...ascii('efgh'))],
  ['bytes: overlong 3-byte E0 80 AF', bytes(0xe0, 0x80, 0xaf, ...ascii('abcdefgh'))],
  ['bytes: overlong 4-byte F0 80 80 AF', bytes(0xf0, 0x80, 0x80, 0xaf, ...ascii('abcdefgh'))],
  ['bytes: encoded high surrogate ED A0 80', bytes(0xed, 0xa0, 0x80, ...ascii('abcdefgh'))],
  ['bytes: encoded low surrogate ED BF BF', bytes(...ascii('abcdefgh'), 0xed, 0xbf, 0xbf)],
  ['bytes: CESU-8 surrogate pair', bytes(0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, ...ascii('abcdefgh'))],
  ['bytes: above U+10FFFF (F4 90 80 80)', bytes(0xf4, 0x90, 0x80, 0x80, ...ascii('abcdefgh'))],
  ['bytes: F5 lead byte', bytes(0xf5, 0x80, 0x80, 0x80, ...ascii('abcdefgh'))],
  ['bytes: FE and FF', bytes(0xfe, 0xff, ...ascii('abcdefgh'))],
  ['bytes: sequence cut at the end', bytes(...ascii('abcdefgh'), 0xe2, 0x82)],
  ['bytes: sequence cut in the middle', bytes(0xe2, 0x82, ...ascii('abcdefgh'))],
];

/** Secrets right at the limits, which must be accepted. */
const VALID_SECRETS: Array<[string, string | Uint8Array]> = [
  ['8 ASCII code points', 'a'.repeat(8)],
  ['256 ASCII code points', 'b'.repeat(256)],
  ['8 two-byte code points', 'é'.repeat(8)],
  ['256 two-byte code points (512 bytes)', 'é'.repeat(256)],
  ['256 three-byte code points', '€'.repeat(256)],
  ['8 emoji (16 UTF-16 units)', '😀'.repeat(8)],
  ['129 emoji (258 UTF-16 units)', '😀'.repeat(129)],
  ['256 emoji (1024 bytes)', '😀'.repeat(256)],
  ['bytes: 8 ASCII', Buffer.from('abcdefgh')],
  ['bytes: 256 emoji', Buffer.from('😀'.repeat(256))],
  ['bytes: 8 mixed code points', Buffer.from('aé€😀bç日x')],
];

const NON_SECRETS: Array<[string, unknown]> = [
  ['a number', 12345678],
  ['null', null],
  ['undefined', undefined],
  ['an object', { secret: SECRET }],
  ['an array of bytes', [...Buffer.from(SECRET)]],
  ['an ArrayBuffer', new ArrayBuffer(16)],
  ['a Uint16Array', new Uint16Array(16)],
  ['a bigint', 123456789n],
];

check('validateSecret returns 6004 for every invalid secret and OTC_SUCCESS at the limits', (t) => {
  for (const [name, secret] of INVALID_SECRETS) t.is(otc.validateSecret(secret), INVALID, name);
  for (const [name, secret] of NON_SECRETS) t.is(loosely(otc.validateSecret)(secret), INVALID, name);
  for (const [name, secret] of VALID_SECRETS) t.is(otc.validateSecret(secret), otc.ErrorCode.OTC_SUCCESS, name);
});

check('FrameCryptor.create rejects every invalid secret with OtcError 6004 and accepts the limits', async (t) => {
  const sessionId = uniqueSessionId('bad-secret');
  for (const [name, secret] of INVALID_SECRETS) await rejectsOtc(t, () => otc.FrameCryptor.create({ sessionId, secret }), INVALID, name);
  const created = await Promise.all(VALID_SECRETS.map(([, secret]) => otc.FrameCryptor.create({ sessionId, secret })));
  for (const cryptor of created) {
    t.is(cryptor.open(cryptor.seal(Buffer.from('frame'), { codec: 'opus' }), { codec: 'opus' }).outcome, 'decrypted');
    cryptor.delete();
  }
});

check('sframe.deriveBaseKey rejects every invalid secret with OtcError 6004 and other types with TypeError', async (t) => {
  for (const [name, secret] of INVALID_SECRETS) await rejectsOtc(t, () => otc.sframe.deriveBaseKey('s', secret), INVALID, name);
  for (const [name, secret] of NON_SECRETS) await rejectsType(t, () => loosely(otc.sframe.deriveBaseKey)('s', secret), name);
  await rejectsType(t, () => loosely(otc.sframe.deriveBaseKey)(42, SECRET), 'sessionId 42');
  await rejectsType(t, () => loosely(otc.sframe.deriveBaseKey)(undefined, SECRET), 'sessionId undefined');
  const keys = await Promise.all(VALID_SECRETS.map(([, secret]) => otc.sframe.deriveBaseKey('s', secret)));
  t.true(keys.every((k) => k.length === 32));
  // One key per distinct UTF-8 secret (a string and its UTF-8 bytes are the same secret).
  const utf8 = VALID_SECRETS.map(([, secret]) => Buffer.from(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret).toString('hex'));
  t.is(new Set(keys.map((k) => k.toString('hex'))).size, new Set(utf8).size);
});

check('FrameCryptor.setSecret rejects with OtcError 6004 for an invalid secret (as create does) and the previous secret stays', async (t) => {
  const sessionId = uniqueSessionId('setsecret');
  const cryptor = await otc.FrameCryptor.create({ sessionId, secret: SECRET });
  const peer = await otc.FrameCryptor.create({ sessionId, secret: SECRET });
  const epoch = cryptor.stats().currentEpochId;
  for (const [name, secret] of INVALID_SECRETS) await rejectsOtc(t, () => cryptor.setSecret(secret), INVALID, name);
  for (const [name, secret] of NON_SECRETS) await rejectsType(t, () => loosely(cryptor.setSecret.bind(cryptor))(secret), name);
  t.is(cryptor.stats().currentEpochId, epoch);
  t.is(cryptor.stats().epochsHeld, 1);
  t.is(peer.open(cryptor.seal(Buffer.from('still the old key'), { codec: 'VP9' }), { codec: 'VP9' }).outcome, 'decrypted');
});

// --- FrameCryptor.create options -----------------------------------------------------------------

check('FrameCryptor.create with missing or mistyped options rejects with TypeError', async (t) => {
  const create = loosely(otc.FrameCryptor.create);
  const cases: Array<[string, unknown]> = [
    ['no options', undefined],
    ['null options', null],
    ['a string as options', 'session'],
    ['empty options', {}],
    ['no secret', { sessionId: 'x' }],
    ['no sessionId', { secret: SECRET }],
    ['empty sessionId', { sessionId: '', secret: SECRET }],
    ['numeric sessionId', { sessionId: 42, secret: SECRET }],
    ['null sessionId', { sessionId: null, secret: SECRET }],
    ...NON_SECRETS.map(([name, secret]): [string, unknown] => [`secret is ${name}`, { sessionId: 'x', secret }]),
    ['suite 1.5', { sessionId: 'x', secret: SECRET, suite: 1.5 }],
    ['suite NaN', { sessionId: 'x', secret: SECRET, suite: Number.NaN }],
    ['suite Infinity', { sessionId: 'x', secret: SECRET, suite: Number.POSITIVE_INFINITY }],
    ["suite '6'", { sessionId: 'x', secret: SECRET, suite: '6' }],
    ['suite null', { sessionId: 'x', secret: SECRET, suite: null }],
    ['gracePeriodMs -1', { sessionId: 'x', secret: SECRET, gracePeriodMs: -1 }],
    ['gracePeriodMs 1.5', { sessionId: 'x', secret: SECRET, gracePeriodMs: 1.5 }],
    ['gracePeriodMs 2^31', { sessionId: 'x', secret: SECRET, gracePeriodMs: 2 ** 31 }],
    ["gracePeriodMs '100'", { sessionId: 'x', secret: SECRET, gracePeriodMs: '100' }],
  ];
  for (const [name, options] of cases) await rejectsType(t, () => create(options), name);
});

/** What a call did, as text: 'OtcError <code>', '<ErrorClass>' or 'returned'. */
function outcomeOf(fn: () => unknown): string {
  try {
    fn();
    return 'returned';
  } catch (error) {
    return error instanceof otc.OtcError ? `OtcError ${error.code}` : error instanceof Error ? error.constructor.name : String(error);
  }
}

async function asyncOutcomeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'resolved';
  } catch (error) {
    return error instanceof otc.OtcError ? `OtcError ${error.code}` : error instanceof Error ? error.constructor.name : String(error);
  }
}

check('FrameCryptor.create with an unknown suite (0, 9, -1, 255, 2^16+6, ±2^32+6) rejects with OtcError OTC_E2EE_UNSUPPORTED_SUITE', async (t) => {
  const want = `OtcError ${otc.ErrorCode.OTC_E2EE_UNSUPPORTED_SUITE}`;
  const problems: string[] = [];
  for (const suite of [0, 9, -1, 255, 2 ** 16 + 6, 2 ** 32 + 6, -(2 ** 32) + 6]) {
    const got = await asyncOutcomeOf(() => otc.FrameCryptor.create({ sessionId: 'x', secret: SECRET, suite: suite as otc.Suite }));
    if (got !== want) problems.push(`suite ${suite}: ${got}`);
  }
  t.deepEqual(problems, []);
});

// --- seal / open ---------------------------------------------------------------------------------

const NON_BUFFERS: Array<[string, unknown]> = [
  ['a string', 'frame'],
  ['a number', 7],
  ['null', null],
  ['undefined', undefined],
  ['an array', [1, 2, 3]],
  ['an ArrayBuffer', new ArrayBuffer(8)],
  ['a DataView', new DataView(new ArrayBuffer(8))],
  ['an Int8Array', new Int8Array(8)],
  ['a Uint16Array', new Uint16Array(8)],
];

const BAD_OPTIONS: Array<[string, unknown]> = [
  ['no options', undefined],
  ['null options', null],
  ["'opus' instead of options", 'opus'],
  ['no codec', {}],
  ["codec 'h265'", { codec: 'h265' }],
  ["codec 'vp8' (the spelling is 'VP8')", { codec: 'vp8' }],
  ['codec 1', { codec: 1 }],
  ["codec 'toString'", { codec: 'toString' }],
  ["codec '__proto__'", { codec: '__proto__' }],
];

check('seal and open refuse non-buffers, missing options and unknown codecs with TypeError', async (t) => {
  const cryptor = await otc.FrameCryptor.create({ sessionId: uniqueSessionId('types'), secret: SECRET });
  const seal = loosely(cryptor.seal.bind(cryptor));
  const open = loosely(cryptor.open.bind(cryptor));
  const good = cryptor.seal(Buffer.from('a frame'), { codec: 'VP8' });
  for (const [name, value] of NON_BUFFERS) {
    throwsType(t, () => seal(value, { codec: 'VP8' }), `seal(${name})`);
    throwsType(t, () => open(value, { codec: 'VP8' }), `open(${name})`);
  }
  for (const [name, options] of BAD_OPTIONS) {
    throwsType(t, () => seal(Buffer.from('a frame'), options), `seal with ${name}`);
    throwsType(t, () => open(good, options), `open with ${name}`);
  }
  // The cryptor still works, and the refused calls consumed no counter value.
  t.is(cryptor.stats().framesSealed, 1);
  t.is(cryptor.open(good, { codec: 'VP8' }).outcome, 'decrypted');
});

check('a 64 MB frame gives OtcError OTC_E2EE_FRAME_TOO_LARGE from seal and open at once; 16 MiB is the limit', async (t) => {
  const cryptor = await otc.FrameCryptor.create({ sessionId: uniqueSessionId('large'), secret: SECRET });
  const huge = Buffer.alloc(64 * 1024 * 1024);
  // Quick: the fastest of three tries is under 50 ms (sealing 64 MB takes far longer; a busy
  // machine can stretch one try, not all three).
  const fastest = (fn: () => void): number => {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const start = process.hrtime.bigint();
      fn();
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
    }
    return best;
  };
  for (const codec of otc.CODECS) {
    const sealMs = fastest(() => throwsOtc(t, () => cryptor.seal(huge, { codec }), otc.ErrorCode.OTC_E2EE_FRAME_TOO_LARGE, `seal 64 MB ${codec}`));
    t.true(sealMs < 50, `seal of 64 MB ${codec} took ${sealMs.toFixed(1)} ms to refuse`);
    const openMs = fastest(() => throwsOtc(t, () => cryptor.open(huge, { codec }), otc.ErrorCode.OTC_E2EE_FRAME_TOO_LARGE, `open 64 MB ${codec}`));
    t.true(openMs < 50, `open of 64 MB ${codec} took ${openMs.toFixed(1)} ms to refuse`);
  }
  t.is(cryptor.stats().framesSealed, 0);
  throwsOtc(t, () => cryptor.seal(huge.subarray(0, otc.MAX_FRAME_SIZE + 1), { codec: 'opus' }), otc.ErrorCode.OTC_E2EE_FRAME_TOO_LARGE, 'seal MAX_FRAME_SIZE + 1');
  const largest = huge.subarray(0, otc.MAX_FRAME_SIZE);
  largest[12345] = 0x42;
  const sealed = cryptor.seal(largest, { codec: 'H264' });
  const opened = cryptor.open(sealed, { codec: 'H264' });
  t.is(opened.outcome, 'decrypted', 'a sealed frame of MAX_FRAME_SIZE bytes must open');
  t.true(opened.frame !== null && opened.frame.equals(largest));
  t.is(cryptor.stats().framesSealed, 1);
});

check('seal, open, stats, setSecret and ratchet on a deleted cryptor throw OtcError OTC_E2EE_DELETED; delete twice is fine', async (t) => {
  const cryptor = await otc.FrameCryptor.create({ sessionId: uniqueSessionId('closed'), secret: SECRET });
  const sealed = cryptor.seal(Buffer.from('frame'), { codec: 'opus' });
  t.false(cryptor.deleted);
  cryptor.delete();
  t.true(cryptor.deleted);
  t.notThrows(() => cryptor.delete());
  t.true(cryptor.deleted);
  const deleted = otc.ErrorCode.OTC_E2EE_DELETED;
  throwsOtc(t, () => cryptor.seal(Buffer.from('frame'), { codec: 'opus' }), deleted, 'seal');
  throwsOtc(t, () => cryptor.open(sealed, { codec: 'opus' }), deleted, 'open');
  throwsOtc(t, () => cryptor.stats(), deleted, 'stats');
  throwsOtc(t, () => cryptor.ratchet(), deleted, 'ratchet');
  await rejectsOtc(t, () => cryptor.setSecret('another good secret'), deleted, 'setSecret');
  await rejectsOtc(t, () => cryptor.setSecret('short'), deleted, 'setSecret with a bad secret');
});

check('delete while a setSecret is deriving neither crashes nor hangs', async (t) => {
  const cryptor = await otc.FrameCryptor.create({ sessionId: uniqueSessionId('close-during'), secret: SECRET });
  const pending = cryptor.setSecret('the next good secret');
  cryptor.delete();
  const outcome = await pending.then(() => 'resolved 0', (error: unknown) => `rejected ${error instanceof otc.OtcError ? error.code : String(error)}`);
  t.regex(outcome, /^(resolved 0|rejected 6109)$/);
  t.true(cryptor.deleted);
  throwsOtc(t, () => cryptor.seal(Buffer.from('x'), { codec: 'opus' }), otc.ErrorCode.OTC_E2EE_DELETED, 'seal after delete');
});

// --- sframe.* ------------------------------------------------------------------------------------

const NK: Record<otc.Suite, number> = { 1: 48, 2: 48, 3: 48, 4: 16, 5: 32, 6: 96, 7: 96, 8: 96 };
const SUITES = Object.keys(NK).map(Number) as otc.Suite[];
const BAD_SUITE_NUMBERS = [0, 9, -1, 255, 0x10006, 2 ** 32 + 1, 2 ** 32 + 6, -(2 ** 32) + 6];
const NOT_INTEGERS: unknown[] = [1.5, Number.NaN, Number.POSITIVE_INFINITY, '6', null, undefined, 6n];

check('sframe.aeadSeal/aeadOpen with wrong key or nonce sizes throw OtcError OTC_E2EE_INVALID_PARAMETER', (t) => {
  const empty = Buffer.alloc(0);
  for (const suite of SUITES) {
    const key = Buffer.alloc(NK[suite]);
    const nonce = Buffer.alloc(12);
    const ct = otc.sframe.aeadSeal(suite, key, nonce, empty, Buffer.from('pt'));
    for (const size of [0, 1, NK[suite] - 1, NK[suite] + 1, 200]) {
      throwsOtc(t, () => otc.sframe.aeadSeal(suite, Buffer.alloc(size), nonce, empty, empty), otc.ErrorCode.OTC_E2EE_INVALID_PARAMETER, `seal suite ${suite} key ${size}`);
      throwsOtc(t, () => otc.sframe.aeadOpen(suite, Buffer.alloc(size), nonce, empty, ct), otc.ErrorCode.OTC_E2EE_INVALID_PARAMETER, `open suite ${suite} key ${size}`);
    }
    for (const size of [0, 8, 11, 13, 16]) {
      throwsOtc(t, () => otc.sframe.aeadSeal(suite, key, Buffer.alloc(size), empty, empty), otc.ErrorCode.OTC_E2EE_INVALID_PARAMETER, `seal suite ${suite} nonce ${size}`);
      throwsOtc(t, () => otc.sframe.aeadOpen(suite, key, Buffer.alloc(size), empty, ct), otc.ErrorCode.OTC_E2EE_INVALID_PARAMETER, `open suite ${suite} nonce ${size}`);
    }
    // A ciphertext shorter than the tag is refused, never opened.
    for (const size of [0, 1, 3]) {
      let result: Buffer | null = Buffer.alloc(0);
      try {
        result = otc.sframe.aeadOpen(suite, key, nonce, empty, Buffer.alloc(size));
      } catch (error) {
        assertOtcError(t, error, otc.ErrorCode.OTC_E2EE_MALFORMED, `open suite ${suite} ct ${size}`);
        result = null;
      }
      t.is(result, null, `open suite ${suite} of a ${size}-byte ct`);
    }
  }
});

check('sframe.* with an unknown suite throw OtcError OTC_E2EE_UNSUPPORTED_SUITE, with a non-integer suite TypeError', (t) => {
  const key = Buffer.alloc(48);
  const nonce = Buffer.alloc(12);
  const empty = Buffer.alloc(0);
  const baseKey = Buffer.alloc(16, 1);
  const ct = otc.sframe.protect(otc.Suite.AES_128_CTR_HMAC_SHA256_80, baseKey, 1n, 1n, empty, Buffer.from('pt'));
  const calls: Array<[string, (suite: unknown) => unknown]> = [
    ['aeadSeal', (s) => loosely(otc.sframe.aeadSeal)(s, key, nonce, empty, empty)],
    ['aeadOpen', (s) => loosely(otc.sframe.aeadOpen)(s, key, nonce, empty, Buffer.alloc(20))],
    ['deriveKey', (s) => loosely(otc.sframe.deriveKey)(s, baseKey, 1n)],
    ['protect', (s) => loosely(otc.sframe.protect)(s, baseKey, 1n, 1n, empty, empty)],
    ['unprotect', (s) => loosely(otc.sframe.unprotect)(s, baseKey, empty, ct)],
  ];
  const problems: string[] = [];
  for (const [name, call] of calls) {
    for (const suite of BAD_SUITE_NUMBERS) {
      const got = outcomeOf(() => call(suite));
      if (got !== `OtcError ${otc.ErrorCode.OTC_E2EE_UNSUPPORTED_SUITE}`) problems.push(`${name} suite ${suite}: ${got}`);
    }
    for (const suite of NOT_INTEGERS) {
      const got = outcomeOf(() => call(suite));
      if (got !== 'TypeError') problems.push(`${name} suite ${String(suite)}: ${got}`);
    }
  }
  t.deepEqual(problems, []);
});

check('sframe.* with kid or ctr out of range, or a number instead of a bigint, throw TypeError', (t) => {
  const baseKey = Buffer.alloc(16, 1);
  const empty = Buffer.alloc(0);
  const bad: unknown[] = [-1n, 1n << 64n, (1n << 64n) + 5n, -(1n << 64n), 5, 0, '5', null, undefined, 2 ** 64];
  for (const value of bad) {
    const label = typeof value === 'bigint' ? `${value}n` : `${typeof value} ${String(value)}`;
    throwsType(t, () => loosely(otc.sframe.encodeHeader)(value, 0n), `encodeHeader kid ${label}`);
    throwsType(t, () => loosely(otc.sframe.encodeHeader)(0n, value), `encodeHeader ctr ${label}`);
    throwsType(t, () => loosely(otc.sframe.deriveKey)(1, baseKey, value), `deriveKey kid ${label}`);
    throwsType(t, () => loosely(otc.sframe.protect)(1, baseKey, value, 0n, empty, empty), `protect kid ${label}`);
    throwsType(t, () => loosely(otc.sframe.protect)(1, baseKey, 0n, value, empty, empty), `protect ctr ${label}`);
  }
  // The extremes that are in range work.
  t.is(otc.sframe.encodeHeader((1n << 64n) - 1n, (1n << 64n) - 1n).length, 17);
  t.is(otc.sframe.deriveKey(1, baseKey, (1n << 64n) - 1n).key.length, 48);
});

check('sframe.decodeHeader of empty, truncated or non-minimal bytes throws OtcError OTC_E2EE_MALFORMED', (t) => {
  const cases: Array<[string, number[]]> = [
    ['empty', []],
    ['kid length 1, no kid byte', [0x80]],
    ['kid length 8, 7 kid bytes', [0xf0, 1, 2, 3, 4, 5, 6, 7]],
    ['ctr length 1, no ctr byte', [0x08]],
    ['ctr length 8, 1 ctr byte', [0x0f, 0xff]],
    ['kid and ctr, ctr missing', [0x88, 0x10]],
    ['kid 7 written out (should be inline)', [0x80, 0x07]],
    ['kid 0 written out', [0x80, 0x00]],
    ['kid with a leading zero byte', [0x90, 0x00, 0x08]],
    ['kid 2^64-1 with a leading zero (9 bytes would not fit)', [0xf0, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
    ['ctr 3 written out', [0x08, 0x03]],
    ['ctr with a leading zero byte', [0x09, 0x00, 0xff]],
    ['ctr 255 in two bytes after an extended kid', [0x89, 0x10, 0x00, 0xff]],
  ];
  for (const [name, input] of cases) throwsOtc(t, () => otc.sframe.decodeHeader(Buffer.from(input)), otc.ErrorCode.OTC_E2EE_MALFORMED, name);
  for (const [name, value] of NON_BUFFERS) throwsType(t, () => loosely(otc.sframe.decodeHeader)(value), `decodeHeader(${name})`);
});

check('sframe.unprotect of bytes without a valid header throws OTC_E2EE_MALFORMED; a bad tag gives null', (t) => {
  const baseKey = Buffer.alloc(16, 7);
  const empty = Buffer.alloc(0);
  for (const input of [[], [0x80], [0x90, 0x00, 0x08], [0x08, 0x03]]) {
    throwsOtc(t, () => otc.sframe.unprotect(1, baseKey, empty, Buffer.from(input)), otc.ErrorCode.OTC_E2EE_MALFORMED, `unprotect ${Buffer.from(input).toString('hex')}`);
  }
  const ct = otc.sframe.protect(1, baseKey, 9n, 9n, empty, Buffer.from('payload'));
  ct[ct.length - 1]! ^= 1;
  t.is(otc.sframe.unprotect(1, baseKey, empty, ct), null);
});

check('sframe.* with non-buffer byte arguments or an empty base key refuse them', (t) => {
  const key = Buffer.alloc(48);
  const nonce = Buffer.alloc(12);
  const empty = Buffer.alloc(0);
  for (const [name, value] of NON_BUFFERS) {
    throwsType(t, () => loosely(otc.sframe.aeadSeal)(1, value, nonce, empty, empty), `aeadSeal key ${name}`);
    throwsType(t, () => loosely(otc.sframe.aeadSeal)(1, key, value, empty, empty), `aeadSeal nonce ${name}`);
    throwsType(t, () => loosely(otc.sframe.aeadSeal)(1, key, nonce, value, empty), `aeadSeal aad ${name}`);
    throwsType(t, () => loosely(otc.sframe.aeadOpen)(1, key, nonce, empty, value), `aeadOpen ct ${name}`);
    throwsType(t, () => loosely(otc.sframe.protect)(1, key, 1n, 1n, value, empty), `protect metadata ${name}`);
    throwsType(t, () => loosely(otc.sframe.protect)(1, key, 1n, 1n, empty, value), `protect pt ${name}`);
    throwsType(t, () => loosely(otc.sframe.unprotect)(1, value, empty, Buffer.from([0])), `unprotect baseKey ${name}`);
    throwsType(t, () => loosely(otc.sframe.epochId)(value), `epochId ${name}`);
    throwsType(t, () => loosely(otc.sframe.ratchetKey)(value), `ratchetKey ${name}`);
  }
  throwsOtc(t, () => otc.sframe.deriveKey(1, empty, 1n), otc.ErrorCode.OTC_E2EE_INVALID_PARAMETER, 'deriveKey with an empty base key');
  throwsOtc(t, () => otc.sframe.protect(1, empty, 1n, 1n, empty, empty), otc.ErrorCode.OTC_E2EE_INVALID_PARAMETER, 'protect with an empty base key');
});

check('sframe.epochId and ratchetKey refuse base keys that are not 32 bytes', (t) => {
  for (const size of [0, 16, 31, 33, 64]) {
    for (const [name, fn] of [['epochId', otc.sframe.epochId], ['ratchetKey', otc.sframe.ratchetKey]] as const) {
      const error = t.throws(() => fn(Buffer.alloc(size, 1)), undefined, `${name} of ${size} bytes`);
      t.true(error instanceof RangeError || (error instanceof otc.OtcError && error.code === otc.ErrorCode.OTC_E2EE_INVALID_PARAMETER),
        `${name} of ${size} bytes: ${String(error)}`);
    }
  }
});

// --- Session ---------------------------------------------------------------------------------------

check('new Session with bad arguments throws TypeError', (t) => {
  const Session = otc.Session as unknown as new (...args: unknown[]) => otc.Session;
  const cases: Array<[string, unknown[]]> = [
    ['no arguments', []],
    ['no sessionId', ['key']],
    ['empty sessionId', ['key', '']],
    ['empty apiKey', ['', 'session']],
    ['numeric apiKey', [1234, 'session']],
    ['null apiKey', [null, 'session']],
    ['numeric sessionId', ['key', 5]],
    ['null sessionId', ['key', null]],
    ['object sessionId', ['key', { id: 'session' }]],
  ];
  for (const [name, args] of cases) throwsType(t, () => new Session(...args), name);
});

check('Session.setEncryptionSecret returns 6004 for every bad secret, never throws, and keeps the previous key', async (t) => {
  const sessionId = uniqueSessionId('session-bad');
  const session = new otc.Session('key', sessionId);
  try {
    for (const [name, secret] of [...INVALID_SECRETS, ...NON_SECRETS]) {
      let result: unknown;
      t.notThrows(() => {
        result = loosely(session.setEncryptionSecret.bind(session))(secret);
      }, name);
      t.is(result, INVALID, name);
    }
    t.false(session.hasEncryptionSecret);
    t.is(session.encryptionEpoch, null);
    const ready = session.encryptionKeyReady();
    t.is(session.setEncryptionSecret(SECRET), otc.ErrorCode.OTC_SUCCESS);
    const epoch = await ready;
    t.is(epoch, otc.sframe.epochId(await otc.sframe.deriveBaseKey(sessionId, SECRET)));
    for (const [name, secret] of INVALID_SECRETS) t.is(session.setEncryptionSecret(secret), INVALID, name);
    t.is(session.encryptionEpoch, epoch);
    t.true(session.hasEncryptionSecret);
  } finally {
    session.delete();
  }
});

check('Session calls after delete() throw OtcError OTC_E2EE_DELETED; delete twice is fine', async (t) => {
  const session = new otc.Session('key', uniqueSessionId('deleted'));
  t.false(session.deleted);
  session.delete();
  t.true(session.deleted);
  t.notThrows(() => session.delete());
  const deleted = otc.ErrorCode.OTC_E2EE_DELETED;
  throwsOtc(t, () => session.setEncryptionSecret(SECRET), deleted, 'setEncryptionSecret');
  throwsOtc(t, () => session.setEncryptionSecret('short'), deleted, 'setEncryptionSecret with a bad secret');
  throwsOtc(t, () => session.encryptionEpoch, deleted, 'encryptionEpoch');
  throwsOtc(t, () => session.hasEncryptionSecret, deleted, 'hasEncryptionSecret');
  await rejectsOtc(t, () => session.encryptionKeyReady(), deleted, 'encryptionKeyReady');
});
