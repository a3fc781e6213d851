// Both build paths must build the same program: cmake-js (CMakeLists.txt) for development and
// node-gyp (binding.gyp) for installs without a prebuild.
import test from 'ava';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function cmakeSources(): string[] {
  const text = readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8');
  const lists = ['OTC_BASE_SOURCES', 'OTC_E2EE_SOURCES', 'OTC_API_SOURCES', 'OTC_MEDIA_SOURCES', 'OTC_SIGNALING_SOURCES', 'OTC_RTC_SOURCES', 'OTC_ADDON_SOURCES'];
  const sources: string[] = [];
  for (const list of lists) {
    const match = text.match(new RegExp(`set\\(${list}\\s+([^)]*)\\)`));
    if (!match) throw new Error(`CMakeLists.txt has no set(${list} ...)`);
    sources.push(...match[1].split(/\s+/).filter((s) => s && !s.startsWith('#')));
  }
  return sources.sort();
}

function gypSources(): string[] {
  const text = readFileSync(path.join(root, 'binding.gyp'), 'utf8');
  const match = text.match(/'sources':\s*\[([\s\S]*?)\]/);
  if (!match) throw new Error("binding.gyp has no 'sources'");
  return [...match[1].matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
}

test('CMakeLists.txt and binding.gyp build the same sources', (t) => {
  const cmake = cmakeSources();
  const gyp = gypSources();
  t.true(cmake.length > 20, `suspiciously few sources parsed from CMakeLists.txt: ${cmake.length}`);
  t.deepEqual(gyp, cmake);
});

test('every listed source exists and every source file is listed', (t) => {
  const listed = new Set(cmakeSources());
  for (const source of listed) t.true(existsSync(path.join(root, source)), `listed but missing: ${source}`);
  const dirs = ['cpp/src/base', 'cpp/src/e2ee', 'cpp/src/media', 'cpp/src/otc', 'cpp/src/rtc', 'cpp/src/platform', 'cpp/src/signaling', 'cpp/addon'];
  for (const dir of dirs) {
    for (const name of require('node:fs').readdirSync(path.join(root, dir)) as string[]) {
      if (/\.(c|cpp)$/.test(name)) t.true(listed.has(`${dir}/${name}`), `not built by either path: ${dir}/${name}`);
    }
  }
});
