// `npm run prebuild` (prebuildify through node-gyp and binding.gyp) yields a prebuild that
// node-gyp-build loads when it is the only binary there: built in a copy of the package, then
// loaded from a second copy that holds nothing native but prebuilds/.
import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');

test('a prebuild made by npm run prebuild loads with no other build present', async (t) => {
  t.timeout(15 * 60_000, 'prebuildify compiles the whole addon with node-gyp');
  const work = mkdtempSync(path.join(tmpdir(), 'otc-prebuild-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));

  const source = path.join(work, 'source');
  for (const entry of ['package.json', 'binding.gyp', 'gyp', 'cpp']) {
    cpSync(path.join(root, entry), path.join(source, entry), { recursive: true });
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(source, 'node_modules'), 'dir');
  const nodedir = path.resolve(process.execPath, '..', '..');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await run(npm, ['run', 'prebuild'], {
    cwd: source,
    // Both cores (node-gyp's JOBS): the other test files running beside it finish long before.
    env: { ...process.env, npm_config_nodedir: nodedir, JOBS: 'max' },
    timeout: 14 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const platformDir = `${process.platform}-${process.arch}`;
  const built = readdirSync(path.join(source, 'prebuilds', platformDir));
  t.true(built.some((f) => f.endsWith('.node')), `prebuilds/${platformDir}: ${built.join(', ')}`);

  const installed = path.join(work, 'installed');
  cpSync(path.join(root, 'package.json'), path.join(installed, 'package.json'));
  cpSync(path.join(root, 'dist', 'lib'), path.join(installed, 'dist', 'lib'), { recursive: true });
  cpSync(path.join(source, 'prebuilds'), path.join(installed, 'prebuilds'), { recursive: true });
  cpSync(path.join(root, 'node_modules', 'node-gyp-build'), path.join(installed, 'node_modules', 'node-gyp-build'), { recursive: true });
  const check = path.join(installed, 'check.js');
  writeFileSync(check, `
    const otc = require('./dist/lib/index.js');
    const loaded = require('node-gyp-build').resolve(__dirname);
    otc.init();
    const codecs = otc.getCodecs('video', 'encode').map((c) => c.name);
    otc.destroy();
    console.log(JSON.stringify({ loaded, codecs }));`);
  const { stdout } = await run(process.execPath, [check], { cwd: installed, timeout: 60_000 });
  const { loaded, codecs } = JSON.parse(stdout) as { loaded: string; codecs: string[] };
  t.true(loaded.startsWith(path.join(installed, 'prebuilds', platformDir)), loaded);
  t.true(codecs.includes('VP8'));
});
