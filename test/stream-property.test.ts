// The Node API's 'streamPropertyChanged' (as OpenTok.js's): a publisher's setPublishAudio /
// setPublishVideo and the size of its video reach the other session with the old and new
// values, session.streams follows, and nothing is emitted for an unchanged value.
import type { EventEmitter } from 'node:events';
import test from 'ava';
import * as otc from '../lib/index';
import { startServer } from './server/helpers/server';

const API_KEY = '47000001';

test.before(() => otc.init());
test.after.always(() => otc.destroy());

function next(session: otc.Session, timeoutMs = 10000): Promise<otc.StreamPropertyChangedEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no streamPropertyChanged within ${timeoutMs} ms`)), timeoutMs);
    (session as unknown as EventEmitter).once('streamPropertyChanged', (event: otc.StreamPropertyChangedEvent) => {
      clearTimeout(timer);
      resolve(event);
    });
  });
}

test.serial('streamPropertyChanged: video size, then hasVideo and hasAudio off and on, with old and new values', async (t) => {
  t.timeout(60_000);
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  const b = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => { a.delete(); b.delete(); });
  await a.connect(server.generateToken(sessionId));
  await b.connect(server.generateToken(sessionId));
  t.is(otc.audio.captureTone(440, 0.5), otc.ErrorCode.OTC_SUCCESS);
  const publisher = new otc.Publisher({ name: 'props', testPattern: { width: 320, height: 180, fps: 15 } });
  t.teardown(() => publisher.delete());
  const firstChange = next(b);
  const stream = await a.publish(publisher);
  const aEvents: otc.StreamPropertyChangedEvent[] = [];
  a.on('streamPropertyChanged', (event) => aEvents.push(event));

  const size = await firstChange;
  t.like(size, { changedProperty: 'videoDimensions', oldValue: undefined, newValue: { width: 320, height: 180 } });
  t.like(size.stream, { streamId: stream.streamId, videoWidth: 320, videoHeight: 180 });

  let change = next(b);
  t.is(publisher.setPublishVideo(false), otc.ErrorCode.OTC_SUCCESS);
  t.like(await change, { changedProperty: 'hasVideo', oldValue: true, newValue: false, stream: { streamId: stream.streamId, hasVideo: false } });
  t.like(b.streams.find((s) => s.streamId === stream.streamId), { hasVideo: false, hasAudio: true, videoWidth: 320 });

  change = next(b);
  t.is(publisher.setPublishAudio(false), otc.ErrorCode.OTC_SUCCESS);
  t.like(await change, { changedProperty: 'hasAudio', oldValue: true, newValue: false, stream: { hasAudio: false, hasVideo: false } });

  // Unchanged: nothing; then back on.
  const all: otc.StreamPropertyChangedEvent[] = [];
  b.on('streamPropertyChanged', (event) => all.push(event));
  t.is(publisher.setPublishAudio(false), otc.ErrorCode.OTC_SUCCESS);
  change = next(b);
  t.is(publisher.setPublishVideo(true), otc.ErrorCode.OTC_SUCCESS);
  t.like(await change, { changedProperty: 'hasVideo', oldValue: false, newValue: true });
  const signal = new Promise<void>((resolve) => b.once('signal', () => resolve()));
  a.sendSignal({ type: 'marker', data: 'after' });
  await signal;
  t.deepEqual(all.map((e) => `${e.changedProperty}:${JSON.stringify(e.newValue)}`), ['hasVideo:true']);
  t.deepEqual(aEvents, [], 'the publishing session hears nothing about its own stream');
  await Promise.all([a.disconnect(), b.disconnect()]);
});
