// The frame cryptor of the browser client (docs/e2ee-frame-format.md sections 2, 4, 6, 7) on
// WebCrypto: seals a sender's frames as P || AEAD(key, nonce, H || P, B) || H || len(H) (escaped
// for H.264) and opens received ones with the outcomes of the C++ core: decrypted, mismatch,
// integrity-failure, replay. Receivers follow a sender's ratchet up to 8 steps; superseded epochs
// stay usable for a grace period. Every call is asynchronous (WebCrypto is).
import { aeadOpen, aeadSeal } from './aead';
import { CODECS, type Codec, clearPrefixLength, h264Escape, h264PrefixLength, h264Unescape } from './codec-prefix';
import { decodeHeader, encodeHeader } from './header';
import { type AeadKeys, deriveBaseKey, deriveSFrameKey, epochId, importAeadKeys, ratchetKey } from './keys';
import { ReplayWindow } from './replay-window';
import { secretBytes } from './secret';
import { DEFAULT_SUITE_ID, type Suite, findSuite } from './suites';
import { be64, concat, equalConstantTime, randomBytes } from './webcrypto';

export type Outcome = 'decrypted' | 'mismatch' | 'integrity-failure' | 'replay';

export interface OpenResult {
  outcome: Outcome;
  /** P || B when decrypted, else null: no undecrypted byte is handed on. */
  frame: Uint8Array | null;
}

export interface WebFrameCryptorOptions {
  suite?: number;
  /** 32-bit sender id (random when absent). */
  senderId?: number;
  /** How long superseded epochs still open frames, ms (default 10 000). */
  graceMs?: number;
  now?: () => number;
}

export const RATCHET_LOOKAHEAD = 8;
const MAX_HEADER = 17;
const U32 = 1n << 32n;

interface Epoch {
  id: number;
  baseKey: Uint8Array;
  retireAt: number | null;
  /** Which secret's chain the epoch is on (one per secret set), and how many ratchet steps along it. */
  lineage: number;
  position: number;
}

/** Epoch id -> a base key a few ratchet steps ahead of a held epoch (receivers follow a sender's ratchet). */
type Lookahead = Map<number, { baseKey: Uint8Array; steps: number; from: Epoch }>;

interface KidKeys {
  keys: AeadKeys;
  salt: Uint8Array;
  replay: ReplayWindow;
  epoch: number;
}

export class InvalidSecretError extends Error {
  readonly code = 6004; // OTC_SESSION_INVALID_ENCRYPTION_SECRET
  constructor() {
    super('the secret must be 8 to 256 characters of valid Unicode without NUL');
    this.name = 'InvalidSecretError';
  }
}

export class WebFrameCryptor {
  readonly suite: Suite;
  readonly senderId: number;
  readonly #graceMs: number;
  readonly #now: () => number;
  readonly #epochs = new Map<number, Epoch>();
  readonly #kids = new Map<bigint, KidKeys>();
  readonly #sendCtrs = new Map<bigint, bigint>();
  #sending!: Epoch;
  #sendKid = 0n;
  #sendCtr = 0n;
  #sendKeys!: KidKeys;
  #lookahead: Lookahead | null = null;
  #lineages = 0;
  /** Serializes operations: each awaits WebCrypto, and state must change in frame order. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(suite: Suite, senderId: number, options: WebFrameCryptorOptions) {
    this.suite = suite;
    this.senderId = senderId;
    this.#graceMs = options.graceMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Derives the session's base key (PBKDF2, ~100 ms) and keys for sending. Throws InvalidSecretError. */
  static async create(sessionId: string, secret: string | Uint8Array, options: WebFrameCryptorOptions = {}): Promise<WebFrameCryptor> {
    const baseKey = await WebFrameCryptor.baseKey(sessionId, secret);
    return WebFrameCryptor.fromBaseKey(baseKey, options);
  }

  static async baseKey(sessionId: string, secret: string | Uint8Array): Promise<Uint8Array> {
    const bytes = secretBytes(secret);
    if (!bytes) throw new InvalidSecretError();
    try {
      return await deriveBaseKey(sessionId, bytes);
    } finally {
      bytes.fill(0);
    }
  }

  static async fromBaseKey(baseKey: Uint8Array, options: WebFrameCryptorOptions = {}): Promise<WebFrameCryptor> {
    const suite = findSuite(options.suite ?? DEFAULT_SUITE_ID);
    if (!suite) throw new RangeError(`no cipher suite ${String(options.suite)}`);
    let senderId = options.senderId;
    while (senderId === undefined || senderId === 0) senderId = new DataView(randomBytes(4).buffer).getUint32(0);
    if (!Number.isInteger(senderId) || senderId < 0 || senderId > 0xffffffff) throw new RangeError('senderId must be 32-bit unsigned');
    const cryptor = new WebFrameCryptor(suite, senderId, options);
    await cryptor.#setSending(await cryptor.#addEpoch(Uint8Array.from(baseKey), cryptor.#newLineage()));
    return cryptor;
  }

  get epochId(): number {
    return this.#sending.id;
  }

  /** Switches sending to a new base key (a new secret); the old epoch opens frames for the grace period. */
  setBaseKey(baseKey: Uint8Array): Promise<void> {
    return this.#serial(async () => this.#setSending(await this.#addEpoch(Uint8Array.from(baseKey), this.#newLineage())));
  }

  /** Moves sending to the next epoch of the ratchet. */
  ratchet(): Promise<void> {
    return this.#serial(async () => {
      const { lineage, position } = this.#sending;
      await this.#setSending(await this.#addEpoch(await ratchetKey(this.#sending.baseKey), { lineage, position: position + 1 }));
    });
  }

  seal(frame: Uint8Array, codec: Codec): Promise<Uint8Array> {
    return this.#serial(() => this.#seal(frame, codec));
  }

  open(sealed: Uint8Array, codec: Codec): Promise<OpenResult> {
    return this.#serial(() => this.#open(sealed, codec));
  }

  /** Wipes every key (the Node FrameCryptor's verb; asynchronous here because it waits for the frames in progress). */
  delete(): Promise<void> {
    return this.#serial(async () => {
      for (const epoch of this.#epochs.values()) epoch.baseKey.fill(0);
      for (const kid of this.#kids.values()) kid.salt.fill(0);
      this.#epochs.clear();
      this.#kids.clear();
    });
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #newLineage(): { lineage: number; position: number } {
    this.#lineages += 1;
    return { lineage: this.#lineages, position: 0 };
  }

  /** The epoch of baseKey, added with its place on a chain unless it is held already (A-B-A secrets). */
  async #addEpoch(baseKey: Uint8Array, place: { lineage: number; position: number }): Promise<Epoch> {
    const id = await epochId(baseKey);
    let epoch = this.#epochs.get(id);
    if (epoch && !equalConstantTime(epoch.baseKey, baseKey)) {
      this.#dropEpochKeys(id); // two base keys with one 32-bit id (2^-32 a pair): the newer wins
      epoch.baseKey.fill(0);
      epoch = undefined;
    }
    if (!epoch) {
      epoch = { id, baseKey, retireAt: null, ...place };
      this.#epochs.set(id, epoch);
      this.#lookahead = null;
    } else {
      epoch.retireAt = null;
    }
    return epoch;
  }

  async #setSending(epoch: Epoch): Promise<void> {
    const old = this.#sending as Epoch | undefined;
    if (old) this.#sendCtrs.set(this.#sendKid, this.#sendCtr);
    this.#sending = epoch;
    epoch.retireAt = null;
    this.#sendKid = BigInt(epoch.id) * U32 + BigInt(this.senderId);
    // CTR is per KID and never restarts: going back to an earlier secret reuses no nonce.
    this.#sendCtr = this.#sendCtrs.get(this.#sendKid) ?? 0n;
    this.#sendKeys = await this.#keysFor(this.#sendKid, epoch.baseKey);
    if (old && old !== epoch) this.#retire(old);
  }

  #retire(epoch: Epoch): void {
    if (epoch !== this.#sending && epoch.retireAt === null) epoch.retireAt = this.#now() + this.#graceMs;
  }

  #expire(): void {
    const now = this.#now();
    for (const [id, epoch] of this.#epochs) {
      if (epoch.retireAt !== null && epoch.retireAt <= now) {
        this.#epochs.delete(id);
        epoch.baseKey.fill(0);
        this.#dropEpochKeys(id);
        this.#lookahead = null;
      }
    }
  }

  #dropEpochKeys(id: number): void {
    for (const [kid, keys] of this.#kids) {
      if (keys.epoch === id) {
        keys.salt.fill(0);
        this.#kids.delete(kid);
      }
    }
  }

  async #keysFor(kid: bigint, baseKey: Uint8Array): Promise<KidKeys> {
    const { key, salt } = await deriveSFrameKey(this.suite, baseKey, kid);
    const keys = await importAeadKeys(this.suite, key);
    key.fill(0);
    return { keys, salt, replay: new ReplayWindow(), epoch: Number(kid >> 32n) };
  }

  async #buildLookahead(): Promise<Lookahead> {
    const map: Lookahead = new Map();
    for (const epoch of this.#epochs.values()) {
      let key = epoch.baseKey;
      for (let steps = 1; steps <= RATCHET_LOOKAHEAD; steps++) {
        key = await ratchetKey(key);
        const id = await epochId(key);
        if (this.#epochs.has(id)) continue;
        const known = map.get(id);
        if (!known || known.steps > steps) map.set(id, { baseKey: key, steps, from: epoch });
      }
    }
    this.#lookahead = map;
    return map;
  }

  #nonce(salt: Uint8Array, ctr: bigint): Uint8Array {
    const nonce = Uint8Array.from(salt);
    const c = be64(ctr);
    for (let i = 0; i < 8; i++) nonce[nonce.length - 8 + i]! ^= c[i]!;
    return nonce;
  }

  async #seal(frame: Uint8Array, codec: Codec): Promise<Uint8Array> {
    if (!CODECS.includes(codec)) throw new RangeError(`unknown codec ${String(codec)}`);
    const ctr = this.#sendCtr;
    if (ctr > (1n << 64n) - 1n) throw new RangeError('CTR exhausted for this KID: ratchet first');
    const p = clearPrefixLength(codec, frame);
    const header = encodeHeader(this.#sendKid, ctr);
    const prefix = frame.subarray(0, p);
    const keys = this.#sendKeys;
    const sealed = await aeadSeal(keys.keys, this.#nonce(keys.salt, ctr), concat(header, prefix), frame.subarray(p));
    this.#sendCtr = ctr + 1n;
    const tail = concat(sealed, header, Uint8Array.of(header.length));
    return concat(prefix, codec === 'H264' ? h264Escape(prefix, tail) : tail);
  }

  async #open(sealed: Uint8Array, codec: Codec): Promise<OpenResult> {
    if (!CODECS.includes(codec)) throw new RangeError(`unknown codec ${String(codec)}`);
    this.#expire();
    const { nt } = this.suite;
    let p = -1;
    let data = sealed;
    if (codec === 'H264') {
      p = h264PrefixLength(sealed);
      data = concat(sealed.subarray(0, p), h264Unescape(sealed.subarray(0, p), sealed.subarray(p)));
    }
    const n = data.length;
    if (n < 1) return { outcome: 'mismatch', frame: null };
    const headerLength = data[n - 1]!;
    if (headerLength < 1 || headerLength > MAX_HEADER || n < 1 + headerLength + nt) return { outcome: 'mismatch', frame: null };
    const header = data.subarray(n - 1 - headerLength, n - 1);
    const parsed = decodeHeader(header);
    if (!parsed || parsed.size !== headerLength) return { outcome: 'mismatch', frame: null };
    const frameLength = n - 1 - headerLength - nt;
    if (codec !== 'H264') p = clearPrefixLength(codec, data, frameLength);
    else if (p > frameLength) return { outcome: 'mismatch', frame: null };

    const { kid, ctr } = parsed;
    let keys = this.#kids.get(kid);
    let adopt: { baseKey: Uint8Array; steps: number; from: Epoch } | undefined;
    let fresh = false;
    if (!keys) {
      const id = Number(kid >> 32n);
      let baseKey = this.#epochs.get(id)?.baseKey;
      if (!baseKey) {
        adopt = (this.#lookahead ?? (await this.#buildLookahead())).get(id);
        if (!adopt) return { outcome: 'mismatch', frame: null };
        baseKey = adopt.baseKey;
      }
      keys = await this.#keysFor(kid, baseKey);
      fresh = true;
    }
    const prefix = data.subarray(0, p);
    const body = await aeadOpen(keys.keys, this.#nonce(keys.salt, ctr), concat(header, prefix), data.subarray(p, frameLength + nt));
    if (!body) return { outcome: 'integrity-failure', frame: null };
    if (keys.replay.isReplay(ctr)) {
      body.fill(0);
      return { outcome: 'replay', frame: null };
    }
    keys.replay.accept(ctr);
    if (fresh) {
      if (adopt) {
        // frame format section 7.4: an epoch ahead of the sending one on its chain becomes the
        // sending epoch (the participant that ratcheted erases the old one after the grace);
        // any other adopted epoch (a step of a superseded secret) lasts the grace period only.
        const { lineage, position } = adopt.from;
        const epoch = await this.#addEpoch(Uint8Array.from(adopt.baseKey), { lineage, position: position + adopt.steps });
        if (epoch.lineage === this.#sending.lineage && epoch.position > this.#sending.position) await this.#setSending(epoch);
        else this.#retire(epoch);
        keys.epoch = epoch.id;
      }
      this.#kids.set(kid, keys);
    }
    return { outcome: 'decrypted', frame: concat(prefix, body) };
  }
}
