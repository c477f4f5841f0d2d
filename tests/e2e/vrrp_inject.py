#!/usr/bin/env python3
"""Sends hand-made VRRP packets (IPv4, whole headers) from inside a namespace,
for the end-to-end checks of the receive-side drops. Each argument is one
packet in hex; the destination is taken from its IP header."""
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for h in sys.argv[1:]:
    pkt = bytes.fromhex(h)
    s.sendto(pkt, (socket.inet_ntoa(pkt[16:20]), 0))
