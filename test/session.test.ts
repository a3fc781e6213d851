// Session: setEncryptionSecret returns at once and the key arrives later, off the event loop; a
// bad secret leaves the key alone; bursts end on the last secret; delete and process exit are
// clean; sessions can be dropped for GC.
import * as crypto from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import * as otc from '../lib/index';
import { sleep, uniqueSessionId } from './helpers/frames';
import { type ChildResult, childPrelude, runNode } from './helpers/child';

// A child that hangs never exits; one that exits does so in about a second on an idle machine, but
// loading the addon alone took 4-5 s at a load average of 9, so the bound is generous.
const CHILD_EXIT_BOUND_MS = 20_000;

async function expectedEpoch(sessionId: string, secret: string): Promise<number> {
  return otc.sframe.epochId(await otc.sframe.deriveBaseKey(sessionId, secret));
}

/** Resolves with the epoch of the next 'encryptionKeyReady' that satisfies accept, or rejects after ms. */
function keyReady(session: otc.Session, ms: number, accept: (epoch: number) => boolean = () => true): Promise<number> {
  const promise = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      session.off('encryptionKeyReady', listener);
      reject(new Error(`no encryptionKeyReady within ${ms} ms`));
    }, ms);
    const listener = (epoch: number): void => {
      if (!accept(epoch)) return;
      clearTimeout(timer);
      session.off('encryptionKeyReady', listener);
      resolve(epoch);
    };
    session.on('encryptionKeyReady', listener);
  });
  // A test that fails before awaiting it must not also leave an unhandled rejection behind.
  promise.catch(() => undefined);
  return promise;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function pbkdf2Milliseconds(): number {
  const start = process.hrtime.bigint();
  crypto.pbkdf2Sync('calibration secret', 'otc-e2ee-v1|calibration', 100000, 32, 'sha256');
  return elapsedMs(start);
}

function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function describeChild(result: ChildResult): string {
  return `code ${result.code}, signal ${result.signal}, ${Math.round(result.ms)} ms${result.timedOut ? ' (killed at the deadline)' : ''}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}

// Timing-sensitive tests run serially, before the others of this file.

// Timing-sensitive tests run serially, before the others of this file. The machine may be busy
// with other test files: a single slow call can be the scheduler's doing, so these look at the
// median of several calls and at how many calls took a whole PBKDF2 time (as a synchronous
// derivation would, every time).

test.serial('setEncryptionSecret returns OTC_SUCCESS in under 10 ms; encryptionKeyReady follows with the epoch of the derived key', async (t) => {
  const pbkdf2Ms = Math.min(pbkdf2Milliseconds(), pbkdf2Milliseconds(), pbkdf2Milliseconds());
  const durations: number[] = [];
  for (let i = 0; i < 5; i++) {
    const sessionId = uniqueSessionId('ready');
    const secret = `the session secret ${i}`;
    const epoch = await expectedEpoch(sessionId, secret);
    const session = new otc.Session('api-key', sessionId);
    try {
      t.is(session.encryptionEpoch, null);
      t.false(session.hasEncryptionSecret);
      let fired = false;
      session.once('encryptionKeyReady', () => { fired = true; });
      const ready = keyReady(session, 5000);
      const start = process.hrtime.bigint();
      const code = session.setEncryptionSecret(secret);
      durations.push(elapsedMs(start));
      t.is(code, otc.ErrorCode.OTC_SUCCESS);
      t.false(fired, 'encryptionKeyReady must not be emitted synchronously');
      t.is(await ready, epoch);
      t.is(session.encryptionEpoch, epoch);
      t.true(session.hasEncryptionSecret);
    } finally {
      session.delete();
    }
  }
  const text = `${durations.map((d) => d.toFixed(2)).join(', ')} ms (PBKDF2 takes ${pbkdf2Ms.toFixed(1)} ms here)`;
  t.true(median(durations) < 10, `setEncryptionSecret on a new session took ${text}`);
  t.true(durations.filter((d) => d >= pbkdf2Ms).length <= 1, `setEncryptionSecret took a PBKDF2 time: ${text}`);
});

test.serial('every setEncryptionSecret returns in well under the PBKDF2 time, and each new key replaces the previous one', async (t) => {
  const sessionId = uniqueSessionId('ready-again');
  const session = new otc.Session('api-key', sessionId);
  try {
    const durations: number[] = [];
    const pbkdf2Ms = Math.min(pbkdf2Milliseconds(), pbkdf2Milliseconds(), pbkdf2Milliseconds());
    for (let i = 0; i < 6; i++) {
      const secret = i % 2 ? `string secret number ${i}` : Buffer.from(`byte secret number ${i}`, 'utf8');
      const expected = await expectedEpoch(sessionId, Buffer.from(secret).toString('utf8'));
      const ready = keyReady(session, 5000, (e) => e === expected);
      const start = process.hrtime.bigint();
      t.is(session.setEncryptionSecret(secret), otc.ErrorCode.OTC_SUCCESS);
      durations.push(elapsedMs(start));
      t.is(await ready, expected);
      t.is(session.encryptionEpoch, expected);
    }
    const text = `${durations.map((d) => d.toFixed(2)).join(', ')} ms (PBKDF2 takes ${pbkdf2Ms.toFixed(1)} ms here)`;
    t.true(median(durations) < 10, `setEncryptionSecret took ${text}`);
    t.true(durations.filter((d) => d >= pbkdf2Ms).length <= 1, `setEncryptionSecret took a PBKDF2 time: ${text}`);
  } finally {
    session.delete();
  }
});

test.serial('the event loop keeps ticking while keys derive (a 1 ms setInterval is not stalled for a PBKDF2 time per key)', async (t) => {
  const sessionId = uniqueSessionId('loop');
  const pbkdf2Ms = Math.min(pbkdf2Milliseconds(), pbkdf2Milliseconds(), pbkdf2Milliseconds());
  const session = new otc.Session('api-key', sessionId);
  const ticks: number[] = [];
  const interval = setInterval(() => ticks.push(performance.now()), 1);
  try {
    const secrets = ['first loop secret', 'second loop secret', 'third loop secret', 'fourth loop secret'];
    const epochs = await Promise.all(secrets.map((secret) => expectedEpoch(sessionId, secret)));
    await sleep(20);
    const start = performance.now();
    for (const [i, secret] of secrets.entries()) {
      const ready = keyReady(session, 5000, (e) => e === epochs[i]);
      t.is(session.setEncryptionSecret(secret), otc.ErrorCode.OTC_SUCCESS);
      await ready;
    }
    const during = ticks.filter((x) => x >= start);
    const gaps = during.slice(1).map((x, i) => x - during[i]!);
    const stalls = gaps.filter((g) => g >= pbkdf2Ms * 0.8);
    t.true(during.length >= 10, `only ${during.length} ticks while ${secrets.length} keys derived`);
    t.true(stalls.length <= 1, `the loop stalled ${stalls.length} times for ${stalls.map((g) => g.toFixed(1)).join(', ')} ms while ${secrets.length} keys derived (PBKDF2 takes ${pbkdf2Ms.toFixed(1)} ms here)`);
  } finally {
    clearInterval(interval);
    session.delete();
  }
});

test('an invalid secret returns 6004 and the epoch stays the previous one', async (t) => {
  const sessionId = uniqueSessionId('invalid');
  const secret = 'a valid first secret';
  const epoch = await expectedEpoch(sessionId, secret);
  const session = new otc.Session('api-key', sessionId);
  try {
    const ready = keyReady(session, 5000);
    t.is(session.setEncryptionSecret(secret), otc.ErrorCode.OTC_SUCCESS);
    t.is(await ready, epoch);
    const events: number[] = [];
    session.on('encryptionKeyReady', (e) => events.push(e));
    for (const bad of ['short', '', 'x'.repeat(257), 'nul\0inside!', 'lone \uD800 surrogate', Uint8Array.from([0xc3, 0x28, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41])]) {
      t.is(session.setEncryptionSecret(bad), 6004);
      t.is(session.setEncryptionSecret(bad), otc.ErrorCode.OTC_SESSION_INVALID_ENCRYPTION_SECRET);
    }
    t.is(session.encryptionEpoch, epoch);
    t.true(session.hasEncryptionSecret);
    await sleep(200);
    t.deepEqual(events, [], 'an invalid secret must not produce an encryptionKeyReady');
    t.is(session.encryptionEpoch, epoch);
  } finally {
    session.delete();
  }
});

test('a burst of setEncryptionSecret calls ends with the last secret\'s epoch', async (t) => {
  const sessionId = uniqueSessionId('burst');
  const secrets = ['burst secret one', 'burst secret two', 'burst secret three', 'burst secret four', 'burst secret five'];
  const epochs = await Promise.all(secrets.map((s) => expectedEpoch(sessionId, s)));
  const last = epochs[epochs.length - 1]!;
  const session = new otc.Session('api-key', sessionId);
  try {
    const events: number[] = [];
    session.on('encryptionKeyReady', (e) => events.push(e));
    const final = keyReady(session, 10_000, (e) => e === last);
    for (const secret of secrets) t.is(session.setEncryptionSecret(secret), otc.ErrorCode.OTC_SUCCESS);
    await final;
    await sleep(300); // any late event of an earlier secret would arrive by now
    t.is(session.encryptionEpoch, last);
    t.is(events[events.length - 1], last, `events: ${events.join(', ')}`);
    t.true(events.every((e) => epochs.includes(e)));
  } finally {
    session.delete();
  }
});

test('delete() right after setEncryptionSecret neither crashes nor hangs, and no event follows', async (t) => {
  for (let i = 0; i < 10; i++) {
    const session = new otc.Session('api-key', uniqueSessionId('delete'));
    let events = 0;
    session.on('encryptionKeyReady', () => { events += 1; });
    t.is(session.setEncryptionSecret(`secret number ${i} here`), otc.ErrorCode.OTC_SUCCESS);
    const start = process.hrtime.bigint();
    session.delete();
    t.true(elapsedMs(start) < 1000, 'delete() blocked');
    t.true(session.deleted);
    await sleep(100);
    t.is(events, 0);
  }
});

test('a process with a session that is never deleted exits after its key is ready', async (t) => {
  const script = `${childPrelude()}
const session = new otc.Session('api-key', 'child-session-wait');
const code = session.setEncryptionSecret('a secret for the child');
if (code !== 0) { console.log('set failed ' + code); process.exitCode = 2; }
session.encryptionKeyReady().then((epoch) => { console.log('ready ' + epoch); });
`;
  const epoch = await expectedEpoch('child-session-wait', 'a secret for the child');
  const result = await runNode(script, CHILD_EXIT_BOUND_MS);
  t.false(result.timedOut, `the child did not exit within ${CHILD_EXIT_BOUND_MS / 1000} s: ${describeChild(result)}`);
  t.is(result.code, 0, describeChild(result));
  t.is(result.signal, null);
  t.is(result.stdout.trim(), `ready ${epoch}`);
});

test('a process that sets a secret and does not wait for the key exits without crashing', async (t) => {
  const script = `${childPrelude()}
const session = new otc.Session('api-key', 'child-session-nowait');
console.log('set ' + session.setEncryptionSecret('a secret for the child'));
`;
  const result = await runNode(script, CHILD_EXIT_BOUND_MS);
  t.false(result.timedOut, `the child did not exit within ${CHILD_EXIT_BOUND_MS / 1000} s: ${describeChild(result)}`);
  t.is(result.code, 0, describeChild(result));
  t.is(result.signal, null);
  t.is(result.stdout.trim(), 'set 0');
});

test('a process with ten sessions that wait for their keys and are never deleted exits (no hang)', async (t) => {
  const script = `${childPrelude()}
(async () => {
  const sessions = [];
  for (let i = 0; i < 10; i++) sessions.push(new otc.Session('api-key', 'child-many-' + i));
  const ready = sessions.map((s) => s.encryptionKeyReady());
  sessions.forEach((s, i) => s.setEncryptionSecret('a secret for child ' + i));
  await Promise.all(ready);
  console.log('ready');
})();
`;
  const result = await runNode(script, CHILD_EXIT_BOUND_MS);
  t.false(result.timedOut, `the child did not exit within ${CHILD_EXIT_BOUND_MS / 1000} s: ${describeChild(result)}`);
  t.is(result.code, 0, describeChild(result));
  t.is(result.stdout.trim(), 'ready');
});

test('a process with one session that gets ten secrets in a row, waiting for each key, exits once the last key is ready', async (t) => {
  const script = `${childPrelude()}
(async () => {
  const session = new otc.Session('api-key', 'child-sequence');
  for (let i = 0; i < 10; i++) {
    const ready = session.encryptionKeyReady();
    session.setEncryptionSecret('sequential secret ' + i);
    await ready;
    console.log('key ' + i);
  }
  console.log('ready');
})();
`;
  const result = await runNode(script, 15_000);
  const lines = result.stdout.trim().split('\n');
  t.is(lines[lines.length - 1], 'ready', `the keys did not all arrive: ${describeChild(result)}`);
  t.false(result.timedOut, `the child did not exit after its last key: ${describeChild(result)}`);
  t.is(result.code, 0, describeChild(result));
});

test('a process with three sessions that set secrets and do not wait exits without crashing', async (t) => {
  const script = `${childPrelude()}
const sessions = [0, 1, 2].map((i) => new otc.Session('api-key', 'child-nowait-' + i));
sessions.forEach((s) => s.setEncryptionSecret('a secret for the child'));
console.log('set');
`;
  const result = await runNode(script, CHILD_EXIT_BOUND_MS);
  t.false(result.timedOut, `the child did not exit within ${CHILD_EXIT_BOUND_MS / 1000} s: ${describeChild(result)}`);
  t.is(result.code, 0, describeChild(result));
  t.is(result.signal, null, describeChild(result));
  t.is(result.stdout.trim(), 'set');
});

test('a process with two sessions that never set a secret exits without crashing', async (t) => {
  const script = `${childPrelude()}
const a = new otc.Session('api-key', 'child-plain-a');
const b = new otc.Session('api-key', 'child-plain-b');
console.log(a.sessionId + ' ' + b.sessionId);
`;
  const result = await runNode(script, CHILD_EXIT_BOUND_MS);
  t.false(result.timedOut, `the child did not exit within ${CHILD_EXIT_BOUND_MS / 1000} s: ${describeChild(result)}`);
  t.is(result.code, 0, describeChild(result));
  t.is(result.signal, null, describeChild(result));
});

test('a process that deletes a session right after setting a secret exits without crashing', async (t) => {
  const script = `${childPrelude()}
for (let i = 0; i < 5; i++) {
  const session = new otc.Session('api-key', 'child-delete-' + i);
  session.setEncryptionSecret('a secret for the child');
  session.delete();
}
console.log('done');
`;
  const result = await runNode(script, CHILD_EXIT_BOUND_MS);
  t.false(result.timedOut, `the child did not exit within ${CHILD_EXIT_BOUND_MS / 1000} s: ${describeChild(result)}`);
  t.is(result.code, 0, describeChild(result));
  t.is(result.stdout.trim(), 'done');
});

async function gcChild(t: ExecutionContext, waitForKeys: boolean): Promise<void> {
  const script = `${childPrelude()}
(async () => {
  const pending = [];
  for (let i = 0; i < 50; i++) {
    const session = new otc.Session('api-key', 'gc-session-' + i);
    if (i % 2 === 0) {
      session.setEncryptionSecret('a secret for session ' + i);
      ${waitForKeys ? 'pending.push(session.encryptionKeyReady());' : ''}
    }
  }
  await Promise.all(pending);
  pending.length = 0;
  for (let round = 0; round < 5; round++) {
    global.gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log('collected');
})();
`;
  const result = await runNode(script, 15_000, ['--expose-gc']);
  t.false(result.timedOut, `the child did not exit within 15 s: ${describeChild(result)}`);
  t.is(result.code, 0, describeChild(result));
  t.is(result.signal, null);
  t.is(result.stdout.trim(), 'collected');
}

test('50 sessions with keys ready, dropped and garbage-collected, do not crash the process', (t) => gcChild(t, true));

test('sessions dropped without delete() are garbage-collected (no reference cycle keeps them)', async (t) => {
  const script = `${childPrelude()}
let collected = 0;
const registry = new FinalizationRegistry(() => { collected += 1; });
(async () => {
  for (let i = 0; i < 50; i++) registry.register(new otc.Session('api-key', 'gc-collect-' + i), i);
  for (let round = 0; round < 10; round++) {
    global.gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log('collected ' + collected);
  process.exit(0);
})();
`;
  const result = await runNode(script, 15_000, ['--expose-gc']);
  t.false(result.timedOut, describeChild(result));
  const match = /collected (\d+)/.exec(result.stdout);
  t.truthy(match, describeChild(result));
  t.true(Number(match?.[1]) >= 25, `only ${match?.[1]} of 50 dropped sessions were collected`);
});
test('50 sessions dropped for GC while their keys derive do not crash the process', (t) => gcChild(t, false));

test('process.exit() while sessions are deriving keys exits cleanly (derivation threads are joined before OpenSSL exits)', async (t) => {
  // Node's process.exit() runs no cleanup of native objects: the library must stop its own
  // threads before the exit handlers tear OpenSSL down. Exit at many moments of the derivations.
  const failures: string[] = [];
  for (let delay = 0; delay < 60; delay += 4) {
    const result = await runNode(`${childPrelude()}
      const sessions = [];
      for (let i = 0; i < 4; i++) {
        const session = new otc.Session('key', 'exit-session-' + i);
        session.setEncryptionSecret('exit secret number ' + i);
        sessions.push(session);
      }
      setTimeout(() => process.exit(0), ${delay});`, 20_000);
    if (result.code !== 0 || result.timedOut) failures.push(`exit after ${delay} ms: code ${result.code}, signal ${result.signal}`);
  }
  t.deepEqual(failures, []);
});

test('a listener may delete the session inside its encryptionKeyReady event', async (t) => {
  const result = await runNode(`${childPrelude()}
    let events = 0;
    for (let i = 0; i < 20; i++) {
      const session = new otc.Session('key', 'delete-in-event-' + i);
      session.on('encryptionKeyReady', () => { events++; session.delete(); if (events === 20) console.log('all deleted'); });
      session.setEncryptionSecret('secret number ' + i);
      // A second secret while the first derives: its event may be coalesced or arrive after delete.
      if (i % 2) session.setEncryptionSecret('other secret ' + i);
    }`, 30_000);
  t.false(result.timedOut, 'the process must exit by itself');
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout.trim(), 'all deleted');
});
