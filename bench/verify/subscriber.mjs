// The subscribing process of bench/verify: one session connection, then as many verify-only
// subscriptions as the driver asks for, spread round-robin over the session's streams. Alone in
// its process so that its CPU, threads and memory are the cost of the subscriptions.
//
// IPC from the driver (typed here once): {type:'add', count} -> {type:'added', total} once every
// new subscription opened a frame; {type:'sample', seconds} -> {type:'sample', ...} over a window;
// {type:'stop'} -> exits. 'added' carries the first failure to set up a subscription, if any. Errors: {type:'error', message}, then exit 1.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));
const otc = await import(path.join(root, 'dist', 'lib', 'index.js'));
const [signalingUrl, apiKey, sessionId, token, secret, streamCount, withAudio, decodeEvery] = process.argv.slice(2);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const send = (message) => process.send(message);
const fail = (message) => {
  send({ type: 'error', message });
  process.exit(1);
};

async function until(test, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (test()) return;
    await sleep(50);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** user + sys CPU seconds, threads and RSS of this process, from /proc. */
function processSample() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const status = readFileSync('/proc/self/status', 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return {
    cpuS: (Number(fields[11]) + Number(fields[12])) / 100,
    threads: field('Threads'),
    rssMb: field('VmRSS') / 1024,
    // /proc/self/status counts the main thread's switches only: sum every thread's.
    ctxSwitches: readdirSync('/proc/self/task').reduce((sum, tid) => {
      try {
        const text = readFileSync(`/proc/self/task/${tid}/status`, 'utf8');
        return sum + ['voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches']
          .reduce((n, name) => n + Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0), 0);
      } catch {
        return sum; // a thread that ended meanwhile
      }
    }, 0),
    fds: readdirSync('/proc/self/fd').length,
  };
}

otc.init();
const session = new otc.Session(apiKey, sessionId, { signalingUrl });
session.on('error', (error) => fail(`session: ${error.message}`));
const ready = session.encryptionKeyReady();
session.setEncryptionSecret(secret);
await ready;
await session.connect(token);
try {
  await until(() => session.streams.length >= Number(streamCount), 30_000, `${streamCount} streams`);
} catch (error) {
  fail(error.message);
}
const streams = session.streams.slice(0, Number(streamCount));
const subscribers = [];
const failures = [];
const decodes = (index) => Number(decodeEvery) > 0 && index % Number(decodeEvery) === Number(decodeEvery) - 1;
const opened = (s) => s.verifyStats().video.framesOpened;
send({ type: 'ready', streams: streams.map((s) => s.streamId), baseline: processSample() });

process.on('message', async (message) => {
  try {
    if (message.type === 'add') {
      const first = subscribers.length;
      for (let i = 0; i < message.count; i++) {
        const index = subscribers.length;
        const subscriber = session.subscribe(streams[index % streams.length], { verifyOnly: !decodes(index) });
        // A subscription the machine could not set up ends the ramp (the driver reports it), not the run.
        subscriber.on('error', (error) => { failures.push(`subscription ${index + 1}: ${error.message}`); });
        if (withAudio !== '1') subscriber.setSubscribeToAudio(false);
        subscribers.push(subscriber);
      }
      try {
        await until(() => failures.length > 0 || subscribers.slice(first).every((s) => opened(s) > 0), 60_000,
          `frames on subscriptions ${first + 1}-${subscribers.length}`);
      } catch (error) {
        failures.push(error.message);
      }
      send({ type: 'added', total: subscribers.length, failure: failures[0] });
    } else if (message.type === 'sample') {
      const before = subscribers.map((s) => s.verifyStats());
      const p0 = processSample();
      const t0 = performance.now();
      await sleep(message.seconds * 1000);
      const seconds = (performance.now() - t0) / 1000;
      const p1 = processSample();
      const after = subscribers.map((s) => s.verifyStats());
      const per = after.map((a, i) => ({
        fps: (a.video.framesOpened - before[i].video.framesOpened) / seconds,
        kbps: (8 * (a.video.bytesOpened - before[i].video.bytesOpened)) / seconds / 1000,
        gaps: a.video.gaps - before[i].video.gaps,
        freezes: a.video.freezes - before[i].video.freezes,
        notOpened: Object.values(a.video.notOpened).reduce((x, y) => x + y, 0) - Object.values(before[i].video.notOpened).reduce((x, y) => x + y, 0),
        decoding: decodes(i),
      }));
      send({
        type: 'sample', seconds, per,
        cpuPct: (100 * (p1.cpuS - p0.cpuS)) / seconds,
        ctxPerS: (p1.ctxSwitches - p0.ctxSwitches) / seconds,
        threads: p1.threads, rssMb: p1.rssMb, fds: p1.fds,
      });
    } else if (message.type === 'stop') {
      for (const s of subscribers) s.delete();
      await session.disconnect();
      session.delete();
      otc.destroy();
      process.exit(0);
    }
  } catch (error) {
    fail(error.message);
  }
});
