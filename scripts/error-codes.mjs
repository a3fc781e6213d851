// Reads the result codes of the C API from the enumerations that hold them: the SDK's
// otc_session_error_code (cpp/include/opentok/session.h), otc_publisher_error_code
// (cpp/include/opentok/publisher.h), otc_subscriber_error_code (cpp/include/opentok/subscriber.h), node-otc's
// otc_node_error_code (cpp/include/otc/errors.h) and the SDK's generic otc_error_code
// (cpp/include/opentok/base.h), plus OTC_SUCCESS. Shared by the generator and by the test that
// keeps lib/error-code.ts equal to the headers.
//
// Order matters: where several names share a number, the first in this list names it
// (otc_error_name); the generic enumeration comes last so that 1022 stays
// OTC_SESSION_CONNECTION_DROPPED rather than OTC_CONNECTION_DROPPED.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const header = (rel) => fileURLToPath(new URL(`../cpp/include/${rel}`, import.meta.url));
export const sources = [
  { header: header('opentok/session.h'), enumName: 'otc_session_error_code' },
  { header: header('opentok/publisher.h'), enumName: 'otc_publisher_error_code' },
  { header: header('opentok/subscriber.h'), enumName: 'otc_subscriber_error_code' },
  { header: header('otc/errors.h'), enumName: 'otc_node_error_code' },
  { header: header('opentok/base.h'), enumName: 'otc_error_code', generic: true },
];

export function parseEnum(text, enumName, where = enumName) {
  const body = text.match(new RegExp(`enum\\s+${enumName}\\s*\\{([\\s\\S]*?)\\};`));
  if (!body) throw new Error(`no 'enum ${enumName}' in ${where}`);
  const withoutComments = body[1].replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const codes = [];
  for (const m of withoutComments.matchAll(/\b(OTC?_[A-Z0-9_]+)\s*=\s*(-?\d+)/g)) {
    codes.push({ name: m[1], value: Number(m[2]) });
  }
  if (codes.length === 0) throw new Error(`enum ${enumName} has no enumerators`);
  return codes;
}

/** Every code, OTC_SUCCESS first, each with `generic` when it is one of the SDK's generic codes. */
export function parseErrorCodes() {
  const codes = [{ name: 'OTC_SUCCESS', value: 0, generic: false }];
  for (const { header: path, enumName, generic = false } of sources) {
    for (const code of parseEnum(readFileSync(path, 'utf8'), enumName, path)) codes.push({ ...code, generic });
  }
  return codes;
}
