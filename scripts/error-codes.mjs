// Reads the enumerators of `enum otc_error_code` from cpp/include/otc/errors.h. Shared by the
// generator and by the test that keeps lib/error-code.ts equal to the header.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const headerPath = fileURLToPath(new URL('../cpp/include/otc/errors.h', import.meta.url));

export function parseErrorCodes(text = readFileSync(headerPath, 'utf8')) {
  const body = text.match(/enum\s+otc_error_code\s*\{([\s\S]*?)\};/);
  if (!body) throw new Error(`no 'enum otc_error_code' in ${headerPath}`);
  const withoutComments = body[1].replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const codes = [];
  for (const m of withoutComments.matchAll(/\b(OTC_[A-Z0-9_]+)\s*=\s*(-?\d+)/g)) {
    codes.push({ name: m[1], value: Number(m[2]) });
  }
  if (codes.length === 0) throw new Error('enum otc_error_code has no enumerators');
  return codes;
}
