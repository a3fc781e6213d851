// A REST call on a session served by another process of the cluster: passed on to that process
// as it came (method, path, headers, body), vouched for by relay-auth.ts, and its answer passed
// back as it comes. A home that cannot be reached answers 503 (the caller retries; by then
// another process has taken the session over).
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RELAY_HEADER, type RelayAuth } from './relay-auth';

/** Headers of one hop, not passed on. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', RELAY_HEADER]);

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };

/** Resolves once the answer is passed back (or a 502/503 sent). */
export function forwardRest(req: IncomingMessage, res: ServerResponse, homeUrl: string, auth: RelayAuth, timeoutMs = 30_000): Promise<void> {
  const target = new URL(req.url ?? '/', homeUrl);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HOP_HEADERS.has(name) && value !== undefined) headers[name] = value;
  headers[RELAY_HEADER] = auth.header(req.socket.remoteAddress ?? '?');
  const secure = target.protocol === 'https:';
  return new Promise<void>((resolve) => {
    const fail = (status: number, message: string): void => {
      if (!res.headersSent) {
        const body = JSON.stringify({ code: status, message });
        res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Retry-After': '1' }).end(body);
      } else {
        res.destroy();
      }
      resolve();
    };
    const upstream = (secure ? https : http).request(target, { method: req.method, headers, agent: secure ? agents.https : agents.http, timeout: timeoutMs }, (answer) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) if (!HOP_HEADERS.has(name) && value !== undefined) out[name] = value;
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
      answer.on('end', () => resolve());
      answer.on('error', () => fail(502, 'the session\'s server process broke off its answer'));
    });
    upstream.on('timeout', () => upstream.destroy(new Error('timed out')));
    upstream.on('error', () => fail(503, 'the session\'s server process cannot be reached now: try again'));
    req.pipe(upstream);
    req.on('error', () => upstream.destroy());
  });
}
