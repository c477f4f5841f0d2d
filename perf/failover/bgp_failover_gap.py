#!/usr/bin/env python3
"""Failover per failure kind of one of three active schedulers in BGP mode
(scripts/bgp_cluster.sh: FRR router with ECMP, BFD 100 ms x 3; gobgpd,
dsrlb-control, dsrlb-dataplane per scheduler). Per trial: STREAMS long
downloads through the VIP (tests/e2e/vip_client.py, 16 KiB receive
buffer), the failure of lvs1, and a probe of new connections every 0.1 s.
Prints per kind, min / median / max over trials: the time until lvs1's
next hop leaves the router's kernel route (ms), the forwarding gap (the
longest time between two reads of any stream, ms; TCP's back-off
included), the longest window of failing new connections (ms); the streams
broken. Compare with failover_gap.py's VRRP figures (README). Prints
figures, never pass/fail.
Usage (root): perf/failover/bgp_failover_gap.py [--trials N] [--kinds a,b]
              [--build DIR] [--prefix P]"""
import argparse
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
CLIENT = os.path.join(ROOT, 'tests', 'e2e', 'vip_client.py')
CLUSTER = os.path.join(ROOT, 'scripts', 'bgp_cluster.sh')
VIP = '192.168.50.15'
ALL = {'10.10.0.11', '10.10.0.12', '10.10.0.13'}
STREAMS = 10
RATE = 100 * 1024


class Cluster:
    def __init__(self, prefix, build):
        self.p = prefix
        self.run_dir = '/dev/shm/%s-run' % prefix
        self.env = dict(os.environ, DSRLB_BUILD=build)
        self.stopping = []

    def sh(self, *args):
        r = subprocess.run([CLUSTER] + list(args), env=self.env, capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError('bgp_cluster.sh %s: %s' % (' '.join(args), r.stdout + r.stderr))

    def hops(self):
        r = subprocess.run(['ip', '-n', self.p + '-rtr', 'route', 'show', VIP],
                           capture_output=True, text=True)
        return set(re.findall(r'via (\S+)', r.stdout))

    def wait_hops(self, want, timeout=60):
        """Seconds until the router's next hops are `want`."""
        start = time.monotonic()
        while self.hops() != want:
            if time.monotonic() - start > timeout:
                raise RuntimeError('next hops %s, want %s' % (self.hops(), want))
            time.sleep(0.005)
        return time.monotonic() - start

    def bfd_up(self, peer='10.10.0.11', timeout=60):
        """Waits for the router's BFD session with `peer`: after a restore
        it comes up a second or two after the BGP session, and a failure
        before that is seen by the hold timer only."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r = subprocess.run(['ip', 'netns', 'exec', self.p + '-rtr', 'vtysh',
                                '--vty_socket', self.run_dir + '/rtr', '-c',
                                'show bfd peers brief'], capture_output=True, text=True)
            if re.search(r'\s%s\s+up\b' % re.escape(peer), r.stdout):
                return
            time.sleep(0.1)
        raise RuntimeError('no BFD session with %s' % peer)

    def kill9(self, part):
        path = '%s/lvs1/%s.pid' % (self.run_dir, part)
        with open(path) as f:
            subprocess.run(['kill', '-9', f.read().strip()])
        os.unlink(path)

    def kill_host(self):
        pids = subprocess.run(['ip', 'netns', 'pids', self.p + '-lvs1'], capture_output=True,
                              text=True).stdout.split()
        subprocess.run(['kill', '-9'] + pids)
        for f in os.listdir('%s/lvs1' % self.run_dir):
            if f.endswith('.pid'):
                os.unlink('%s/lvs1/%s' % (self.run_dir, f))

    def lose_link(self, lost):
        port = '%s-lvs1' % self.p
        nft = ('add table bridge bench\nadd chain bridge bench lost '
               '{ type filter hook forward priority 0; }\n'
               'add rule bridge bench lost iifname "%s" drop\n'
               'add rule bridge bench lost oifname "%s" drop\n' % (port, port)
               if lost else 'delete table bridge bench\n')
        subprocess.run(['ip', 'netns', 'exec', self.p + '-sw', 'nft', '-f', '-'], input=nft,
                       text=True, check=True)

    def client(self, *args):
        return subprocess.Popen(['ip', 'netns', 'exec', '%s-client' % self.p, sys.executable,
                                 CLIENT] + [str(a) for a in args], stdout=subprocess.PIPE,
                                text=True)


# kind: (failure, restore)
KINDS = {
    'host_sigkill': (Cluster.kill_host, lambda c: c.sh('start', c.p, 'lvs1')),
    'link_lost': (lambda c: c.lose_link(True), lambda c: c.lose_link(False)),
    'dataplane_sigkill': (lambda c: c.kill9('dataplane'),
                          lambda c: c.sh('start', c.p, 'lvs1', 'dataplane')),
    # Not waited for: the route leaves before dsrlb-control has exited.
    'graceful_stop': (lambda c: c.stopping.append(subprocess.Popen(
        [CLUSTER, 'stop', c.p, 'lvs1', 'control'], env=c.env)),
                      lambda c: (c.stopping.pop().wait(60),
                                 c.sh('start', c.p, 'lvs1', 'control'))),
}


def trial(c, sha, kind):
    fail, restore = KINDS[kind]
    streams = c.client('streams', VIP, '/big', STREAMS, RATE, sha)
    probe = c.client('probe', VIP, 20, 0.1)
    time.sleep(2)  # a benchmark, not a test: streams under way
    start = time.monotonic()
    fail(c)
    withdrawn = time.monotonic() - start + c.wait_hops(ALL - {'10.10.0.11'})
    s = json.loads(streams.communicate(timeout=300)[0].splitlines()[-1])['streams']
    p = json.loads(probe.communicate(timeout=120)[0].splitlines()[-1])
    restore(c)
    c.wait_hops(ALL, 90)
    c.bfd_up()
    return {'withdrawn_ms': withdrawn * 1000, 'gap_ms': max(x['max_gap_ms'] for x in s),
            'broken': sum(x['exit'] != 0 for x in s),
            'new_conn_gap_ms': p['longest_failing_ms']}


def mmm(values):
    return '%.0f / %.0f / %.0f' % (min(values), statistics.median(values), max(values))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--trials', type=int, default=3)
    ap.add_argument('--kinds', default=','.join(KINDS))
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'))
    ap.add_argument('--prefix', default='pbg%d' % (os.getpid() % 10000))
    a = ap.parse_args()
    c = Cluster(a.prefix, a.build)
    try:
        c.sh('up', c.p, '3')
        data = random.Random(9).randbytes(2 << 20)
        for web in ('web1', 'web2'):
            with open('/run/%s-%s-www/big' % (c.p, web), 'wb') as f:
                f.write(data)
        sha = hashlib.sha256(data).hexdigest()
        c.wait_hops(ALL, 90)
        c.bfd_up()
        print('%s, load average %s, %d trials, %d streams at %d KiB/s, BFD 100 ms x 3' %
              (time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
               ' '.join('%.1f' % x for x in os.getloadavg()), a.trials, STREAMS,
               RATE // 1024))
        print('| failure of lvs1 (of 3) | next hop gone ms min/med/max | stream gap ms '
              'min/med/max | new-connection gap ms min/med/max | streams broken |')
        print('|---|---|---|---|---|')
        for kind in a.kinds.split(','):
            rows = [trial(c, sha, kind) for _ in range(a.trials)]
            print('| %s | %s | %s | %s | %d |' % (
                kind, mmm([r['withdrawn_ms'] for r in rows]), mmm([r['gap_ms'] for r in rows]),
                mmm([r['new_conn_gap_ms'] for r in rows]), sum(r['broken'] for r in rows)),
                flush=True)
    finally:
        subprocess.run([CLUSTER, 'down', c.p], env=c.env, capture_output=True)


if __name__ == '__main__':
    main()
