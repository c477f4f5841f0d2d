#!/usr/bin/env bash
# The one command that runs dsrlb on one machine (root): the seed's case-2
# cluster in network namespaces with dsrlb-control + dsrlb-dataplane (xdp
# mode) in dsrlb-lvs1 (MASTER) and dsrlb-lvs2 (BACKUP), scripts/cluster.sh.
#   scripts/demo.sh        set up, build, start, show it working
#   scripts/demo.sh bgp    the same in BGP mode (scripts/bgp_cluster.sh): an
#                          FRR router with ECMP and BFD, three schedulers
#                          active-active with gobgpd each (namespaces dsrlbgp-*)
#   scripts/demo.sh down   stop it all (both)
set -euo pipefail
cd "$(dirname "$0")/.."
P=dsrlb
if [ "${1:-}" = down ]; then
  scripts/bgp_cluster.sh down dsrlbgp
  exec scripts/cluster.sh down "$P"
fi

bash scripts/setup.sh
[ -d build ] || meson setup build
ninja -C build controlplane/daemon/dsrlb-control controlplane/ctl/dsrlbctl \
  dataplane/dsrlb-dataplane dataplane/xdp/dsrlb_xdp.bpf.o \
  controlplane/tools/dsrlb-region
if [ "${1:-}" = bgp ]; then exec scripts/demo_bgp.sh; fi
DSRLB_STATUS_LISTEN=127.0.0.1:8080 scripts/cluster.sh up "$P"

ctl="ip netns exec $P-lvs1 build/controlplane/ctl/dsrlbctl --socket /dev/shm/$P-run/lvs1-control.sock"
echo "waiting for lvs1 to become VRRP master..."
for _ in $(seq 100); do
  ip netns exec $P-client curl -s --max-time 1 http://192.168.4.15/ >/dev/null && break
  sleep 0.2
done
echo "--- 10 curls from $P-client to the VIP (each a new connection):"
for _ in $(seq 10); do
  ip netns exec $P-client curl -s --max-time 2 http://192.168.4.15/ || echo "(no answer)"
done
echo "--- dsrlbctl list on lvs1:"
$ctl list
cat <<EOF

dsrlb is running. Try:
  ip netns exec $P-client curl http://192.168.4.15/        # answers web1 or web2
  $ctl list --details
  $ctl vrrp
  ip netns exec $P-lvs1 curl http://127.0.0.1:8080/          # status page (HTML)
  ip netns exec $P-lvs1 curl http://127.0.0.1:8080/metrics   # Prometheus
  scripts/dsrlb-region table /dev/shm/$P-run/lvs1-table      # the published table
  ip netns pids $P-web2 | xargs kill                         # web2 down: health check removes it
  scripts/cluster.sh stop $P lvs1                            # lvs1 down: lvs2 takes over
Logs: /dev/shm/$P-run/*.log.  Stop everything: scripts/demo.sh down
EOF
