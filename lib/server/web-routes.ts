// What the session server serves to pages: the browser client (README, Usage from the browser) and the
// clock its frame-code reader measures latency against.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';

/** The bundles scripts/build-web.mjs writes, from dist/lib/server. */
const WEB_DIR = path.join(__dirname, '..', '..', 'web');

const CLIENT_FILES: Record<string, string> = {
  '/otc-client.js': 'otc-client.js',
  '/otc-client.mjs': 'otc-client.mjs',
};

/** A route of the page-facing side: true when it answered. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/** CLOCK_MONOTONIC in ms (libuv's hrtime): the clock of the capture times in frame codes. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

export const serveWeb: HttpRoute = async (req, res, url) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204).end(); // pages of the client ask for one; there is none
    return true;
  }
  if (url.pathname === '/clock') {
    send(res, 200, 'application/json', JSON.stringify({ monotonicMs: monotonicMs() }), { 'cache-control': 'no-store' });
    return true;
  }
  const file = CLIENT_FILES[url.pathname];
  if (!file) return false;
  await sendBuiltFile(res, file, 'text/javascript; charset=utf-8');
  return true;
};

/** A file of dist/web (the client bundles, the demo page); 503 when the package was not built. */
export async function sendBuiltFile(res: ServerResponse, name: string, type: string): Promise<void> {
  let body: Buffer;
  try {
    body = await readFile(path.join(WEB_DIR, name));
  } catch {
    send(res, 503, 'text/plain', `${name} is not built: run npm run build:ts\n`);
    return;
  }
  send(res, 200, type, body, { 'cache-control': 'no-cache' });
}

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer,
  headers: Record<string, string> = {}): void {
  // Pages of any origin may load the client and read the clock (nothing here is secret).
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'access-control-allow-origin': '*', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
