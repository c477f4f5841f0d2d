#!/usr/bin/env python3
"""dsrlb-dataplane in xdp mode on a veth pair between two private
namespaces. VIP traffic is steered by dsrlb's XDP program to the dataplane
and comes back out with the backend's MAC; ARP, ping and non-VIP TCP reach
the kernel; a VIP made inactive stops being steered; on SIGTERM the XDP
program is detached and the stats region says stopped.
Usage: dataplane_xdp_test.py DSRLB_DATAPLANE DSRLB_REGION [unittest options]
(root)."""
import json
import os
import signal
import subprocess
import sys
import time

import harness

DATAPLANE, REGION = harness.take_args(['DSRLB_DATAPLANE', 'DSRLB_REGION'])
SEND_TCP = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'dataplane_send_tcp.py')
BACKEND_MAC = '02:00:00:00:01:01'
CLIENT_IP, SCHEDULER_IP, VIP = '10.99.0.1', '10.99.0.2', '10.99.0.15'


class XdpTest(harness.E2ETestCase):
    def setUp(self):
        self.lab = lab = self.new_lab()
        self.c, self.s = lab.namespace('c'), lab.namespace('s')
        lab.veth(self.c, 'c0', self.s, 's0')
        self.c.addr('c0', CLIENT_IP + '/24')
        self.s.addr('s0', SCHEDULER_IP + '/24')
        self.c.up('c0')
        self.s.up('s0')
        self.smac = self.s.mac('s0')
        self.stats = lab.path('stats')

    def publish(self, active):
        spec = {'ring_size': 251, 'port_mac': self.smac,
                'vips': [{'address': VIP, 'port': 80, 'protocol': 'tcp', 'active': active,
                          'backends': [{'address': '10.99.0.100', 'mac': BACKEND_MAC}]}]}
        with open(self.lab.path('spec.json'), 'w') as f:
            json.dump(spec, f)
        harness.run([REGION, 'publish', self.lab.path('spec.json'), self.lab.path('table')])

    def stats_json(self):
        return json.loads(harness.run([REGION, 'stats', self.stats, '--json']))

    def counter(self, name):
        """Summed over lcores, from the stats region."""
        return self.stats_json()['counters'][name]

    def send_syns(self, dst_ip, dport, count):
        self.c.exec(sys.executable, SEND_TCP, 'c0', self.smac, CLIENT_IP, dst_ip, str(dport),
                    str(count))

    def capture(self, name):
        """tcpdump on c0 of the frames leaving the dataplane to the backend MAC."""
        cap = self.lab.path(name + '.cap')
        p = self.c.start(['tcpdump', '-i', 'c0', '-n', '-U', '-w', cap,
                          'ether dst ' + BACKEND_MAC], name + '.tcpdump.log')
        harness.wait_for(lambda: 'listening' in p.log(), 'tcpdump to start', 10)
        return p, cap

    def captured(self, cap):
        out = subprocess.run(['tcpdump', '-r', cap, '-n'], capture_output=True, text=True)
        return len(out.stdout.splitlines())

    def capture_count(self, capture, expected):
        """Waits up to 10 s for `expected` frames, then 1 s for any extra."""
        p, cap = capture
        harness.poll(lambda: self.captured(cap) >= expected, 10, 0.1)
        time.sleep(1)  # any extra frame must show up too
        p.stop(signal.SIGINT)
        return self.captured(cap)

    def log_says(self, text):
        return text in self.dataplane.log()

    def test_xdp_steers_active_vips_to_the_dataplane_and_the_rest_to_the_kernel(self):
        self.publish(True)
        self.dataplane = self.s.start(
            [DATAPLANE, '--no-huge', '-m', '256', '--no-pci', '--no-shconf', '--no-telemetry',
             '-l', '0-1', '--', '--xdp-iface', 's0', '--table-region', self.lab.path('table'),
             '--stats-region', self.stats, '--idle-sleep-us', '100'], 'dataplane.log')
        harness.wait_for(lambda: self.log_says('XDP steers 2 VIP keys (generation 1)'),
                         'the dataplane to start in xdp mode', 60)
        self.assertTrue(self.s.has_xdp('s0'), 'no XDP program on s0')

        # 20 VIP flows: forwarded back out of s0 to the backend's MAC.
        capture = self.capture('vip')
        self.send_syns(VIP, 80, 20)
        n = self.capture_count(capture, 20)
        self.assertEqual(n, 20, 'expected 20 frames to the backend MAC, captured %d '
                         '(rx_packets %d, tx %d)' % (n, self.counter('rx_packets'),
                                                     self.counter('tx_packets')))
        self.assertEqual(self.counter('forwarded'), 20, 'forwarded counter')

        # ARP + ping and TCP to a non-VIP port reach the kernel, not the dataplane.
        self.c.ip('neigh', 'flush', 'dev', 'c0')
        ping = subprocess.run(['ip', 'netns', 'exec', self.c.name, 'ping', '-c', '2', '-W', '2',
                               SCHEDULER_IP], capture_output=True)
        self.assertEqual(ping.returncode, 0, "ping to the scheduler's own address failed")
        self.send_syns(SCHEDULER_IP, 22, 5)
        time.sleep(0.3)  # for any of them to reach the dataplane, which must not happen
        self.assertEqual(self.counter('rx_packets'), 20, 'non-VIP traffic reached the dataplane')

        # The VIP turns inactive (BACKUP): the XDP map follows the table.
        self.publish(False)
        harness.wait_for(lambda: self.log_says('XDP steers 0 VIP keys (generation 2)'),
                         'the XDP map to be updated', 10)
        capture = self.capture('inactive')
        self.send_syns(VIP, 80, 10)
        n = self.capture_count(capture, 0)
        self.assertEqual(n, 0, 'inactive VIP still forwarded (%d frames)' % n)
        self.assertEqual(self.counter('rx_packets'), 20,
                         'inactive VIP traffic reached the dataplane')

        # Clean shutdown: XDP program detached, stats region says stopped.
        rc = self.dataplane.stop(signal.SIGTERM, timeout=30)
        self.assertEqual(rc, 0, 'dataplane exit status')
        self.assertFalse(self.s.has_xdp('s0'), 'XDP program left attached')
        self.assertFalse(self.stats_json()['running'], 'stats region still says running')


if __name__ == '__main__':
    harness.main()
