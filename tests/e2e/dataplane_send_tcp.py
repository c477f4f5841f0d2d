#!/usr/bin/env python3
"""Sends COUNT TCP SYN frames (distinct source ports) out of IFACE to
DST_IP:DST_PORT at DST_MAC, from the interface's own MAC and SRC_IP, through
an AF_PACKET socket. Usage: IFACE DST_MAC SRC_IP DST_IP DST_PORT COUNT"""
import socket
import struct
import sys


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def main():
    iface, dst_mac, src_ip, dst_ip, dport, count = sys.argv[1:7]
    src = socket.inet_aton(src_ip)
    dst = socket.inet_aton(dst_ip)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src_mac = s.getsockname()[4]
    for i in range(int(count)):
        tcp = struct.pack("!HHIIBBHHH", 30000 + i, int(dport), i, 0, 0x50, 0x02, 8192, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        s.send(bytes.fromhex(dst_mac.replace(":", "")) + src_mac + b"\x08\x00" + ip + tcp)


if __name__ == "__main__":
    main()
