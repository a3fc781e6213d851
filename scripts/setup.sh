#!/usr/bin/env bash
# Everything node-otc needs on a fresh Debian 12 machine: system packages, npm packages, the
# native addon (cmake-js), the TypeScript build and the browser bundles. Quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh

# Node headers come from the system (Debian's nodejs or the Node install), never a download.
npm_config_nodedir="$(node -p "require('path').resolve(process.execPath, '..', '..')")"
export npm_config_nodedir

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "npm packages: installing"
  # --ignore-scripts: our own install script (node-gyp-build) would compile the addon a second
  # time; it is built below with cmake-js.
  npm ci --ignore-scripts --no-audit --no-fund
else
  echo "npm packages: up to date"
fi

# better-sqlite3 (the server's durable session store, `serve --data`) is a native module that
# --ignore-scripts above leaves unbuilt: compiled here from its bundled SQLite against the
# system's Node headers (build_from_source: its prebuilt-binary download is never tried).
if [ ! -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; then
  echo "better-sqlite3: building"
  npm_config_build_from_source=better-sqlite3 npm rebuild better-sqlite3 --no-audit --no-fund
fi

echo "native addon: building (cmake-js)"
# Through ccache: the test run's C++ tree (scripts/test.sh) compiles the core with the same flags
# and takes these objects from the cache instead of compiling them again.
node_modules/.bin/cmake-js compile -O build --log-level warn \
  --CDCMAKE_CXX_COMPILER_LAUNCHER=ccache --CDCMAKE_C_COMPILER_LAUNCHER=ccache
echo "TypeScript: building"
node scripts/gen-error-codes.mjs >/dev/null
node_modules/.bin/tsc -p .
chmod +x dist/lib/cli/index.js  # the `node-otc` bin (npx node-otc ...)
echo "browser client: building (esbuild)"
node scripts/build-web.mjs
echo "setup done: build/Release/node_otc.node, dist/ (dist/web: the browser client and the demo page)"
