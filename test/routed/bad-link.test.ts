// E2EE calls over a bad link (issue 10, part 4, as a regression test; bench/network measures it):
// client A reaches the TURN server only through the user-space bad link (lib/netem), with 5%
// loss each way and then a 3 s outage; both clients are forced to relay candidates. The frame
// cryptor must not stand in the way of loss recovery (NACK, PLI, key frames): media keeps
// flowing, recovers after the outage, and not one frame fails to open.
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import test, { type ExecutionContext } from 'ava';
import * as otc from '../../lib/index';
import { UdpImpairmentRelay } from '../../lib/netem/udp-impairment-relay';
import { SessionServer } from '../../lib/server/index';
import { TurnProcess } from '../../lib/server/turn/turn-process';
import { turnCredential } from '../../lib/server/turn-credentials';
import { describeRamp, waitForFrameRate } from '../helpers/frame-rate';
import { sleep, until } from '../helpers/wait';
import { API_KEY, requireNetns, streamOn } from './helpers';

const SECRET = 'bad link shared secret';
// coturn never relays to loopback peers: the namespace gets an address of the benchmarking range.
const ADDRESS = '198.18.0.11';

let turn: TurnProcess | undefined;
let relay: UdpImpairmentRelay | undefined;
let server: SessionServer | undefined;

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, ADDRESS, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

test.before(async () => {
  requireNetns();
  const added = spawnSync('ip', ['addr', 'replace', `${ADDRESS}/32`, 'dev', 'otc-veth0'], { encoding: 'utf8' });
  if (added.status !== 0) throw new Error(`ip addr: ${added.stderr}`);
  otc.init();
  turn = await TurnProcess.start({ ip: ADDRESS, port: await freeUdpPort(), relayPorts: '40000-40999' });
  relay = await UdpImpairmentRelay.start({ listen: { host: ADDRESS, port: 0 }, target: { host: ADDRESS, port: turn.port }, seed: 11 });
  server = await SessionServer.start({ apiKey: API_KEY, apiSecret: 'b'.repeat(40), router: { janus: { iceEnforce: ADDRESS } } });
});

test.after.always(async () => {
  await server?.close();
  await relay?.close();
  await turn?.stop();
  otc.destroy();
  // The namespace is shared by the suite's files: an extra address left on its interface made a
  // later file's restarted Janus unreachable (faults: no frames after the restart).
  spawnSync('ip', ['addr', 'del', `${ADDRESS}/32`, 'dev', 'otc-veth0']);
});

async function client(t: ExecutionContext, sessionId: string, name: string, turnPort: number): Promise<{ session: otc.Session; publisher: otc.Publisher }> {
  const { username, credential } = turnCredential(turn!.secret, name, 600);
  const session = new otc.Session(API_KEY, sessionId, {
    signalingUrl: server!.signalingUrl,
    iceConfig: { iceServers: [{ urls: `turn:${ADDRESS}:${turnPort}?transport=udp`, username, credential }], forceTurn: true, useCustomTurnOnly: true },
  });
  t.teardown(() => session.delete());
  const key = session.encryptionKeyReady();
  session.setEncryptionSecret(SECRET);
  await key;
  await session.connect(server!.generateToken(sessionId, { data: name }));
  const publisher = new otc.Publisher({ name, testPattern: { width: 640, height: 360, fps: 30 } });
  t.teardown(() => publisher.delete());
  await session.publish(publisher);
  return { session, publisher };
}

const failedToOpen = (s: otc.SubscriberStats): number => s.framesMismatch + s.framesIntegrityFailure;

for (const mediaMode of ['relayed', 'routed'] as const) {
  test.serial(`${mediaMode}: 5% loss each way, then a 3 s outage: media keeps flowing and recovers, every frame opens`, async (t) => {
    relay!.up.set({});
    relay!.down.set({});
    const { sessionId } = server!.createSession({ e2ee: true, mediaMode });
    const a = await client(t, sessionId, 'a', relay!.address.port);
    const b = await client(t, sessionId, 'b', turn!.port);
    const streamOfB = await streamOn(a.session, b.publisher.streamId!);
    const streamOfA = await streamOn(b.session, a.publisher.streamId!);
    const atA = a.session.subscribe(streamOfB);
    const atB = b.session.subscribe(streamOfA);
    t.teardown(() => { atA.delete(); atB.delete(); });
    const both = [atA, atB];
    await until(t, () => both.every((s) => s.mediaCheck().framesReceived > 30), 45_000,
      () => `frames both ways: ${both.map((s) => s.mediaCheck().framesReceived).join(', ')}`);
    for (const s of both) t.is(s.stats().localCandidateType, 'relay');

    relay!.up.set({ loss: 0.05 });
    relay!.down.set({ loss: 0.05 });
    const lossy0 = both.map((s) => s.mediaCheck().framesReceived);
    await sleep(8000);
    const lossyFps = both.map((s, i) => (s.mediaCheck().framesReceived - lossy0[i]!) / 8);
    t.log(`${mediaMode}, 5% loss each way: ${lossyFps.map((f) => f.toFixed(1)).join(' / ')} fps (B→A / A→B)`);
    // Generous: Janus recovers loss less well than two libwebrtc ends (bench/network), E2EE or not.
    // (bench/network: routed 13.7-29.9 fps at 5% loss; under a loaded suite one run gave under 10).
    for (const fps of lossyFps) t.true(fps >= 5, `at least 5 fps through 5% loss (${fps.toFixed(1)})`);

    relay!.up.set({});
    relay!.down.set({});
    await sleep(2000);
    relay!.cut(3000);
    await sleep(3000);
    const afterCut = both.map((s) => s.mediaCheck().lastFrameNumber);
    const cutEnded = Date.now();
    await until(t, () => both.every((s, i) => s.mediaCheck().lastFrameNumber > afterCut[i]!), 10_000,
      () => 'new frames after the outage');
    t.log(`${mediaMode}: first new frames ${Date.now() - cutEnded} ms (or less: polled) after the 3 s outage`);
    // A relayed publisher restarts ICE 4 s after the path went disconnected; when ICE's own
    // recovery from the outage is slow (about 3.2 s after the link returns, bench/network), that
    // restart comes just after it and costs another short gap, and congestion control ramps up
    // again: judged by the first 2 s window at >= 20 fps within 20 s.
    const ramp = await waitForFrameRate(() => both.map((s) => s.mediaCheck().framesReceived), 20, 20_000);
    t.log(`${mediaMode}: >= 20 fps over 2 s ${describeRamp(ramp)} after the first new frames`);
    for (const r of ramp) t.true(r.reachedMs !== undefined, `back to at least 20 fps after the outage (best ${r.bestFps.toFixed(1)})`);

    for (const s of both) {
      const stats = s.stats();
      t.is(failedToOpen(stats), 0, 'no frame failed to open through loss, retransmissions and the outage');
      t.true(stats.framesReplay < 30, `retransmitted frames are not lost as replays (${stats.framesReplay})`);
      t.true(stats.videoFramesOpened > 300, `frames opened ${stats.videoFramesOpened}`);
    }
  });
}
