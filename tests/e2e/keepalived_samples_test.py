#!/usr/bin/env python3
"""keepalived's own sample corpus (keepalived_samples/, lb_kind written DR,
NAT port mapping and fwmark left out): every file passes `dsrlb-control
--check`, and dsrlb-control starts on it in a fresh namespace that has the
interfaces the file names (veth pairs), answers `dsrlbctl list`, and stops
cleanly on SIGTERM. The files that cannot load are exactly EXPECTED_REFUSED,
each refused for its reason (also listed in controlplane/config/README.md).
Usage: keepalived_samples_test.py DSRLB_CONTROL DSRLBCTL SAMPLES_DIR (root)."""
import os
import re
import signal
import subprocess

import harness

CONTROL, DSRLBCTL, SAMPLES = harness.take_args(['DSRLB_CONTROL', 'DSRLBCTL', 'SAMPLES_DIR'])

# file -> what dsrlb-control --check says (a part of its error line). Keep in
# step with "keepalived's sample corpus" in controlplane/config/README.md.
EXPECTED_REFUSED = {
    'etc-keepalived.conf.sample':
        "etc-keepalived.conf.sample:20:11: vrrp_instance VI_1: strict mode allows state "
        "MASTER only with priority 255",
    'keepalived.conf.SSL_GET':
        "keepalived.conf.SSL_GET:20:19: 'AH' in auth_type is not supported by dsrlb",
    'keepalived.conf.conditional_conf':
        "keepalived.conf.conditional_conf:3:7: 'net_namespace' in the top level is not "
        "supported by dsrlb",
    'keepalived.conf.vrrp':
        "keepalived.conf.vrrp:32:9: virtual_ipaddress 192.168.200.18 listed twice",
    'keepalived.conf.vrrp.lvs_syncd':
        "keepalived.conf.vrrp.lvs_syncd:4:3: unknown keyword 'VI_2' in vrrp_sync_group",
    'keepalived.conf.vrrp.rules':
        "keepalived.conf.vrrp.rules:11:8: 'to' wants an IPv4 or IPv6 address, got "
        "'192.168.100.'",
}
# The config id a file is written for (its own comment says which).
CONFIG_ID = {'keepalived.conf.conditional_conf': 'high'}


def sample_files():
    return sorted(f for f in os.listdir(SAMPLES) if f != 'README.md')


def check(path):
    r = subprocess.run([CONTROL, '--check', '--config', path, '--config-id',
                        CONFIG_ID.get(os.path.basename(path), 'corpus')],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=60)
    return r.returncode, r.stdout


def interfaces(path):
    """The interface names a file uses: interface, dev, and track_interface
    lines (comments dropped)."""
    names, in_track = [], False
    with open(path) as f:
        for raw in f:
            line = re.split(r'(?:^|\s)[#!]', raw, maxsplit=1)[0]
            words = line.split()
            if not words:
                continue
            if in_track:
                if words[0] == '}':
                    in_track = False
                else:
                    names.append(words[0])
                continue
            if words[0] == 'track_interface':
                in_track = '}' not in words
            for i, w in enumerate(words[:-1]):
                if w in ('interface', 'dev'):
                    names.append(words[i + 1])
    return sorted(set(names))


class KeepalivedSamplesTest(harness.E2ETestCase):
    def test_every_sample_passes_check_but_the_listed_ones_for_their_reason(self):
        self.assertEqual(len(sample_files()), 26, 'the corpus has 26 files')
        refused = {}
        for name in sample_files():
            rc, out = check(os.path.join(SAMPLES, name))
            if rc != 0:
                refused[name] = out
            with self.subTest(file=name):
                if name in EXPECTED_REFUSED:
                    self.assertNotEqual(rc, 0, '%s is listed as refused but loads' % name)
                    self.assertIn(EXPECTED_REFUSED[name], out)
                else:
                    self.assertEqual(rc, 0, '%s: %s' % (name, out))
                    self.assertIn('OK', out)
        self.assertEqual(sorted(refused), sorted(EXPECTED_REFUSED))

    def test_daemon_starts_on_every_loadable_sample_and_stops_cleanly(self):
        lab = self.new_lab()
        for i, name in enumerate(sample_files()):
            if name in EXPECTED_REFUSED:
                continue
            with self.subTest(file=name):
                self.start_and_stop(lab, i, name)

    def start_and_stop(self, lab, i, name):
        ns = lab.namespace('k%d' % i)
        ns.sysctl('net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0')
        ns.up('lo')
        for j, dev in enumerate(interfaces(os.path.join(SAMPLES, name))):
            # A veth pair stands in for a dummy (not every kernel has the
            # dummy module): the file's name, its peer up too for a carrier.
            ns.ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', 'peer%d' % j)
            ns.addr(dev, '10.254.%d.1/24' % j)
            ns.up('peer%d' % j)
            ns.up(dev)
        sock = lab.path('k%d.sock' % i)
        proc = ns.start([CONTROL, '--config', os.path.join(SAMPLES, name),
                         '--config-id', CONFIG_ID.get(name, 'corpus'), '--socket', sock,
                         '--state-file', '',
                         '--table-region', lab.path('k%d.table' % i),
                         '--stats-region', lab.path('k%d.stats' % i)], 'k%d.log' % i)
        harness.wait_for(lambda: os.path.exists(sock) or not proc.alive(),
                         '%s: dsrlb-control to open its socket' % name, 30, 0.05)
        self.assertTrue(proc.alive(), '%s: dsrlb-control exited: %s' % (name, proc.log()[-2000:]))
        r = subprocess.run([DSRLBCTL, '--socket', sock, 'list'], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, '%s: dsrlbctl list: %s' % (name, r.stdout))
        rc = proc.stop(signal.SIGTERM, timeout=20)
        self.assertEqual(rc, 0, '%s: exit status after SIGTERM (log: %s)' %
                         (name, proc.log()[-2000:]))


if __name__ == '__main__':
    harness.main()
