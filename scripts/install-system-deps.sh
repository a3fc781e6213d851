#!/usr/bin/env bash
# Installs the Debian packages node-otc builds and tests with. Idempotent: when every package is
# already installed it only checks, in well under a second. Needs root (apt-get).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config python3  # toolchain (node-gyp needs python3 and make)
  ccache                                    # the C++ test build reuses the addon's objects (same flags)
  libtgowt-dev                              # libwebrtc (M108 fork) + abseil, protobuf, ffmpeg, vpx, opus, srtp
  libjpeg62-turbo-dev                       # libjpeg: libyuv's MJPEG decoder (video frames)
  libssl-dev                                # OpenSSL 3: EVP for the frame cryptor, libssl for wss:// signaling
  openssl                                   # the openssl CLI: the TLS tests make their certificates with it
  libgtest-dev                              # C++ tests
  libboost-dev                              # Boost.Asio/Beast (headers only): the signaling client's WebSocket
  nlohmann-json3-dev                        # JSON: signaling messages; C++ tests read the JSON test vectors
  janus janus-tools                         # the media router of routed sessions; janus-pp-rec for recordings
  ffmpeg                                    # recordings to playable files
  iproute2 util-linux                       # ip, unshare: the private network namespace of routed tests
  chromium fonts-dejavu-core                # the browser client's tests (playwright-core drives Debian's Chromium)
  coturn                                    # TURN: serve --turn starts a private one; NAT traversal tests
  nftables                                  # nft: the NAT routers of the topology tests
  libpulse-dev                              # libpulse: the default audio device talks to PulseAudio
  pulseaudio                                # the audio device test runs a private PulseAudio daemon
  tinyproxy                                 # HTTP CONNECT proxy: the signaling proxy test runs a private one
  libsdl2-dev                               # SDL2: the sample programs (samples/) render with it
  redis-server                              # serve --redis: the shared store and bus of several server processes (tests run private ones)
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all ${#PACKAGES[@]} installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "system packages missing: ${missing[*]}" >&2
  echo "run this script as root (it calls apt-get install)" >&2
  exit 1
fi

echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian's janus, coturn and tinyproxy packages would start a system-wide Janus / TURN / proxy server (default
# configs, public listeners) at install and at every boot. node-otc runs private instances of its
# own, so no daemon is started while installing (policy-rc.d) and the units are left disabled.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
for unit in janus coturn tinyproxy; do
  if [[ " ${missing[*]} " == *" $unit "* ]] && command -v systemctl >/dev/null 2>&1 &&
     systemctl is-enabled "$unit" >/dev/null 2>&1; then
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  fi
done
