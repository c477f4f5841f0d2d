#!/usr/bin/env python3
"""The whole product on one machine, as the seed's case 2 runs it: a client,
two schedulers (dsrlb-control + dsrlb-dataplane in xdp mode, lvs1 MASTER,
lvs2 BACKUP) and two web servers (weights 1 and 2) in network namespaces
(scripts/cluster.sh, as the demo runs it). Curls to the VIP, dsrlbctl, the
region decoder, the status page, a failing real server and a failing
scheduler.
Usage: cluster_test.py SCRIPTS_DIR BUILD_DIR DSRLB_CONTROL DSRLB_DATAPLANE
DSRLBCTL DSRLB_REGION [unittest options] (root)."""
import collections
import os
import subprocess

import harness
from cluster_lab import ClusterCase, VIP, WEB1, WEB2

(ClusterCase.SCRIPTS, ClusterCase.BUILD, ClusterCase.CONTROL, ClusterCase.DATAPLANE,
 ClusterCase.CTL, REGION) = harness.take_args(
    ['SCRIPTS_DIR', 'BUILD_DIR', 'DSRLB_CONTROL', 'DSRLB_DATAPLANE', 'DSRLBCTL',
     'DSRLB_REGION'])
CTL = ClusterCase.CTL


class ClusterTest(ClusterCase):
    def curl(self, url="http://%s/" % VIP):
        """One new TCP connection from the client; the answering server's IP."""
        r = self.in_ns("client", "curl", "-s", "--max-time", "2", url)
        return r.stdout.strip() if r.returncode == 0 else None

    def curls(self, n):
        return collections.Counter(self.curl() for _ in range(n))

    def ctl_list(self, lvs):
        r = self.ctl(lvs, "list", "--details")
        return r.stdout + r.stderr

    def test_cluster_balances_checks_health_and_fails_over(self):
        # Every curl is a new connection. The seed says "lb_algo rr", and LVS
        # rr ignores weights (1 and 2 here): both servers share evenly.
        seen = self.curls(90)
        self.assertEqual(seen[None], 0, seen)
        share = seen[WEB2] / 90
        self.assertTrue(0.3 <= share <= 0.7, "web2 share %.2f, want ~1/2: %s" % (share, seen))

        # With wrr (set over the API) the weights count: web2 gets ~2/3.
        vs = ["-t", VIP + ":80"]
        for cmd in (["remove", "vs"] + vs, ["add", "vs"] + vs + ["-s", "wrr"],
                    ["add", "rs"] + vs + ["-r", WEB1 + ":80", "-w", "1"],
                    ["add", "rs"] + vs + ["-r", WEB2 + ":80", "-w", "2"]):
            r = self.ctl("lvs1", *cmd)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        harness.wait_for(lambda: self.curl() is not None, "the wrr table to answer", 60, 0.5)
        seen = self.curls(90)
        self.assertEqual(seen[None], 0, seen)
        share = seen[WEB2] / 90
        self.assertTrue(0.5 <= share <= 0.85, "web2 share %.2f, want ~2/3: %s" % (share, seen))
        # Back to the file (rr, TCP_CHECKs): the API's changes are kept in
        # lvs1's state file (they survive reloads); without it, the file rules.
        os.remove("%s/lvs1-state.json" % self.run_dir)
        r = self.ctl("lvs1", "reload")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        listing = self.ctl_list("lvs1")
        self.assertIn("%s:80 rr" % VIP, listing)
        self.assertIn("TCP  %s:80" % VIP, listing)
        self.assertRegex(listing, r"%s:80 +Route +1 " % WEB1)
        # rr ignores weights (1 and 2 in the file): the ring, and so the
        # listing, gives each server 1.
        self.assertRegex(listing, r"%s:80 +Route +1 " % WEB2)

        # The status page, inside lvs1's namespace, shows the same servers.
        page = self.in_ns("lvs1", "curl", "-s", "--max-time", "5", "http://127.0.0.1:8080/")
        self.assertIn(WEB2, page.stdout)
        metrics = self.in_ns("lvs1", "curl", "-s", "--max-time", "5",
                             "http://127.0.0.1:8080/metrics")
        self.assertIn(VIP, metrics.stdout)

        # web2's server stops: TCP_CHECK takes it out, web1 gets everything.
        for pid in self.ns["web2"].pids():
            subprocess.run(["kill", str(pid)])
        harness.wait_for(lambda: "health=down" in self.ctl_list("lvs1").split(WEB2 + ":80")[1],
                         "lvs1's health check to take web2 down", 60, 0.5)
        table = subprocess.run([REGION, "table", "%s/lvs1-table" % self.run_dir],
                               capture_output=True, text=True).stdout
        self.assertRegex(table, r"%s:80 .* down " % WEB2)
        self.assertEqual(self.curls(10), collections.Counter({WEB1: 10}))

        # lvs1 dies (SIGKILL, then its link goes down, as a lost machine):
        # lvs2's master-down timer fires, it takes the VIP and its dataplane
        # carries the traffic.
        for part in ("dataplane", "control"):
            with open("%s/lvs1-%s.pid" % (self.run_dir, part)) as f:
                subprocess.run(["kill", "-9", f.read().strip()])
        self.ns["lvs1"].down("eth0")
        harness.wait_for(lambda: "MASTER" in self.ctl("lvs2", "vrrp").stdout,
                         "lvs2 to become MASTER", 30, 0.5)
        harness.wait_for(lambda: self.curl() == WEB1, "the VIP to answer through lvs2", 30, 0.5)
        self.assertEqual(self.curls(10), collections.Counter({WEB1: 10}))
        with open("%s/lvs2-dataplane.log" % self.run_dir) as f:
            self.assertIn("XDP steers 2 VIP keys", f.read())

    def test_a_drain_lasts_across_restarts_and_holds_on_the_other_scheduler(self):
        # One dsrlbctl command drains web2 on both schedulers (each named by
        # its socket); each keeps it in its state file.
        socks = ["--socket", "%s/lvs1-control.sock" % self.run_dir,
                 "--socket", "%s/lvs2-control.sock" % self.run_dir]
        r = subprocess.run([CTL] + socks + ["drain", "-t", VIP + ":80", "-r", WEB2],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for lvs in ("lvs1", "lvs2"):
            self.assertIn("state=draining", self.ctl_list(lvs).split(WEB2 + ":80")[1])
        harness.wait_for(lambda: self.curls(4) == collections.Counter({WEB1: 4}),
                         "the drained table in force on lvs1", 30, 0.5)
        self.assertEqual(self.curls(30), collections.Counter({WEB1: 30}))

        # lvs1 stops: lvs2 is master, and no new connection reaches web2.
        r = self.cluster("stop", self.prefix, "lvs1")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        harness.wait_for(lambda: "MASTER" in self.ctl("lvs2", "vrrp").stdout,
                         "lvs2 to become MASTER", 30, 0.5)
        harness.wait_for(lambda: self.curl() is not None, "the VIP through lvs2", 30, 0.5)
        self.assertEqual(self.curls(30), collections.Counter({WEB1: 30}))

        # lvs1 comes back (a new dsrlb-control, which reads its state file)
        # and preempts: the drain holds there too.
        r = self.cluster("start", self.prefix, "lvs1")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("state=draining", self.ctl_list("lvs1").split(WEB2 + ":80")[1])
        harness.wait_for(lambda: "MASTER" in self.ctl("lvs1", "vrrp").stdout,
                         "lvs1 to preempt", 30, 0.5)
        harness.wait_for(lambda: self.curl() is not None, "the VIP through lvs1", 30, 0.5)
        self.assertEqual(self.curls(30), collections.Counter({WEB1: 30}))

        # Undrained on both: web2 takes new connections again.
        r = subprocess.run([CTL] + socks + ["undrain", "-t", VIP + ":80", "-r", WEB2],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        harness.wait_for(lambda: self.curls(10)[WEB2] > 0, "web2 back in the ring", 30, 0.5)


if __name__ == "__main__":
    harness.main()
