#!/usr/bin/env python3
"""ARP prober for the VRRP end-to-end tests and benchmark: run inside the
client namespace, asks who-has VIP every --interval seconds on --dev and
prints "MONOTONIC_SECONDS MAC" for every reply (CLOCK_MONOTONIC is shared by
all namespaces, so the caller can compare it with its own clock)."""
import argparse
import fcntl
import select
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806


def mac_of(dev):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    info = fcntl.ioctl(s.fileno(), 0x8927, struct.pack('256s', dev.encode()[:15]))
    return info[18:24]


def ip_of(dev):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    info = fcntl.ioctl(s.fileno(), 0x8915, struct.pack('256s', dev.encode()[:15]))
    return info[20:24]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dev', required=True)
    ap.add_argument('--vip', required=True)
    ap.add_argument('--interval', type=float, default=0.005)
    a = ap.parse_args()
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    sock.bind((a.dev, ETH_P_ARP))
    mac, ip, vip = mac_of(a.dev), ip_of(a.dev), socket.inet_aton(a.vip)
    req = (b'\xff' * 6 + mac + struct.pack('!H', ETH_P_ARP) +
           struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + mac + ip + b'\x00' * 6 + vip)
    next_send = 0.0
    while True:
        now = time.monotonic()
        if now >= next_send:
            sock.send(req)
            next_send = now + a.interval
        r, _, _ = select.select([sock], [], [], max(0.0, next_send - time.monotonic()))
        if not r:
            continue
        frame = sock.recv(128)
        if len(frame) < 42 or frame[12:14] != b'\x08\x06':
            continue
        op = struct.unpack('!H', frame[20:22])[0]
        if op == 2 and frame[28:32] == vip:
            sha = frame[22:28]
            print('%.6f %s' % (time.monotonic(), sha.hex(':')), flush=True)


if __name__ == '__main__':
    try:
        main()
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(0)
