#!/usr/bin/env bash
# BGP mode on one machine: a router running FRR (bgpd with ECMP, bfdd,
# L4 multipath hashing) in front of N schedulers that each run gobgpd,
# FRR's bfdd (GoBGP has no BFD) and dsrlb-control + dsrlb-dataplane (xdp
# mode), two real servers and a client, all in network namespaces:
#   PREFIX-client 10.9.0.2 --- PREFIX-rtr 10.9.0.1 | 10.10.0.1 (AS 65000)
#   bridge PREFIX-sw, LAN 10.10.0.0/24: PREFIX-lvsN 10.10.0.1N (AS 65001),
#   PREFIX-web1 10.10.0.101, PREFIX-web2 10.10.0.102 (VIP 192.168.50.15 on lo,
#   weights 1 and 2). The router peers with any 10.10.0.0/24 address
#   (bgp listen range), so a scheduler joins without touching it.
#   scripts/bgp_cluster.sh up PREFIX [N]          everything, N schedulers (3)
#   scripts/bgp_cluster.sh start PREFIX lvsN [PART] start a scheduler (made if
#       missing) or one PART: speaker (gobgpd, zebra, bfdd), gobgpd, control,
#       dataplane
#   scripts/bgp_cluster.sh stop PREFIX lvsN [PART]  SIGTERM by pid: control
#       first (it withdraws its routes), then dataplane, then speaker
#   scripts/bgp_cluster.sh routes PREFIX          the router's route to the VIP
#   scripts/bgp_cluster.sh down PREFIX            stop all, remove it all
# Environment as scripts/cluster.sh: DSRLB_BUILD, DSRLB_CONTROL,
# DSRLB_DATAPLANE. Files (configs, regions, sockets, logs, pids) live in
# /dev/shm/PREFIX-run/. Each dsrlb-control serves its status page, CSV and
# /metrics on 127.0.0.1:8404 inside its namespace.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
P=${2:-dsrlbgp}
BUILD=${DSRLB_BUILD:-$here/../build}
CONTROL=${DSRLB_CONTROL:-$BUILD/controlplane/daemon/dsrlb-control}
DATAPLANE=${DSRLB_DATAPLANE:-$BUILD/dataplane/dsrlb-dataplane}
FRR=/usr/lib/frr
RUN=/dev/shm/$P-run
VIP=192.168.50.15
WEBS=(web1:10.10.0.101 web2:10.10.0.102)

ns() { echo "$P-$1"; }
count() {  # count FILE PATTERN: matching lines, 0 without the file
  local n
  n=$(grep -c "$2" "$1" 2>/dev/null) || true
  echo "${n:-0}"
}

wait_log() {  # wait_log SECONDS FILE PATTERN PID BEFORE
  local t=$(( $1 * 10 ))
  until [ "$(count "$2" "$3")" -gt "${5:-0}" ]; do
    if ! kill -0 "$4" 2>/dev/null || [ $t -le 0 ]; then
      echo "bgp_cluster.sh: $2 never said '$3':" >&2; tail -20 "$2" >&2 || true
      return 1
    fi
    t=$((t - 1)); sleep 0.1
  done
}

# A host on the bridge: namespace, veth eth0 with a stable MAC, address.
lan_host() {  # lan_host NAME ADDR
  local n mac
  n=$(ns "$1")
  mac=$(printf '02:00:%02x:%02x:%02x:%02x' ${2//./ })
  ip netns add "$n"
  ip -n "$n" link set lo up
  ip link add "$P-$1" netns "$(ns sw)" type veth peer name eth0 netns "$n"
  ip -n "$n" link set eth0 address "$mac"
  ip -n "$(ns sw)" link set "$P-$1" master br0 up
  ip -n "$n" addr add "$2/24" dev eth0
  ip -n "$n" link set eth0 up
  # veth leaves TCP checksums to "offload"; the dataplane forwards frames
  # as they are: checksum in software (as scripts/netns.sh).
  ip netns exec "$n" ethtool -K eth0 tx off >/dev/null
}

# FRR daemon DAEMON in namespace NS with its files under DIR (owned by
# FRR's user: its daemons drop root and want a vty group root is not in).
frr() {  # frr NS DIR DAEMON [ARGS...]
  local n=$1 d=$2 daemon=$3
  shift 3
  chown frr:frr "$d" "$d/$daemon.conf"
  ip netns exec "$n" "$FRR/$daemon" -d -f "$d/$daemon.conf" \
    -i "$d/$daemon.pid" -z "$d/zserv.api" --vty_socket "$d" \
    --log "file:$d/$daemon.log" "$@"
}

router_up() {
  local d=$RUN/rtr
  mkdir -p "$d"
  ip netns add "$(ns rtr)"
  ip -n "$(ns rtr)" link set lo up
  ip link add "$P-rtr" netns "$(ns sw)" type veth peer name eth0 netns "$(ns rtr)"
  ip -n "$(ns sw)" link set "$P-rtr" master br0 up
  ip -n "$(ns rtr)" addr add 10.10.0.1/24 dev eth0
  ip -n "$(ns rtr)" link set eth0 up
  ip netns add "$(ns client)"
  ip -n "$(ns client)" link set lo up
  ip link add eth1 netns "$(ns rtr)" type veth peer name eth0 netns "$(ns client)"
  ip -n "$(ns rtr)" addr add 10.9.0.1/24 dev eth1
  ip -n "$(ns rtr)" link set eth1 up
  ip -n "$(ns client)" addr add 10.9.0.2/24 dev eth0
  ip -n "$(ns client)" link set eth0 up
  ip -n "$(ns client)" route add default via 10.9.0.1
  # Checksums in software (see lan_host): the router forwards what the
  # client sends to a scheduler's dataplane as it is.
  ip netns exec "$(ns client)" ethtool -K eth0 tx off >/dev/null
  ip netns exec "$(ns rtr)" ethtool -K eth0 tx off >/dev/null
  ip netns exec "$(ns rtr)" ethtool -K eth1 tx off >/dev/null
  # L4 multipath hashing: policy 0 (L3) sends one client to one scheduler.
  ip netns exec "$(ns rtr)" sysctl -q -w net.ipv4.ip_forward=1 \
    net.ipv4.fib_multipath_hash_policy=1 net.ipv4.conf.all.rp_filter=0 \
    net.ipv4.conf.eth0.rp_filter=0
  echo "hostname $P-rtr" >"$d/zebra.conf"
  cat >"$d/bfdd.conf" <<CONF
bfd
 profile fast
  receive-interval 100
  transmit-interval 100
  detect-multiplier 3
 !
!
CONF
  cat >"$d/bgpd.conf" <<CONF
router bgp 65000
 bgp router-id 10.10.0.1
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 neighbor lvs peer-group
 neighbor lvs remote-as 65001
 neighbor lvs timers 1 3
 neighbor lvs bfd profile fast
 bgp listen range 10.10.0.0/24 peer-group lvs
 address-family ipv4 unicast
  neighbor lvs activate
  maximum-paths 16
 exit-address-family
!
CONF
  frr "$(ns rtr)" "$d" zebra
  frr "$(ns rtr)" "$d" bfdd --bfdctl "$d/bfdd.sock"
  frr "$(ns rtr)" "$d" bgpd -p 179 -l 10.10.0.1
}

webs_up() {
  for w in "${WEBS[@]}"; do
    local name=${w%%:*} addr=${w##*:} n root
    lan_host "$name" "$addr"
    n=$(ns "$name")
    ip -n "$n" route add default via 10.10.0.1
    ip netns exec "$n" sysctl -q -w net.ipv4.conf.all.arp_ignore=1 \
      net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
      net.ipv4.conf.lo.arp_announce=2
    ip -n "$n" addr add "$VIP/32" dev lo
    root="/run/$P-$name-www"
    mkdir -p "$root"
    echo "$addr" >"$root/index.html"
    ip netns exec "$n" setsid python3 -m http.server 80 --directory "$root" \
      >/dev/null 2>&1 </dev/null &
  done
}

addr_of() { echo "10.10.0.1${1#lvs}"; }  # lvs3 -> 10.10.0.13

# The same file on every scheduler but for next_hop (same rings: compare
# `dsrlbctl list --details`).
control_conf() {  # control_conf LVS
  cat <<CONF
bgp {
    speaker 127.0.0.1:50051
    next_hop $(addr_of "$1")
}
virtual_server $VIP 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind DR
    protocol TCP
    real_server 10.10.0.101 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 10.10.0.102 80 {
        weight 2
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
CONF
}

start_gobgpd() {  # start_gobgpd LVS
  local lvs=$1 n d addr
  n=$(ns "$lvs"); d=$RUN/$lvs; addr=$(addr_of "$lvs")
  cat >"$d/gobgpd.toml" <<CONF
[global.config]
  as = 65001
  router-id = "$addr"
  port = -1
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.10.0.1"
    peer-as = 65000
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 3
    keepalive-interval = 1
CONF
  ip netns exec "$n" gobgpd -f "$d/gobgpd.toml" --api-hosts 127.0.0.1:50051 \
    --pprof-disable -p >>"$d/gobgpd.log" 2>&1 </dev/null &
  echo $! >"$d/gobgpd.pid"
}

# FRR's bfdd answers the router's BFD (GoBGP has none); it needs zebra.
start_bfd() {  # start_bfd LVS
  local lvs=$1 n d addr
  n=$(ns "$lvs"); d=$RUN/$lvs; addr=$(addr_of "$lvs")
  # What a killed zebra or bfdd left would stop the new ones.
  rm -f "$d/zserv.api" "$d/bfdd.sock" "$d"/zebra.{pid,vty} "$d"/bfdd.{pid,vty}
  echo "hostname $n" >"$d/zebra.conf"
  cat >"$d/bfdd.conf" <<CONF
bfd
 peer 10.10.0.1 local-address $addr interface eth0
  receive-interval 100
  transmit-interval 100
  detect-multiplier 3
 !
!
CONF
  frr "$n" "$d" zebra
  frr "$n" "$d" bfdd --bfdctl "$d/bfdd.sock"
}

start_control() {  # start_control LVS
  local lvs=$1 d=$RUN/$1 before
  control_conf "$lvs" >"$d/keepalived.conf"
  before=$(count "$d/control.log" "serving")
  ip netns exec "$(ns "$lvs")" "$CONTROL" --config "$d/keepalived.conf" \
    --state-file "" --interface eth0 --table-region "$d/table" \
    --stats-region "$d/stats" --socket "$d/control.sock" \
    --status-listen 127.0.0.1:8404 \
    >>"$d/control.log" 2>&1 </dev/null &
  echo $! >"$d/control.pid"
  wait_log 30 "$d/control.log" "serving" "$!" "$before"
}

start_dataplane() {  # start_dataplane LVS
  local lvs=$1 d=$RUN/$1 before
  before=$(count "$d/dataplane.log" "XDP steers")
  ip netns exec "$(ns "$lvs")" "$DATAPLANE" --no-huge -m 256 \
    --no-pci --no-shconf --no-telemetry -l 0-1 -- --xdp-iface eth0 \
    --table-region "$d/table" --stats-region "$d/stats" --idle-sleep-us 100 \
    >>"$d/dataplane.log" 2>&1 </dev/null &
  echo $! >"$d/dataplane.pid"
  wait_log 60 "$d/dataplane.log" "XDP steers" "$!" "$before"
}

start() {  # start LVS [PART]
  local lvs=$1
  mkdir -p "$RUN/$lvs"
  [ -e "/run/netns/$(ns "$lvs")" ] || lan_host "$lvs" "$(addr_of "$lvs")"
  case "${2:-all}" in
    speaker) start_bfd "$lvs"; start_gobgpd "$lvs" ;;
    gobgpd) start_gobgpd "$lvs" ;;
    control) start_control "$lvs" ;;
    dataplane) start_dataplane "$lvs" ;;
    all) start "$lvs" speaker; start_control "$lvs"; start_dataplane "$lvs" ;;
    *) echo "bgp_cluster.sh: PART is speaker, gobgpd, control or dataplane" >&2
       exit 2 ;;
  esac
}

stop_pid() {  # stop_pid PIDFILE SECONDS
  local pid
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq $(($2 * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$1"
}

stop() {  # stop LVS [PART]
  local d=$RUN/$1
  case "${2:-all}" in
    control) stop_pid "$d/control.pid" 20 ;;
    dataplane) stop_pid "$d/dataplane.pid" 10 ;;
    speaker) for p in gobgpd bfdd zebra; do stop_pid "$d/$p.pid" 5; done ;;
    gobgpd) stop_pid "$d/gobgpd.pid" 5 ;;
    all) stop "$1" control; stop "$1" dataplane; stop "$1" speaker ;;
  esac
}

down() {
  for n in $(ip netns list | awk '{print $1}' | grep "^$P-" || true); do
    ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$n" 2>/dev/null || true
  done
  rm -rf "$RUN" /run/"$P"-web?-www
}

case "$cmd" in
  up)
    if [ ${#P} -gt 8 ]; then
      echo "bgp_cluster.sh: prefix '$P' is too long (8 characters at most)" >&2; exit 2
    fi
    down
    mkdir -p "$RUN"
    ip netns add "$(ns sw)"
    ip -n "$(ns sw)" link add br0 type bridge
    ip -n "$(ns sw)" link set br0 up
    router_up
    webs_up
    for i in $(seq "${3:-3}"); do start "lvs$i"; done
    ;;
  start) start "$3" "${4:-all}" ;;
  stop) stop "$3" "${4:-all}" ;;
  routes) ip -n "$(ns rtr)" route show "$VIP" ;;
  down) down ;;
  *) sed -n '2,22p' "$0"; exit 2 ;;
esac
