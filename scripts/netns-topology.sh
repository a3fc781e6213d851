#!/usr/bin/env bash
# Builds (and tears down) the NAT traversal test topology (docs/platform-facts.md section 4) out
# of named network namespaces, all addresses in 198.18.0.0/15:
#
#   <p>-ca 198.19.1.2 -- 198.19.1.1 <p>-ra 198.18.1.2 --.                     .-- 198.18.3.2 <p>-jan
#   (client A)            (NAT A: masquerade,        198.18.1.1              198.18.3.1 (Janus)
#                          inbound NEW dropped)          <p>-pub 198.18.0.1 -- 198.18.9.2 <p>-void
#   <p>-cb 198.19.2.2 -- 198.19.2.1 <p>-rb 198.18.2.2 --'   session server, coturn
#   (client B)            (NAT B)                    198.18.2.1
#
# pub does not forward (ip_forward 0): the clients, their routers and Janus each reach pub's
# addresses and nothing behind it, so the two clients (and a client and Janus) meet only through
# a relay on pub: the TURN server. pub's default route leads to <p>-void (198.18.9.2), which
# forwards nothing: as on the Internet, a packet to an address nobody routes (a client's private
# host candidate) disappears without an error at the sender (coturn ends an allocation whose
# relay socket gets ENETUNREACH, so a missing route is not the same thing). Each router masquerades its client on its WAN veth and drops
# every connection that starts on the WAN side (ct state), as a home NAT does. IPv6 is off.
#
#   bash scripts/netns-topology.sh up <prefix>      # prefix: otc-t-<something>
#   bash scripts/netns-topology.sh down <prefix>
#   bash scripts/netns-topology.sh sweep            # removes stale otc-t-* namespaces
#
# A prefix otc-t-p<pid>x<tag> belongs to process <pid> (the test run that made it): the sweep
# leaves alone the namespaces of a process still alive, so two runs at once never take down each
# other's topology (a sweep once killed the servers of a test file running beside it).
set -euo pipefail

usage() {
  echo "usage: bash scripts/netns-topology.sh up|down <otc-t-prefix> | sweep" >&2
  exit 2
}

# The system's tools only: run from `npm test`, PATH starts with node_modules/.bin, where ava's
# dependency @vercel/nft installs a command named `nft` (Node File Trace) that shadowed nftables:
# no NAT rule was made, and every request from a client namespace went unanswered.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

[ "$(id -u)" -eq 0 ] || { echo "netns-topology: needs root (ip netns, nft)" >&2; exit 1; }
command -v nft >/dev/null || { echo "netns-topology: nft is missing: bash scripts/install-system-deps.sh (nftables)" >&2; exit 1; }

cmd=${1:-}
prefix=${2:-}
NAMES=(pub ra ca rb cb jan void)

in_ns() {  # ns command...
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}

down() {
  local p=$1 name
  for name in "${NAMES[@]}"; do
    # Processes still inside would keep nothing alive (a deleted namespace goes with its last
    # process): the caller stops its own by pid first.
    ip netns del "$p-$name" 2>/dev/null || true
  done
}

base_ns() {  # ns: loopback up, IPv6 off
  ip netns add "$1"
  in_ns "$1" ip link set lo up
  in_ns "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

link() {  # nsA ifA addrA nsB ifB addrB
  ip -n "$1" link add name "$2" type veth peer name "$5" netns "$4"
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$4" addr add "$6" dev "$5"
  ip -n "$1" link set "$2" up
  ip -n "$4" link set "$5" up
}

nat_router() {  # ns: masquerade out of wan, refuse what starts on wan
  in_ns "$1" sysctl -q -w net.ipv4.ip_forward=1
  in_ns "$1" nft -f - <<'EOF'
table ip nat {
  chain post {
    type nat hook postrouting priority 100;
    oifname "wan" masquerade
  }
}
table inet filter {
  chain forward {
    type filter hook forward priority 0; policy drop;
    iifname "lan" oifname "wan" accept
    iifname "wan" ct state established,related accept
  }
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "wan" ct state established,related accept
    iifname "wan" drop
  }
}
EOF
}

up() {
  local p=$1
  base_ns "$p-pub"
  for name in ra ca rb cb jan void; do base_ns "$p-$name"; done

  link "$p-pub" to-ra 198.18.1.1/24 "$p-ra" wan 198.18.1.2/24
  link "$p-pub" to-rb 198.18.2.1/24 "$p-rb" wan 198.18.2.2/24
  link "$p-pub" to-jan 198.18.3.1/24 "$p-jan" eth0 198.18.3.2/24
  link "$p-pub" to-void 198.18.9.1/24 "$p-void" eth0 198.18.9.2/24
  # The servers' address sits on an ordinary interface, as a real server's does: coturn refuses
  # to relay to addresses on a loopback interface, which would rule out relay-to-relay pairs.
  in_ns "$p-pub" ip addr add 198.18.0.1/32 dev to-void
  link "$p-ra" lan 198.19.1.1/24 "$p-ca" eth0 198.19.1.2/24
  link "$p-rb" lan 198.19.2.1/24 "$p-cb" eth0 198.19.2.2/24

  in_ns "$p-ra" ip route add default via 198.18.1.1
  in_ns "$p-rb" ip route add default via 198.18.2.1
  in_ns "$p-jan" ip route add default via 198.18.3.1
  in_ns "$p-ca" ip route add default via 198.19.1.1
  in_ns "$p-cb" ip route add default via 198.19.2.1
  in_ns "$p-pub" sysctl -q -w net.ipv4.ip_forward=0
  in_ns "$p-pub" ip route add default via 198.18.9.2
  in_ns "$p-void" sysctl -q -w net.ipv4.ip_forward=0
  nat_router "$p-ra"
  nat_router "$p-rb"
}

case "$cmd" in
  up)
    [[ "$prefix" =~ ^otc-t-[A-Za-z0-9]{1,16}$ ]] || usage
    trap 'down "$prefix"' ERR
    up "$prefix"
    ;;
  down)
    [[ "$prefix" =~ ^otc-t-[A-Za-z0-9]{1,16}$ ]] || usage
    down "$prefix"
    ;;
  sweep)
    # Namespaces a run killed before its teardown left behind: whatever it started in them
    # (servers, coturn, Janus, clients) is stopped by pid, then the namespace goes.
    for ns in $(ip netns list | awk '{print $1}' | grep -E '^otc-t-' || true); do
      if [[ "$ns" =~ ^otc-t-p([0-9]+)x ]] && [ -d "/proc/${BASH_REMATCH[1]}" ]; then continue; fi
      for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    done
    ;;
  *) usage ;;
esac
