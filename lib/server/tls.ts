// The session server's TLS: its certificate and key checked before anything listens, so that a
// file of the wrong kind or a key of another certificate is one clear sentence at start, not a
// handshake failure at every client.
import * as crypto from 'node:crypto';
import * as tls from 'node:tls';

/** The server's certificate (the leaf first, then any intermediates) and its private key, PEM. */
export interface ServerTls {
  cert: string | Buffer;
  key: string | Buffer;
}

/** A bad certificate or key, named. */
export class ServerTlsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerTlsError';
  }
}

function pemOf(value: unknown, what: string): string | Buffer {
  if (!(typeof value === 'string' || Buffer.isBuffer(value)) || value.length === 0) {
    throw new ServerTlsError(`tls.${what} must be a non-empty PEM string or Buffer`);
  }
  return value;
}

/** Throws a ServerTlsError naming what is wrong with `options`, if anything (parsing, key match). */
export function checkServerTls(options: ServerTls): void {
  if (typeof options !== 'object' || options === null) throw new ServerTlsError('tls must be { cert, key }');
  const cert = pemOf(options.cert, 'cert');
  const key = pemOf(options.key, 'key');
  // One part at a time, so that the error names the part that does not parse.
  try {
    tls.createSecureContext({ cert });
  } catch (err) {
    throw new ServerTlsError(`the TLS certificate is not a PEM certificate: ${(err as Error).message}`);
  }
  try {
    tls.createSecureContext({ key });
  } catch (err) {
    throw new ServerTlsError(`the TLS private key is not an unencrypted PEM private key: ${(err as Error).message}`);
  }
  try {
    tls.createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') {
      throw new ServerTlsError('the TLS certificate and private key do not match (the key is not the certificate\'s)');
    }
    throw new ServerTlsError(`the TLS certificate and key are not usable: ${(err as Error).message}`);
  }
}

/** One line about the leaf certificate: its names and validity (for the CLI's banner). */
export function describeCertificate(cert: string | Buffer): string {
  const leaf = new crypto.X509Certificate(cert);
  const names = leaf.subjectAltName ?? leaf.subject;
  const expired = Date.parse(leaf.validTo) < Date.now();
  return `${names}; valid until ${leaf.validTo}${expired ? ' (EXPIRED: clients will refuse it)' : ''}`;
}
