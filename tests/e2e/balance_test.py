#!/usr/bin/env python3
"""New connections spread by weight, a drained server keeps its streams,
and the health checks move a stopped server out of the ring and back, on
the seed's case-2 cluster (scripts/cluster.sh, both real servers up):
- rr (the seed's file): 2000 new connections within 5 points of 1/2;
  wrr 1:2 (over the API): within 5 points of 1/3 : 2/3;
- drain (dsrlbctl drain) mid-stream: 20 long downloads complete byte-exact,
  new connections all go to the other server;
- web2's server stops: out of the ring within delay_loop x (retry + 1) plus
  a margin (the file's TCP_CHECK timers), back once it answers again.
Usage: balance_test.py SCRIPTS_DIR BUILD_DIR DSRLB_CONTROL DSRLB_DATAPLANE
DSRLBCTL DSRLB_REGION [unittest options] (root)."""
import re
import time

import harness
from cluster_lab import ClusterCase, VIP, WEB1, WEB2

(ClusterCase.SCRIPTS, ClusterCase.BUILD, ClusterCase.CONTROL, ClusterCase.DATAPLANE,
 ClusterCase.CTL, REGION) = harness.take_args(
    ['SCRIPTS_DIR', 'BUILD_DIR', 'DSRLB_CONTROL', 'DSRLB_DATAPLANE', 'DSRLBCTL',
     'DSRLB_REGION'])

CONNECTIONS = 2000  # binomial sd ~1.1 points: 5 points is 4.7 sd
POINTS = 0.05
STREAMS = 20
RATE = 100 * 1024
# scripts/examples/case2_lvs1.conf: delay_loop 6, nb_get_retry 3 (and
# delay_before_retry 3, connect_timeout 3).
DELAY_LOOP_S, RETRY = 6, 3
# A check that fails at once (port closed) is retried RETRY times before
# the server is down; the bound is keepalived's worst case plus a margin
# for a loaded host.
DOWN_BOUND_S = DELAY_LOOP_S * (RETRY + 1) + 10
UP_BOUND_S = DELAY_LOOP_S * 2 + 10


class BalanceTest(ClusterCase):
    def share(self, want_web2):
        got = self.count(CONNECTIONS)
        self.assertEqual(got['failures'], 0, got)
        total = sum(got['servers'].values())
        self.assertEqual(total, CONNECTIONS, got)
        web2 = got['servers'].get(WEB2, 0) / total
        self.assertLessEqual(abs(web2 - want_web2), POINTS,
                             'web2 share %.3f, want %.3f: %s' % (web2, want_web2, got))
        print('%d connections: %s' % (CONNECTIONS, got['servers']))

    def rs_field(self, server, field):
        listing = self.ctl('lvs1', 'list', '--details').stdout
        part = listing.split(server + ':80')[1].split('\n')[0] if server + ':80' in listing else ''
        return field in part

    def table(self):
        return harness.run([REGION, 'table', '%s/lvs1-table' % self.run_dir], check=False)

    def test_weights_spread_new_connections(self):
        # The seed's "lb_algo rr": LVS rr ignores the weights (1 and 2).
        self.share(1 / 2)
        vs = ['-t', VIP + ':80']
        for cmd in (['remove', 'vs'] + vs, ['add', 'vs'] + vs + ['-s', 'wrr'],
                    ['add', 'rs'] + vs + ['-r', WEB1 + ':80', '-w', '1'],
                    ['add', 'rs'] + vs + ['-r', WEB2 + ':80', '-w', '2']):
            r = self.ctl('lvs1', *cmd)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        harness.wait_for(lambda: self.answers() is not None, 'the wrr table to answer', 60, 0.5)
        self.share(2 / 3)

    def test_a_drained_server_keeps_its_streams(self):
        streams = self.client('streams', VIP, '/big', STREAMS, RATE, self.big_sha)
        harness.wait_for(lambda: self.serving() >= STREAMS, 'the streams to be under way', 60,
                         0.2)
        # rr put about half the streams on web2: the drain has live ones.
        on_web2 = self.serving(('web2',))
        self.assertGreater(on_web2, 0)
        r = self.ctl('lvs1', 'drain', '-t', VIP + ':80', '-r', WEB2 + ':80')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        harness.wait_for(lambda: re.search(r'%s:80 .* draining ' % WEB2, self.table()),
                         'the published table to drain web2', 30, 0.2)
        got = self.count(50)
        self.assertEqual(got['servers'], {WEB1: 50}, got)
        out = self.result(streams, 180)['streams']
        self.assertEqual([s for s in out if s['exit'] != 0], [])
        self.assertEqual(len(out), STREAMS)
        print('%d of %d streams were on web2 when it was drained; all complete' %
              (on_web2, STREAMS))

    def test_a_stopped_server_leaves_the_ring_and_comes_back(self):
        web2 = self.ns['web2']
        for pid in web2.pids():
            harness.run(['kill', str(pid)], check=False)
        start = time.monotonic()
        harness.wait_for(lambda: self.rs_field(WEB2, 'health=down'), 'web2 to be down',
                         DOWN_BOUND_S, 0.2)
        print('web2 out of the ring after %.1f s (bound %d s)' %
              (time.monotonic() - start, DOWN_BOUND_S))
        # The state says down at once; the dataplane takes the table that
        # says so a moment later (publish thread): wait for the table.
        harness.wait_for(lambda: re.search(r'%s:80 .* down ' % WEB2, self.table()),
                         'the published table to take web2 out', 30, 0.2)
        self.assertEqual(self.count(20)['servers'], {WEB1: 20})
        web2.start(['python3', '-m', 'http.server', '80', '--directory',
                    '/run/%s-web2-www' % self.prefix], 'web2-http.log')
        start = time.monotonic()
        harness.wait_for(lambda: self.rs_field(WEB2, 'health=up'), 'web2 to be up again',
                         UP_BOUND_S, 0.2)
        print('web2 back after %.1f s (bound %d s)' % (time.monotonic() - start, UP_BOUND_S))
        got = self.count(60)
        self.assertGreater(got['servers'].get(WEB2, 0), 0, got)


if __name__ == '__main__':
    harness.main()
