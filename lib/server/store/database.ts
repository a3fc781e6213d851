// The server's SQLite file (better-sqlite3, synchronous): opened once per server, schema brought
// up to date by the migrations list. Other stores of the server (archives, applications) add
// their tables as further migrations here, never by editing one already shipped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

/** The file a data directory holds. */
export const DATABASE_FILE = 'sessions.sqlite';

/** A data directory that cannot be used (not writable, a newer schema, not a database). */
export class DataDirError extends Error {}

/**
 * Opens (creating it and the directory if needed) DIR/sessions.sqlite with WAL and
 * synchronous=NORMAL (a commit survives a process kill; a power loss may lose the last ones),
 * and migrates it to the newest schema version.
 */
export function openDatabase(dataDir: string): Db {
  if (typeof dataDir !== 'string' || dataDir === '') throw new DataDirError('dataDir must be a non-empty path');
  let db: Db;
  try {
    // 0700: the file holds the API secret (store/credentials.ts).
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, DATABASE_FILE);
    db = new Database(file);
    fs.chmodSync(file, 0o600);
  } catch (err) {
    throw new DataDirError(`cannot open the data directory ${dataDir}: ${(err as Error).message}`);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (err) {
    db.close();
    if (err instanceof DataDirError) throw err;
    throw new DataDirError(`${path.join(dataDir, DATABASE_FILE)}: ${(err as Error).message}`);
  }
  return db;
}

/** Applies the migrations past the file's user_version, each in one transaction with its version bump. */
export function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new DataDirError(`schema version ${version} is newer than this server's (${MIGRATIONS.length}): written by a newer node-otc`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** The schema version of an open database. */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
