"""The whole product on one machine, as the seed's case 2 runs it: a client,
two schedulers (dsrlb-control + dsrlb-dataplane in xdp mode, lvs1 MASTER,
lvs2 BACKUP) and two web servers (weights 1 and 2) in network namespaces
(scripts/cluster.sh). Curls to the VIP, dsrlbctl, the region decoder, the
status page, a failing real server and a failing scheduler.
Usage: cluster_test.py SCRIPTS_DIR BUILD_DIR (root; exit 77 = skipped)."""
import collections
import os
import subprocess
import sys
import time
import unittest

SCRIPTS, BUILD = sys.argv[1], sys.argv[2]
# netns.sh names host-side veths PREFIX-client: 15 characters at most.
PREFIX = "d%d" % (os.getpid() % 100000)
RUN = "/dev/shm/%s-run" % PREFIX
VIP = "192.168.4.15"
WEB1, WEB2 = "192.168.4.100", "192.168.4.200"


def cluster(*args):
    env = dict(os.environ, DSRLB_BUILD=BUILD, DSRLB_STATUS_LISTEN="127.0.0.1:8080")
    return subprocess.run([os.path.join(SCRIPTS, "cluster.sh")] + list(args),
                          env=env, capture_output=True, text=True, timeout=180)


def in_ns(host, *cmd, timeout=30):
    return subprocess.run(["ip", "netns", "exec", "%s-%s" % (PREFIX, host)] + list(cmd),
                          capture_output=True, text=True, timeout=timeout)


def curl(url="http://%s/" % VIP):
    """One new TCP connection from the client; the answering server's IP."""
    r = in_ns("client", "curl", "-s", "--max-time", "2", url)
    return r.stdout.strip() if r.returncode == 0 else None


def curls(n):
    return collections.Counter(curl() for _ in range(n))


def ctl_list(lvs):
    r = in_ns(lvs, os.path.join(BUILD, "controlplane/ctl/dsrlbctl"), "--socket",
              "%s/%s-control.sock" % (RUN, lvs), "list", "--details")
    return r.stdout + r.stderr


def wait_for(predicate, what, timeout=60):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.5)


class ClusterTest(unittest.TestCase):
    def setUp(self):
        self.addCleanup(self.tear_down)
        r = cluster("up", PREFIX)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # lvs1 becomes MASTER (master down timer, about 3 s) and takes the VIP.
        wait_for(lambda: curl() is not None, "the VIP to answer through lvs1")

    def tear_down(self):
        # The daemons' logs, for a failure's reader (meson shows them then).
        for name in sorted(os.listdir(RUN)) if os.path.isdir(RUN) else []:
            if name.endswith(".log"):
                with open(os.path.join(RUN, name)) as f:
                    sys.stderr.write("--- %s\n%s" % (name, f.read()[-3000:]))
        r = cluster("down", PREFIX)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_cluster_balances_checks_health_and_fails_over(self):
        # Every curl is a new connection. The seed says "lb_algo rr", and LVS
        # rr ignores weights (1 and 2 here): both servers share evenly.
        seen = curls(90)
        self.assertEqual(seen[None], 0, seen)
        share = seen[WEB2] / 90
        self.assertTrue(0.3 <= share <= 0.7, "web2 share %.2f, want ~1/2: %s"
                        % (share, seen))

        # With wrr (set over the API) the weights count: web2 gets ~2/3.
        ctl = [os.path.join(BUILD, "controlplane/ctl/dsrlbctl"), "--socket",
               "%s/lvs1-control.sock" % RUN]
        vs = ["-t", VIP + ":80"]
        for cmd in (["remove", "vs"] + vs, ["add", "vs"] + vs + ["-s", "wrr"],
                    ["add", "rs"] + vs + ["-r", WEB1 + ":80", "-w", "1"],
                    ["add", "rs"] + vs + ["-r", WEB2 + ":80", "-w", "2"]):
            r = in_ns("lvs1", *(ctl + cmd))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        wait_for(lambda: curl() is not None, "the wrr table to answer")
        seen = curls(90)
        self.assertEqual(seen[None], 0, seen)
        share = seen[WEB2] / 90
        self.assertTrue(0.5 <= share <= 0.85, "web2 share %.2f, want ~2/3: %s"
                        % (share, seen))
        # Back to the file (rr, TCP_CHECKs).
        r = in_ns("lvs1", *(ctl + ["reload"]))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        listing = ctl_list("lvs1")
        self.assertIn("%s:80 rr" % VIP, listing)
        self.assertIn("TCP  %s:80" % VIP, listing)
        self.assertRegex(listing, r"%s:80 +Route +1 " % WEB1)
        self.assertRegex(listing, r"%s:80 +Route +2 " % WEB2)

        # The status page, inside lvs1's namespace, shows the same servers.
        page = in_ns("lvs1", "curl", "-s", "--max-time", "5", "http://127.0.0.1:8080/")
        self.assertIn(WEB2, page.stdout)
        metrics = in_ns("lvs1", "curl", "-s", "--max-time", "5",
                        "http://127.0.0.1:8080/metrics")
        self.assertIn(VIP, metrics.stdout)

        # web2's server stops: TCP_CHECK takes it out, web1 gets everything.
        for pid in subprocess.run(["ip", "netns", "pids", PREFIX + "-web2"],
                                  capture_output=True, text=True).stdout.split():
            subprocess.run(["kill", pid])
        wait_for(lambda: "health=down" in ctl_list("lvs1").split(WEB2 + ":80")[1],
                 "lvs1's health check to take web2 down")
        table = subprocess.run(
            [os.path.join(BUILD, "controlplane/tools/dsrlb-region"), "table",
             "%s/lvs1-table" % RUN], capture_output=True, text=True).stdout
        self.assertRegex(table, r"%s:80 .* down " % WEB2)
        self.assertEqual(curls(10), collections.Counter({WEB1: 10}))

        # lvs1 dies (SIGKILL, then its link goes down, as a lost machine):
        # lvs2's master-down timer fires, it takes the VIP and its dataplane
        # carries the traffic.
        for part in ("dataplane", "control"):
            with open("%s/lvs1-%s.pid" % (RUN, part)) as f:
                subprocess.run(["kill", "-9", f.read().strip()])
        subprocess.run(["ip", "-n", PREFIX + "-lvs1", "link", "set", "eth0", "down"],
                       check=True)
        wait_for(lambda: "MASTER" in in_ns(
            "lvs2", os.path.join(BUILD, "controlplane/ctl/dsrlbctl"), "--socket",
            "%s/lvs2-control.sock" % RUN, "vrrp").stdout, "lvs2 to become MASTER", 30)
        wait_for(lambda: curl() == WEB1, "the VIP to answer through lvs2", 30)
        self.assertEqual(curls(10), collections.Counter({WEB1: 10}))
        with open("%s/lvs2-dataplane.log" % RUN) as f:
            self.assertIn("XDP steers 2 VIP keys", f.read())


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (network namespaces, XDP)")
        sys.exit(77)
    unittest.main(argv=sys.argv[:1], verbosity=2)
