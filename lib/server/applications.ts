// Applications: the credentials of Vonage's current SDK (`@vonage/video`). Each has an id and an
// RSA key pair; the server keeps only the public key, the application signs its REST requests
// and its client tokens (RS256) with the private key, which is shown once when it is made. A
// session belongs to the project that created it (its id names it): the API key, or an
// application id. Kept in the data directory's database (table `applications`), in a cluster's
// Redis (hash `otc:applications`, mirrored by each process), else in memory.
import * as crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { Statement } from 'better-sqlite3';
import type { RedisLink } from './cluster/redis-link';
import { type Decision, RedisMirror } from './cluster/redis-mirror';
import type { Db } from './store/database';

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
/** Most applications a server (or a cluster) holds: each process of a cluster loads them all at each change. */
export const MAX_APPLICATIONS = 10_000;

const tooMany = (): TypeError => new TypeError(`at most ${MAX_APPLICATIONS} applications can be registered`);
const generateKeyPair = promisify(crypto.generateKeyPair);

interface ApplicationRow {
  application_id: string; name: string; public_key: string; signature_secret: string; create_time: number;
}

function fromRow(row: ApplicationRow): Application {
  return { applicationId: row.application_id, name: row.name, publicKey: row.public_key, signatureSecret: row.signature_secret, createTime: row.create_time };
}

/** An application as Redis holds it (JSON parsed); undefined when it is none. */
function decodeApplication(value: unknown): Application | undefined {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const { applicationId, name, publicKey, signatureSecret, createTime } = v;
  if (typeof applicationId !== 'string' || typeof name !== 'string' || typeof publicKey !== 'string'
    || typeof signatureSecret !== 'string' || typeof createTime !== 'number') return undefined;
  return { applicationId, name, publicKey, signatureSecret, createTime };
}

/** Throws TypeError saying what is wrong with an application to register. */
function checkApplication(app: Application): void {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPublicKey(app.publicKey);
  } catch (err) {
    throw new TypeError(`the public key is not a PEM public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw new TypeError('the public key must be an RSA key (RS256)');
  if (typeof app.signatureSecret !== 'string' || app.signatureSecret.length < 16) throw new TypeError('a signature secret has at least 16 characters');
  if (!/^[0-9A-Za-z-]{1,64}$/.test(app.applicationId)) throw new TypeError('an application id holds 1 to 64 letters, digits or "-"');
}

/** A new webhook signature secret: 32 random bytes, base64url. */
export function newSignatureSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export class Applications {
  readonly #db: Db | undefined;
  /** Without a database: the applications, oldest first (in a cluster, the copy of those in Redis). */
  #memory = new Map<string, Application>();
  #mirror: RedisMirror<Application> | undefined;
  /** Prepared once: every REST call and every client token signed by an application runs it. */
  readonly #selectOne: Statement<[string], ApplicationRow> | undefined;

  constructor(db?: Db) {
    this.#db = db;
    this.#selectOne = db?.prepare<[string], ApplicationRow>('SELECT * FROM applications WHERE application_id = ?');
  }

  /** The applications of a cluster: loaded from its Redis, and again at each change. close() stops following them. */
  static async inRedis(link: RedisLink, log: (line: string) => void): Promise<Applications> {
    const apps = new Applications();
    apps.#mirror = await RedisMirror.open(link, {
      name: 'applications', limit: MAX_APPLICATIONS, full: tooMany, decode: decodeApplication, log,
      loaded: (entries) => {
        apps.#memory = new Map([...entries].sort(([, a], [, b]) => a.createTime - b.createTime));
      },
    });
    return apps;
  }

  /** Makes an application with a new 2048-bit RSA key pair; resolves once it is stored. */
  async create(name = ''): Promise<CreatedApplication> {
    if (typeof name !== 'string' || name.length > MAX_APPLICATION_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
      throw new TypeError(`an application name is at most ${MAX_APPLICATION_NAME_LENGTH} characters without control characters`);
    }
    // Off the event loop: making a key pair takes tens of milliseconds.
    const { publicKey, privateKey } = await generateKeyPair('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const app: Application = { applicationId: crypto.randomUUID(), name, publicKey, signatureSecret: newSignatureSecret(), createTime: Date.now() };
    await this.add(app);
    return { ...app, privateKey };
  }

  /** Registers an application whose key pair was made elsewhere (its public key, PEM); resolves once it is stored. */
  async add(app: Application): Promise<void> {
    checkApplication(app);
    // Only these fields: a CreatedApplication's private key must not be stored.
    const entry: Application = { applicationId: app.applicationId, name: app.name, publicKey: app.publicKey, signatureSecret: app.signatureSecret, createTime: app.createTime };
    await this.#change(() => {
      if (this.get(app.applicationId)) throw new TypeError(`application ${app.applicationId} exists already`);
      if (this.#count() >= MAX_APPLICATIONS) throw tooMany();
      return { result: undefined, set: { id: app.applicationId, entry } };
    });
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
  async remove(applicationId: string): Promise<boolean> {
    return this.#change(() => (this.get(applicationId) ? { result: true, remove: applicationId } : { result: false }));
  }

  /** The public key of an application, for verifying what it signed. */
  publicKey(applicationId: string): string | undefined {
    return this.get(applicationId)?.publicKey;
  }

  /** In a cluster: stops following Redis once the writes under way are done (the link stays open). */
  async close(): Promise<void> {
    await this.#mirror?.close();
  }

  #count(): number {
    if (!this.#db) return this.#memory.size;
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM applications').get() as { n: number }).n;
  }

  /** Makes the change `decide` returns; it sees the applications as they are when it runs. */
  #change<R>(decide: () => Decision<Application, R>): Promise<R> {
    if (this.#mirror) return this.#mirror.write(decide);
    const { result, set, remove } = decide();
    if (set) {
      const app = set.entry;
      if (this.#db) {
        this.#db.prepare('INSERT INTO applications (application_id, name, public_key, signature_secret, create_time) VALUES (?, ?, ?, ?, ?)')
          .run(app.applicationId, app.name, app.publicKey, app.signatureSecret, app.createTime);
      } else {
        this.#memory.set(app.applicationId, app);
      }
    }
    if (remove !== undefined) {
      if (this.#db) this.#db.prepare('DELETE FROM applications WHERE application_id = ?').run(remove);
      else this.#memory.delete(remove);
    }
    return Promise.resolve(result);
  }
}
