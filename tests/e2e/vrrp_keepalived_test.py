#!/usr/bin/env python3
"""dsrlb-control (the product) against Debian's keepalived 2.2.7 on one
VRID, each reading a keepalived.conf: VRRPv2 with PASS and advert_int 1,
and VRRPv3 with advert_int 0.1, dsrlb-control as master and as backup.
After every failure the VIP answers ARP from the new master within the
master-down interval plus a margin, only one node holds the VIP, and both
agree on who is master. Each test first checks that the keepalived it runs
is the version named here, and fails otherwise.
Usage: vrrp_keepalived_test.py DSRLB_CONTROL [unittest options] (root)."""
import re
import signal
import subprocess
import time

import harness
from vrrp_netns import KEEPALIVED, VrrpTestCase, keepalived_conf, master_down, read_text

CONTROL, = harness.take_args(['DSRLB_CONTROL'])
KEEPALIVED_VERSION = '2.2.7'
MARGIN = 1.0
V3 = dict(version=3, adv=0.1, auth=None)
V2_PASS = dict(version=2, adv=1, auth='s3cr3t')


def keepalived_version():
    try:
        r = subprocess.run([KEEPALIVED, '--version'], capture_output=True, text=True, timeout=10)
    except OSError as e:
        return 'none (%s)' % e
    m = re.search(r'Keepalived v(\S+)', r.stdout + r.stderr)
    return m.group(1) if m else (r.stdout + r.stderr).strip()


class KeepalivedInteropTest(VrrpTestCase):
    def setUp(self):
        self.assertEqual(keepalived_version(), KEEPALIVED_VERSION,
                         'the keepalived this test runs (%s) is not the one it names' %
                         KEEPALIVED)

    def settled(self, lab, master, backup, timeout):
        d = lab['d']

        def ok():
            dstate, dmaster = d.status()
            kstate, _ = lab['k'].status()
            want_d = 'MASTER' if master == 'd' else 'BACKUP'
            want_k = 'MASTER' if master == 'k' else 'BACKUP'
            return (dstate == want_d and kstate == want_k and dmaster == lab[master].ip and
                    lab[master].has_vip(lab.vip) and not lab[backup].has_vip(lab.vip))
        good = lab.wait(ok, timeout)
        if good:
            since = time.monotonic()
            time.sleep(0.3)  # a window of ARP replies to look at
            good = lab.repliers(since) == {lab[master].mac}
        return good

    def start(self, version, adv, auth, d_prio, k_prio):
        """dsrlb-control (d) and keepalived (k), each on its keepalived.conf
        that differs only in priority (a node-by-node migration)."""
        lab = self.vrrp_lab(nodes=('d', 'k'))
        lab.start_probe()
        lab['k'].start_keepalived(keepalived_conf(lab.vip, k_prio, version, adv, auth=auth))
        lab['d'].start_control(CONTROL, keepalived_conf(lab.vip, d_prio, version, adv,
                                                        'MASTER' if d_prio > k_prio else 'BACKUP',
                                                        auth=auth))
        return lab, lab['d'], lab['k']

    def assert_no_complaints(self, lab, tag):
        d = lab['d']
        bad = [(i.name, i.bad_packets) for i in d.vrrp_instances() if i.bad_packets]
        self.assertEqual(bad, [], '%s: dsrlb dropped no keepalived advert' % tag)
        klog = read_text(lab.path('k.log')).lower()
        complaints = [w for w in ('bogus', 'invalid', 'mismatch', 'checksum', 'dropping')
                      if w in klog]
        self.assertEqual(complaints, [], '%s: keepalived found no fault with dsrlb adverts'
                         % tag)

    def dsrlb_master(self, version, adv, auth):
        tag = 'v%d advert_int %s%s' % (version, adv, ' PASS' if auth else '')
        lab, d, k = self.start(version, adv, auth, 150, 100)
        settle = 2 * master_down(version, adv, 100) + 3
        self.assertTrue(self.settled(lab, 'd', 'k', settle),
                        '%s: dsrlb (150) master, keepalived backup' % tag)
        self.failover(lab, 'k', lambda: d.link(False), master_down(version, adv, 100) + MARGIN,
                      '%s: dsrlb link down' % tag)
        self.assertTrue(lab.wait(lambda: k.has_vip(lab.vip) and not d.has_vip(lab.vip), 2),
                        '%s: only keepalived holds the VIP' % tag)
        d.link(True)
        self.assertTrue(self.settled(lab, 'd', 'k', settle),
                        '%s: dsrlb preempts keepalived again' % tag)
        self.assert_no_complaints(lab, tag)
        skew = (256 - 100) / 256.0 * (1.0 if version == 2 else adv)
        self.failover(lab, 'k', lambda: d.stop(signal.SIGTERM), skew + MARGIN,
                      '%s: dsrlb stopped (priority 0)' % tag)

    def dsrlb_backup(self, version, adv, auth):
        tag = 'v%d advert_int %s%s' % (version, adv, ' PASS' if auth else '')
        lab, d, k = self.start(version, adv, auth, 100, 150)
        settle = 2 * master_down(version, adv, 100) + 3
        self.assertTrue(self.settled(lab, 'k', 'd', settle),
                        '%s: keepalived (150) master, dsrlb (same keepalived.conf, 100) backup'
                        % tag)
        self.failover(lab, 'd', lambda: k.link(False), master_down(version, adv, 100) + MARGIN,
                      '%s: keepalived link down' % tag)
        self.assertTrue(lab.wait(lambda: d.has_vip(lab.vip) and not k.has_vip(lab.vip), 2),
                        '%s: only dsrlb holds the VIP' % tag)
        k.link(True)
        self.assertTrue(self.settled(lab, 'k', 'd', settle),
                        '%s: keepalived preempts dsrlb again' % tag)
        # keepalived stops: priority 0, dsrlb takes over after Skew_Time.
        skew = (256 - 100) / 256.0 * (1.0 if version == 2 else adv)
        self.failover(lab, 'd', lambda: k.stop(signal.SIGTERM), skew + MARGIN,
                      '%s: keepalived stopped (priority 0)' % tag)
        self.assert_no_complaints(lab, tag)

    def test_v3_dsrlb_control_master_fails_over_to_keepalived_and_back(self):
        self.dsrlb_master(**V3)

    def test_v3_dsrlb_control_backup_takes_over_from_keepalived_and_gives_back(self):
        self.dsrlb_backup(**V3)

    def test_v2_pass_dsrlb_control_master_fails_over_to_keepalived_and_back(self):
        self.dsrlb_master(**V2_PASS)

    def test_v2_pass_dsrlb_control_backup_takes_over_from_keepalived_and_gives_back(self):
        self.dsrlb_backup(**V2_PASS)


if __name__ == '__main__':
    harness.main()
