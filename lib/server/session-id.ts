import * as crypto from 'node:crypto';

/** What an OpenTok-shaped session id says about itself. */
export interface ParsedSessionId {
  apiKey: string;
  location: string;
  /** The creation date field, as written in the id. */
  date: string;
  random: string;
}

function toBase64Url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Mints a session id of the form the OpenTok server SDKs parse:
 * `1_` + base64url(`1~<apiKey>~<location>~<date>~<random>~`).
 */
export function mintSessionId(apiKey: string, location = '', date: Date = new Date()): string {
  if (apiKey.includes('~') || location.includes('~')) throw new TypeError('apiKey and location must not contain "~"');
  const random = crypto.randomBytes(16).toString('hex');
  return `1_${toBase64Url(`1~${apiKey}~${location}~${date.toUTCString()}~${random}~`)}`;
}

/** Parses a session id the way the SDKs do; undefined when it is not of that shape. */
export function parseSessionId(sessionId: string): ParsedSessionId | undefined {
  if (typeof sessionId !== 'string' || sessionId.length < 4 || sessionId.length > 512) return undefined;
  if (!/^[12]_[A-Za-z0-9_-]+$/.test(sessionId)) return undefined;
  const decoded = Buffer.from(sessionId.slice(2).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  const fields = decoded.split('~');
  if (fields.length < 5) return undefined;
  const [version, apiKey, location, date, random] = fields as [string, string, string, string, string];
  if (version !== '1' && version !== '2') return undefined;
  if (!apiKey) return undefined;
  return { apiKey, location, date, random };
}
