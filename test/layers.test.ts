// The dependency directions the README's Architecture section states, checked on the sources so
// that they stay true: C++ layers include only the layers below them, the addon sees nothing but
// the public C headers, and in TypeScript the leaf modules (the addon's data shapes, the protocol)
// never import the classes or the server that use them.
import test from 'ava';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function filesUnder(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full, pattern));
    else if (pattern.test(name)) out.push(full);
  }
  return out;
}

/** What each directory of cpp/src may include besides itself. */
const CPP_LAYERS: Record<string, string[]> = {
  base: [],
  e2ee: ['base'],
  media: ['base'],
  signaling: ['base'],
  rtc: ['base', 'e2ee', 'media'],
  platform: ['rtc'], // link shims: rtc's build-flag guard only
  otc: ['base', 'e2ee', 'media', 'rtc', 'signaling'],
};

test('C++: each layer of cpp/src includes only the layers below it', (t) => {
  const src = path.join(root, 'cpp', 'src');
  t.deepEqual(readdirSync(src).sort(), Object.keys(CPP_LAYERS).sort(), 'every directory of cpp/src has its place in the table');
  const wrong: string[] = [];
  for (const [layer, allowed] of Object.entries(CPP_LAYERS)) {
    for (const file of filesUnder(path.join(src, layer), /\.(h|cc|cpp|c)$/)) {
      for (const [, target] of readFileSync(file, 'utf8').matchAll(/^\s*#\s*include\s+"([^"]+)"/gm)) {
        const resolved = path.relative(src, path.resolve(path.dirname(file), target)).split(path.sep);
        const into = resolved.length > 1 && !resolved[0].startsWith('..') ? resolved[0] : layer;
        if (into !== layer && !allowed.includes(into)) wrong.push(`${path.relative(root, file)} includes ${target} (${into})`);
      }
    }
  }
  t.deepEqual(wrong, []);
});

test('C++: the addon includes the public C API only, never the core\'s sources', (t) => {
  const wrong: string[] = [];
  for (const file of filesUnder(path.join(root, 'cpp', 'addon'), /\.(h|cpp)$/)) {
    for (const [, target] of readFileSync(file, 'utf8').matchAll(/^\s*#\s*include\s+[<"]([^>"]+)[>"]/gm)) {
      if (/(^|\/)(src|e2ee|rtc|signaling|media|base)\//.test(target) || target.startsWith('..')) wrong.push(`${path.relative(root, file)}: ${target}`);
    }
  }
  t.deepEqual(wrong, []);
});

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
}

test('TypeScript: the addon\'s data shapes and the protocol are leaves; the browser client stays out of Node', (t) => {
  const lib = path.join(root, 'lib');
  const rel = (file: string): string => path.relative(lib, file);
  const wrong: string[] = [];
  const check = (file: string, allowed: (target: string) => boolean): void => {
    for (const target of importsOf(file)) if (!allowed(target)) wrong.push(`${rel(file)} imports ${target}`);
  };
  // native-types.ts: shapes only; never the classes (session, publisher, subscriber) or binding.ts.
  check(path.join(lib, 'native-types.ts'), (target) => ['./ice-config', './session-types'].includes(target));
  // binding.ts: the addon and its shapes, not the classes built on it.
  check(path.join(lib, 'binding.ts'), (target) => !['./session', './publisher', './subscriber', './frame-cryptor'].includes(target));
  // lib/protocol: the wire's definitions, used by the server and the browser; imports neither.
  for (const file of filesUnder(path.join(lib, 'protocol'), /\.ts$/)) {
    check(file, (target) => target.startsWith('./') || target === '../error-code');
  }
  // The browser bundle: no Node module, no Node-only class.
  for (const file of filesUnder(path.join(lib, 'web'), /\.ts$/)) {
    check(file, (target) => !target.startsWith('node:') && !/^(\.\.\/)+((session|publisher|subscriber|binding|frame-cryptor)$|(server|bot|cli)\/)/.test(target));
  }
  t.deepEqual(wrong, []);
});
