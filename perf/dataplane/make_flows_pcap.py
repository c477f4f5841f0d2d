#!/usr/bin/env python3
"""Writes a pcap of 64-byte frames (60 bytes + FCS on the wire) of TCP to
one VIP, one frame per distinct flow (source address and port vary), for the
throughput benchmark. With VIPS, flow i goes to VIP + (i % VIPS) (consecutive
IPv4 addresses from VIP: bench_table.sh's table of as many VIPs).
Usage: make_flows_pcap.py OUT.pcap FLOWS VIP PORT [VIPS]"""
import struct
import sys


def ip_checksum(header):
    s = sum(struct.unpack("!10H", header))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def main():
    out, flows, vip, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    vips = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    first = struct.unpack("!I", bytes(int(x) for x in vip.split(".")))[0]
    eth = bytes.fromhex("020000000001" "020000000002" "0800")
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        rec = struct.pack("<IIII", 0, 0, 60, 60)
        for i in range(flows):
            dst = struct.pack("!I", first + i % vips)
            src = struct.pack("!I", 0x0A000000 | (i >> 6) + 1)  # 10.x.y.z
            sport = 1024 + (i & 63) * 997 % 60000
            ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0x4000,
                                       64, 6, 0, src, dst))
            ip[10:12] = struct.pack("!H", ip_checksum(bytes(ip)))
            tcp = struct.pack("!HHIIBBHHH", sport, port, 1, 0, 0x50, 0x10,
                              8192, 0, 0)
            f.write(rec + eth + bytes(ip) + tcp + bytes(6))


if __name__ == "__main__":
    main()
