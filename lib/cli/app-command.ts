// `node-otc app`: applications (the credentials of `@vonage/video`) in a server's data directory.
// The server reads them from there as it runs: no restart is needed.
import * as fs from 'node:fs';
import { Applications } from '../server/applications';
import { DataDirError, openDatabase } from '../server/store/database';
import { type Out, UsageError, type Values, parse, required } from './args';

export const APP_USAGE = `  node-otc app create --data DIR [--name NAME] [--private-key-file F]
  node-otc app list --data DIR
  node-otc app delete --data DIR ID
      applications for @vonage/video (new Vonage({ applicationId, privateKey }), videoHost: the
      server's URL) in the data directory of 'serve --data DIR'; the server need not restart.
      create prints the new application's id, the secret its session monitoring webhooks are
      signed with, and its RS256 private key (PEM), once: the server keeps only the public key.
      --private-key-file writes the key to F (mode 0600) instead.`;

/** Runs `use` on the applications of --data DIR, the database closed after. */
function withApplications<T>(values: Values, use: (apps: Applications) => T): T {
  const dir = required(values, 'data');
  let db;
  try {
    db = openDatabase(dir);
  } catch (err) {
    if (err instanceof DataDirError) throw new UsageError(`--data: ${err.message}`);
    throw err;
  }
  try {
    return use(new Applications(db));
  } finally {
    db.close();
  }
}

export function appCommand(args: string[], out: Out, usage: string): number {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, { data: 'string', name: 'string', 'private-key-file': 'string' }, true);
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
      app = withApplications(values, (apps) => apps.create((values['name'] as string | undefined) ?? ''));
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
    const apps = withApplications(values, (all) => all.list());
    if (apps.length === 0) out('no applications');
    for (const app of apps) out(`${app.applicationId}  ${new Date(app.createTime).toISOString()}  ${JSON.stringify(app.name)}`);
    return 0;
  }
  if (sub === 'delete') {
    if (positionals.length !== 1) throw new UsageError('app delete takes one application id');
    if (!withApplications(values, (apps) => apps.remove(positionals[0]!))) {
      out(`no application ${positionals[0]!}`);
      return 1;
    }
    out(`deleted ${positionals[0]!}: its tokens and REST credentials are refused from now on`);
    return 0;
  }
  throw new UsageError(`app ${sub}: not a subcommand (create, list, delete)`);
}
