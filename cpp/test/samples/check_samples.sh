#!/usr/bin/env bash
# node-otc's sample programs (samples/) as SDK users build and run them: copied out of the
# repository, built against libopentok installed into a prefix (the Library.* tests' install,
# library/check_library.sh), run headless against the session server in end-to-end encrypted
# sessions, stopped with SIGINT as Ctrl-C would, and judged by what they print, their exit
# status and the media check report the library writes (OTC_MEDIA_CHECK_REPORT, otc/media.h).
#
#   check_samples.sh STEP BUILD_DIR SOURCE_DIR LIBRARY_STATE_FILE PEER
#
# STEP: build | server-start | server-stop | one sample's name (the ctest tests, cpp/test/CMakeLists.txt).
# LIBRARY_STATE_FILE names the library test's temporary directory; everything here lives in
# its samples/ subdirectory and goes with it (Library.Cleanup). PEER: cpp/test's samples_peer.
set -euo pipefail

step=$1 build_dir=$2 source_dir=$3 library_state=$4 peer=$5

die() { echo "FAIL: $*" >&2; exit 1; }

lib_work=$(cat "$library_state" 2>/dev/null || true)
[ -n "$lib_work" ] && [ -d "$lib_work/prefix" ] || die "no libopentok install (Library.Install did not run or failed)"
prefix=$lib_work/prefix
work=$lib_work/samples
mkdir -p "$work"
bin=$work/build-path/bin
api_key=47000001
api_secret=0123456789abcdef0123456789abcdef01234567
secret="the samples' shared secret"
cli=(node "$source_dir/dist/lib/cli/index.js")

# ---- building -------------------------------------------------------------------------------
if [ "$step" = build ]; then
  rm -rf "$work/src" "$work/build-path" "$work/build-pkg"
  cp -r "$source_dir/samples" "$work/src"
  rm -f "$work/src/config.h"
  # SDK programs only: the SDK's header, not node-otc's additions.
  if grep -rnE '#include *[<"]otc/' "$work/src"; then die "a sample includes a node-otc header"; fi
  # The harness's config.h: an API key; the rest comes per run from OTC_SAMPLE_* (README.md).
  sed -e "s/^#define API_KEY \"\"/#define API_KEY \"$api_key\"/" "$work/src/common/config-sample.h" >"$work/config.h"
  for how in path pkg; do
    out=$work/build-$how
    if [ $how = path ]; then
      env_args=(LIBOPENTOK_PATH="$prefix" PKG_CONFIG_PATH=/nonexistent)
      expect=LIBOPENTOK_PATH
      targets=()
    else
      env_args=(-u LIBOPENTOK_PATH PKG_CONFIG_PATH="$prefix/lib/pkgconfig")
      expect=pkg-config
      # Found the other way: one program is enough to show it (the CI budget); it runs in
      # Samples.basic_video_chat next to the LIBOPENTOK_PATH build's.
      targets=(--target basic_video_chat)
    fi
    env "${env_args[@]}" cmake -S "$work/src" -B "$out" -DCMAKE_BUILD_TYPE=Release -DSAMPLES_WERROR=ON \
      -DSAMPLES_CONFIG="$work/config.h" -DCMAKE_CXX_COMPILER="${CXX:-c++}" >"$out.log" 2>&1 ||
      { cat "$out.log"; die "configuring the samples ($expect)"; }
    grep -q "libopentok through $expect" "$out.log" || { cat "$out.log"; die "libopentok not found through $expect"; }
    env "${env_args[@]}" nice -n 10 cmake --build "$out" -j2 "${targets[@]}" >>"$out.log" 2>&1 ||
      { cat "$out.log"; die "building the samples ($expect)"; }
  done
  for exe in "$bin"/{basic_video_chat,publisher_only,signaling,custom_audio_device,custom_video_capturer,configurable_turn_servers,e2ee_invalid_secret,e2ee_secret_missing,e2ee_secret_mismatch,e2ee_decryption_error} \
             "$work/build-pkg/bin/basic_video_chat"; do
    [ -x "$exe" ] || die "not built: $exe"
    resolved=$(env -u LD_LIBRARY_PATH ldd "$exe" | awk '/libopentok/ {print $3}')
    case "$resolved" in "$prefix"/lib/libopentok.so.*) ;; *) die "$exe resolves libopentok to '$resolved'" ;; esac
  done
  echo "samples built through LIBOPENTOK_PATH (all) and pkg-config (basic_video_chat) against $prefix"
  exit 0
fi

# ---- the session server ---------------------------------------------------------------------
if [ "$step" = server-start ]; then
  if [ -f "$work/server.pid" ]; then kill -KILL "$(cat "$work/server.pid")" 2>/dev/null || true; fi
  # Its own session and process group, output to a file: ctest does not wait for it.
  OTC_API_KEY=$api_key OTC_API_SECRET=$api_secret setsid "${cli[@]}" serve --port 0 --no-router \
    </dev/null >"$work/server.log" 2>&1 &
  echo $! >"$work/server.pid"
  for _ in $(seq 1 400); do
    signaling=$(sed -n 's/^signaling: //p' "$work/server.log" | head -1)
    url=$(sed -n 's/^url: //p' "$work/server.log" | head -1)
    if [ -n "$signaling" ] && [ -n "$url" ]; then
      printf 'signaling=%s\nurl=%s\n' "$signaling" "$url" >"$work/server.env"
      echo "session server at $signaling (pid $(cat "$work/server.pid"))"
      exit 0
    fi
    kill -0 "$(cat "$work/server.pid")" 2>/dev/null || break
    sleep 0.05
  done
  cat "$work/server.log"
  die "the session server did not start (tsc -p . first?)"
fi

if [ "$step" = server-stop ]; then
  pid=$(cat "$work/server.pid" 2>/dev/null || true)
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$work/server.pid" "$work/server.env"
  exit 0
fi

# ---- running samples ------------------------------------------------------------------------
[ -f "$work/server.env" ] || die "no session server (Samples.ServerStart did not run or failed)"
signaling=$(sed -n 's/^signaling=//p' "$work/server.env")
url=$(sed -n 's/^url=//p' "$work/server.env")
[ -x "$bin/basic_video_chat" ] || die "the samples are not built (Samples.Build did not run or failed)"

run=$work/run-$step
rm -rf "$run"
mkdir -p "$run"
report=$run/report.jsonl
pids=()

new_session() { "${cli[@]}" create-session --url "$url" --api-key "$api_key" --api-secret "$api_secret" --relayed --e2ee; }
new_token() { "${cli[@]}" token --api-key "$api_key" --api-secret "$api_secret" --session "$1" --role publisher; }

# start NAME PROGRAM [ARGS...]: PROGRAM in the background, headless, its output in
# $run/NAME.out; the session and secret from SESSION and SECRET, more variables from EXTRA_ENV.
EXTRA_ENV=()
start() {
  local name=$1
  shift
  # Background jobs of a script start with SIGINT ignored, and SDL leaves an ignored SIGINT
  # alone: give it back its default so that Ctrl-C's SIGINT reaches SDL.
  env --default-signal=INT SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy OTC_SIGNALING_URL="$signaling" \
    OTC_VIDEO_CAPTURER=pattern OTC_AUDIO_DEVICE=silence OTC_MEDIA_CHECK_REPORT="$report" \
    OTC_SAMPLE_SESSION_ID="$SESSION" OTC_SAMPLE_TOKEN="$(new_token "$SESSION")" OTC_SAMPLE_ENCRYPTION_SECRET="$SECRET" \
    "${EXTRA_ENV[@]}" "$@" </dev/null >"$run/$name.out" 2>"$run/$name.err" &
  eval "pid_$name=$!"
  pids+=($!)
}

# stop NAME: SIGINT (SDL makes it SDL_QUIT), up to 20 s to finish, then SIGKILL. Sets $status.
stop() {
  local pid
  pid=$(eval echo "\$pid_$1")
  kill -INT "$pid" 2>/dev/null || true
  finish "$1" 20
}

# finish NAME SECONDS: waits for NAME to end by itself, SIGKILL after SECONDS. Sets $status.
finish() {
  local pid i
  pid=$(eval echo "\$pid_$1")
  for ((i = 0; i < $2 * 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$1 did not end within $2 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  status=0
  wait "$pid" || status=$?
  echo "--- $1 (exit status $status):"
  sed 's/^/  /' "$run/$1.out"
}

# Whatever is still running when the test ends goes.
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ -n "${turn_pid:-}" ]; then kill -KILL "$turn_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

# wait_for NAME REGEX SECONDS: until NAME prints a line matching REGEX.
wait_for() {
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    grep -qE "$2" "$run/$1.out" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "--- $1 did not print /$2/ within $3 s:"
  sed 's/^/  /' "$run/$1.out"
  tail -20 "$run/$1.err"
  die "$1: no /$2/"
}

# judge PYTHON-EXPRESSIONS...: each is evaluated over the report's lines (sub(stream) and
# pub(stream): the line of that stream id; subs: all subscriber lines) and must hold.
judge() {
  python3 - "$report" "$@" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()] if __import__('os').path.exists(sys.argv[1]) else []
print('report:')
for l in lines: print('  ' + json.dumps(l))
subs = [l for l in lines if l['type'] == 'subscriber']
pubs = [l for l in lines if l['type'] == 'publisher']
def sub(stream):
    found = [l for l in subs if l['stream_id'] == stream]
    if len(found) != 1: raise SystemExit('FAIL: %d subscriber lines for stream %s' % (len(found), stream))
    return found[0]
def pub(stream):
    found = [l for l in pubs if l['stream_id'] == stream]
    if len(found) != 1: raise SystemExit('FAIL: %d publisher lines for stream %s' % (len(found), stream))
    return found[0]
failed = False
for expression in sys.argv[2:]:
    ok = eval(expression)
    print(('ok:   ' if ok else 'FAIL: ') + expression)
    failed |= not ok
sys.exit(1 if failed else 0)
EOF
}

stream_of() { sed -n 's/^publishing //p' "$run/$1.out" | head -1; }

# The programs that only publish: NAME runs EXE in a new session, a basic_video_chat subscribes
# to it for media_seconds, then both stop; NAME must exit 0. Sets s to NAME's stream id.
publish_and_watch() {  # NAME EXE
  SESSION=$(new_session)
  start "$1" "$2"
  wait_for "$1" '^publishing ' 60
  start peer "$bin/basic_video_chat"
  wait_for peer '^subscribed ' 60
  sleep "$media_seconds"
  stop peer
  stop "$1"
  [ "$status" -eq 0 ] || die "$(basename "$2") exited with $status"
  s=$(stream_of "$1")
}

# Media flows for this long once both ends are up: at 30 fps a generous floor is a fifth of it.
media_seconds=6
min_frames=$((media_seconds * 30 / 5))

SECRET=$secret
case "$step" in
basic_video_chat)
  # Two of them in one session (the second from the pkg-config build): each sees the other's test
  # pattern, every frame opened.
  SESSION=$(new_session)
  start a "$bin/basic_video_chat"
  start b "$work/build-pkg/bin/basic_video_chat"
  wait_for a '^subscribed ' 60
  wait_for b '^subscribed ' 60
  sleep "$media_seconds"
  stop a
  [ "$status" -eq 0 ] || die "a exited with $status"
  stop b
  [ "$status" -eq 0 ] || die "b exited with $status"
  sa=$(stream_of a) sb=$(stream_of b)
  judge "sub('$sa')['frames_received'] >= $min_frames" "sub('$sb')['frames_received'] >= $min_frames" \
    "sub('$sa')['decrypt_failures'] == 0" "sub('$sb')['decrypt_failures'] == 0" \
    "sub('$sa')['e2ee'] and sub('$sb')['e2ee']" \
    "sub('$sa')['frames_lost'] <= sub('$sa')['frames_received']" \
    "pub('$sa')['video_frames_sealed'] >= sub('$sa')['frames_received']" \
    "pub('$sb')['video_frames_sealed'] >= sub('$sb')['frames_received']" ||
    die "media check"
  # Both rendered what they subscribed to (the SDL windows, dummy driver).
  grep -qE "^stream .* dropped after [1-9][0-9]* frames" "$run/b.out" || die "b rendered none of a's frames"
  ;;

publisher_only)
  # Its stream checked by a subscriber: a basic_video_chat in the same session.
  publish_and_watch pub "$bin/publisher_only"
  grep -qE '^preview frames ([0-9]{2,})' "$run/pub.out" || die "publisher_only rendered (almost) no preview"
  judge "sub('$s')['frames_received'] >= $min_frames" "sub('$s')['decrypt_failures'] == 0" \
    "pub('$s')['video_frames_sealed'] >= $min_frames" || die "media check"
  ;;

signaling)
  SESSION=$(new_session)
  start echo "$bin/signaling"
  wait_for echo '^connected' 60
  start peer "$peer" signal "$api_key" "$SESSION" "$(new_token "$SESSION")" "$SECRET" 5
  finish peer 90
  [ "$status" -eq 0 ] || die "the peer did not get its 5 signals back"
  stop echo
  [ "$status" -eq 0 ] || die "signaling exited with $status"
  grep -qx 'echoed 5' "$run/echo.out" || die "signaling did not echo exactly 5 signals"
  ;;

custom_audio_device)
  # Its tone heard by a subscriber (basic_video_chat): decoded audio, mostly louder than silence.
  publish_and_watch tone "$bin/custom_audio_device"
  grep -qE '^tone samples written [1-9]' "$run/tone.out" || die "no tone written"
  judge "sub('$s')['audio_blocks'] >= $((media_seconds * 100 / 4))" \
    "sub('$s')['audio_loud_blocks'] >= sub('$s')['audio_blocks'] / 2" \
    "sub('$s')['audio_peak'] >= 3000" "sub('$s')['audio_frames_opened'] > 0" \
    "sub('$s')['decrypt_failures'] == 0" "pub('$s')['audio_frames_sealed'] > 0" || die "media check"
  ;;

custom_video_capturer)
  # Its pictures reach a subscriber: decoded, the capturer's size, and not the test pattern
  # (no frame carries the pattern's code).
  publish_and_watch cam "$bin/custom_video_capturer"
  grep -qE '^frames provided [1-9][0-9]+' "$run/cam.out" || die "the capturer provided (almost) no frames"
  judge "sub('$s')['frames_decoded'] >= $min_frames" "sub('$s')['frames_received'] == 0" \
    "sub('$s')['frames_unreadable'] == sub('$s')['frames_decoded']" \
    "sub('$s')['width'] * 9 == sub('$s')['height'] * 16 and sub('$s')['width'] <= 640" \
    "sub('$s')['decrypt_failures'] == 0" "pub('$s')['video_frames_sealed'] >= $min_frames" || die "media check"
  ;;

configurable_turn_servers)
  # A private coturn (Debian's, as test/ice-config.test.ts runs it): the sample's media goes
  # through it (relay candidates only), checked by a basic_video_chat at the other end.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  turn_secret=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  turnserver -n --listening-ip 127.0.0.1 --relay-ip 127.0.0.1 --listening-port "$port" --allow-loopback-peers \
    --use-auth-secret --static-auth-secret "$turn_secret" --realm node-otc --no-cli --no-tls --no-dtls \
    --log-file stdout --simple-log --verbose </dev/null >"$run/turn.log" 2>&1 &
  turn_pid=$!
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
  user="$(($(date +%s) + 3600)):sample"
  credential=$(printf '%s' "$user" | openssl dgst -sha1 -hmac "$turn_secret" -binary | base64)
  SESSION=$(new_session)
  EXTRA_ENV=(OTC_SAMPLE_TURN_URL="turn:127.0.0.1:$port?transport=udp" OTC_SAMPLE_TURN_USERNAME="$user"
             OTC_SAMPLE_TURN_CREDENTIAL="$credential")
  start turn "$bin/configurable_turn_servers"
  EXTRA_ENV=()
  wait_for turn '^publishing ' 60
  start peer "$bin/basic_video_chat"
  wait_for peer '^subscribed ' 60
  wait_for turn '^subscribed ' 60
  sleep "$media_seconds"
  stop peer
  stop turn
  [ "$status" -eq 0 ] || die "configurable_turn_servers exited with $status"
  st=$(stream_of turn) sp=$(stream_of peer)
  judge "sub('$st')['frames_received'] >= $min_frames" "sub('$sp')['frames_received'] >= $min_frames" \
    "sub('$st')['decrypt_failures'] == 0" "sub('$sp')['decrypt_failures'] == 0" || die "media check"
  # The sample had relay candidates only; coturn relayed for its credential: once the sample has
  # released its allocations, coturn logs what went through them (packets received from the
  # peer, rp).
  for _ in $(seq 1 200); do
    grep -qE 'peer usage: realm=<node-otc>, username=<[0-9]+:sample>, rp=[1-9][0-9]{2,}' "$run/turn.log" && break
    sleep 0.05
  done
  kill -TERM "$turn_pid" 2>/dev/null || true
  grep -E 'username=<[0-9]+:sample>.*(rp=|lifetime)' "$run/turn.log" | sed 's/^/  coturn: /' | head -8
  grep -qE 'peer usage: realm=<node-otc>, username=<[0-9]+:sample>, rp=[1-9][0-9]{2,}' "$run/turn.log" ||
    { tail -30 "$run/turn.log"; die "coturn relayed no media for the sample"; }
  ;;

e2ee_invalid_secret)
  SESSION=$(new_session)
  start app "$bin/e2ee_invalid_secret"
  finish app 60
  [ "$status" -eq 0 ] || die "e2ee_invalid_secret exited with $status"
  grep -qx 'set_encryption_secret("short") = 6004' "$run/app.out" || die "no 6004"
  grep -q '^publishing ' "$run/app.out" || die "did not publish with the valid secret afterwards"
  ;;

e2ee_secret_missing)
  SESSION=$(new_session)
  SECRET=""
  start app "$bin/e2ee_secret_missing"
  finish app 60
  [ "$status" -eq 0 ] || die "e2ee_secret_missing exited with $status"
  grep -qE '^(session|publisher) error 6000: ' "$run/app.out" || die "no 6000 through on_error"
  ;;

e2ee_secret_mismatch)
  # A basic_video_chat publishes with the session's secret; the sample subscribes with another.
  SESSION=$(new_session)
  start peer "$bin/basic_video_chat"
  wait_for peer '^publishing ' 60
  SECRET="not the samples' secret"
  start app "$bin/e2ee_secret_mismatch"
  finish app 60
  [ "$status" -eq 0 ] || die "e2ee_secret_mismatch exited with $status"
  grep -q '^subscriber error 6003: ' "$run/app.out" || die "no 6003"
  stop peer
  s=$(stream_of peer)
  judge "sub('$s')['frames_mismatch'] > 0" "sub('$s')['frames_decoded'] == 0" || die "media check"
  ;;

e2ee_decryption_error)
  # samples_peer publishes with the session's secret as a faulty sender (its frames' tags
  # altered after sealing); the sample, with the right secret, cannot authenticate them.
  SESSION=$(new_session)
  start peer "$peer" faulty-publisher "$api_key" "$SESSION" "$(new_token "$SESSION")" "$SECRET"
  wait_for peer '^publishing ' 60
  start app "$bin/e2ee_decryption_error"
  finish app 60
  [ "$status" -eq 0 ] || die "e2ee_decryption_error exited with $status"
  grep -q '^subscriber error 6002: ' "$run/app.out" || die "no 6002"
  stop peer
  s=$(stream_of peer)
  judge "sub('$s')['frames_integrity_failure'] > 0" "sub('$s')['frames_mismatch'] == 0" \
    "sub('$s')['frames_decoded'] == 0" || die "media check"
  ;;

*)
  die "unknown step $step"
  ;;
esac
echo "$step: ok"
