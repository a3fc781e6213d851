import test from 'ava';
import * as dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { ImpairedPath, checkImpairment, seededRandom } from '../lib/netem/impairment';
import { UdpImpairmentRelay } from '../lib/netem/udp-impairment-relay';

test('a perfect link sends every packet at once', (t) => {
  const path = new ImpairedPath();
  for (let i = 0; i < 100; i++) t.deepEqual(path.decide(i, 1200), { send: true, atMs: i });
  t.is(path.counters.sent, 100);
});

test('loss drops the share asked for (seeded, so the same run draws the same losses)', (t) => {
  const run = () => {
    const path = new ImpairedPath({ loss: 0.05 }, seededRandom(42));
    for (let i = 0; i < 100_000; i++) path.decide(i, 100);
    return path.counters.droppedLoss;
  };
  const dropped = run();
  t.true(dropped > 4500 && dropped < 5500, `${dropped} of 100000 dropped at 5%`);
  t.is(run(), dropped);
});

test('delay and jitter stay within their bounds, and packets keep their order unless told otherwise', (t) => {
  const ordered = new ImpairedPath({ delayMs: 100, jitterMs: 50 }, seededRandom(1));
  const free = new ImpairedPath({ delayMs: 100, jitterMs: 50, preserveOrder: false }, seededRandom(1));
  let lastOrdered = -Infinity;
  let reordered = 0;
  let lastFree = -Infinity;
  let minDelay = Infinity;
  let maxDelay = -Infinity;
  for (let i = 0; i < 10_000; i++) {
    const now = i * 2;
    const a = ordered.decide(now, 100);
    const b = free.decide(now, 100);
    if (!a.send || !b.send) return t.fail('nothing may be dropped');
    t.true(a.atMs >= lastOrdered);
    lastOrdered = a.atMs;
    if (b.atMs < lastFree) reordered += 1;
    lastFree = Math.max(lastFree, b.atMs);
    minDelay = Math.min(minDelay, b.atMs - now);
    maxDelay = Math.max(maxDelay, b.atMs - now);
  }
  t.true(minDelay >= 50 && minDelay < 52, `min delay ${minDelay}`);
  t.true(maxDelay <= 150 && maxDelay > 148, `max delay ${maxDelay}`);
  t.true(reordered > 1000, `jitter of ±50 ms on packets 2 ms apart reorders (${reordered})`);
});

test('a rate cap spaces packets by their size and drops what would wait past the queue limit', (t) => {
  // 1 Mbit/s: a 1250-byte packet takes 10 ms.
  const path = new ImpairedPath({ rateBps: 1_000_000, queueMs: 100 });
  const first = path.decide(0, 1250);
  const second = path.decide(0, 1250);
  t.deepEqual(first, { send: true, atMs: 10 });
  t.deepEqual(second, { send: true, atMs: 20 });
  // A burst of 50 at once: the queue holds 100 ms of them, the rest are dropped.
  for (let i = 0; i < 48; i++) path.decide(0, 1250);
  t.true(path.counters.droppedQueue > 30 && path.counters.droppedQueue < 45, `${path.counters.droppedQueue} dropped`);
  // Sent over a long run at twice the rate: about half gets through.
  const steady = new ImpairedPath({ rateBps: 1_000_000, queueMs: 400 });
  for (let i = 0; i < 10_000; i++) steady.decide(i * 5, 1250);
  const share = steady.counters.sent / 10_000;
  t.true(share > 0.49 && share < 0.53, `share sent ${share}`);
});

test('an outage drops everything until it ends', (t) => {
  const path = new ImpairedPath();
  path.cut(1000, 3000);
  t.deepEqual(path.decide(999, 10), { send: true, atMs: 999 });
  t.deepEqual(path.decide(1000, 10), { send: false, reason: 'outage' });
  t.deepEqual(path.decide(3999, 10), { send: false, reason: 'outage' });
  t.deepEqual(path.decide(4000, 10), { send: true, atMs: 4000 });
});

test('bad impairments are refused with the field named', (t) => {
  t.throws(() => checkImpairment({ loss: 1.5 }), { message: /impairment\.loss must be a number from 0 to 1/ });
  t.throws(() => checkImpairment({ delayMs: -1 }), { message: /delayMs/ });
  t.throws(() => checkImpairment({ rateBps: Number.NaN }), { message: /rateBps/ });
  t.throws(() => checkImpairment({ preserveOrder: 1 as unknown as boolean }), { message: /preserveOrder/ });
  t.throws(() => new ImpairedPath().cut(0, -5), { message: /outage/ });
});

/** A UDP echo server on 127.0.0.1. */
async function echoServer(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (data, rinfo) => socket.send(data, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/** Sends `count` numbered packets every `gapMs` through the relay and collects the echoes' round trips. */
async function roundTrips(port: number, count: number, gapMs: number, waitMs: number): Promise<Map<number, number>> {
  const client = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  const sentAt = new Map<number, number>();
  const rtt = new Map<number, number>();
  client.on('message', (data) => {
    const n = data.readUInt32BE(0);
    const at = sentAt.get(n);
    if (at !== undefined) rtt.set(n, performance.now() - at);
  });
  for (let i = 0; i < count; i++) {
    const packet = Buffer.alloc(200);
    packet.writeUInt32BE(i, 0);
    sentAt.set(i, performance.now());
    client.send(packet, port, '127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  client.close();
  return rtt;
}

test('the relay delays both directions over real sockets', async (t) => {
  const echo = await echoServer();
  const relay = await UdpImpairmentRelay.start({
    listen: { host: '127.0.0.1', port: 0 },
    target: { host: '127.0.0.1', port: (echo.address()).port },
    up: { delayMs: 40 }, down: { delayMs: 40 },
  });
  t.teardown(async () => {
    await relay.close();
    echo.close();
  });
  const rtt = await roundTrips(relay.address.port, 40, 5, 400);
  t.is(rtt.size, 40, 'nothing lost on a link without loss');
  const times = [...rtt.values()];
  t.true(Math.min(...times) >= 79, `round trip at least the two delays (min ${Math.min(...times).toFixed(1)} ms)`);
  t.true(Math.max(...times) < 1000, `and not much more on a busy machine (max ${Math.max(...times).toFixed(1)} ms)`);
  const c = relay.counters();
  t.is(c.up.sent, 40);
  t.is(c.down.sent, 40);
  t.is(c.flows, 1);
});

test('the relay loses packets at the asked rate and cuts the link for an outage', async (t) => {
  const echo = await echoServer();
  const relay = await UdpImpairmentRelay.start({
    listen: { host: '127.0.0.1', port: 0 },
    target: { host: '127.0.0.1', port: (echo.address()).port },
    up: { loss: 0.3 }, seed: 7,
  });
  t.teardown(async () => {
    await relay.close();
    echo.close();
  });
  const lossy = await roundTrips(relay.address.port, 400, 1, 300);
  t.true(lossy.size > 200 && lossy.size < 360, `${lossy.size} of 400 came back at 30% loss`);
  relay.up.set({});
  relay.cut(300);
  const cut = await roundTrips(relay.address.port, 20, 5, 100);
  t.is(cut.size, 0, 'nothing passes during the outage');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const after = await roundTrips(relay.address.port, 20, 5, 200);
  t.is(after.size, 20, 'everything passes once it ends');
  t.true(relay.counters().up.droppedOutage >= 20);
});

test('the relay refuses bad endpoints', async (t) => {
  await t.throwsAsync(UdpImpairmentRelay.start({ listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: 0 } }),
    { instanceOf: TypeError, message: /target/ });
  await t.throwsAsync(UdpImpairmentRelay.start({ listen: { host: '127.0.0.1', port: 70000 }, target: { host: '127.0.0.1', port: 9 } }),
    { instanceOf: TypeError, message: /listen/ });
});
