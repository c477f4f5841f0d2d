#!/usr/bin/python3
"""DSR_CHECK's frames as scapy builds them (checksums by scapy), the
expected reading of replies, and whether the reply socket filter passes
them: the golden file dsr_frames.txt that dsr_frame_test compares with.
Each line: NAME PROBE VERDICT FILTER HEX
  PROBE   v4 | v6 (the probes below)
  VERDICT build (a frame dsrlb must build byte for byte) | synack | reset |
          unreachable | arp | unrelated (what ParseReply must say)
  FILTER  pass | drop | - (what ReplyFilter must do; - for built frames)
Regenerate: /usr/bin/python3 dsr_frames.py > dsr_frames.txt"""
from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, ICMPv6DestUnreach,
                       ICMPv6EchoRequest, IPv6, IPOption_RR, raw)

LB_MAC, RS_MAC = '02:00:0a:4d:00:01', '02:00:0a:4d:00:02'
P4 = dict(src='192.168.4.5', vip='192.168.4.15', rs='192.168.4.100',
          sport=40000, vport=80, seq=0x12345678)
P6 = dict(src='2001:db8::5', vip='2001:db8::15', rs='2001:db8::100',
          sport=40001, vport=443, seq=0xfedcba98)


def out_frame(p, ipcls, seq, flags, window):
    ip = (IP(src=p['src'], dst=p['vip'], flags='DF', ttl=64, id=0)
          if ipcls is IP else IPv6(src=p['src'], dst=p['vip'], hlim=64))
    return Ether(src=LB_MAC, dst=RS_MAC) / ip / TCP(
        sport=p['sport'], dport=p['vport'], seq=seq, ack=0, flags=flags,
        window=window)


def reply(p, ipcls, **tcp):
    args = dict(sport=p['vport'], dport=p['sport'], seq=777, ack=p['seq'] + 1,
                flags='SA', window=65160)
    args.update(tcp)
    ip = IP(src=p['vip'], dst=p['src']) if ipcls is IP else IPv6(src=p['vip'], dst=p['src'])
    return Ether(src=RS_MAC, dst=LB_MAC) / ip / TCP(**args)


def icmp4(p, quoted):
    return (Ether(src=RS_MAC, dst=LB_MAC) / IP(src=p['rs'], dst=p['src']) /
            ICMP(type=3, code=1) / raw(quoted[IP])[:28])


def icmp6(p, quoted):
    return (Ether(src=RS_MAC, dst=LB_MAC) / IPv6(src=p['rs'], dst=p['src']) /
            ICMPv6DestUnreach(code=3) / raw(quoted[IPv6])[:48])


def arp_reply(mac, ip):
    return (Ether(src=mac, dst=LB_MAC) /
            ARP(op='is-at', hwsrc=mac, psrc=ip, hwdst=LB_MAC, pdst=P4['src']))


def rows():
    syn4 = out_frame(P4, IP, P4['seq'], 'S', 64240)
    syn6 = out_frame(P6, IPv6, P6['seq'], 'S', 64240)
    other4 = out_frame(dict(P4, vport=81), IP, P4['seq'], 'S', 64240)
    opts = [('MSS', 1460), ('SAckOK', b''), ('Timestamp', (1, 2)), ('NOP', None), ('WScale', 7)]
    yield 'syn_v4', 'v4', 'build', '-', syn4
    yield 'rst_v4', 'v4', 'build', '-', out_frame(P4, IP, P4['seq'] + 1, 'R', 0)
    yield 'syn_v6', 'v6', 'build', '-', syn6
    yield 'rst_v6', 'v6', 'build', '-', out_frame(P6, IPv6, P6['seq'] + 1, 'R', 0)
    yield 'arp_request_v4', 'v4', 'build', '-', (
        Ether(src=LB_MAC, dst=RS_MAC) /
        ARP(op='who-has', hwsrc=LB_MAC, psrc=P4['src'], hwdst='00:00:00:00:00:00',
            pdst=P4['vip']))
    yield 'arp_reply_for_vip_from_rs', 'v4', 'arp', 'pass', arp_reply(RS_MAC, P4['vip'])
    yield 'arp_reply_for_vip_from_other_mac', 'v4', 'unrelated', 'pass', (
        arp_reply('02:00:0a:4d:00:09', P4['vip']))
    yield 'arp_reply_for_rs_address', 'v4', 'unrelated', 'drop', arp_reply(RS_MAC, P4['rs'])
    yield 'arp_request_for_vip', 'v4', 'unrelated', 'drop', (
        Ether(src=RS_MAC, dst='ff:ff:ff:ff:ff:ff') /
        ARP(op='who-has', hwsrc=RS_MAC, psrc=P4['vip'], pdst=P4['src']))
    yield 'synack_v4', 'v4', 'synack', 'pass', reply(P4, IP)
    yield 'synack_v4_tcp_options', 'v4', 'synack', 'pass', reply(P4, IP, options=opts)
    yield 'synack_v4_ip_options', 'v4', 'synack', 'pass', (
        Ether(src=RS_MAC, dst=LB_MAC) /
        IP(src=P4['vip'], dst=P4['src'], options=[IPOption_RR(routers=['10.0.0.1'])]) /
        TCP(sport=80, dport=40000, seq=5, ack=P4['seq'] + 1, flags='SA'))
    yield 'rst_ack_v4', 'v4', 'reset', 'pass', reply(P4, IP, flags='RA', seq=0)
    yield 'synack_v4_wrong_ack', 'v4', 'unrelated', 'pass', reply(P4, IP, ack=P4['seq'])
    yield 'synack_v4_other_client_port', 'v4', 'unrelated', 'drop', reply(P4, IP, dport=40002)
    yield 'synack_v4_other_vip_port', 'v4', 'unrelated', 'drop', reply(P4, IP, sport=8080)
    yield 'synack_v4_from_rs_address', 'v4', 'unrelated', 'drop', (
        Ether(src=RS_MAC, dst=LB_MAC) / IP(src=P4['rs'], dst=P4['src']) /
        TCP(sport=80, dport=40000, seq=5, ack=P4['seq'] + 1, flags='SA'))
    yield 'udp_v4_from_vip', 'v4', 'unrelated', 'drop', (
        Ether(src=RS_MAC, dst=LB_MAC) / IP(src=P4['vip'], dst=P4['src']) /
        UDP(sport=80, dport=40000))
    yield 'fragment_v4', 'v4', 'unrelated', 'drop', (
        Ether(src=RS_MAC, dst=LB_MAC) / IP(src=P4['vip'], dst=P4['src'], frag=4, proto=6) /
        raw(TCP(sport=80, dport=40000, ack=P4['seq'] + 1, flags='SA')))
    yield 'icmp_unreachable_v4', 'v4', 'unreachable', 'pass', icmp4(P4, syn4)
    yield 'icmp_unreachable_v4_other_probe', 'v4', 'unrelated', 'pass', icmp4(P4, other4)
    yield 'icmp_echo_v4', 'v4', 'unrelated', 'drop', (
        Ether(src=RS_MAC, dst=LB_MAC) / IP(src=P4['rs'], dst=P4['src']) / ICMP())
    yield 'v6_frame_for_v4_probe', 'v4', 'unrelated', 'drop', reply(P6, IPv6)
    yield 'synack_v6', 'v6', 'synack', 'pass', reply(P6, IPv6, options=opts)
    yield 'rst_ack_v6', 'v6', 'reset', 'pass', reply(P6, IPv6, flags='RA', seq=0)
    yield 'synack_v6_other_client_port', 'v6', 'unrelated', 'drop', reply(P6, IPv6, dport=40002)
    yield 'icmp_unreachable_v6', 'v6', 'unreachable', 'pass', icmp6(P6, syn6)
    yield 'icmp_echo_v6', 'v6', 'unrelated', 'drop', (
        Ether(src=RS_MAC, dst=LB_MAC) / IPv6(src=P6['rs'], dst=P6['src']) /
        ICMPv6EchoRequest())
    yield 'v4_frame_for_v6_probe', 'v6', 'unrelated', 'drop', reply(P4, IP)
    yield 'arp_reply_for_v6_probe', 'v6', 'unrelated', 'drop', arp_reply(RS_MAC, P4['vip'])


def main():
    for name, probe, verdict, flt, frame in rows():
        print(name, probe, verdict, flt, raw(frame).hex())


if __name__ == '__main__':
    main()
