#!/usr/bin/env python3
"""keepalived's global_defs and conditional configuration, end to end on
dsrlb-vrrpd: one file for two nodes told apart by --config-id (@ID lines,
$PARAMETERS), scripts run as script_user, vrrp_skip_check_adv_addr against
injected adverts, and GARPs spaced by vrrp_garp_interval on the wire.
Usage: vrrp_globals_test.py DSRLB_VRRPD [unittest options] (root)."""
import os
import pwd
import subprocess
import threading
import time

import harness
from vrrp_netns import (PY, VrrpTestCase, dsrlb_instance, keepalived_text, read_json,
                        read_text, vrrp_ipv4_packet)

VRRPD, = harness.take_args(['DSRLB_VRRPD'])

# Sends the packets (hex) every SECONDS for DURATION seconds from the
# namespace it runs in.
ADVERTISE = '''import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
pkts = [bytes.fromhex(h) for h in sys.argv[3:]]
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    for p in pkts:
        s.sendto(p, (socket.inet_ntoa(p[16:20]), 0))
    time.sleep(float(sys.argv[2]))
'''

# Prints "MONOTONIC SENDER_IP" for each ARP frame seen on eth0.
ARP_SNIFFER = '''import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind(('eth0', 0))
print('ready', flush=True)
while True:
    f = s.recv(2048)
    print('%.6f %s' % (time.monotonic(), socket.inet_ntoa(f[28:32])), flush=True)
'''


def start_vrrpd(node, text, *extra):
    cfg = node.lab.path('%s.dsrlb.conf' % node.name)
    with open(cfg, 'w') as f:
        f.write(text)
    node._start('dsrlb', [VRRPD, '--config', cfg, '--status-file', node._status_file()] +
                list(extra))


def drops_of(node):
    try:
        return read_json(node.files['status'])[0]['counters']['drops']
    except (OSError, ValueError, IndexError, KeyError):
        return {}


class GlobalsTest(VrrpTestCase):
    def test_one_file_for_both_nodes_with_config_id(self):
        lab = self.vrrp_lab()
        a, b = lab['a'], lab['b']
        text = '''$VIP=%s
@a $PRIO=200
@b $PRIO=100
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority $PRIO
    @^b state MASTER
    advert_int 0.1
    vrrp_version 3
    virtual_ipaddress {
        ${VIP}/24 dev eth0
    }
}
''' % lab.vip
        start_vrrpd(a, text, '--config-id', 'a')
        start_vrrpd(b, text, '--config-id', 'b')
        self.assertTrue(lab.wait(lambda: a.status()[0] == 'MASTER' and a.has_vip(lab.vip) and
                                 b.status()[0] == 'BACKUP' and not b.has_vip(lab.vip), 5),
                        'a (@a priority 200) is master, b (@b priority 100) backup')
        st = {n.name: read_json(n.files['status'])[0] for n in (a, b)}
        self.assertEqual((st['a']['priority'], st['b']['priority']), (200, 100),
                         'each node took its own @ID lines')

    def test_scripts_run_as_script_user(self):
        lab = self.vrrp_lab()
        a = lab['a']
        nobody = pwd.getpwnam('nobody')
        os.chmod(lab.dir, 0o755)
        out = lab.path('out')
        os.mkdir(out)
        os.chmod(out, 0o777)
        ids = os.path.join(out, 'ids')
        inst = dsrlb_instance(a.ip, lab.vip, 200, 3, 0.1, state='MASTER')
        inst['notify_master'] = 'echo $(id -u) $(id -G) > %s' % ids
        # Weight 0: the instance is FAULT while the script fails, and it
        # passes only as nobody.
        inst['track_script'] = [{'name': 'as_nobody', 'weight': 0}]
        cfg = {'global_defs': {'script_user': 'nobody'},
               'vrrp_script': [{'name': 'as_nobody', 'interval': 0.1,
                                'script': 'test $(id -u) = %d' % nobody.pw_uid}],
               'vrrp_instance': [inst]}
        start_vrrpd(a, keepalived_text(cfg))
        self.assertTrue(lab.wait(lambda: a.status()[0] == 'MASTER', 5),
                        'the track script passed as nobody: a is MASTER (%s)' % (a.status(),))
        self.assertTrue(lab.wait(lambda: os.path.exists(ids), 3), 'notify_master ran')
        self.assertTrue(lab.wait(lambda: read_text(ids).strip() != '', 2))
        self.assertEqual(read_text(ids).split(), [str(nobody.pw_uid), str(nobody.pw_gid)],
                         "notify_master ran as nobody with nobody's group only")

    def advertise(self, lab, src, addresses, seconds):
        pkt = vrrp_ipv4_packet(src, '224.0.0.18', 51, 200, addresses, interval_cs=100)
        lab['client'].netns.exec(PY, '-c', ADVERTISE, str(seconds), '0.25', pkt.hex(),
                                 timeout=seconds + 30)

    def skip_lab(self, skip):
        lab = self.vrrp_lab(nodes=('b',))
        b = lab['b']
        cfg = {'vrrp_instance': [dsrlb_instance(b.ip, lab.vip, 100, 3, 1)]}
        if skip:
            cfg['global_defs'] = {'vrrp_skip_check_adv_addr': ''}
        start_vrrpd(b, keepalived_text(cfg))
        self.assertTrue(lab.wait(lambda: b.status()[0] == 'BACKUP', 5), 'b starts BACKUP')
        # A master with our address list: b follows it.
        c = lab['client']
        c.exec('ip', 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
        self.advertise(lab, c.ip, [lab.vip], 2)
        self.assertEqual(b.status(), ('BACKUP', c.ip), 'b follows the client as master')
        return lab, b, c

    def test_skip_check_adv_addr_trusts_the_followed_master(self):
        lab, b, c = self.skip_lab(skip=True)
        other = lab.vip.rsplit('.', 1)[0] + '.51'
        # The same master now lists another address, for longer than the
        # master-down interval (3.6 s): accepted, b stays backup.
        self.advertise(lab, c.ip, [other], 5)
        self.assertEqual(b.status(), ('BACKUP', c.ip),
                         'adverts from the followed master are not checked')
        self.assertEqual(drops_of(b).get('addr_list_mismatch', 0), 0)
        # A new source with that list is checked and dropped: b takes over.
        stranger = lab.vip.rsplit('.', 1)[0] + '.201'
        self.advertise(lab, stranger, [other], 5)
        self.assertGreater(drops_of(b).get('addr_list_mismatch', 0), 0,
                           'a new master is checked')
        self.assertTrue(lab.wait(lambda: b.status()[0] == 'MASTER', 2),
                        'b takes over from a master it cannot accept')

    def test_without_skip_check_adv_addr_every_advert_is_checked(self):
        lab, b, c = self.skip_lab(skip=False)
        other = lab.vip.rsplit('.', 1)[0] + '.51'
        self.advertise(lab, c.ip, [other], 5)
        self.assertGreater(drops_of(b).get('addr_list_mismatch', 0), 0)
        self.assertEqual(b.status()[0], 'MASTER', 'b took over')

    def garp_times(self, garp_interval):
        lab = self.vrrp_lab(nodes=('a',))
        a, c = lab['a'], lab['client']
        sniffer = c.netns.start([PY, '-c', ARP_SNIFFER], 'arp.log', stdout=subprocess.PIPE)
        seen = []

        def reader():
            try:
                for line in sniffer.stdout:
                    parts = line.split()
                    if len(parts) == 2 and parts[1] == lab.vip:
                        seen.append(float(parts[0]))
            except (OSError, ValueError):
                pass
        self.assertEqual(sniffer.stdout.readline().strip(), 'ready')
        threading.Thread(target=reader, daemon=True).start()
        inst = dsrlb_instance(a.ip, lab.vip, 200, 3, 0.1, state='MASTER',
                              garp_master_repeat=4, garp_master_delay=0)
        cfg = {'vrrp_instance': [inst]}
        if garp_interval:
            cfg['global_defs'] = {'vrrp_garp_interval': garp_interval}
        start_vrrpd(a, keepalived_text(cfg))
        self.assertTrue(lab.wait(lambda: a.status()[0] == 'MASTER', 5), 'a is MASTER')
        lab.wait(lambda: len(seen) >= 4, 5)
        time.sleep(0.5)
        return seen

    def test_vrrp_garp_interval_spaces_the_garps(self):
        seen = self.garp_times(0.2)
        self.assertEqual(len(seen), 4, 'garp_master_repeat 4: four GARPs (%s)' % seen)
        gaps = [b - a for a, b in zip(seen, seen[1:])]
        self.assertTrue(all(g >= 0.19 for g in gaps), 'vrrp_garp_interval 0.2: gaps %s' % gaps)

    def test_without_garp_interval_the_garps_go_together(self):
        seen = self.garp_times(None)
        self.assertEqual(len(seen), 4, 'four GARPs (%s)' % seen)
        self.assertLess(seen[-1] - seen[0], 0.1, 'one burst: %s' % seen)


if __name__ == '__main__':
    harness.main()
