// The TypeScript twin of examples/c: joins an end-to-end encrypted session, publishes the test
// pattern, subscribes to its own stream (through the media router in a routed session) and
// checks the media. Exits 0 when at least 80% of the frames arrived and none failed to decrypt.
//
//   OTC_E2EE_SECRET='the session secret' node dist/examples/ts/join-and-check.js \
//     ws://127.0.0.1:8080/v1/signaling API_KEY SESSION_ID TOKEN [SECONDS]
import { once } from 'node:events';
import * as otc from 'node-otc';

const FPS = 30;

async function main(): Promise<number> {
  const [signalingUrl, apiKey, sessionId, token, secondsText = '5'] = process.argv.slice(2);
  const secret = process.env['OTC_E2EE_SECRET'];
  const seconds = Number(secondsText);
  if (!signalingUrl || !apiKey || !sessionId || !token || !secret || !(seconds >= 1)) {
    process.stderr.write('usage: OTC_E2EE_SECRET=... node join-and-check.js SIGNALING_URL API_KEY SESSION_ID TOKEN [SECONDS]\n');
    return 2;
  }
  // `using` / `await using`: whatever happens below, the subscriber is unsubscribed, the
  // publisher unpublished, the session disconnected (each waits a bounded time), all are
  // deleted, and the engine's init() is undone, in reverse order.
  using engine = otc.init();
  await using session = new otc.Session(apiKey, sessionId, { signalingUrl });
  await using publisher = new otc.Publisher({ name: 'ts example', testPattern: { width: 320, height: 180, fps: FPS } });
  void engine;
  const errors: string[] = [];
  session.on('error', (error) => errors.push(`session: ${error.message}`));
  publisher.on('error', (error) => errors.push(`publisher: ${error.message}`));
  // Failures follow one rule: calls that mirror a C function return its code...
  if (session.setEncryptionSecret(secret) !== otc.ErrorCode.OTC_SUCCESS) throw new Error('the secret is not valid');
  // ...asynchronous operations reject with an OtcError carrying the same codes.
  await session.encryptionKeyReady();
  const connected = once(session, 'connected', { signal: AbortSignal.timeout(15_000) });
  await session.connect(token);
  await connected; // settled already: connect() resolves with 'connected'
  console.log(`connected as ${session.connectionId}${session.isE2ee ? ' to an end-to-end encrypted session' : ''}`);
  otc.audio.captureTone(440, 0.3);
  const stream = await session.publish(publisher);
  console.log(`publishing ${stream.streamId}${stream.e2ee ? ' (end-to-end encrypted)' : ''}`);

  await using subscriber = session.subscribe(stream);
  subscriber.on('error', (error) => errors.push(`subscriber: ${error.message}`));
  subscriber.on('encryptionSecretMismatch', (error) => errors.push(`subscriber: ${error.message}`));
  await subscriber.firstFrame(20_000);
  const before = subscriber.mediaCheck();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const check = subscriber.mediaCheck();
  const stats = subscriber.stats();
  const received = check.framesReceived - before.framesReceived;
  console.log(`received ${received} of about ${seconds * FPS} frames, ${check.framesLost} lost, latency p50 ${check.latencyP50Ms} ms ` +
    `p95 ${check.latencyP95Ms} ms; ${stats.videoFramesOpened} frames opened, ${stats.framesMismatch} mismatched`);
  const ok = errors.length === 0 && received >= 0.8 * seconds * FPS && stats.framesMismatch === 0 && stats.videoFramesOpened > 0;
  for (const error of errors) console.error(error);
  console.log(ok ? 'PASS' : 'FAIL');
  return ok ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
