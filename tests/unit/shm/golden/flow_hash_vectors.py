#!/usr/bin/env python3
"""Writes flow_hash_vectors.txt: (tuple, seed) -> flow hash and ring index.

An independent implementation of DSRLB_HASH_MIX64_V1 as the comments of
dataplane/shm/dsrlb_shm.h specify it (MurmurHash3's 64-bit finalizer, the
word layout of dsrlb_flow_hash, Lemire's multiply-shift ring index), written
from that text, not by calling the C code. The output is committed; the
gtest shm_flow_hash_golden checks the C functions against it, so a change
of the hash shows up as a failing test, never silently.
  usage: flow_hash_vectors.py > flow_hash_vectors.txt
"""
import ipaddress

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
RING_SIZES = [13, 1009, 65537, 4294967291]
SEEDS = [0, 1, 0x0123456789ABCDEF, MASK]
TUPLES = [  # (src, dst, sport, dport, proto)
    ("10.0.0.1", "192.0.2.10", 40000, 80, 6),
    ("198.51.100.7", "192.0.2.10", 1, 65535, 17),
    ("0.0.0.0", "255.255.255.255", 0, 0, 6),
    ("2001:db8::1", "2001:db8:ffff::10", 40001, 443, 6),
    ("fe80::1234:5678:9abc:def0", "2001:db8::10", 65535, 53, 17),
    ("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 17),
]


def mix64(x):
    """MurmurHash3 fmix64."""
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & MASK
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & MASK
    x ^= x >> 33
    return x


def hash_words(seed, words):
    h = seed ^ ((len(words) * GOLDEN) & MASK)
    for w in words:
        h = (mix64(h ^ w) + GOLDEN) & MASK
    return mix64(h)


def ring_index(h, m):
    return ((h >> 32) * m) >> 32


def flow_hash(seed, src, dst, sport, dport, proto, persistent):
    s = int(ipaddress.ip_address(src))
    d = int(ipaddress.ip_address(dst))
    ports = (sport << 32) | (dport << 16) | proto
    if ipaddress.ip_address(src).version == 4:
        words = [s] if persistent else [(s << 32) | d, ports]
    else:
        words = [s >> 64, s & MASK]
        if not persistent:
            words += [d >> 64, d & MASK, ports]
    return hash_words(seed, words)


def main():
    print("# family src dst sport dport proto persistent seed hash "
          + " ".join(f"ring{m}" for m in RING_SIZES))
    print("# written by flow_hash_vectors.py; do not edit")
    for src, dst, sport, dport, proto in TUPLES:
        family = ipaddress.ip_address(src).version
        for persistent in (0, 1):
            for seed in SEEDS:
                h = flow_hash(seed, src, dst, sport, dport, proto, persistent)
                rings = " ".join(str(ring_index(h, m)) for m in RING_SIZES)
                print(f"{family} {src} {dst} {sport} {dport} {proto} "
                      f"{persistent} {seed:#018x} {h:#018x} {rings}")


if __name__ == "__main__":
    main()
