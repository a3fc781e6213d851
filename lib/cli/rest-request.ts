// One REST request of the CLI to a session server over http:// or https://. With a CA file the
// server's certificate must chain to it (instead of Node's CA store + NODE_EXTRA_CA_CERTS), so a
// server with a private CA is reached without turning verification off.
import * as http from 'node:http';
import * as https from 'node:https';

export interface RestAnswer {
  status: number;
  text: string;
}

/** Largest answer read (a session server's answers are a few hundred bytes). */
const MAX_ANSWER_BYTES = 1024 * 1024;

export function restRequest(url: URL, opts: { method: string; headers: Record<string, string>; body?: string; ca?: Buffer; timeoutMs: number }):
  Promise<RestAnswer> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new Error(`--url must be http:// or https://, not ${url.protocol}`));
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: opts.method,
      headers: { ...opts.headers, ...(opts.body !== undefined && { 'Content-Length': String(Buffer.byteLength(opts.body)) }) },
      timeout: opts.timeoutMs,
      ...(url.protocol === 'https:' && { minVersion: 'TLSv1.2' as const, ...(opts.ca && { ca: opts.ca }) }),
    }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          request.destroy(new Error(`${url.href} answered more than ${MAX_ANSWER_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url.href} within ${opts.timeoutMs} ms`)));
    request.on('error', (err: Error & { code?: string }) => reject(new Error(describeRequestError(url, err))));
    request.end(opts.body);
  });
}

/** Node's TLS error codes in words: which check failed. */
function describeRequestError(url: URL, err: Error & { code?: string }): string {
  const where = `${url.origin}`;
  switch (err.code) {
    case 'CERT_HAS_EXPIRED': return `${where}: TLS: certificate has expired`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return `${where}: TLS: hostname mismatch (${err.message})`;
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `${where}: TLS: certificate is not trusted (${err.message}; give --ca-file or NODE_EXTRA_CA_CERTS)`;
    default:
      // OpenSSL reading an HTTP answer as a TLS record (Node reports EPROTO with its reason).
      if (/wrong version number|packet length too long/.test(err.message)) return `${where}: TLS: server did not answer TLS (plain http:// server?)`;
      if (url.protocol === 'http:' && err.code === 'ECONNRESET') return `${where}: the server closed the connection (a TLS server? use https://)`;
      return `${where}: ${err.message}`;
  }
}
