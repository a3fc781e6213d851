// The Linux SDK compatibility as the README states it: the slices made compatible stay so
// (cpp/sdk-compat/required.txt), and the README's per-function coverage table is what the
// headers give today. Both are judged by the compiler through scripts/sdk-coverage.mjs.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const tool = path.join(root, 'scripts', 'sdk-coverage.mjs');

function coverage(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [tool, ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

test('every SDK item cpp/sdk-compat/required.txt names has the SDK\'s shape', (t) => {
  const r = coverage(['--check', 'cpp/sdk-compat/required.txt']);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /requirement line\(s\), 0 unmet/);
});

test('the README\'s coverage table is current', (t) => {
  const r = coverage(['--readme-check', 'README.md']);
  t.is(r.status, 0, r.out);
});
