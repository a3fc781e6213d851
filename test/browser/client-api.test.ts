// The browser client as served by the session server: as a plain <script> (global OTC) and as an
// ES module, with the Node API's result codes for bad input and refused connections.
import test from 'ava';
import * as otc from '../../lib/index';
import { until } from '../helpers/wait';
import { SECRET, openPage, sharedBrowserAndServer } from './helpers';

const shared = sharedBrowserAndServer(test, { initMedia: true });

interface Outcome {
  script: string[];
  module: string[];
  sameCodes: boolean;
  shortSecret: number;
  goodSecret: number;
  supported: boolean;
}

test('/otc-client.js works from a plain script tag and /otc-client.mjs as an ES module, with the same API', async (t) => {
  const browser = shared.browser();
  const server = shared.server();
  const page = await openPage(t, browser, `${server.url}/clock`);
  await page.addScriptTag({ url: '/otc-client.js' });
  const out = await page.evaluate(async (sessionId) => {
    type Api = Record<string, unknown> & {
      Session: new (apiKey: string, sessionId: string, opts: { signalingUrl: string }) => { setEncryptionSecret(s: string): number };
      ErrorCode: Record<string, number>;
      insertableStreamsSupported(): boolean;
    };
    const g = globalThis as unknown as { OTC: Api; location: { host: string } };
    const script = g.OTC;
    const module = (await import('/otc-client.mjs' as string)) as Api;
    const session = new script.Session('key', sessionId, { signalingUrl: `ws://${g.location.host}/v1/signaling` });
    return {
      script: Object.keys(script).sort(),
      module: Object.keys(module).sort(),
      sameCodes: JSON.stringify(script.ErrorCode) === JSON.stringify(module.ErrorCode),
      shortSecret: session.setEncryptionSecret('short'),
      goodSecret: session.setEncryptionSecret('long enough secret'),
      supported: script.insertableStreamsSupported(),
    } satisfies Outcome;
  }, server.createSession({ e2ee: true }).sessionId);
  t.deepEqual(out.script, out.module);
  for (const name of ['Session', 'Publisher', 'Subscriber', 'ErrorCode', 'OtcError', 'ServerClock', 'FrameCodeReader']) t.true(out.script.includes(name), name);
  t.true(out.sameCodes);
  t.is(out.shortSecret, 6004, 'OTC_SESSION_INVALID_ENCRYPTION_SECRET');
  t.is(out.goodSecret, 0);
  t.true(out.supported, 'Chromium has insertable streams');
});

test('connecting: no secret for an E2EE session is 6000, a bad token 1004, an unreachable server 1006', async (t) => {
  const browser = shared.browser();
  const server = shared.server();
  const page = await openPage(t, browser, `${server.url}/clock`);
  await page.addScriptTag({ url: '/otc-client.js' });
  const e2ee = server.createSession({ mediaMode: 'relayed', e2ee: true }).sessionId;
  const codes = await page.evaluate(async ({ apiKey, sessionId, token, badToken, url }) => {
    type Session = { connect(token: string): Promise<void>; setEncryptionSecret(s: string): number };
    const OTC = (globalThis as unknown as { OTC: { Session: new (k: string, s: string, o: { signalingUrl: string }) => Session } }).OTC;
    const codeOf = async (run: () => Promise<void>): Promise<number> => {
      try {
        await run();
        return 0;
      } catch (error) {
        return (error as { code?: number }).code ?? -1;
      }
    };
    return {
      noSecret: await codeOf(() => new OTC.Session(apiKey, sessionId, { signalingUrl: url }).connect(token)),
      badToken: await codeOf(() => {
        const s = new OTC.Session(apiKey, sessionId, { signalingUrl: url });
        s.setEncryptionSecret('long enough secret');
        return s.connect(badToken);
      }),
      unreachable: await codeOf(() => new OTC.Session(apiKey, sessionId, { signalingUrl: 'ws://127.0.0.1:59999/v1/signaling' }).connect(token)),
    };
  }, {
    apiKey: server.apiKey, sessionId: e2ee, token: server.generateToken(e2ee), url: server.signalingUrl,
    badToken: server.generateToken(e2ee).slice(0, -4) + 'AAAA',
  });
  t.deepEqual(codes, { noSecret: 6000, badToken: 1004, unreachable: 1006 });
});

test('a page publishes its camera and microphone (Chromium\'s fake devices), sealed: a Node subscriber opens and decodes both', async (t) => {
  const browser = shared.browser();
  const server = shared.server();
  const { sessionId } = server.createSession({ mediaMode: 'relayed', e2ee: true });
  const node = new otc.Session(server.apiKey, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => node.delete());
  const keyReady = node.encryptionKeyReady();
  node.setEncryptionSecret(SECRET);
  await keyReady;
  await node.connect(server.generateToken(sessionId));
  const streamSeen = new Promise<otc.StreamEvent>((resolve) => node.once('streamCreated', resolve));

  const page = await openPage(t, browser, `${server.url}/clock`);
  await page.addScriptTag({ url: '/otc-client.js' });
  const published = await page.evaluate(async ({ apiKey, sessionId, token, url, secret }) => {
    type Api = {
      Session: new (k: string, s: string, o: { signalingUrl: string }) => {
        setEncryptionSecret(s: string): number; connect(t: string): Promise<void>; publish(p: unknown): Promise<{ videoCodec: string; e2ee: boolean; hasAudio: boolean }>;
      };
      Publisher: new (o: Record<string, unknown>) => unknown;
    };
    const g = globalThis as unknown as { OTC: Api; keep: unknown[] };
    const session = new g.OTC.Session(apiKey, sessionId, { signalingUrl: url });
    session.setEncryptionSecret(secret);
    await session.connect(token);
    const publisher = new g.OTC.Publisher({ videoSource: 'camera', audioSource: 'microphone', name: 'camera' });
    const stream = await session.publish(publisher);
    g.keep = [session, publisher];
    return stream;
  }, { apiKey: server.apiKey, sessionId, token: server.generateToken(sessionId), url: server.signalingUrl, secret: SECRET });
  t.like(published, { videoCodec: 'VP8', e2ee: true, hasAudio: true });

  const subscriber = node.subscribe(await streamSeen);
  const enough = (): boolean => {
    const now = subscriber.stats();
    return now.videoFramesDecoded >= 30 && now.audioFramesOpened >= 50;
  };
  await until(t, enough, 20_000, () => `30 video frames decoded and 50 audio frames opened (${JSON.stringify(subscriber.stats())})`, 250);
  const stats = subscriber.stats();
  t.log(`camera stream at the bot: opened video ${stats.videoFramesOpened} audio ${stats.audioFramesOpened}, decoded ${stats.videoFramesDecoded}` +
    ` (${stats.videoWidth}x${stats.videoHeight}), mismatch ${stats.framesMismatch}`);
  t.true(stats.videoFramesDecoded >= 30, 'camera video decoded');
  t.true(stats.audioFramesOpened >= 50, 'microphone audio opened');
  t.is(stats.framesMismatch, 0);
});

// Relayed: both ends of one peer connection are this page's (the candidates say their end, the
// server's events say which end they are for). This file's server has no router.
for (const mediaMode of ['relayed'] as const) {
  test(`a page subscribes to its own ${mediaMode} E2EE stream: frames sealed and opened in the page, decoded`, async (t) => {
    const browser = shared.browser();
    const server = shared.server();
    const { sessionId } = server.createSession({ mediaMode, e2ee: true });
    const page = await openPage(t, browser, `${server.url}/clock`);
    await page.addScriptTag({ url: '/otc-client.js' });
    const out = await page.evaluate(async ({ apiKey, sessionId, token, url, secret }) => {
      type Stats = { videoFramesOpened: number; videoFramesDecoded: number; framesMismatch: number };
      type End = { reason: string; code: number };
      type Listener = (x: { message?: string } | undefined, end?: End) => void;
      type Subscriber = { connected(ms?: number): Promise<void>; stats(): Promise<Stats>; on(e: string, l: Listener): void };
      type Api = {
        Session: new (k: string, s: string, o: { signalingUrl: string }) => {
          setEncryptionSecret(s: string): number; connect(t: string): Promise<void>; publish(p: unknown): Promise<{ streamId: string }>;
          subscribe(s: unknown): Subscriber; on(e: string, l: Listener): void; unpublish(p: unknown): number; disconnect(): Promise<void>;
        };
        Publisher: new (o: Record<string, unknown>) => { on(e: string, l: Listener): void };
      };
      const g = globalThis as unknown as { OTC: Api; keep: unknown[] };
      const errors: string[] = [];
      const session = new g.OTC.Session(apiKey, sessionId, { signalingUrl: url });
      session.on('error', (e) => errors.push(`session: ${e?.message}`));
      session.setEncryptionSecret(secret);
      await session.connect(token);
      const publisher = new g.OTC.Publisher({ name: 'self', audioSource: null });
      const stream = await session.publish(publisher);
      const subscriber = session.subscribe(stream);
      subscriber.on('error', (e) => errors.push(`subscriber: ${e?.message}`));
      g.keep = [session, publisher, subscriber];
      await subscriber.connected(20_000);
      const deadline = Date.now() + 20_000;
      let stats = await subscriber.stats();
      while ((stats.videoFramesDecoded < 30 || stats.videoFramesOpened < 30) && Date.now() < deadline) { // opened: counted by the worker every 250 ms
        await new Promise((resolve) => setTimeout(resolve, 250));
        stats = await subscriber.stats();
      }
      // Every end says why: the subscriber and the publisher hear the unpublish, the session its disconnect.
      const ends: Record<string, unknown> = {};
      const heard = (name: string) => new Promise<void>((resolve) => {
        const record: Listener = (first, end) => { ends[name] = end ?? first; resolve(); };
        if (name === 'subscriber') subscriber.on('disconnected', record);
        else if (name === 'publisher') publisher.on('streamDestroyed', record);
        else session.on('disconnected', (error, end) => { ends[name] = { error: error?.message ?? null, end }; resolve(); });
      });
      const unpublished = Promise.all([heard('subscriber'), heard('publisher')]);
      session.unpublish(publisher);
      await unpublished;
      const disconnected = heard('session');
      await session.disconnect();
      await disconnected;
      return { stats, errors, ends };
    }, { apiKey: server.apiKey, sessionId, token: server.generateToken(sessionId), url: server.signalingUrl, secret: SECRET });
    t.log(`own ${mediaMode} stream: opened ${out.stats.videoFramesOpened}, decoded ${out.stats.videoFramesDecoded}, mismatch ${out.stats.framesMismatch}`);
    t.deepEqual(out.errors, []);
    t.true(out.stats.videoFramesDecoded >= 30, 'its own video decoded');
    t.true(out.stats.videoFramesOpened >= 30, 'opened by the frame format');
    t.is(out.stats.framesMismatch, 0);
    t.deepEqual(out.ends, {
      subscriber: { reason: 'clientUnpublished', code: 0 },
      publisher: { reason: 'clientUnpublished', code: 0 },
      session: { error: null, end: { reason: 'clientDisconnected', code: 0 } },
    });
  });
}
