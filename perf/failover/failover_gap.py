#!/usr/bin/env python3
"""Forwarding gap per failure mode of the master scheduler, on the seed's
case-2 cluster (scripts/cluster.sh; VRRPv2, advert_int 1, lvs1 priority
100, lvs2 50). Per trial: STREAMS long downloads through the VIP (read at
RATE with a 16 KiB receive buffer, tests/e2e/vip_client.py), the failure,
and a probe of new connections every 0.1 s. Prints per mode the forwarding
gap (the longest time between two reads of any stream, ms; TCP's
retransmission back-off included, as a client sees it), the longest window
of failing new connections (ms), min / median / max over trials, and the
resets seen; next to the RFC 3768 master-down interval of these settings.
Prints figures, never pass/fail.
Usage (root): perf/failover/failover_gap.py [--trials N] [--modes a,b]
              [--build DIR] [--prefix P]"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import hashlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
CLIENT = os.path.join(ROOT, 'tests', 'e2e', 'vip_client.py')
CLUSTER = os.path.join(ROOT, 'scripts', 'cluster.sh')
VIP = '192.168.4.15'
STREAMS = 10
RATE = 100 * 1024
MASTER_DOWN_S = 3 * 1.0 + (256 - 50) / 256.0


class Cluster:
    def __init__(self, prefix, build):
        self.p = prefix
        self.run_dir = '/dev/shm/%s-run' % prefix
        self.env = dict(os.environ, DSRLB_BUILD=build, DSRLB_STATUS_LISTEN='')
        self.ctl = os.path.join(build, 'controlplane', 'ctl', 'dsrlbctl')

    def sh(self, *args):
        r = subprocess.run([CLUSTER] + list(args), env=self.env, capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError('cluster.sh %s: %s' % (' '.join(args), r.stdout + r.stderr))

    def ns(self, host, *cmd, **kw):
        return subprocess.run(['ip', 'netns', 'exec', '%s-%s' % (self.p, host)] + list(cmd),
                              capture_output=True, text=True, **kw)

    def state(self, lvs):
        r = self.ns(lvs, self.ctl, '--socket', '%s/%s-control.sock' % (self.run_dir, lvs),
                    'vrrp', timeout=30)
        for line in r.stdout.splitlines():
            if line.startswith('VI_1'):
                return line.split()[1]
        return None

    def wait_master(self, lvs, timeout=90):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.state(lvs) == 'MASTER':
                return
            time.sleep(0.2)
        raise RuntimeError('%s never became MASTER' % lvs)

    def kill9(self, lvs, part):
        path = '%s/%s-%s.pid' % (self.run_dir, lvs, part)
        with open(path) as f:
            subprocess.run(['kill', '-9', f.read().strip()])
        os.unlink(path)

    def client(self, *args):
        return subprocess.Popen(['ip', 'netns', 'exec', '%s-client' % self.p, sys.executable,
                                 CLIENT] + [str(a) for a in args], stdout=subprocess.PIPE,
                                text=True)


def link(c, up):
    subprocess.run(['ip', '-n', '%s-lvs1' % c.p, 'link', 'set', 'eth0', 'up' if up else 'down'],
                   check=True)


# mode: (prepare, failure, new master, restore)
MODES = {
    'dataplane_sigkill': (None, lambda c: c.kill9('lvs1', 'dataplane'), 'lvs2',
                          lambda c: c.sh('start', c.p, 'lvs1', 'dataplane')),
    'dataplane_restart': (None, lambda c: (c.sh('stop', c.p, 'lvs1', 'dataplane'),
                                           c.sh('start', c.p, 'lvs1', 'dataplane')),
                          'lvs1', None),
    'control_sigkill': (None, lambda c: c.kill9('lvs1', 'control'), 'lvs2',
                        lambda c: c.sh('start', c.p, 'lvs1', 'control')),
    'graceful_stop': (None, lambda c: c.sh('stop', c.p, 'lvs1'), 'lvs2',
                      lambda c: c.sh('start', c.p, 'lvs1')),
    'hard_kill': (None, lambda c: (c.kill9('lvs1', 'dataplane'), c.kill9('lvs1', 'control'),
                                   link(c, False)), 'lvs2',
                  lambda c: (link(c, True), c.sh('start', c.p, 'lvs1'))),
    'preempt_back': (lambda c: (c.kill9('lvs1', 'dataplane'), c.wait_master('lvs2')),
                     lambda c: c.sh('start', c.p, 'lvs1', 'dataplane'), 'lvs1', None),
}


def trial(c, sha, mode):
    prepare, fail, master, restore = MODES[mode]
    if prepare:
        prepare(c)
    streams = c.client('streams', VIP, '/big', STREAMS, RATE, sha)
    probe = c.client('probe', VIP, 25, 0.1)
    time.sleep(2)  # a benchmark, not a test: streams under way
    fail(c)
    c.wait_master(master)
    s = json.loads(streams.communicate(timeout=300)[0].splitlines()[-1])['streams']
    p = json.loads(probe.communicate(timeout=120)[0].splitlines()[-1])
    if restore:
        restore(c)
    c.wait_master('lvs1')
    return {'gap_ms': max(x['max_gap_ms'] for x in s),
            'resets': sum(x['exit'] == 56 for x in s) + p['resets'],
            'broken': sum(x['exit'] != 0 for x in s),
            'new_conn_gap_ms': p['longest_failing_ms']}


def mmm(values):
    return '%.0f / %.0f / %.0f' % (min(values), statistics.median(values), max(values))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--trials', type=int, default=3)
    ap.add_argument('--modes', default=','.join(MODES))
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'))
    ap.add_argument('--prefix', default='pfo%d' % (os.getpid() % 10000))
    a = ap.parse_args()
    c = Cluster(a.prefix, a.build)
    try:
        c.sh('up', c.p)
        data = random.Random(9).randbytes(2 << 20)
        for web in ('web1', 'web2'):
            with open('/run/%s-%s-www/big' % (c.p, web), 'wb') as f:
                f.write(data)
        sha = hashlib.sha256(data).hexdigest()
        c.wait_master('lvs1')
        print('%s, load average %s, %d trials, %d streams at %d KiB/s; '
              'RFC 3768 master-down interval (lvs2, priority 50): %.0f ms' %
              (time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
               ' '.join('%.1f' % x for x in os.getloadavg()), a.trials, STREAMS,
               RATE // 1024, MASTER_DOWN_S * 1000))
        print('| failure of lvs1 (master) | stream gap ms min/med/max | '
              'new-connection gap ms min/med/max | resets | streams broken |')
        print('|---|---|---|---|---|')
        for mode in a.modes.split(','):
            rows = [trial(c, sha, mode) for _ in range(a.trials)]
            print('| %s | %s | %s | %d | %d |' % (
                mode, mmm([r['gap_ms'] for r in rows]),
                mmm([r['new_conn_gap_ms'] for r in rows]),
                sum(r['resets'] for r in rows), sum(r['broken'] for r in rows)), flush=True)
    finally:
        subprocess.run([CLUSTER, 'down', c.p], env=c.env, capture_output=True)


if __name__ == '__main__':
    main()
