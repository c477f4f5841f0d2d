#!/usr/bin/env python3
"""No connection is lost when a scheduler fails, stops or restarts (issue
9): the seed's case-2 cluster (scripts/cluster.sh, lvs1 MASTER, lvs2
BACKUP, both real servers up) carries 20 long downloads through the VIP
across each of: lvs1's dataplane SIGKILLed, lvs1 coming back and
preempting, lvs1's dataplane restarted, lvs1's control plane SIGKILLed,
lvs1 stopped gracefully, lvs1 killed hard (SIGKILL + link down). Every
download completes byte-exact, and new connections never fail for longer
than the failover bound (derived from the VRRP timers below).
Usage: failover_test.py SCRIPTS_DIR BUILD_DIR DSRLB_CONTROL DSRLB_DATAPLANE
DSRLBCTL [unittest options] (root)."""
import re

import harness
from cluster_lab import (ClusterCase, DATAPLANE_DEAD_S, MASTER_DOWN_S, VIP)

(ClusterCase.SCRIPTS, ClusterCase.BUILD, ClusterCase.CONTROL, ClusterCase.DATAPLANE,
 ClusterCase.CTL) = harness.take_args(
    ['SCRIPTS_DIR', 'BUILD_DIR', 'DSRLB_CONTROL', 'DSRLB_DATAPLANE', 'DSRLBCTL'])

STREAMS = 20
RATE = 80 * 1024  # bytes/s: 1 MiB takes about 13 s
# The longest a new connection may keep failing: a dead dataplane is seen
# within DATAPLANE_DEAD_S, then lvs2 claims within MASTER_DOWN_S (less after
# a priority-0 advert); twice that plus 3 s for a loaded 2-core host and
# the probe's own 1 s timeout.
BOUND_S = 2 * (DATAPLANE_DEAD_S + MASTER_DOWN_S) + 3.0
PROBE_S = 20


class FailoverTest(ClusterCase):
    def across(self, what, event, expect_master):
        """20 streams and a probe of new connections across `event`."""
        streams = self.client('streams', VIP, '/big', STREAMS, RATE, self.big_sha)
        probe = self.client('probe', VIP, PROBE_S, 0.2)
        harness.wait_for(lambda: self.serving() >= STREAMS, 'the streams to be under way', 60,
                         0.2)
        event()
        self.wait_master(expect_master, 60)
        got = self.result(streams, 180)['streams']
        bad = [s for s in got if s['exit'] != 0]
        self.assertEqual(bad, [], '%s: every stream completes byte-exact' % what)
        self.assertEqual(len(got), STREAMS)
        p = self.result(probe, PROBE_S + 60)
        self.assertLessEqual(p['longest_failing_ms'], BOUND_S * 1000,
                             '%s: new connections failed too long: %s' % (what, p))
        print('%s: %d streams intact, longest gap %.0f ms; new connections %s' %
              (what, STREAMS, max(s['max_gap_ms'] for s in got), p))

    def back_to_lvs1(self):
        self.wait_master('lvs1', 60)
        harness.wait_for(lambda: self.vrrp('lvs2')[0] == 'BACKUP', 'lvs2 to be BACKUP', 30, 0.3)

    def test_no_stream_is_lost_when_the_master_fails_stops_or_restarts(self):
        # 1. The master's dataplane dies: lvs1 goes FAULT, saying why, and
        # lvs2 takes over; lvs1's kernel drops (never resets) what it gets.
        self.across('dataplane SIGKILLed', lambda: self.kill9('lvs1', 'dataplane'), 'lvs2')
        state, reason = self.vrrp('lvs1')
        self.assertEqual(state, 'FAULT')
        self.assertIn('dataplane down', reason)
        metrics = self.in_ns('lvs1', 'curl', '-s', '--max-time', '5',
                             'http://127.0.0.1:8080/metrics').stdout
        self.assertRegex(metrics, r'dsrlb_vrrp_fault\{instance="VI_1",reason="dataplane down')
        self.assertIn('dsrlb_kernel_guard 1', metrics)
        guard = self.in_ns('lvs1', 'nft', 'list', 'table', 'inet', 'dsrlb').stdout
        self.assertIn('ip daddr %s tcp dport 80' % VIP, guard)
        # Until lvs2's GARP moved the client, the streams' packets reached
        # lvs1's kernel: dropped and counted, never answered with RST.
        harness.wait_for(lambda: re.search(r'kernel_vip_drops ([1-9]\d*)',
                                           self.ctl('lvs1', 'counters').stdout),
                         'kernel VIP drops counted on lvs1', 30, 0.5)

        # 2. Its dataplane comes back: lvs1 preempts lvs2.
        self.across('old master back, preempting',
                    lambda: self.cluster_ok('start', self.prefix, 'lvs1', 'dataplane'), 'lvs1')
        self.back_to_lvs1()

        # 3. The master's dataplane restarts (an upgrade).
        def restart_dataplane():
            self.cluster_ok('stop', self.prefix, 'lvs1', 'dataplane')
            self.cluster_ok('start', self.prefix, 'lvs1', 'dataplane')
        self.across('dataplane restarted', restart_dataplane, 'lvs1')
        self.back_to_lvs1()

        # 4. The master's control plane dies: its dataplane forwards on the
        # last table while lvs2 takes over; a new control plane takes over
        # the nftables table and mastership again.
        self.across('control plane SIGKILLed', lambda: self.kill9('lvs1', 'control'), 'lvs2')
        self.cluster_ok('start', self.prefix, 'lvs1', 'control')
        self.back_to_lvs1()

        # 5. A graceful stop hands over: priority 0 first, lvs2 master, then
        # the processes end. An API client stays connected (a watch stream):
        # the handover must not wait for the gRPC server's shutdown.
        self.ns['lvs1'].start([self.CTL, '--socket', '%s/lvs1-control.sock' % self.run_dir,
                               'watch'], 'lvs1-watch.log')
        self.across('stopped gracefully', lambda: self.cluster_ok('stop', self.prefix, 'lvs1'),
                    'lvs2')
        with open('%s/lvs1-control.log' % self.run_dir) as f:
            log = f.read()
        self.assertIn('handing over (priority 0 sent)', log)
        self.assertIn('is master: handover done', log)
        last_stop = log[log.rindex('stopping: handing over first'):]
        self.assertLess(last_stop.index('handover done'), last_stop.index('stopped'))
        self.cluster_ok('start', self.prefix, 'lvs1')
        self.back_to_lvs1()

        # 6. The master is lost (SIGKILL of both parts, link down).
        def kill_hard():
            self.kill9('lvs1', 'dataplane')
            self.kill9('lvs1', 'control')
            self.ns['lvs1'].down('eth0')
        self.across('killed hard', kill_hard, 'lvs2')


if __name__ == '__main__':
    harness.main()
