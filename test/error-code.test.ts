// The TypeScript ErrorCode enum is generated from the C header; this keeps the two equal.
import test from 'ava';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode, _native } from '../lib/index';

interface ParsedCode { name: string; value: number }
const root = path.resolve(__dirname, '..', '..');

async function headerCodes(): Promise<ParsedCode[]> {
  const url = pathToFileURL(path.join(root, 'scripts', 'error-codes.mjs')).href;
  const module = (await import(url)) as { parseErrorCodes: () => ParsedCode[] };
  return module.parseErrorCodes();
}

test('ErrorCode has exactly the names and numbers of the C headers (otc/errors.h, opentok/base.h)', async (t) => {
  const codes = await headerCodes();
  t.true(codes.length >= 40);
  const enumNames = Object.keys(ErrorCode).filter((k) => Number.isNaN(Number(k)));
  t.deepEqual(enumNames.sort(), codes.map((c) => c.name).sort());
  for (const { name, value } of codes) {
    t.is((ErrorCode as unknown as Record<string, number>)[name], value, name);
  }
});

test('the E2EE codes have the numbers of the OpenTok SDKs', (t) => {
  t.is(ErrorCode.OTC_SESSION_ENCRYPTION_SECRET_MISSING, 6000);
  t.is(ErrorCode.OTC_PUBLISHER_ENCRYPTION_INTERNAL_ERROR, 6001);
  t.is(ErrorCode.OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR, 6002);
  t.is(ErrorCode.OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH, 6003);
  t.is(ErrorCode.OTC_SESSION_INVALID_ENCRYPTION_SECRET, 6004);
  t.is(ErrorCode.OTC_PUBLISHER_ENCRYPTION_UNSUPPORTED_CODEC, 6005);
  t.is(ErrorCode.OTC_SUBSCRIBER_DECRYPTION_UNSUPPORTED_CODEC, 6006);
});

test('the compiled library names every code the same way (otc_error_name)', async (t) => {
  const seen = new Set<number>();
  for (const { name, value } of await headerCodes()) {
    if (seen.has(value)) continue; // shared numbers are named by their first enumerator
    seen.add(value);
    t.is(_native.errorName(value), name);
  }
  t.is(_native.errorName(123456), 'OTC_UNKNOWN_ERROR');
});

test('generated files are up to date with the header', async (t) => {
  const { execFileSync } = await import('node:child_process');
  t.notThrows(() => execFileSync(process.execPath, [path.join(root, 'scripts', 'gen-error-codes.mjs'), '--check'], { stdio: 'pipe' }));
});
