// `node-otc loadtest` through Janus (inside scripts/netns-run.sh): a routed E2EE session, 2
// publishers x 2 subscribers on 2 workers, one subscriber decoding (latency) and the other
// verify-only; exit 0 with every subscription measured. test/loadtest.test.ts covers the
// command's exit statuses against a relayed session.
import test from 'ava';
import type { SessionServer } from '../../lib/server/index';
import { startLoadtest } from '../helpers/loadtest-run';
import { API_KEY, requireNetns, startRoutedServer } from './helpers';

let server: SessionServer;
test.before(async () => {
  requireNetns();
  server = await startRoutedServer();
});
test.after.always(async () => {
  await server?.close();
});

test('2 publishers x 2 subscribers through Janus, E2EE: every subscription opens frames, the decoding one has latency, exit 0', async (t) => {
  const { code, output, report } = await startLoadtest(t, ['--url', server.url, '--api-key', API_KEY, '--api-secret', 'a'.repeat(40), '--routed',
    '--publishers', '2', '--subscribers', '2', '--workers', '2', '--duration', '8', '--size', '320x180', '--decode-sample', '2',
    '--min-fps', '15', '--max-loss', '0.5', '--max-latency-p95', '5000']).exited;
  t.is(code, 0, output);
  t.regex(output, /^PASS: 2 publishers x 2 subscribers, 4\/4 subscriptions over .* end-to-end encrypted/m);
  t.is(report!.config['routed'], true);
  t.is(report!.subscriptions.length, 4);
  for (const s of report!.subscriptions) {
    t.true(s.fpsOpened >= 15, `subscriber ${s.subscriber} <- p${s.publisher}: ${s.fpsOpened} fps`);
    t.is(s.notOpened.mismatch + s.notOpened.integrity, 0);
    t.is(s.decode, s.subscriber === 0);
    if (s.decode) t.not(s.latencyP95Ms, null);
    else t.is(s.framesDecoded, 0);
  }
  // Through the SFU a publisher sends one stream, whatever the number of subscribers.
  for (const stream of report!.streams) t.true(stream.fpsSent >= 15, JSON.stringify(stream));
});
