// Typed access to the independent pure-JS implementation of the frame format
// (bench/js-frame-cryptor.mjs), an ES module loaded from this CommonJS-compiled test code.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Codec, Outcome } from '../../lib/index';

export interface JsOpenResult {
  outcome: Outcome;
  frame: Buffer | null;
}

export interface JsFrameCryptorOptions {
  baseKey: Uint8Array;
  suite?: number;
  senderId?: number;
  graceMs?: number;
  now?: () => number;
}

export interface JsFrameCryptor {
  readonly epochId: number;
  readonly kid: bigint;
  readonly ctr: bigint;
  readonly senderId: number;
  seal(frame: Uint8Array, codec: Codec, keyFrame?: boolean): Buffer;
  open(sealed: Uint8Array, codec: Codec): JsOpenResult;
  ratchet(): void;
  setBaseKey(baseKey: Uint8Array): void;
}

export interface JsReference {
  JsFrameCryptor: new (options: JsFrameCryptorOptions) => JsFrameCryptor;
  validateSecret(secret: string | Uint8Array): boolean;
  deriveBaseKey(sessionId: string, secret: string | Uint8Array): Buffer;
  deriveBaseKeyAsync(sessionId: string, secret: string | Uint8Array): Promise<Buffer>;
  epochId(baseKey: Uint8Array): number;
  ratchetKey(baseKey: Uint8Array): Buffer;
  encodeHeader(kid: bigint, ctr: bigint): Buffer;
  decodeHeader(buf: Uint8Array): { kid: bigint; ctr: bigint; size: number } | null;
  deriveSFrameKey(suite: number, baseKey: Uint8Array, kid: bigint): { key: Buffer; salt: Buffer; secret: Buffer };
  aeadSeal(suite: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Buffer;
  aeadOpen(suite: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Buffer | null;
  sframeProtect(suite: number, baseKey: Uint8Array, kid: bigint, ctr: bigint, metadata: Uint8Array, pt: Uint8Array): Buffer;
  sframeUnprotect(suite: number, baseKey: Uint8Array, data: Uint8Array, metadata: Uint8Array): { kid: bigint; ctr: bigint; pt: Buffer } | null;
}

/** dist/test/helpers/ -> <package>/bench/js-frame-cryptor.mjs */
export const JS_REFERENCE_PATH = path.resolve(__dirname, '..', '..', '..', 'bench', 'js-frame-cryptor.mjs');

// With "module": "commonjs", tsc turns import() into require(), which loads an ES module only
// on Node versions with require(esm); elsewhere, fall back to a real dynamic import().
const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

async function importModule(file: string): Promise<unknown> {
  try {
    return await import(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw error;
    return nativeImport(pathToFileURL(file).href);
  }
}

export async function loadJsReference(): Promise<JsReference> {
  const loaded: unknown = await importModule(JS_REFERENCE_PATH);
  const mod = loaded as Partial<JsReference>;
  for (const name of ['JsFrameCryptor', 'deriveBaseKey', 'epochId', 'ratchetKey', 'deriveSFrameKey', 'sframeProtect', 'sframeUnprotect'] as const) {
    if (typeof mod[name] !== 'function') throw new Error(`${JS_REFERENCE_PATH} does not export ${name}`);
  }
  return mod as JsReference;
}
