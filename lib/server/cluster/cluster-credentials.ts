// The API key and secret of a cluster (`serve --redis`), in hash `otc:credentials`: every process
// must sign and check with the same pair, as a restarted server must with its data directory's.
import { type ApiCredentials, adoptCredentials } from '../store/credentials';
import { KEY_PREFIX, type RedisLink } from './redis-link';

/** Credentials given that differ from the cluster's, or a credentials hash that is not one. */
export class ClusterCredentialsError extends Error {}

export const CREDENTIALS_KEY = `${KEY_PREFIX}credentials`;

// Both fields in one step, only when neither is there: processes starting at once all get the
// pair the first one stored, never a key from one and a secret from another.
const SETTLE = `if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], 'apiKey', ARGV[1], 'apiSecret', ARGV[2]) end
return redis.call('HMGET', KEYS[1], 'apiKey', 'apiSecret')`;

/**
 * The cluster's credentials: those in Redis, when the caller gives none (or the same ones); the
 * caller's (or generated ones), stored, when Redis holds none yet. Given ones that differ from the
 * stored ones are refused (ClusterCredentialsError).
 */
export async function settleCredentialsInRedis(link: RedisLink, given: Partial<ApiCredentials>,
  generate: () => ApiCredentials): Promise<ApiCredentials> {
  const fresh = generate();
  const chosen = { apiKey: given.apiKey ?? fresh.apiKey, apiSecret: given.apiSecret ?? fresh.apiSecret };
  const stored = await link.commands.eval(SETTLE, { keys: [CREDENTIALS_KEY], arguments: [chosen.apiKey, chosen.apiSecret] });
  const [apiKey, apiSecret] = Array.isArray(stored) ? stored : [];
  if (typeof apiKey !== 'string' || typeof apiSecret !== 'string') {
    throw new ClusterCredentialsError(`${CREDENTIALS_KEY} in Redis lacks apiKey or apiSecret: remove it, or set both`);
  }
  return adoptCredentials({ apiKey, apiSecret }, given, 'the Redis cluster', (message) => new ClusterCredentialsError(message));
}
