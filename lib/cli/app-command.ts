// `node-otc app`: applications (the credentials of `@vonage/video`) in a server's data directory,
// or in a cluster's Redis. The servers read them from there as they run: no restart is needed.
import * as fs from 'node:fs';
import { Applications } from '../server/applications';
import { RedisLink } from '../server/cluster/redis-link';
import { DataDirError, openDatabase } from '../server/store/database';
import { type Out, UsageError, type Values, parse, redisUrlArgument } from './args';

export const APP_USAGE = `  node-otc app create (--data DIR | --redis URL | --redis-url-file F) [--name NAME] [--private-key-file F]
  node-otc app list (--data DIR | --redis URL | --redis-url-file F)
  node-otc app delete (--data DIR | --redis URL | --redis-url-file F) ID
      applications for @vonage/video (new Vonage({ applicationId, privateKey }), videoHost: the
      server's URL) in the data directory of 'serve --data DIR', or in the Redis of a cluster
      ('serve --redis URL': every server of it); the servers need not restart.
      create prints the new application's id, the secret its session monitoring webhooks are
      signed with, and its RS256 private key (PEM), once: the server keeps only the public key.
      --private-key-file writes the key to F (mode 0600) instead.`;

/** How long the CLI waits for an unreachable Redis. */
const REDIS_TIMEOUT_MS = 5000;

/** Runs `use` on the applications of --data DIR or --redis URL (exactly one), closed after. */
async function withApplications<T>(values: Values, use: (apps: Applications) => Promise<T> | T): Promise<T> {
  const dir = values['data'] as string | undefined;
  const url = redisUrlArgument(values);
  if (dir !== undefined && url !== undefined) throw new UsageError('give --data DIR or --redis URL, not both');
  if (url !== undefined) return withRedisApplications(url, use);
  if (dir === undefined || dir === '') throw new UsageError('--data DIR or --redis URL is required');
  let db;
  try {
    db = openDatabase(dir);
  } catch (err) {
    if (err instanceof DataDirError) throw new UsageError(`--data: ${err.message}`);
    throw err;
  }
  try {
    return await use(new Applications(db));
  } finally {
    db.close();
  }
}

async function withRedisApplications<T>(url: string, use: (apps: Applications) => Promise<T> | T): Promise<T> {
  let link: RedisLink;
  try {
    // Not logged: the error thrown says what failed.
    link = await RedisLink.connect(url, () => undefined, REDIS_TIMEOUT_MS);
  } catch (err) {
    throw new UsageError(`--redis: ${(err as Error).message}`);
  }
  try {
    const apps = await Applications.inRedis(link, (line) => process.stderr.write(`node-otc: ${line}\n`));
    try {
      return await use(apps);
    } finally {
      await apps.close();
    }
  } finally {
    await link.close();
  }
}

export async function appCommand(args: string[], out: Out, usage: string): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, { data: 'string', redis: 'string', 'redis-url-file': 'string', name: 'string', 'private-key-file': 'string' }, true);
  if (values['help'] || sub === undefined || sub === '--help') {
    out(usage);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'create') {
    if (positionals.length > 0) throw new UsageError(`app create takes no arguments, not ${positionals[0]}`);
    const keyFile = values['private-key-file'] as string | undefined;
    if (keyFile === '') throw new UsageError('--private-key-file needs a path');
    if (keyFile !== undefined && fs.existsSync(keyFile)) throw new UsageError(`--private-key-file: ${keyFile} exists; it is not overwritten`);
    let app;
    try {
      app = await withApplications(values, (apps) => apps.create((values['name'] as string | undefined) ?? ''));
    } catch (err) {
      if (err instanceof TypeError) throw new UsageError(err.message);
      throw err;
    }
    out(`application id: ${app.applicationId}`);
    out(`webhook signature secret: ${app.signatureSecret}`);
    if (keyFile !== undefined) {
      fs.writeFileSync(keyFile, app.privateKey, { mode: 0o600, flag: 'wx' });
      out(`private key: written to ${keyFile} (kept nowhere else)`);
    } else {
      out('private key (kept nowhere else):');
      out(app.privateKey.trimEnd());
    }
    return 0;
  }
  if (sub === 'list') {
    if (positionals.length > 0) throw new UsageError(`app list takes no arguments, not ${positionals[0]}`);
    const apps = await withApplications(values, (all) => all.list());
    if (apps.length === 0) out('no applications');
    for (const app of apps) out(`${app.applicationId}  ${new Date(app.createTime).toISOString()}  ${JSON.stringify(app.name)}`);
    return 0;
  }
  if (sub === 'delete') {
    if (positionals.length !== 1) throw new UsageError('app delete takes one application id');
    if (!await withApplications(values, (apps) => apps.remove(positionals[0]!))) {
      out(`no application ${positionals[0]!}`);
      return 1;
    }
    out(`deleted ${positionals[0]!}: its tokens and REST credentials are refused from now on`);
    return 0;
  }
  throw new UsageError(`app ${sub}: not a subcommand (create, list, delete)`);
}
