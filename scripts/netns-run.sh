#!/usr/bin/env bash
# Runs a command inside a private network namespace made for routed-session tests
# (docs/platform-facts.md section 2.1): 127.0.0.1/8 is moved from `lo` onto one end of a veth pair that exists only
# in the namespace, so Janus (which never gathers ICE candidates on a loopback interface) offers
# 127.0.0.1, and nothing inside can reach any other address. IPv6 is off. The namespace ends with
# the command. Needs root (unshare, ip).
#
#   bash scripts/netns-run.sh <command> [args...]
set -euo pipefail

if [ "${1:-}" != "--inside" ]; then
  if [ $# -eq 0 ]; then
    echo "usage: bash scripts/netns-run.sh <command> [args...]" >&2
    exit 2
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "netns-run: a private network namespace needs root (routed-session tests run Janus inside one)" >&2
    exit 1
  fi
  exec unshare --net --fork -- bash "$0" --inside "$@"
fi
shift

ip link set lo up
ip link add otc-veth0 type veth peer name otc-veth1
ip addr del 127.0.0.1/8 dev lo
ip addr add 127.0.0.1/8 dev otc-veth0
ip link set otc-veth0 up
ip link set otc-veth1 up
if [ -w /proc/sys/net/ipv6/conf/all/disable_ipv6 ]; then
  echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
  echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
fi
export OTC_NETNS=1
exec "$@"
