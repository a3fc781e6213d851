// Multi-party routed E2EE sessions through Janus (inside scripts/netns-run.sh): four clients in
// one process, each publishing and subscribing to the other three (12 subscriptions), then
// clients leaving and joining with the right events on everyone else.
import test, { type ExecutionContext } from 'ava';
import * as otc from '../../lib/index';
import { sleep, until } from '../helpers/wait';
import { joinSession, sharedRoutedServer } from './helpers';

const SECRET = 'routed multi-party secret';
const PATTERN = { width: 320, height: 180, fps: 15 };
const WINDOW_MS = 5000;


const server = sharedRoutedServer(test, { initMedia: true });

/** One party: a session that publishes and subscribes to every other stream as it appears. */
class Party {
  readonly subscribers = new Map<string, otc.Subscriber>();
  readonly errors: string[] = [];
  readonly destroyedStreams: string[] = [];
  readonly leftConnections: string[] = [];
  publisher?: otc.Publisher;
  streamId?: string;

  constructor(readonly t: ExecutionContext, readonly name: string, readonly session: otc.Session) {
    session.on('streamCreated', (stream) => this.#subscribe(stream));
    // Subscribers end on their own when their stream goes ('disconnected'); they are destroyed
    // with the test.
    session.on('streamDestroyed', (stream) => this.destroyedStreams.push(stream.streamId));
    session.on('connectionDestroyed', (connection) => this.leftConnections.push(connection.connectionId));
  }

  static async join(t: ExecutionContext, sessionId: string, name: string): Promise<Party> {
    const session = await joinSession(t, server(), sessionId, name, SECRET);
    const party = new Party(t, name, session);
    for (const stream of session.streams) party.#subscribe(stream);
    const publisher = new otc.Publisher({ name, videoCodec: 'VP8', testPattern: PATTERN });
    t.teardown(() => publisher.delete());
    publisher.on('error', (error) => party.errors.push(`${name} publisher: ${error.message}`));
    party.publisher = publisher;
    party.streamId = (await session.publish(publisher)).streamId;
    return party;
  }

  #subscribe(stream: otc.StreamEvent): void {
    if (stream.connectionId === this.session.connectionId || this.subscribers.has(stream.streamId)) return;
    const subscriber = this.session.subscribe(stream);
    subscriber.on('error', (error) => this.errors.push(`${this.name} <- ${stream.name}: ${error.message}`));
    subscriber.on('encryptionSecretMismatch', (error) => this.errors.push(`${this.name} <- ${stream.name}: ${error.message}`));
    this.subscribers.set(stream.streamId, subscriber);
    this.t.teardown(() => subscriber.delete());
  }

  framesFrom(streamId: string): number {
    return this.subscribers.get(streamId)?.mediaCheck().framesReceived ?? 0;
  }
}

test.serial('4 parties, each publishing and subscribing to the other 3 through one routed E2EE session; leaving and joining', async (t) => {
  t.timeout(110_000);
  const { sessionId } = server().createSession({ e2ee: true, mediaMode: 'routed' });
  t.is(otc.audio.captureTone(330, 0.3), otc.ErrorCode.OTC_SUCCESS);
  const parties: Party[] = [];
  for (const name of ['ann', 'bob', 'cid', 'dee']) parties.push(await Party.join(t, sessionId, name));

  const everyPair = (): Array<[Party, Party]> => parties.flatMap((a) => parties.filter((b) => b !== a).map((b) => [a, b] as [Party, Party]));
  await until(t, () => everyPair().every(([viewer, source]) => viewer.framesFrom(source.streamId!) > 0), 40_000,
    () => `frames on all 12 subscriptions: ${everyPair().map(([v, s]) => `${v.name}<-${s.name} ${v.framesFrom(s.streamId!)}`).join(', ')}`);

  // One window over all 12 subscriptions: frames read vs frames each publisher sealed.
  const sealed0 = new Map(parties.map((p) => [p.name, p.publisher!.stats().videoFramesSealed]));
  const read0 = new Map(everyPair().map(([v, s]) => [`${v.name}<-${s.name}`, v.framesFrom(s.streamId!)]));
  await sleep(WINDOW_MS);
  const ratios: string[] = [];
  let worst = Infinity;
  for (const [viewer, source] of everyPair()) {
    const sealed = source.publisher!.stats().videoFramesSealed - sealed0.get(source.name)!;
    const read = viewer.framesFrom(source.streamId!) - read0.get(`${viewer.name}<-${source.name}`)!;
    worst = Math.min(worst, read / sealed);
    ratios.push(`${viewer.name}<-${source.name} ${read}/${sealed}`);
    const stats = viewer.subscribers.get(source.streamId!)!.stats();
    t.true(stats.e2ee && stats.videoFramesOpened > 0, `${viewer.name}<-${source.name} opens frames: ${JSON.stringify(stats)}`);
    t.is(stats.framesMismatch + stats.framesIntegrityFailure + stats.framesUnencrypted, 0, JSON.stringify(stats));
  }
  t.log(`frames read / sealed in ${WINDOW_MS} ms: ${ratios.join(', ')}`);
  t.true(worst >= 0.9, `every subscription reads >= 90% of the frames sealed: ${ratios.join(', ')}`);
  t.deepEqual(parties.flatMap((p) => p.errors), []);

  // dee leaves: the others see its stream and its connection go, and their subscriptions to it end.
  const dee = parties.pop()!;
  const deeConnection = dee.session.connectionId!;
  const ended = parties.map((p) => new Promise<void>((resolve) => p.subscribers.get(dee.streamId!)!.once('disconnected', () => resolve())));
  await dee.session.disconnect();
  await Promise.all(ended);
  await until(t, () => parties.every((p) => p.destroyedStreams.includes(dee.streamId!) && p.leftConnections.includes(deeConnection)), 10_000,
    () => 'streamDestroyed and connectionDestroyed for dee on every other party');
  t.true(parties.every((p) => !p.subscribers.get(dee.streamId!)!.isConnected));

  // eve joins: everyone subscribes to eve, eve to everyone.
  const eve = await Party.join(t, sessionId, 'eve');
  parties.push(eve);
  await until(t, () => everyPair().every(([viewer, source]) => viewer.framesFrom(source.streamId!) > 0), 30_000,
    () => `frames on all 12 subscriptions after eve joined: ${everyPair().map(([v, s]) => `${v.name}<-${s.name} ${v.framesFrom(s.streamId!)}`).join(', ')}`);
  t.deepEqual(parties.flatMap((p) => p.errors), []);
  await Promise.all(parties.map((p) => p.session.disconnect()));
});
