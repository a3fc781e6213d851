#!/usr/bin/env bash
# The project's whole test run: installs and builds what it needs (scripts/setup.sh), then runs
#   1. the C/C++ tests (ctest: E2EE core, vectors, C API, media engine on libwebrtc, and
#      libopentok.so installed and linked by programs outside the tree: Library.*),
#   2. the same core tests under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. the self-test of the pure-JS reference implementation (bench/js-frame-cryptor.mjs) and
#      the SDK coverage tool's own tests on its fixture (test/sdk-coverage, node --test),
#   4. the ava tests (TypeScript API, vectors through Node, cross-implementation, packaging),
#   5. the ava tests that need the private network namespace of scripts/netns-run.sh (root):
#      routed sessions through Janus (test/routed/) and the browser client in Chromium
#      (test/browser/),
#   6. the NAT traversal tests in a topology of namespaces of their own (test/topology/),
# and ends with one line "N passed, N failed" summing every suite.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LOGS="$ROOT/.ci-artifacts"
mkdir -p "$LOGS"

echo "== setup [$(date -u +%T)]"
bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
npm_config_nodedir="$(node -p "require('path').resolve(process.execPath, '..', '..')")"
export npm_config_nodedir
JOBS=$(nproc 2>/dev/null || echo 2)

passed=0
failed=0
summary=()
record() {  # suite passed failed
  passed=$((passed + $2))
  failed=$((failed + $3))
  summary+=("$(printf '%-28s %5d passed, %d failed' "$1" "$2" "$3")")
}

# ctest prints "NN% tests passed, F tests failed out of T".
run_ctest() {  # label build-dir cmake-args...
  local label=$1 dir=$2
  shift 2
  echo "== $label: configuring and building ($dir) [$(date -u +%T)]"
  if ! cmake -S . -B "$dir" -DOTC_BUILD_TESTS=ON "$@" >"$LOGS/$label-build.log" 2>&1 ||
     ! cmake --build "$dir" -j"$JOBS" >>"$LOGS/$label-build.log" 2>&1; then
    tail -40 "$LOGS/$label-build.log"
    record "$label (build)" 0 1
    return
  fi
  echo "== $label: running [$(date -u +%T)]"
  (cd "$dir" && ctest -j"$JOBS" --output-on-failure --timeout 600) 2>&1 | tee "$LOGS/$label.log" | grep -vE "^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed" || true
  local line total fails
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$LOGS/$label.log" | tail -1)
  if [ -z "$line" ]; then record "$label (no result)" 0 1; return; fi
  fails=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
  total=$(echo "$line" | sed -E 's/.* failed out of ([0-9]+).*/\1/')
  record "$label" $((total - fails)) "$fails"
}

# The addon's build type and flags (cmake-js: Release, -DBUILDING_NODE_EXTENSION), both through
# ccache: the core's objects come from setup's build of the addon, not a second compile (about 3
# of the 6 minutes this build took on 2 cores).
run_ctest ctest build-test -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-DBUILDING_NODE_EXTENSION \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache
# The sanitizers watch our code, not libwebrtc's archive (built without them): the media engine
# is left out of this build.
run_ctest ctest-asan-ubsan build-asan -DCMAKE_BUILD_TYPE=Debug -DOTC_SANITIZE=ON -DOTC_WITH_LIBWEBRTC=OFF \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache

echo "== js reference self-test [$(date -u +%T)]"
node bench/js-frame-cryptor.selftest.mjs 2>&1 | tee "$LOGS/js-reference.log" | tail -3
line=$(grep -E "^[0-9]+ passed, [0-9]+ failed" "$LOGS/js-reference.log" | tail -1)
if [ -n "$line" ]; then
  record "js-reference" "$(echo "$line" | cut -d' ' -f1)" "$(echo "$line" | cut -d' ' -f3)"
else
  record "js-reference (no result)" 0 1
fi

echo "== sdk-coverage tool (node --test) [$(date -u +%T)]"
node --test test/sdk-coverage/ 2>&1 | tee "$LOGS/sdk-coverage-tool.log" | tail -8
ok=$(grep -E "^# pass [0-9]+" "$LOGS/sdk-coverage-tool.log" | tail -1 | grep -oE "[0-9]+")
bad=$(grep -E "^# fail [0-9]+" "$LOGS/sdk-coverage-tool.log" | tail -1 | grep -oE "[0-9]+")
if [ -n "$ok" ] && [ -n "$bad" ]; then record "sdk-coverage-tool" "$ok" "$bad"; else record "sdk-coverage-tool (no result)" 0 1; fi

run_ava() {  # label command...
  local label=$1
  shift
  echo "== $label [$(date -u +%T)]"
  "$@" 2>&1 | tee "$LOGS/$label.log"
  local status=${PIPESTATUS[0]} ok bad
  ok=$(grep -oE "^ *[0-9]+ tests? passed" "$LOGS/$label.log" | tail -1 | grep -oE "[0-9]+" || echo 0)
  bad=$(grep -oE "^ *[0-9]+ tests? failed" "$LOGS/$label.log" | tail -1 | grep -oE "[0-9]+" || echo 0)
  ok=${ok:-0}
  bad=${bad:-0}
  # ava prints "N tests passed" only when nothing failed: otherwise count its per-test ticks.
  if [ "$bad" -gt 0 ]; then
    ok=$(grep -cE "^ *✔ " "$LOGS/$label.log" || true)
  fi
  # A crash, timeout or uncaught exception can fail the run without a "failed" count.
  if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
  record "$label" "$ok" "$bad"
}

run_ava ava node_modules/.bin/ava
run_ava ava-netns bash scripts/netns-run.sh node_modules/.bin/ava
# NAT traversal (test/topology): namespaces of its own (scripts/netns-topology.sh), root, outside
# netns-run.sh.
run_ava ava-topology env OTC_TOPOLOGY=1 node_modules/.bin/ava

echo
echo "== summary [$(date -u +%T)]"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
