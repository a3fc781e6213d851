// Webhooks to HTTPS receivers, from `node-otc serve` as operators run it: a receiver whose
// certificate chains to a CA the server's process trusts (here NODE_EXTRA_CA_CERTS, as an operator
// adds a private CA; public CAs are trusted already) gets signed deliveries; one whose certificate
// does not verify gets nothing, and the server logs that it gave up on it.
import test from 'ava';
import { signRestAuth } from '../../lib/server/index';
import { generateToken } from '../../lib/server/tokens';
import { startServe } from '../helpers/serve-process';
import { makeTestCerts } from '../helpers/tls-certs';
import { receiver, verified } from '../helpers/webhook-receiver';
import { TestClient } from './helpers/client';

async function rest(url: string, apiKey: string, apiSecret: string, path: string, body: string, contentType: string): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST', body, signal: AbortSignal.timeout(10_000),
    headers: { 'X-OPENTOK-AUTH': signRestAuth(apiKey, apiSecret), 'Content-Type': contentType },
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

test('webhooks reach an HTTPS receiver the server trusts, signed; an untrusted certificate gets nothing and is logged', async (t) => {
  t.timeout(60_000);
  const certs = makeTestCerts();
  t.teardown(() => certs.remove());
  const trusted = await receiver(t, 0, { cert: certs.read('server.pem'), key: certs.read('server.key') });
  const expired = await receiver(t, 0, { cert: certs.read('expired.pem'), key: certs.read('expired.key') });
  const serve = await startServe(t, ['--no-router'], { NODE_EXTRA_CA_CERTS: certs.file('ca.pem') });
  for (const url of [trusted.url, expired.url]) {
    await rest(serve.url, serve.apiKey, serve.apiSecret, `/v2/project/${serve.apiKey}/callback`,
      JSON.stringify({ group: 'connection', event: 'created', url }), 'application/json');
  }
  const [created] = await rest(serve.url, serve.apiKey, serve.apiSecret, '/session/create', 'p2p.preference=enabled',
    'application/x-www-form-urlencoded') as Array<{ session_id: string }>;
  const sessionId = created!.session_id;
  const client = await TestClient.open(serve.signalingUrl);
  t.teardown(() => client.close());
  const ack = await client.connect(generateToken(serve.apiKey, serve.apiSecret, sessionId));

  const delivered = await trusted.next('connectionCreated');
  t.like(delivered.body, { sessionId, connection: { id: ack.connectionId } });
  t.true(verified(delivered, serve.apiSecret, serve.apiKey));
  // Tried three times (now, after 1 s and 5 s), never delivered.
  const deadline = Date.now() + 20_000;
  while (!/webhooks: gave up on https:\/\/127\.0\.0\.1:\d+\/hooks after 3 attempts/.test(serve.output()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  t.regex(serve.output(), /webhooks: gave up on https:\/\/127\.0\.0\.1:\d+\/hooks after 3 attempts: fetch failed: certificate has expired/);
  t.is(expired.received.length, 0);
});
