#!/usr/bin/env python3
"""Writes the golden-flow captures for the packet test dataplane_golden_flows.

flows_in.pcap: a handful of flows (IPv4 TCP, IPv6 UDP, a persistent IPv4
VIP) and frames that must be dropped. flows_out.pcap: what dsrlb-dataplane
must send for them, byte for byte: each forwarded frame with the MAC of its
backend as destination and the port MAC as source, nothing else changed.

The backend is found outside the code under test: the flow hash and ring
index by tests/unit/shm/golden/flow_hash_vectors.py (written from the spec
in dsrlb_shm.h), the ring of each VIP (as backend MACs) from rings.txt, which pins what the
Maglev builder made for the test table (the test checks the published ring
against it first). The table itself is golden_flows_test.cc's GoldenSpec().
  usage: golden_flows.py   (writes flows_in.pcap and flows_out.pcap here)
"""
import ipaddress
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "unit", "shm", "golden"))
import flow_hash_vectors as fh  # noqa: E402

SEED = 0x601DE1
RING_SIZE = 13
PORT_MAC = bytes.fromhex("0200000000aa")
CLIENT_MAC = bytes.fromhex("0200000000c1")
# VIP -> persistent (hash the source address only), as in GoldenSpec().
PERSISTENT = {"192.168.7.15": False, "2001:db8::15": False,
              "192.168.7.16": True}


def load_rings():
    rings = {}
    with open(os.path.join(HERE, "rings.txt")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            vip, *entries = line.split()
            rings[vip] = entries
    return rings


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(src, dst, sport, dport, proto, payload_len):
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    payload = bytes((i * 7) & 0xFF for i in range(payload_len))
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x02,
                         8192, 0, 0) + payload
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8 + payload_len, 0) + payload
    pseudo = s.packed + d.packed
    if s.version == 4:
        pseudo += struct.pack("!BBH", 0, proto, len(l4))
    else:
        pseudo += struct.pack("!IxxxB", len(l4), proto)
    c = csum(pseudo + l4)
    off = 16 if proto == 6 else 6
    l4 = l4[:off] + struct.pack("!H", c or 0xFFFF) + l4[off + 2:]
    if s.version == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0x1234,
                         0x4000, 64, proto, 0, s.packed, d.packed)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        ethertype = 0x0800
    else:
        ip = struct.pack("!IHBB16s16s", 0x60000000, len(l4), proto, 64,
                         s.packed, d.packed)
        ethertype = 0x86DD
    return PORT_MAC + CLIENT_MAC + struct.pack("!H", ethertype) + ip + l4


def flows():
    """(src, dst, sport, dport, proto, payload) of every forwarded frame."""
    out = []
    for i in range(6):
        out.append((f"10.7.0.{i + 1}", "192.168.7.15", 20000 + i, 80, 6, i))
    for i in range(5):
        out.append((f"2001:db8:7::{i + 1}", "2001:db8::15", 30000 + i, 53, 17,
                    2 * i))
    for i in range(4):  # persistent: two ports per client, same backend
        out.append((f"10.8.0.{i // 2 + 1}", "192.168.7.16", 40000 + i, 443, 6,
                    0))
    return out


def drops():
    """Frames that must not come out: no VIP, wrong port, ARP."""
    arp = (b"\xff" * 6 + CLIENT_MAC + b"\x08\x06" +
           bytes.fromhex("0001080006040001") + CLIENT_MAC +
           bytes([192, 168, 7, 1]) + b"\0" * 6 + bytes([192, 168, 7, 15]))
    return [frame("10.9.9.9", "192.168.7.99", 1234, 80, 6, 0),
            frame("10.9.9.9", "192.168.7.15", 1234, 81, 6, 0), arp]


def expected(f, t, rings):
    src, dst, sport, dport, proto, _ = t
    h = fh.flow_hash(SEED, src, dst, sport, dport, proto, PERSISTENT[dst])
    mac = rings[dst][fh.ring_index(h, RING_SIZE)]
    return bytes.fromhex(mac) + PORT_MAC + f[12:]


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i, 0, len(fr), len(fr)) + fr)


def main():
    rings = load_rings()
    fwd = [(frame(*t), t) for t in flows()]
    junk = drops()
    # Drops interleaved: after the 3rd, 8th and 12th forwarded frame.
    inputs, outputs = [], []
    for i, (f, t) in enumerate(fwd):
        inputs.append(f)
        outputs.append(expected(f, t, rings))
        if i in (2, 7, 11):
            inputs.append(junk[(2, 7, 11).index(i)])
    write_pcap(os.path.join(HERE, "flows_in.pcap"), inputs)
    write_pcap(os.path.join(HERE, "flows_out.pcap"), outputs)


if __name__ == "__main__":
    main()
