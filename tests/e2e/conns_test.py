#!/usr/bin/env python3
"""Connections as the dataplane counts them, on the seed's case-2 cluster
(scripts/cluster.sh): with N long downloads through the VIP, `dsrlbctl
list` and the gRPC API report N active connections on the servers that
carry them (+-1; the truth is each web server's own count of established
connections on port 80, `ss`), and 0 active once they have ended; the
--stats and --rate columns move.
Usage: conns_test.py SCRIPTS_DIR BUILD_DIR DSRLB_CONTROL DSRLB_DATAPLANE
DSRLBCTL PROTO [unittest options] (root)."""
import re

import harness
from harness import grpc_api
from cluster_lab import ClusterCase, VIP, WEB1, WEB2

(ClusterCase.SCRIPTS, ClusterCase.BUILD, ClusterCase.CONTROL, ClusterCase.DATAPLANE,
 ClusterCase.CTL, PROTO) = harness.take_args(
    ['SCRIPTS_DIR', 'BUILD_DIR', 'DSRLB_CONTROL', 'DSRLB_DATAPLANE', 'DSRLBCTL', 'PROTO'])

STREAMS = 6
RATE = 64 * 1024  # 1 MiB each: ~16 s of downloading
WEBS = {WEB1: 'web1', WEB2: 'web2'}
ROW = re.compile(r'^  -> ([\d.]+):80\s+Route\s+\d+\s+(\d+)\s+(\d+)\s*$', re.M)


class ConnsTest(ClusterCase):
    def listed(self):
        """{server: (ActiveConn, InActConn)} of `dsrlbctl list -n` on lvs1."""
        r = self.ctl('lvs1', 'list', '-n')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith('dsrlb '), r.stdout)
        return {m.group(1): (int(m.group(2)), int(m.group(3)))
                for m in ROW.finditer(r.stdout)}

    def api(self):
        """{server: RealServer} and the VirtualServer, from the gRPC API."""
        vs = [v for v in self.stub.ListVirtualServers(
            self.pb.ListVirtualServersRequest()).virtual_servers if v.key.address == VIP][0]
        return {r.key.address: r for r in vs.real_servers}, vs

    def vs_columns(self, *flags):
        """The VIP's row of `dsrlbctl list --stats|--rate`, as integers."""
        r = self.ctl('lvs1', 'list', *flags)
        self.assertEqual(r.returncode, 0, r.stderr)
        row = [l.split() for l in r.stdout.splitlines() if l.startswith('TCP  ')][0]
        return [int(x) for x in row[2:]]

    def truth(self):
        """Established connections on each web server's port 80."""
        return {ip: self.serving((web,)) for ip, web in WEBS.items()}

    def matches(self, want):
        listed = self.listed()
        rs, vs = self.api()
        return all(abs(listed[ip][0] - n) <= 1 and abs(rs[ip].active_connections - n) <= 1
                   for ip, n in want.items()) and \
            vs.active_connections == sum(r.active_connections for r in rs.values())

    def test_active_connections_follow_long_downloads(self):
        channel, self.stub, self.pb = grpc_api.connect(
            '%s/lvs1-control.sock' % self.run_dir, proto=PROTO)
        self.addCleanup(channel.close)
        conns_before = self.vs_columns('--stats')[0]
        streams = self.client('streams', VIP, '/big', STREAMS, RATE, self.big_sha)
        harness.wait_for(lambda: self.serving() >= STREAMS, 'the downloads to be under way',
                         60, 0.2)
        truth = self.truth()
        self.assertEqual(sum(truth.values()), STREAMS, truth)
        harness.wait_for(lambda: self.matches(truth),
                         'list and API to show %s active' % truth, 20, 0.3)
        print('during: truth %s, listed %s' % (truth, self.listed()))
        # Conns counted every download; the rates move while they run.
        self.assertGreaterEqual(self.vs_columns('--stats')[0] - conns_before, STREAMS)
        harness.wait_for(lambda: self.vs_columns('--rate')[1] > 0 and
                         self.vs_columns('--rate')[3] > 0,
                         'InPPS and InBPS to move', 20, 0.3)
        rs, vs = self.api()
        self.assertGreater(vs.packets_per_second, 0)
        self.assertGreater(sum(r.bytes_per_second for r in rs.values()), 0)

        got = self.result(streams, 120)['streams']
        self.assertEqual([r['exit'] for r in got], [0] * STREAMS, got)
        harness.wait_for(lambda: self.matches({WEB1: 0, WEB2: 0}) and
                         all(a == 0 for a, _ in self.listed().values()),
                         'no active connection once the downloads ended', 20, 0.3)
        # The closed downloads wait out FIN_WAIT as inactive ones, as LVS's do.
        inactive = sum(i for _, i in self.listed().values())
        self.assertGreaterEqual(inactive, STREAMS - 1, self.listed())
        print('after: listed %s' % self.listed())

        # New connections per second: a run of short connections.
        counting = self.client('count', VIP, 300)
        harness.wait_for(lambda: self.vs_columns('--rate')[0] > 0, 'CPS to move', 30, 0.3)
        self.assertEqual(self.result(counting, 120)['failures'], 0)


if __name__ == '__main__':
    harness.main()
