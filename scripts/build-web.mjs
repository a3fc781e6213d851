// Builds the browser client (lib/web/client) into dist/web: type-checks it (DOM and worker
// libraries, which the Node build leaves out), bundles the frame worker, inlines it into the
// client, and writes the client as an ES module and as a plain script (global OTC), plus the
// demo page. Run by `npm run build:ts`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

for (const project of ['lib/web/client/tsconfig.json', 'lib/web/client/worker/tsconfig.json']) {
  execFileSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit' });
}

const common = { bundle: true, target: 'es2022', legalComments: 'none', logLevel: 'warning', sourcemap: false };
const worker = await esbuild.build({
  ...common, entryPoints: [join(root, 'lib/web/client/worker/frame-worker.ts')], format: 'iife', write: false, minify: true,
});
const workerSource = worker.outputFiles[0].text;

/** Resolves the client's `otc:frame-worker-source` import to the bundled worker's text. */
const inlineWorker = {
  name: 'inline-frame-worker',
  setup(build) {
    build.onResolve({ filter: /^otc:frame-worker-source$/ }, (args) => ({ path: args.path, namespace: 'otc-worker' }));
    build.onLoad({ filter: /.*/, namespace: 'otc-worker' }, () => ({ contents: workerSource, loader: 'text' }));
  },
};

mkdirSync(out, { recursive: true });
const entry = join(root, 'lib/web/client/index.ts');
await esbuild.build({ ...common, entryPoints: [entry], format: 'esm', outfile: join(out, 'otc-client.mjs'), plugins: [inlineWorker] });
await esbuild.build({ ...common, entryPoints: [entry], format: 'iife', globalName: 'OTC', outfile: join(out, 'otc-client.js'), plugins: [inlineWorker] });
await esbuild.build({
  ...common, entryPoints: [join(root, 'lib/web/demo/demo-page.ts')], format: 'esm', outfile: join(out, 'demo.mjs'),
  plugins: [inlineWorker],
});
cpSync(join(root, 'lib/web/demo/index.html'), join(out, 'demo.html'));
console.log(`browser client: ${out}/otc-client.{js,mjs}, demo page`);
