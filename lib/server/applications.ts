// Applications: the credentials of Vonage's current SDK (`@vonage/video`). Each has an id and an
// RSA key pair; the server keeps only the public key, the application signs its REST requests
// and its client tokens (RS256) with the private key, which is shown once when it is made. A
// session belongs to the project that created it (its id names it): the API key, or an
// application id. Kept in the data directory's database (table `applications`), else in memory.
import * as crypto from 'node:crypto';
import type { Db } from './store/database';
import type { Statement } from 'better-sqlite3';

export interface Application {
  applicationId: string;
  name: string;
  /** PEM (SPKI). */
  publicKey: string;
  /** Signs the session monitoring webhooks of its sessions (HS256), as the API secret signs the project's. */
  signatureSecret: string;
  createTime: number;
}

export interface CreatedApplication extends Application {
  /** PEM (PKCS#8): given once, never stored. */
  privateKey: string;
}

/** Longest application name. */
export const MAX_APPLICATION_NAME_LENGTH = 200;

interface ApplicationRow {
  application_id: string; name: string; public_key: string; signature_secret: string; create_time: number;
}

function fromRow(row: ApplicationRow): Application {
  return { applicationId: row.application_id, name: row.name, publicKey: row.public_key, signatureSecret: row.signature_secret, createTime: row.create_time };
}

/** A new webhook signature secret: 32 random bytes, base64url. */
export function newSignatureSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export class Applications {
  readonly #db: Db | undefined;
  readonly #memory = new Map<string, Application>();
  /** Prepared once: every REST call and every client token signed by an application runs it. */
  readonly #selectOne: Statement<[string], ApplicationRow> | undefined;

  constructor(db?: Db) {
    this.#db = db;
    this.#selectOne = db?.prepare<[string], ApplicationRow>('SELECT * FROM applications WHERE application_id = ?');
  }

  /** Makes an application with a new 2048-bit RSA key pair. */
  create(name = ''): CreatedApplication {
    if (typeof name !== 'string' || name.length > MAX_APPLICATION_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
      throw new TypeError(`an application name is at most ${MAX_APPLICATION_NAME_LENGTH} characters without control characters`);
    }
    const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const app: Application = { applicationId: crypto.randomUUID(), name, publicKey, signatureSecret: newSignatureSecret(), createTime: Date.now() };
    this.add(app);
    return { ...app, privateKey };
  }

  /** Registers an application whose key pair was made elsewhere (its public key, PEM). */
  add(app: Application): void {
    let key: crypto.KeyObject;
    try {
      key = crypto.createPublicKey(app.publicKey);
    } catch (err) {
      throw new TypeError(`the public key is not a PEM public key: ${(err as Error).message}`);
    }
    if (key.asymmetricKeyType !== 'rsa') throw new TypeError('the public key must be an RSA key (RS256)');
    if (typeof app.signatureSecret !== 'string' || app.signatureSecret.length < 16) throw new TypeError('a signature secret has at least 16 characters');
    if (!/^[0-9A-Za-z-]{1,64}$/.test(app.applicationId)) throw new TypeError('an application id holds 1 to 64 letters, digits or "-"');
    if (this.get(app.applicationId)) throw new TypeError(`application ${app.applicationId} exists already`);
    if (this.#db) {
      this.#db.prepare('INSERT INTO applications (application_id, name, public_key, signature_secret, create_time) VALUES (?, ?, ?, ?, ?)')
        .run(app.applicationId, app.name, app.publicKey, app.signatureSecret, app.createTime);
    } else {
      this.#memory.set(app.applicationId, app);
    }
  }

  /** Read from the database each time: `node-otc app create` may add one while the server runs. */
  get(applicationId: string): Application | undefined {
    if (!this.#selectOne) return this.#memory.get(applicationId);
    const row = this.#selectOne.get(applicationId);
    return row && fromRow(row);
  }

  list(): Application[] {
    if (!this.#db) return [...this.#memory.values()];
    return (this.#db.prepare('SELECT * FROM applications ORDER BY rowid').all() as ApplicationRow[]).map(fromRow);
  }

  /** False when there was no such application. Its sessions stay; their tokens no longer verify. */
  remove(applicationId: string): boolean {
    if (!this.#db) return this.#memory.delete(applicationId);
    return this.#db.prepare('DELETE FROM applications WHERE application_id = ?').run(applicationId).changes > 0;
  }

  /** The public key of an application, for verifying what it signed. */
  publicKey(applicationId: string): string | undefined {
    return this.get(applicationId)?.publicKey;
  }
}
