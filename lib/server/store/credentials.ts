// The API key and secret a data directory's sessions belong to: session ids embed the key and
// reconnect tokens are keyed from the secret, so a restarted server must use the same pair.
import * as crypto from 'node:crypto';
import type { Db } from './database';
import { DataDirError } from './database';

export interface ApiCredentials {
  apiKey: string;
  apiSecret: string;
}

function equal(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

/**
 * The stored credentials, when the given ones are the same or none. Others are refused with
 * refuse(message): the sessions and reconnect tokens of `owner` would all be invalid.
 */
export function adoptCredentials(stored: ApiCredentials, given: Partial<ApiCredentials>, owner: string,
  refuse: (message: string) => Error): ApiCredentials {
  if (given.apiKey !== undefined && given.apiKey !== stored.apiKey) throw refuse(`${owner} belongs to API key ${stored.apiKey}, not ${given.apiKey}`);
  if (given.apiSecret !== undefined && !equal(given.apiSecret, stored.apiSecret)) {
    throw refuse(`${owner} belongs to API key ${stored.apiKey} with another API secret`);
  }
  return stored;
}

/**
 * The credentials of the data directory: those stored, when the caller gives none (or the same
 * ones); the caller's, stored, when the directory holds none yet. Given ones that differ from the
 * stored ones are refused (DataDirError).
 */
export function settleCredentials(db: Db, given: Partial<ApiCredentials>, generate: () => ApiCredentials): ApiCredentials {
  const get = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const storedKey = get.get('api_key')?.value;
  const storedSecret = get.get('api_secret')?.value;
  if (storedKey !== undefined && storedSecret !== undefined) {
    return adoptCredentials({ apiKey: storedKey, apiSecret: storedSecret }, given, 'the data directory', (message) => new DataDirError(message));
  }
  const fresh = generate();
  const chosen = { apiKey: given.apiKey ?? fresh.apiKey, apiSecret: given.apiSecret ?? fresh.apiSecret };
  const put = db.prepare<[string, string]>('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  db.transaction(() => {
    put.run('api_key', chosen.apiKey);
    put.run('api_secret', chosen.apiSecret);
  })();
  return chosen;
}
