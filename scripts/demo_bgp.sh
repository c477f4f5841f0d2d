#!/usr/bin/env bash
# scripts/demo.sh bgp: BGP mode in namespaces (scripts/bgp_cluster.sh, prefix
# dsrlbgp), built binaries in ./build. Shows the router's ECMP route, the
# schedulers' ring fingerprints, and 30 new connections spread over the
# three schedulers and the two real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
P=dsrlbgp
VIP=192.168.50.15
RUN=/dev/shm/$P-run
scripts/bgp_cluster.sh up "$P" 3
ctl() { ip netns exec "$P-$1" build/controlplane/ctl/dsrlbctl --socket "$RUN/$1/control.sock" "${@:2}"; }
conns() { ctl "$1" list --stats | awk -v vip="$VIP:80" '$2 == vip {print $3}'; }

echo "waiting for the router to route the VIP over the three schedulers..."
for _ in $(seq 300); do
  [ "$(scripts/bgp_cluster.sh routes "$P" | grep -c nexthop)" -eq 3 ] && break
  sleep 0.2
done
echo "--- the router's route to the VIP (FRR bgpd, maximum-paths, BFD):"
scripts/bgp_cluster.sh routes "$P"
echo "--- dsrlbctl rings: the three schedulers' ring fingerprints (same: each"
echo "    sends a flow to the same real server, whichever ECMP picks):"
build/controlplane/ctl/dsrlbctl --socket "$RUN/lvs1/control.sock" \
  --socket "$RUN/lvs2/control.sock" --socket "$RUN/lvs3/control.sock" rings
declare -A before
for l in lvs1 lvs2 lvs3; do before[$l]=$(conns $l); done
echo "--- 30 new connections from $P-client (the body names the server):"
for _ in $(seq 30); do
  ip netns exec $P-client curl -s --max-time 2 "http://$VIP/" || echo "(no answer)"
done | sort | uniq -c
echo "--- new connections each scheduler carried:"
for l in lvs1 lvs2 lvs3; do echo "$l: $(( $(conns $l) - ${before[$l]} ))"; done
cat <<EOT

dsrlb runs in BGP mode. Try:
  ip netns exec $P-client curl http://$VIP/
  ip netns exec $P-lvs1 build/controlplane/ctl/dsrlbctl --socket $RUN/lvs1/control.sock list --details
  ip netns exec $P-lvs1 gobgp global rib                      # what lvs1 announces
  ip netns exec $P-rtr vtysh --vty_socket $RUN/rtr -c 'show bgp summary' -c 'show bfd peers brief'
  scripts/bgp_cluster.sh stop $P lvs1 dataplane               # lvs1 withdraws its route
  scripts/bgp_cluster.sh start $P lvs4                        # a fourth scheduler joins
  scripts/bgp_cluster.sh routes $P
Logs: $RUN/*/*.log.  Stop everything: scripts/demo.sh down
EOT
