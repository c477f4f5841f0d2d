#!/usr/bin/env bash
# Installs every Debian package dsrlb needs (idempotent, non-interactive) and
# configures the build in ./build. Debian 12 only; nothing from elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # build
  build-essential meson ninja-build pkg-config clang llvm lld ccache
  # lint (tests/lint): formatting and function size
  clang-format clang-tidy
  # dataplane
  dpdk dpdk-dev libdpdk-dev libbpf-dev libxdp-dev libpcap-dev libnuma-dev
  # control plane
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev nlohmann-json3-dev libcurl4-openssl-dev libssl-dev libmnl-dev
  libcpp-httplib-dev
  # status page browser test
  chromium fonts-dejavu-core
  # tests
  libgtest-dev libgmock-dev libbenchmark-dev libclang-rt-14-dev
  python3 python3-grpcio python3-grpc-tools python3-scapy python3-aiosmtpd
  python3-prometheus-client
  keepalived iproute2 iputils-ping tcpdump curl procps psmisc openssl ethtool
  # benchmarks (perf/): l3fwd's source for throughput.sh, callgrind
  dpdk-doc valgrind
  # dsrlb-control's kernel guard (nft: table inet dsrlb)
  nftables
  # the Debian package (scripts/package.sh) and its test (tests/package:
  # debootstrap's clean root, systemd-analyze verify)
  debhelper dpkg-dev debootstrap systemd
  # BGP mode: GoBGP's .proto files (built into dsrlb-control), gobgpd and
  # its CLI for the tests, FRR for the router of the BGP tests and demo
  gobgpd golang-github-osrg-gobgp-dev frr
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# keepalived's package starts a system instance; tests run their own.
if command -v systemctl >/dev/null && systemctl is-active -q keepalived 2>/dev/null; then
  systemctl stop keepalived || true
fi
# So do gobgpd's and FRR's (a system bgpd on port 179, zebra on the host's
# routes): the BGP tests and demo run theirs in namespaces.
if command -v systemctl >/dev/null; then
  for unit in gobgpd frr; do
    if systemctl is-enabled -q "$unit" 2>/dev/null ||
       systemctl is-active -q "$unit" 2>/dev/null; then
      systemctl disable --now "$unit" || true
    fi
  done
fi

if [ ! -f build/build.ninja ]; then
  meson setup build
fi
