#!/usr/bin/env python3
"""BGP mode (issue 10) on scripts/bgp_cluster.sh: a router running FRR
(bgpd, maximum-paths, bfdd, L4 multipath hashing) in front of three
schedulers, each with gobgpd + dsrlb-control + dsrlb-dataplane (xdp mode),
two real servers (weights 1 and 2) and a client:
- the router has one ECMP route to the VIP with the three schedulers as
  next hops; the three publish the same ring (dsrlbctl's fingerprint);
- 300 new connections from the client: every scheduler carries some
  (each at least 10%), the real servers share them 1:2 within 10 points;
- 30 long downloads: a scheduler SIGKILLed (all its processes) leaves the
  router, a fourth joins, another loses its link (gone within the BFD
  bound); every download completes byte-exact (those ECMP moves to another
  scheduler keep their real server: same rings);
- a scheduler whose dataplane dies, or that no real server can serve, is
  withdrawn from the router, and announced again once it recovers; a
  restarted gobgpd gets the route back; a graceful stop withdraws first;
  the API, dsrlbctl, the status CSV and /metrics of the scheduler say
  what the router has: announced, then withdrawn because the dataplane
  is down, then announced again.
Usage: bgp_test.py SCRIPTS_DIR BUILD_DIR DSRLB_CONTROL DSRLB_DATAPLANE
DSRLBCTL [unittest options] (root)."""
import csv
import glob
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import time
import json

import harness
from harness import grpc_api

SCRIPTS, BUILD, CONTROL, DATAPLANE, CTL = harness.take_args(
    ['SCRIPTS_DIR', 'BUILD_DIR', 'DSRLB_CONTROL', 'DSRLB_DATAPLANE', 'DSRLBCTL'])

VIP = '192.168.50.15'
WEB1, WEB2 = '10.10.0.101', '10.10.0.102'
LVS = ('lvs1', 'lvs2', 'lvs3')
HOP = {'lvs1': '10.10.0.11', 'lvs2': '10.10.0.12', 'lvs3': '10.10.0.13'}
CONNECTIONS = 300
CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'vip_client.py')
# dsrlb-control notices a dead dataplane within 1.1 s (heartbeat stale
# after 1 s, looked at every 100 ms); the bgp part adds at most 100 ms, the
# withdrawal reaches the router's kernel in about 0.1 s. A loaded CI host
# gets a margin.
DATAPLANE_WITHDRAW_S = 1.1 + 0.1 + 0.2 + 1.5
# BFD on the router (scripts/bgp_cluster.sh): 100 ms x 3, then the route
# leaves its kernel (about 20 ms here); a loaded CI host gets a margin.
BFD_BOUND_S = 0.3 + 0.7


class BgpCase(harness.E2ETestCase):
    def setUp(self):
        self.lab = lab = self.new_lab()
        self.prefix = lab.prefix
        self.run_dir = '/dev/shm/%s-run' % self.prefix
        lab.on_close(self.cluster_down)
        r = self.cluster('up', self.prefix, '3', timeout=240)
        for h in ('sw', 'rtr', 'client', 'web1', 'web2') + LVS:
            lab.adopt('%s-%s' % (self.prefix, h))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        harness.wait_for(lambda: self.hops() == set(HOP.values()),
                         'the router to route the VIP over all three schedulers', 60, 0.2)

    def cluster_down(self):
        for log in glob.glob(os.path.join(self.run_dir, '*', '*.log')):
            host = os.path.basename(os.path.dirname(log))
            shutil.copy(log, os.path.join(self.lab.dir, host + '-' + os.path.basename(log)))
        r = self.cluster('down', self.prefix)
        if r.returncode != 0:
            raise RuntimeError('bgp_cluster.sh down: ' + r.stderr)

    def cluster(self, *args, timeout=180):
        env = dict(os.environ, DSRLB_BUILD=BUILD, DSRLB_CONTROL=CONTROL,
                   DSRLB_DATAPLANE=DATAPLANE)
        return subprocess.run([os.path.join(SCRIPTS, 'bgp_cluster.sh')] + list(args),
                              env=env, capture_output=True, text=True, timeout=timeout)

    def cluster_ok(self, *args):
        r = self.cluster(*args)
        self.assertEqual(r.returncode, 0, ' '.join(args) + ': ' + r.stdout + r.stderr)

    def in_ns(self, host, *cmd, timeout=60):
        return subprocess.run(['ip', 'netns', 'exec', '%s-%s' % (self.prefix, host)] +
                              list(cmd), capture_output=True, text=True, timeout=timeout)

    def hops(self):
        """The next hops of the router's route to the VIP (in its kernel)."""
        r = subprocess.run(['ip', '-n', self.prefix + '-rtr', 'route', 'show', VIP],
                           capture_output=True, text=True)
        return set(re.findall(r'via (\S+)', r.stdout))

    def ctl(self, lvs, *args):
        return self.in_ns(lvs, CTL, '--socket', '%s/%s/control.sock' % (self.run_dir, lvs),
                          *args, timeout=30)

    def connections(self, lvs):
        """New connections lvs's dataplane has taken for the VIP."""
        out = self.ctl(lvs, 'list', '--stats').stdout
        m = re.search(r'^TCP\s+%s:80\s+(\d+)' % re.escape(VIP), out, re.M)
        self.assertIsNotNone(m, out)
        return int(m.group(1))

    def fingerprint(self, lvs):
        out = self.ctl(lvs, 'list', '--details').stdout
        m = re.search(r'^TCP\s+%s:80 .*ring=([0-9a-f]{16})' % re.escape(VIP), out, re.M)
        self.assertIsNotNone(m, out)
        return m.group(1)

    def count(self, n):
        r = self.in_ns('client', sys.executable, CLIENT, 'count', VIP, str(n), timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return json.loads(r.stdout.strip().splitlines()[-1])

    def wait_hops(self, want, what, timeout):
        """Seconds until the router's next hops are `want`."""
        start = time.monotonic()
        harness.wait_for(lambda: self.hops() == set(want), what, timeout, 0.01)
        return time.monotonic() - start

    def bfd_up(self, peer):
        """The router's BFD session with `peer` is up (it comes up a second
        or two after the BGP session; until then only the hold timer
        notices a lost link)."""
        def up():
            r = self.in_ns('rtr', 'vtysh', '--vty_socket', self.run_dir + '/rtr', '-c',
                           'show bfd peers brief', timeout=10)
            return re.search(r'\s%s\s+up\b' % re.escape(peer), r.stdout)
        harness.wait_for(up, 'BFD with %s up on the router' % peer, 20, 0.1)

    def control_log(self, lvs):
        with open('%s/%s/control.log' % (self.run_dir, lvs), errors='replace') as f:
            return f.read()


class SpreadTest(BgpCase):
    def test_new_connections_spread_over_every_scheduler_and_by_weight(self):
        prints = {lvs: self.fingerprint(lvs) for lvs in LVS}
        self.assertEqual(len(set(prints.values())), 1, prints)
        self.assertNotEqual(prints['lvs1'], '0' * 16)
        before = {lvs: self.connections(lvs) for lvs in LVS}
        got = self.count(CONNECTIONS)
        self.assertEqual(got['failures'], 0, got)
        self.assertEqual(sum(got['servers'].values()), CONNECTIONS, got)
        carried = {lvs: self.connections(lvs) - before[lvs] for lvs in LVS}
        print('%d connections: schedulers %s, servers %s' % (CONNECTIONS, carried,
                                                              got['servers']))
        # Each new connection passed one scheduler (ECMP, L4 hash).
        self.assertEqual(sum(carried.values()), CONNECTIONS, carried)
        for lvs, n in carried.items():
            self.assertGreaterEqual(n, CONNECTIONS // 10, carried)
        web2 = got['servers'].get(WEB2, 0) / CONNECTIONS
        self.assertLessEqual(abs(web2 - 2 / 3), 0.10, got)


class StreamsTest(BgpCase):
    BIG_BYTES = 1 << 20
    STREAMS = 30
    RATE = 40 * 1024  # 26 s a stream: under way until lvs1 has lost its link

    def write_big_file(self):
        data = random.Random(10).randbytes(self.BIG_BYTES)
        for web in ('web1', 'web2'):
            with open('/run/%s-%s-www/big' % (self.prefix, web), 'wb') as f:
                f.write(data)
        return hashlib.sha256(data).hexdigest()

    def streams(self, sha):
        return self.lab.start(['ip', 'netns', 'exec', self.prefix + '-client', sys.executable,
                               CLIENT, 'streams', VIP, '/big', self.STREAMS, self.RATE, sha],
                              'streams-%d.log' % time.monotonic_ns(), stdout=subprocess.PIPE)

    def kill_scheduler(self, lvs):
        """SIGKILL of every process of lvs (a crashed host): gobgpd's
        session to the router goes with it."""
        pids = harness.run(['ip', 'netns', 'pids', '%s-%s' % (self.prefix, lvs)]).split()
        subprocess.run(['kill', '-9'] + pids)

    def test_streams_survive_a_killed_scheduler_a_joining_one_and_a_lost_link(self):
        sha = self.write_big_file()
        proc = self.streams(sha)
        time.sleep(1.5)  # every stream under way, on all three schedulers
        self.kill_scheduler('lvs3')
        took = self.wait_hops({HOP['lvs1'], HOP['lvs2']}, 'lvs3 to leave the router', 5)
        print('scheduler SIGKILL -> route gone at the router: %.3f s' % took)
        self.cluster_ok('start', self.prefix, 'lvs4')
        self.lab.adopt(self.prefix + '-lvs4')
        took = self.wait_hops({HOP['lvs1'], HOP['lvs2'], '10.10.0.14'},
                              'lvs4 to join the router', 30)
        print('a fourth scheduler started -> on the router: %.3f s' % took)
        self.assertTrue(proc.alive(), 'the streams ended before lvs4 joined')
        # A link lost without a word: the switch drops every frame to and
        # from lvs1, no carrier changes; only BFD tells the router (the BGP
        # hold time is 3 s).
        self.bfd_up(HOP['lvs1'])
        port = '%s-lvs1' % self.prefix
        nft = ('add table bridge bgptest\n'
               'add chain bridge bgptest lost { type filter hook forward priority 0; }\n'
               'add rule bridge bgptest lost iifname "%s" drop\n'
               'add rule bridge bgptest lost oifname "%s" drop\n' % (port, port))
        r = subprocess.run(['ip', 'netns', 'exec', self.prefix + '-sw', 'nft', '-f', '-'],
                           input=nft, capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        took = self.wait_hops({HOP['lvs2'], '10.10.0.14'}, 'lvs1 to leave the router', 5)
        print('link of a scheduler down -> route gone at the router: %.3f s' % took)
        self.assertLess(took, BFD_BOUND_S)
        self.assertTrue(proc.alive(), 'the streams ended before lvs1 lost its link')
        out, _ = proc.popen.communicate(timeout=120)
        result = json.loads(out.strip().splitlines()[-1])['streams']
        bad = [r for r in result if r['exit'] != 0]
        gaps = sorted(r['max_gap_ms'] for r in result)
        print('%d streams, longest gap %.0f ms, failed: %s' % (len(result), gaps[-1], bad))
        self.assertEqual(len(result), self.STREAMS)
        self.assertEqual(bad, [])


class WithdrawTest(BgpCase):
    def bgp_views(self, lvs):
        """The VIP's route state as lvs's API, dsrlbctl, status CSV and
        /metrics say it: {view: (announced, reason)}, and the CSV's since_s."""
        channel, stub, pb = grpc_api.connect('%s/%s/control.sock' % (self.run_dir, lvs))
        with channel:
            vs = [v for v in stub.ListVirtualServers(pb.ListVirtualServersRequest(),
                                                     timeout=10).virtual_servers
                  if v.key.address == VIP and v.key.port == 80][0]
        self.assertTrue(vs.HasField('bgp'), vs)
        self.assertEqual(vs.bgp.speaker, '127.0.0.1:50051')
        views = {'api': (vs.bgp.announced, vs.bgp.reason)}
        out = self.ctl(lvs, 'list', '--details').stdout
        m = re.search(r'^TCP\s+%s:80 .*bgp=(announced|withdrawn)(?: bgp_reason="([^"]*)")?'
                      % re.escape(VIP), out, re.M)
        self.assertIsNotNone(m, out)
        views['dsrlbctl'] = (m.group(1) == 'announced', m.group(2) or '')
        r = self.in_ns(lvs, 'curl', '-sf', 'http://127.0.0.1:8404/;csv', timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines[0].startswith('# '), lines[0])
        rows = list(csv.DictReader([lines[0][2:]] + lines[1:]))
        total = [row for row in rows if row['vs'] == 'TCP %s:80' % VIP and
                 row['server'] == 'TOTAL'][0]
        views['csv'] = (total['bgp'] == 'announced', total['bgp_reason'])
        r = self.in_ns(lvs, 'curl', '-sf', 'http://127.0.0.1:8404/metrics', timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(r'^dsrlb_bgp_announced\{vip="%s",reason="([^"]*)"\} ([01])$'
                      % re.escape(VIP), r.stdout, re.M)
        self.assertIsNotNone(m, r.stdout)
        views['metrics'] = (m.group(2) == '1', m.group(1))
        return views, int(total['since_s'])

    def wait_views(self, lvs, announced, reason_prefix, what):
        """Every view of lvs agrees: announced or not, the reason starting
        with reason_prefix (empty while announced); returns the CSV's since_s."""
        got = {}
        start = time.monotonic()

        def agree():
            views, got['since'] = self.bgp_views(lvs)
            got['views'] = views
            return all(a == announced and r.startswith(reason_prefix) and
                       (r == '') == announced for a, r in views.values())
        try:
            harness.wait_for(agree, what, 3, 0.1)
        except AssertionError as e:
            raise AssertionError('%s: %r' % (e, got.get('views'))) from None
        print('%s: API, dsrlbctl, CSV, metrics agree in %.2f s' %
              (what, time.monotonic() - start))
        return got['since']

    def kill9(self, lvs, part):
        path = '%s/%s/%s.pid' % (self.run_dir, lvs, part)
        with open(path) as f:
            subprocess.run(['kill', '-9', f.read().strip()])
        os.unlink(path)

    def reject_http(self, web, on):
        """web's port 80 refuses connections (TCP_CHECK fails) or not."""
        nft = ('add table inet bgptest\n'
               'add chain inet bgptest in { type filter hook input priority 0; }\n'
               'add rule inet bgptest in tcp dport 80 reject with tcp reset\n'
               if on else 'delete table inet bgptest\n')
        r = subprocess.run(['ip', 'netns', 'exec', '%s-%s' % (self.prefix, web), 'nft', '-f',
                            '-'], input=nft, capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)

    def dataplane_death_withdraws_and_a_restart_announces_again(self):
        # The router has every scheduler's route (setUp): lvs1 says announced.
        self.assertIn(HOP['lvs1'], self.hops())
        self.wait_views('lvs1', True, '', 'lvs1 to report the VIP announced')
        killed = time.monotonic()
        self.kill9('lvs1', 'dataplane')
        took = self.wait_hops({HOP['lvs2'], HOP['lvs3']}, 'lvs1 to leave the router', 10)
        print('dataplane SIGKILL -> route withdrawn at the router: %.3f s' % took)
        self.assertLess(took, DATAPLANE_WITHDRAW_S)
        # The router may see the withdrawal before dsrlb-control has logged
        # that gobgpd took it: the line is waited for, briefly.
        withdrew = re.compile(
            r'bgp: withdrew %s/32 via 10\.10\.0\.11: dataplane down' % VIP)
        harness.wait_for(lambda: withdrew.search(self.control_log('lvs1')),
                         'lvs1 to log the withdrawal', 3)
        # Gone from the router: lvs1's API, dsrlbctl, CSV and /metrics say
        # withdrawn because the dataplane is down, since the kill or later;
        # lvs2, still on the router, says announced.
        since = self.wait_views('lvs1', False, 'dataplane down',
                                'lvs1 to report the VIP withdrawn: dataplane down')
        self.assertLessEqual(since, time.monotonic() - killed + 1)
        self.wait_views('lvs2', True, '', 'lvs2 to report the VIP announced')
        self.cluster_ok('start', self.prefix, 'lvs1', 'dataplane')
        took = self.wait_hops(HOP.values(), 'lvs1 back on the router', 15)
        print('dataplane restarted -> route back: %.3f s' % took)
        self.wait_views('lvs1', True, '', 'lvs1 to report the VIP announced again')

    def restarted_speaker_gets_the_route_back(self):
        self.kill9('lvs2', 'gobgpd')
        self.wait_hops({HOP['lvs1'], HOP['lvs3']}, 'lvs2 to leave the router', 10)
        self.cluster_ok('start', self.prefix, 'lvs2', 'gobgpd')
        took = self.wait_hops(HOP.values(), 'lvs2 announced again', 30)
        print('gobgpd restarted -> route back: %.3f s' % took)
        # Announced once at the start, once more into the new gobgpd (whether
        # or not dsrlb-control saw it down: it lists the speaker's routes).
        self.assertEqual(self.control_log('lvs2').count(
            'bgp: announced %s/32 via 10.10.0.12' % VIP), 2)

    def no_server_to_send_to_withdraws_every_scheduler(self, hops):
        self.reject_http('web1', True)
        self.reject_http('web2', True)
        took = self.wait_hops(set(), 'every scheduler to withdraw the VIP', 20)
        print('both servers refusing -> VIP withdrawn: %.3f s' % took)
        self.assertIn('no real server can take new connections', self.control_log('lvs2'))
        self.reject_http('web2', False)
        took = self.wait_hops(hops, 'the VIP back', 20)
        print('web2 answering again -> routes back: %.3f s' % took)
        got = self.count(30)
        self.assertEqual(got, {'servers': {WEB2: 30}, 'failures': 0})

    def graceful_stop_withdraws_first(self):
        start = time.monotonic()
        self.cluster_ok('stop', self.prefix, 'lvs3', 'control')
        self.wait_hops({HOP['lvs1'], HOP['lvs2']}, 'lvs3 to leave the router', 2)
        print('graceful stop of dsrlb-control -> withdrawn, exited: %.3f s' %
              (time.monotonic() - start))
        self.assertIn('bgp: withdrew %s/32 via 10.10.0.13: stopping' % VIP,
                      self.control_log('lvs3'))

    # One cluster for every phase: each phase leaves it serving again.
    def test_a_scheduler_that_cannot_serve_is_withdrawn_and_comes_back(self):
        self.dataplane_death_withdraws_and_a_restart_announces_again()
        self.restarted_speaker_gets_the_route_back()
        self.graceful_stop_withdraws_first()
        self.no_server_to_send_to_withdraws_every_scheduler({HOP['lvs1'], HOP['lvs2']})

if __name__ == '__main__':
    harness.main()
