// A webhook receiver on 127.0.0.1 for the tests of session monitoring and archive callbacks, and
// the check of a webhook's signature as receivers make it (docs/protocol.md).
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';
import jwt from 'jsonwebtoken';

export interface Received {
  body: Record<string, unknown>;
  raw: string;
  authorization: string;
}

/** An HTTP receiver on 127.0.0.1 (HTTPS with `tls`); `fail` answers the first N requests with 500. */
export async function receiver(t: ExecutionContext, fail = 0, tls?: { cert: Buffer; key: Buffer }): Promise<{ url: string; received: Received[]; next: (event: string) => Promise<Received> }> {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  let failures = fail;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(500).end();
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ body: JSON.parse(raw) as Record<string, unknown>, raw, authorization: req.headers.authorization ?? '' });
      res.writeHead(204).end();
      for (const wake of waiters.splice(0)) wake();
    });
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const next = async (event: string): Promise<Received> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = received.find((r) => r.body['event'] === event);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${event} within 10 s; got ${JSON.stringify(received.map((r) => r.body['event']))}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, next };
}

/** Whether the webhook's signature verifies with `secret` and covers its body and project. */
export function verified(r: Received, secret: string, projectId: string): boolean {
  let claims: jwt.JwtPayload;
  try {
    claims = jwt.verify(r.authorization.replace(/^Bearer /, ''), secret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
  } catch {
    return false;
  }
  return claims['payload_hash'] === crypto.createHash('sha256').update(r.raw).digest('hex') && claims['project_id'] === projectId;
}
