// Loads the published SFrame test vectors (test/vectors/*.json) with their 64-bit `kid` and
// `ctr` fields as BigInt. A plain JSON.parse rounds integers above 2^53, so the loader quotes
// those fields in the raw text before parsing and converts the strings afterwards.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface HeaderVector {
  kid: bigint;
  ctr: bigint;
  encoded: string;
}

export interface AeadVector {
  cipher_suite: number;
  key: string;
  enc_key: string;
  auth_key: string;
  nonce: string;
  aad: string;
  pt: string;
  ct: string;
}

export interface FullVector {
  cipher_suite: number;
  kid: bigint;
  ctr: bigint;
  base_key: string;
  sframe_key_label: string;
  sframe_salt_label: string;
  sframe_secret: string;
  sframe_key: string;
  sframe_salt: string;
  metadata: string;
  nonce: string;
  aad: string;
  pt: string;
  ct: string;
}

export interface VectorSet {
  header: HeaderVector[];
  aead: AeadVector[];
  full: FullVector[];
}

/** The directory of the vector files: $OTC_VECTORS_DIR, else the repository's test/vectors. */
export function vectorsDir(): string {
  const fromEnv = process.env.OTC_VECTORS_DIR;
  if (fromEnv) return fromEnv;
  // This file runs as dist/test/helpers/vectors.js; the JSON files are not compiled, so they are
  // read from the source tree.
  const dir = path.resolve(__dirname, '..', '..', '..', 'test', 'vectors');
  if (!fs.existsSync(path.join(dir, 'sframe-rfc9605.json'))) throw new Error(`the SFrame test vectors are missing: ${dir}`);
  return dir;
}

/** JSON.parse with every `"kid": <digits>` and `"ctr": <digits>` read as a decimal string. */
export function parseWithBigIntFields(text: string): unknown {
  return JSON.parse(text.replace(/("(?:kid|ctr)"\s*:\s*)(-?\d+)/g, '$1"$2"'));
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(record: Json, name: string, where: string): unknown {
  if (!(name in record)) throw new Error(`${where}: missing field ${name}`);
  return record[name];
}

function hexField(record: Json, name: string, where: string): string {
  const value = field(record, name, where);
  if (typeof value !== 'string' || !/^(?:[0-9a-f]{2})*$/i.test(value)) {
    throw new Error(`${where}: ${name} is not a hex string`);
  }
  return value.toLowerCase();
}

function bigField(record: Json, name: string, where: string): bigint {
  const value = field(record, name, where);
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw new Error(`${where}: ${name} was not read as a decimal string (${String(value)})`);
  }
  return BigInt(value);
}

function suiteField(record: Json, where: string): number {
  const value = field(record, 'cipher_suite', where);
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${where}: bad cipher_suite`);
  return value;
}

function list(data: unknown, key: string, file: string): Json[] {
  if (!isRecord(data)) throw new Error(`${file}: not a JSON object`);
  const value = data[key];
  if (!Array.isArray(value)) throw new Error(`${file}: no array ${key}`);
  return value.map((entry, i) => {
    if (!isRecord(entry)) throw new Error(`${file}: ${key}[${i}] is not an object`);
    return entry;
  });
}

function readFile(name: string): unknown {
  return parseWithBigIntFields(fs.readFileSync(path.join(vectorsDir(), name), 'utf8'));
}

function headerVector(r: Json, where: string): HeaderVector {
  return { kid: bigField(r, 'kid', where), ctr: bigField(r, 'ctr', where), encoded: hexField(r, 'encoded', where) };
}

function aeadVector(r: Json, where: string): AeadVector {
  return {
    cipher_suite: suiteField(r, where),
    key: hexField(r, 'key', where),
    enc_key: hexField(r, 'enc_key', where),
    auth_key: hexField(r, 'auth_key', where),
    nonce: hexField(r, 'nonce', where),
    aad: hexField(r, 'aad', where),
    pt: hexField(r, 'pt', where),
    ct: hexField(r, 'ct', where),
  };
}

function fullVector(r: Json, where: string): FullVector {
  return {
    cipher_suite: suiteField(r, where),
    kid: bigField(r, 'kid', where),
    ctr: bigField(r, 'ctr', where),
    base_key: hexField(r, 'base_key', where),
    sframe_key_label: hexField(r, 'sframe_key_label', where),
    sframe_salt_label: hexField(r, 'sframe_salt_label', where),
    sframe_secret: hexField(r, 'sframe_secret', where),
    sframe_key: hexField(r, 'sframe_key', where),
    sframe_salt: hexField(r, 'sframe_salt', where),
    metadata: hexField(r, 'metadata', where),
    nonce: hexField(r, 'nonce', where),
    aad: hexField(r, 'aad', where),
    pt: hexField(r, 'pt', where),
    ct: hexField(r, 'ct', where),
  };
}

/** Expected sizes of the published sets; a missing or cut file makes the loader's caller fail. */
export const EXPECTED_COUNTS = { header: 289, aead: 6, full: 8 } as const;

/** Every vector of the three files, in file order. */
export function loadVectors(): VectorSet {
  const rfc = 'sframe-rfc9605.json';
  const aead256 = 'aes256-ctr-hmac-aead.json';
  const full256 = 'sframe-aes256-ctr-hmac.json';
  const rfcData = readFile(rfc);
  const aeadData = readFile(aead256);
  const fullData = readFile(full256);
  return {
    header: list(rfcData, 'header', rfc).map((r, i) => headerVector(r, `${rfc} header[${i}]`)),
    aead: [
      ...list(rfcData, 'aes_ctr_hmac', rfc).map((r, i) => aeadVector(r, `${rfc} aes_ctr_hmac[${i}]`)),
      ...list(aeadData, 'aes_256_ctr_hmac', aead256).map((r, i) => aeadVector(r, `${aead256} aes_256_ctr_hmac[${i}]`)),
    ],
    full: [
      ...list(rfcData, 'sframe', rfc).map((r, i) => fullVector(r, `${rfc} sframe[${i}]`)),
      ...list(fullData, 'sframe_aes_256_ctr_hmac', full256).map((r, i) => fullVector(r, `${full256} sframe_aes_256_ctr_hmac[${i}]`)),
    ],
  };
}

export function hex(text: string): Buffer {
  return Buffer.from(text, 'hex');
}
