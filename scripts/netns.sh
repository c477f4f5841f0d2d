#!/usr/bin/env bash
# The seed's case-2 cluster as network namespaces on one machine:
#   PREFIX-client 192.168.4.10   PREFIX-lvs1 192.168.4.5   PREFIX-lvs2 192.168.4.6
#   PREFIX-web1 192.168.4.100    PREFIX-web2 192.168.4.200  (VIP 192.168.4.15 on lo,
#   arp_ignore=1, arp_announce=2, a web server answering its own address)
# joined by a bridge in PREFIX-sw. Nothing is added to the root namespace.
#   scripts/netns.sh up [PREFIX]     build it (default PREFIX: dsrlb)
#   scripts/netns.sh down [PREFIX]   remove it and every process in it
#   scripts/netns.sh exec HOST CMD   run CMD in PREFIX-HOST
set -euo pipefail

cmd=${1:-}
P=${2:-${DSRLB_NETNS_PREFIX:-dsrlb}}
VIP=192.168.4.15
HOSTS=(client:192.168.4.10 lvs1:192.168.4.5 lvs2:192.168.4.6 web1:192.168.4.100 web2:192.168.4.200)

ns() { echo "$P-$1"; }

up() {
  # Host-side veths are named PREFIX-client: Linux allows 15 characters.
  if [ ${#P} -gt 8 ]; then
    echo "netns.sh: prefix '$P' is too long (8 characters at most)" >&2; exit 2
  fi
  ip netns add "$(ns sw)"
  ip -n "$(ns sw)" link add br0 type bridge
  ip -n "$(ns sw)" link set br0 up
  local i=0
  for h in "${HOSTS[@]}"; do
    local name=${h%%:*} addr=${h##*:}
    i=$((i + 1))
    ip netns add "$(ns "$name")"
    ip -n "$(ns "$name")" link set lo up
    # Stable MACs make captures and tables readable: 02:00:<ip bytes>.
    local mac
    mac=$(printf '02:00:%02x:%02x:%02x:%02x' ${addr//./ })
    ip link add "$P-$name" netns "$(ns sw)" type veth peer name eth0 netns "$(ns "$name")"
    ip -n "$(ns "$name")" link set eth0 address "$mac"
    ip -n "$(ns sw)" link set "$P-$name" master br0 up
    ip -n "$(ns "$name")" addr add "$addr/24" dev eth0
    ip -n "$(ns "$name")" link set eth0 up
    # veth hands frames over with the TCP checksum left to "offload" (never
    # filled in); an XDP/AF_XDP dataplane forwards them as they are, and the
    # real server would drop them. Checksum in software instead.
    ip netns exec "$(ns "$name")" ethtool -K eth0 tx off >/dev/null
  done
  for web in web1 web2; do
    local n
    n=$(ns $web)
    ip netns exec "$n" sysctl -q -w net.ipv4.conf.all.arp_ignore=1 \
      net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
      net.ipv4.conf.lo.arp_announce=2
    ip -n "$n" addr add "$VIP/32" dev lo
    local addr
    addr=$(ip -n "$n" -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
    local root="/run/$P-$web-www"
    mkdir -p "$root"
    echo "$addr" > "$root/index.html"
    ip netns exec "$n" setsid python3 -m http.server 80 --directory "$root" \
      >/dev/null 2>&1 < /dev/null &
  done
}

down() {
  for h in sw "${HOSTS[@]}"; do
    local n
    n=$(ns "${h%%:*}")
    ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$n" 2>/dev/null || true
  done
  rm -rf /run/"$P"-web?-www
}

case "$cmd" in
  up) down; up; echo "cluster $P up: VIP $VIP, web1 192.168.4.100, web2 192.168.4.200" ;;
  down) down ;;
  exec) host=$2; shift 2; P=${DSRLB_NETNS_PREFIX:-dsrlb}; exec ip netns exec "$(ns "$host")" "$@" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
