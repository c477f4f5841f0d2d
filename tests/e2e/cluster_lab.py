"""The seed's case-2 cluster (scripts/cluster.sh) as a test fixture for the
failover and balance tests: one cluster per test under the test's own
prefix, helpers to run the parts, dsrlbctl and the VIP client in it."""
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import hashlib

import harness

HOSTS = ('sw', 'client', 'lvs1', 'lvs2', 'web1', 'web2')
VIP = '192.168.4.15'
WEB1, WEB2 = '192.168.4.100', '192.168.4.200'
CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'vip_client.py')
# The examples' VRRP settings (scripts/examples/case2_lvs*.conf): VRRPv2,
# advert_int 1, lvs1 priority 100 (state MASTER), lvs2 priority 50.
ADVERT_S = 1.0
BACKUP_PRIORITY = 50
# RFC 3768: 3 x advert_int + (256 - priority) / 256 s, for lvs2 to claim.
MASTER_DOWN_S = 3 * ADVERT_S + (256 - BACKUP_PRIORITY) / 256.0
# dsrlb-control: a heartbeat older than 1 s is a dead dataplane, looked at
# every 100 ms (controlplane/tables/publisher.cc, daemon.cc).
DATAPLANE_DEAD_S = 1.1


class ClusterCase(harness.E2ETestCase):
    SCRIPTS = BUILD = CONTROL = DATAPLANE = CTL = None  # set by the test module
    BIG_BYTES = 1 << 20
    # More environment for scripts/cluster.sh (DSRLB_CONF_DIR, ...).
    CLUSTER_ENV = {}

    def setUp(self):
        self.lab = lab = self.new_lab()
        self.prefix = lab.prefix
        self.run_dir = '/dev/shm/%s-run' % self.prefix
        self.ns = {h: lab.adopt('%s-%s' % (self.prefix, h)) for h in HOSTS}
        lab.on_close(self.cluster_down)
        r = self.cluster('up', self.prefix)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.big_sha = self.write_big_file()
        self.wait_master('lvs1', 60)
        harness.wait_for(lambda: self.answers() is not None, 'the VIP to answer through lvs1',
                         60, 0.5)

    def cluster_down(self):
        for log in glob.glob(os.path.join(self.run_dir, '*.log')):
            shutil.copy(log, self.lab.dir)
        r = self.cluster('down', self.prefix)
        if r.returncode != 0:
            raise RuntimeError('cluster.sh down: ' + r.stderr)

    def cluster(self, *args, timeout=180):
        env = dict(os.environ, DSRLB_BUILD=self.BUILD, DSRLB_CONTROL=self.CONTROL,
                   DSRLB_DATAPLANE=self.DATAPLANE, DSRLB_STATUS_LISTEN='127.0.0.1:8080')
        env.update(self.CLUSTER_ENV)
        return subprocess.run([os.path.join(self.SCRIPTS, 'cluster.sh')] + list(args),
                              env=env, capture_output=True, text=True, timeout=timeout)

    def cluster_ok(self, *args):
        r = self.cluster(*args)
        self.assertEqual(r.returncode, 0, ' '.join(args) + ': ' + r.stdout + r.stderr)

    def write_big_file(self):
        """The same BIG_BYTES on both web servers (a stream may land on
        either); its sha256."""
        data = random.Random(9).randbytes(self.BIG_BYTES)
        for web in ('web1', 'web2'):
            with open('/run/%s-%s-www/big' % (self.prefix, web), 'wb') as f:
                f.write(data)
        return hashlib.sha256(data).hexdigest()

    def in_ns(self, host, *cmd, timeout=60):
        return subprocess.run(['ip', 'netns', 'exec', self.ns[host].name] + list(cmd),
                              capture_output=True, text=True, timeout=timeout)

    def ctl(self, lvs, *args):
        return self.in_ns(lvs, self.CTL, '--socket', '%s/%s-control.sock' % (self.run_dir, lvs),
                          *args, timeout=30)

    def vrrp(self, lvs):
        """(state, fault reason) of VI_1 on lvs, (None, '') when unreachable."""
        r = self.ctl(lvs, 'vrrp')
        m = re.search(r'^VI_1\s+(\w+).*?(?:\s+\((.*)\))?$', r.stdout, re.M)
        return (m.group(1), m.group(2) or '') if m and r.returncode == 0 else (None, '')

    def wait_master(self, lvs, timeout):
        harness.wait_for(lambda: self.vrrp(lvs)[0] == 'MASTER', '%s to be MASTER' % lvs,
                         timeout, 0.3)

    def pid(self, lvs, part):
        with open('%s/%s-%s.pid' % (self.run_dir, lvs, part)) as f:
            return int(f.read().strip())

    def kill9(self, lvs, part):
        subprocess.run(['kill', '-9', str(self.pid(lvs, part))])
        os.unlink('%s/%s-%s.pid' % (self.run_dir, lvs, part))

    # --- the VIP client (tests/e2e/vip_client.py) in the client namespace ---
    def client(self, *args):
        return self.ns['client'].start(
            [sys.executable, CLIENT] + [str(a) for a in args],
            'client-%s-%d.log' % (args[0], time.monotonic_ns()), stdout=subprocess.PIPE)

    @staticmethod
    def result(proc, timeout):
        out, _ = proc.popen.communicate(timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    def serving(self, webs=('web1', 'web2')):
        """Established connections on the web servers' port 80."""
        n = 0
        for web in webs:
            r = self.in_ns(web, 'ss', '-Htn', 'state', 'established', '( sport = :80 )')
            n += len(r.stdout.splitlines())
        return n

    def answers(self):
        r = self.in_ns('client', 'curl', '-s', '--max-time', '2', 'http://%s/' % VIP)
        return r.stdout.strip() if r.returncode == 0 else None

    def count(self, n):
        return self.result(self.client('count', VIP, n), 600)
