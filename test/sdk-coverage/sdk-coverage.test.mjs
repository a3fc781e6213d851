// Tests scripts/sdk-coverage.mjs on a fixture: an invented API description (fixture/oracle.json)
// and headers (fixture/include/fx/fx.h) that differ from it in one known way per item. Run by
// scripts/test.sh as `node --test test/sdk-coverage/`. Needs gcc and g++ (or CC/CXX).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseErrors } from '../../scripts/sdk-coverage/compile.mjs';
import { flattenOracle } from '../../scripts/sdk-coverage/oracle.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const tool = fileURLToPath(new URL('../../scripts/sdk-coverage.mjs', import.meta.url));
const fixture = ['--oracle', join(here, 'fixture/oracle.json'), '--include', join(here, 'fixture/include'), '--umbrella', 'fx/fx.h'];
const tmp = mkdtempSync(join(tmpdir(), 'sdk-coverage-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const run = (args) => spawnSync(process.execPath, [tool, ...args], { encoding: 'utf8', timeout: 300_000 });
const write = (name, text) => { const p = join(tmp, name); writeFileSync(p, text); return p; };

// The verdict the fixture header was written to produce, for every item of the description.
const expected = {
  'include:stdint.h': 'same',
  'include:unistd.h': 'missing',
  'typedef:fx_handle': 'same',
  'typedef:fx_count': 'different',
  'typedef:fx_gone': 'missing',
  'enum:fx_mode': 'different',
  'enumerator:FX_MODE_A': 'same',
  'enumerator:FX_MODE_B': 'different-value',
  'enumerator:FX_MODE_C': 'missing',
  'enumerator:FX_MODE_D': 'missing',
  'struct:fx_callbacks': 'different',
  'field:fx_callbacks.on_a': 'same',
  'field:fx_callbacks.on_b': 'different-type',
  'field:fx_callbacks.user_data': 'different-offset',
  'field:fx_callbacks.extra': 'missing',
  'struct:fx_point': 'same',
  'field:fx_point.x': 'same',
  'field:fx_point.y': 'same',
  'function:fx_open': 'same',
  'function:fx_close': 'different',
  'function:fx_get_mode': 'missing',
  'function:fx_set_mode': 'different',
  'function:fx_configure': 'different',
  'function:fx_version': 'same',
  'function:fx_flush': 'missing',
  'macro:FX_LIMIT': 'same',
  'macro:FX_BROKEN': 'different-value',
};

test('classifies every item of the fixture, says what differs, and --check fails on a required difference', () => {
  const required = write('required-failing.txt', [
    '# a comment, then items that are same, one that is not, and a pattern that matches nothing',
    'function:fx_open',
    'field:fx_point.*',
    'function:fx_close',
    'function:fx_nothing_*',
    '',
  ].join('\n'));
  const out = join(tmp, 'report.json');
  const r = run([...fixture, '--json', '--out', out, '--check', required]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /required-failing\.txt:4: function:fx_close is different/);
  assert.match(r.stderr, /required-failing\.txt:5: function:fx_nothing_\* \(matches no item/);
  assert.doesNotMatch(r.stderr, /fx_open|fx_point/);

  const report = JSON.parse(readFileSync(out, 'utf8'));
  const got = Object.fromEntries(report.items.map((i) => [i.id, i.status]));
  assert.deepEqual(got, expected);

  const note = (id) => report.items.find((i) => i.id === id).note ?? '';
  assert.match(note('function:fx_close'), /returns void \(SDK int\)/);
  assert.match(note('function:fx_configure'), /parameter 2 is const fx_callbacks\* \(SDK struct fx_callbacks\*\)/);
  assert.match(note('function:fx_set_mode'), /parameter 2 is unsigned int \(SDK enum fx_mode\)/);
  assert.match(note('field:fx_callbacks.on_b'), /ours: void \(\*\)\(fx_handle\*, void\*, int\)/);
  assert.match(note('field:fx_callbacks.user_data'), /offset 24 \(SDK 16\)/);
  assert.match(note('enumerator:FX_MODE_B'), /ours 5 \(SDK 1\)/);
  assert.match(note('typedef:fx_count'), /ours: int \(SDK long\)/);
  assert.match(note('macro:FX_BROKEN'), /fx_undeclared_name/);

  // Later-version items are counted apart from the description's own version.
  assert.deepEqual(report.counts.function, {
    '1.0': { total: 6, same: 2, different: 3, missing: 1 },
    later: { total: 1, missing: 1 },
  });
});

test('writes the markdown report and passes --check when every required item is same', () => {
  const required = write('required-passing.txt', 'function:fx_open\nfield:fx_point.*\nenumerator:FX_MODE_A\n');
  const out = join(tmp, 'report.md');
  const r = run([...fixture, '--out', out, '--check', required]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 requirement line\(s\), 0 unmet/);
  const md = readFileSync(out, 'utf8');
  assert.match(md, /^## fx\/fx\.h$/m);
  assert.match(md, /^\| function \| `fx_open` \| same \| {2}\|$/m);
  assert.match(md, /^\| function \| `fx_flush` \(since 1\.1\) \| missing \| {2}\|$/m);
  assert.match(md, /^\| functions \(1\.0\) \| 6 \| 2 \| 3 \|/m);
});

test('stops with status 2 when the headers under test do not compile at all', () => {
  const dir = join(tmp, 'broken');
  mkdirSync(join(dir, 'fx'), { recursive: true });
  writeFileSync(join(dir, 'fx/fx.h'), 'this is not C;\n');
  const r = run(['--oracle', join(here, 'fixture/oracle.json'), '--include', dir, '--umbrella', 'fx/fx.h']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the headers do not compile as C/);
});

test('traces compiler errors to the probe line, directly or through template context', () => {
  const path = '/w/unit.cpp';
  const gcc = [
    `${path}:12:5: error: static assertion failed: x`,
    'In file included from /w/unit.cpp:1:',
    "/usr/include/c++/12/tuple: In instantiation of 'struct std::tuple_element<3, std::tuple<> >':",
    `${path}:40:5:   required from here`,
    '/usr/include/c++/12/tuple:1357:25: error: static assertion failed: out of range',
    '/w/fx.h:3:20: error: unrelated',
  ].join('\n');
  assert.deepEqual(parseErrors(gcc, path).map((e) => e.line), [12, 40, null]);
  const clang = [
    '/usr/include/c++/v1/tuple:99:3: error: static assertion failed',
    `${path}:41:7: note: in instantiation of template class 'x' requested here`,
  ].join('\n');
  assert.deepEqual(parseErrors(clang, path).map((e) => e.line), [41]);
});

test('the SDK 2.19.1 description is whole and its layouts add up', () => {
  const oracle = JSON.parse(readFileSync(fileURLToPath(new URL('../../cpp/sdk-compat/sdk-2.19.1.json', import.meta.url)), 'utf8'));
  const own = (list) => list.filter((x) => !x.since);
  assert.equal(own(oracle.functions).length, 131);
  assert.equal(oracle.functions.length - own(oracle.functions).length, 25);
  assert.equal(own(oracle.enums).flatMap((e) => own(e.enumerators)).length, 86);
  assert.equal(own(oracle.structs).length, 19);
  assert.equal(own(oracle.structs).flatMap((s) => s.fields).length, 128);
  for (const s of oracle.structs) {
    let end = 0;
    for (const f of s.fields) {
      assert.ok(f.offset >= end, `${s.name}.${f.name} overlaps the field before it`);
      assert.equal(f.offset % Math.min(f.size, 8), 0, `${s.name}.${f.name} is misaligned`);
      end = f.offset + f.size;
    }
    assert.ok(end <= s.size && s.size % s.align === 0, `${s.name}: size ${s.size} does not fit its fields`);
  }
  // Every item gets an id of its own (flattenOracle throws on a repeated one).
  assert.equal(flattenOracle(oracle).length, 446);
});
