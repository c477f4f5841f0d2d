"""`dsrlbctl rings` and the ring fingerprint of `list --details` against
real dsrlb-controls: two schedulers given the same servers in another order
(so other table records) agree; a weight, a drain or another hash seed on
one of them makes them differ, named on stderr with exit 1.
Usage: rings_ctl_test.py DSRLB_CONTROL DSRLBCTL DSRLB_REGION PROTO
[unittest options]."""
import re
import subprocess
import unittest

import api_harness as h

MACS = {"10.2.0.2": "02:00:0a:02:00:02", "10.2.0.3": "02:00:0a:02:00:03",
        "10.2.0.4": "02:00:0a:02:00:04"}
VS = "192.168.4.15:80"
SERVERS = [("10.2.0.2:80", "1"), ("10.2.0.3:80", "2"), ("10.2.0.4:80", "3")]


class RingsTest(unittest.TestCase):
    def start(self, *args):
        d = h.Daemon(extra_args=args, static_neighbors=MACS)
        self.addCleanup(d.stop)
        return d

    def ok(self, d, *args):
        r = d.ctl(*args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def serve(self, d, servers):
        self.ok(d, "add", "vs", "-t", VS, "-s", "wrr")
        for rs, w in servers:
            self.ok(d, "add", "rs", "-t", VS, "-r", rs, "-w", w)

    def rings(self, a, b):
        return subprocess.run([h.CTL, "--socket", a.socket, "--socket", b.socket, "rings"],
                              capture_output=True, text=True, timeout=30)

    def fingerprint(self, d):
        m = re.search(r"^TCP  %s wrr ring=([0-9a-f]{16})$" % VS,
                      self.ok(d, "list", "--details"), re.M)
        self.assertIsNotNone(m)
        return m.group(1)

    def settled(self, a, b):
        """`rings` once both tables are published (the API answers from the
        table in force)."""
        return h.wait_for(lambda: (lambda r: r if r.returncode == 0 else None)(
            self.rings(a, b)), "the same rings")

    def test_same_servers_in_another_order_give_the_same_ring(self):
        a, b = self.start(), self.start()
        self.serve(a, SERVERS)
        self.serve(b, list(reversed(SERVERS)))
        r = self.settled(a, b)
        self.assertEqual(r.stderr, "")
        fp = self.fingerprint(a)
        self.assertNotEqual(fp, "0" * 16)
        self.assertEqual(self.fingerprint(b), fp)
        self.assertEqual(r.stdout,
                         "[1] unix:%s\n[2] unix:%s\nTCP %s%s same %s\n"
                         % (a.socket, b.socket, VS, " " * (29 - len(VS)), fp))

    def test_a_weight_or_drain_on_one_scheduler_shows_as_a_difference(self):
        a, b = self.start(), self.start()
        self.serve(a, SERVERS)
        self.serve(b, SERVERS)
        self.settled(a, b)
        same = self.fingerprint(a)
        self.ok(b, "weight", "-t", VS, "-r", "10.2.0.3:80", "-w", "5")
        r = h.wait_for(lambda: (lambda r: r if r.returncode == 1 else None)(
            self.rings(a, b)), "the rings to differ")
        self.assertIn("DIFFER [1] %s [2] " % same, r.stdout)
        self.assertEqual(r.stderr, "dsrlbctl: the schedulers' rings differ for TCP %s\n" % VS)
        self.ok(b, "weight", "-t", VS, "-r", "10.2.0.3:80", "-w", "2")
        self.settled(a, b)
        self.assertEqual(self.fingerprint(b), same)  # back to the same ring
        self.ok(b, "drain", "-t", VS, "-r", "10.2.0.4:80")
        h.wait_for(lambda: self.rings(a, b).returncode == 1, "a drain to differ")

    def test_another_hash_seed_gives_another_fingerprint(self):
        a, b = self.start(), self.start("--hash-seed", "7")
        self.serve(a, SERVERS)
        self.serve(b, SERVERS)
        h.wait_for(lambda: self.rings(a, b).returncode == 1, "the seeds to differ")
        self.assertNotEqual(self.fingerprint(a), self.fingerprint(b))

    def test_a_scheduler_without_the_service_differs(self):
        a, b = self.start(), self.start()
        self.serve(a, SERVERS)
        r = self.rings(a, b)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"DIFFER \[1\] [0-9a-f]{16} \[2\] -\n")


if __name__ == "__main__":
    unittest.main()
