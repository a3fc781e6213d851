// The frame format module of the browser client (lib/web/e2ee) run inside Chromium: every
// published vector, and frames of every codec and suite that travel both ways between the page
// and the C++ core.
import test, { type ExecutionContext } from 'ava';
import * as esbuild from 'esbuild';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import * as otc from '../../lib/index';
import { ALL_SUITES, framesFor, sameBytes, suiteName, uniqueSessionId } from '../helpers/frames';
import { loadVectors } from '../helpers/vectors';
import { openPage, sharedBrowserAndServer } from './helpers';

const SECRET = 'browser and core share this secret';
const SIZES = [0, 1, 2, 3, 9, 10, 11, 100, 1200, 50_000];
const E2EE_SOURCE = path.join(__dirname, '..', '..', '..', 'lib', 'web', 'e2ee');

const shared = sharedBrowserAndServer(test, { initMedia: true });
let bundle: string;

test.before(async () => {
  // The module's own sources, bundled for the page: what the client's frame worker runs.
  const built = await esbuild.build({
    stdin: {
      contents: "export * from './aead'; export * from './header'; export * from './keys'; export * from './suites'; export * from './frame-cryptor';",
      resolveDir: E2EE_SOURCE, loader: 'ts',
    },
    bundle: true, format: 'iife', globalName: 'E2EE', write: false, target: 'es2022', logLevel: 'silent',
  });
  bundle = built.outputFiles[0]!.text;
});

/** A page of the server (a secure context: crypto.subtle) with the module loaded as E2EE. */
async function modulePage(t: ExecutionContext): Promise<Page> {
  const page = await openPage(t, shared.browser(), `${shared.server().url}/clock`);
  await page.addScriptTag({ content: bundle });
  return page;
}

test('every published vector passes inside Chromium: headers, AEAD, the key schedule and protect', async (t) => {
  const vectors = loadVectors();
  const page = await modulePage(t);
  const input = {
    header: vectors.header.map((v) => ({ kid: v.kid.toString(), ctr: v.ctr.toString() })),
    aead: vectors.aead.map((v) => ({ suite: v.cipher_suite, key: v.key, nonce: v.nonce, aad: v.aad, pt: v.pt, ct: v.ct })),
    full: vectors.full.map((v) => ({ suite: v.cipher_suite, kid: v.kid.toString(), ctr: v.ctr.toString(), baseKey: v.base_key, nonce: v.nonce, aad: v.aad, pt: v.pt })),
  };
  const out = await page.evaluate(async (vs) => {
    type Bytes = Uint8Array;
    type Api = {
      encodeHeader(kid: bigint, ctr: bigint): Bytes;
      decodeHeader(bytes: Bytes): { kid: bigint; ctr: bigint; size: number } | undefined;
      findSuite(id: number): { hash: string } | undefined;
      importAeadKeys(suite: unknown, key: Bytes): Promise<unknown>;
      aeadSeal(keys: unknown, nonce: Bytes, aad: Bytes, pt: Bytes): Promise<Bytes>;
      aeadOpen(keys: unknown, nonce: Bytes, aad: Bytes, ct: Bytes): Promise<Bytes | undefined>;
      hkdfExtract(hash: string, salt: Bytes, ikm: Bytes): Promise<Bytes>;
      deriveSFrameKey(suite: unknown, baseKey: Bytes, kid: bigint): Promise<{ key: Bytes; salt: Bytes }>;
    };
    const E = (globalThis as unknown as { E2EE: Api }).E2EE;
    const hex = (b: Bytes | undefined): string => (b ? [...b].map((x) => x.toString(16).padStart(2, '0')).join('') : 'none');
    const bytes = (h: string): Bytes => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
    const header = vs.header.map((v) => {
      const encoded = E.encodeHeader(BigInt(v.kid), BigInt(v.ctr));
      const decoded = E.decodeHeader(encoded);
      return { encoded: hex(encoded), roundTrip: decoded?.kid === BigInt(v.kid) && decoded?.ctr === BigInt(v.ctr) && decoded?.size === encoded.length };
    });
    const aead = [];
    for (const v of vs.aead) {
      const keys = await E.importAeadKeys(E.findSuite(v.suite), bytes(v.key));
      const sealed = await E.aeadSeal(keys, bytes(v.nonce), bytes(v.aad), bytes(v.pt));
      const opened = await E.aeadOpen(keys, bytes(v.nonce), bytes(v.aad), bytes(v.ct));
      const altered = bytes(v.ct);
      altered[altered.length - 1]! ^= 1;
      aead.push({ ct: hex(sealed), pt: hex(opened), altered: hex(await E.aeadOpen(keys, bytes(v.nonce), bytes(v.aad), altered)) });
    }
    const full = [];
    for (const v of vs.full) {
      const suite = E.findSuite(v.suite)!;
      const secret = await E.hkdfExtract(suite.hash, new Uint8Array(0), bytes(v.baseKey));
      const { key, salt } = await E.deriveSFrameKey(suite, bytes(v.baseKey), BigInt(v.kid));
      const keys = await E.importAeadKeys(suite, key);
      const body = await E.aeadSeal(keys, bytes(v.nonce), bytes(v.aad), bytes(v.pt));
      full.push({ secret: hex(secret), key: hex(key), salt: hex(salt), ct: hex(E.encodeHeader(BigInt(v.kid), BigInt(v.ctr))) + hex(body) });
    }
    return { header, aead, full, userAgent: (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent };
  }, input);
  t.log(out.userAgent);
  t.is(out.header.length, 289);
  out.header.forEach((h, i) => {
    t.is(h.encoded, vectors.header[i]!.encoded, `header ${i}`);
    t.true(h.roundTrip, `header ${i} decodes`);
  });
  t.is(out.aead.length, 6);
  out.aead.forEach((a, i) => {
    const v = vectors.aead[i]!;
    t.is(a.ct, v.ct, `AEAD suite ${v.cipher_suite} seal`);
    t.is(a.pt, v.pt, `AEAD suite ${v.cipher_suite} open`);
    t.is(a.altered, 'none', `AEAD suite ${v.cipher_suite} altered tag refused`);
  });
  t.is(out.full.length, 8);
  out.full.forEach((f, i) => {
    const v = vectors.full[i]!;
    t.deepEqual(f, { secret: v.sframe_secret, key: v.sframe_key, salt: v.sframe_salt, ct: v.ct }, `full vector suite ${v.cipher_suite}`);
  });
});

for (const suite of ALL_SUITES) {
  test(`${suiteName(suite)}: frames of every codec travel both ways between Chromium and the C++ core`, async (t) => {
    const page = await modulePage(t);
    const sessionId = uniqueSessionId(`chromium-${suite}`);
    const cpp = await otc.FrameCryptor.create({ sessionId, secret: SECRET, suite });
    t.teardown(() => cpp.delete());
    const failures: string[] = [];
    let checked = 0;
    for (const codec of otc.CODECS) {
      const frames = framesFor(codec, SIZES);
      const fromCpp = frames.map((f) => Buffer.from(cpp.seal(f.data, { codec, keyFrame: f.keyFrame })).toString('base64'));
      const result = await page.evaluate(async ({ sessionId, secret, suite, codec, plain, sealed }) => {
        type Cryptor = {
          seal(frame: Uint8Array, codec: string): Promise<Uint8Array>;
          open(frame: Uint8Array, codec: string): Promise<{ outcome: string; frame: Uint8Array | null }>;
        };
        const E = (globalThis as unknown as { E2EE: { WebFrameCryptor: { create(s: string, k: string, o: { suite: number }): Promise<Cryptor> } } }).E2EE;
        const bytes = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
        const cryptor = await E.WebFrameCryptor.create(sessionId, secret, { suite });
        const sealedHere: string[] = [];
        for (const p of plain) {
          const frame = await cryptor.seal(bytes(p), codec);
          let text = '';
          for (let i = 0; i < frame.length; i += 0x8000) text += String.fromCharCode(...frame.subarray(i, i + 0x8000));
          sealedHere.push(btoa(text));
        }
        const opened = [];
        for (const s of sealed) {
          const r = await cryptor.open(bytes(s), codec);
          let text = '';
          if (r.frame) for (let i = 0; i < r.frame.length; i += 0x8000) text += String.fromCharCode(...r.frame.subarray(i, i + 0x8000));
          opened.push({ outcome: r.outcome, frame: r.frame ? btoa(text) : null });
        }
        return { sealedHere, opened };
      }, { sessionId, secret: SECRET, suite, codec, plain: frames.map((f) => f.data.toString('base64')), sealed: fromCpp });
      frames.forEach((frame, i) => {
        const openedByCpp = cpp.open(Buffer.from(result.sealedHere[i]!, 'base64'), { codec });
        if (openedByCpp.outcome !== 'decrypted' || !sameBytes(openedByCpp.frame, frame.data)) failures.push(`chromium -> core: ${frame.label}: ${openedByCpp.outcome}`);
        const openedHere = result.opened[i]!;
        if (openedHere.outcome !== 'decrypted' || openedHere.frame === null || !sameBytes(Buffer.from(openedHere.frame, 'base64'), frame.data)) {
          failures.push(`core -> chromium: ${frame.label}: ${openedHere.outcome}`);
        }
        checked++;
      });
    }
    t.deepEqual(failures, []);
    t.log(`${checked} frames each way`);
  });
}
