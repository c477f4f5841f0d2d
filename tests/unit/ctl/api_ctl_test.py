"""dsrlbctl against a real dsrlb-control: the ipvsadm -Ln shaped listing,
each command, and the exit codes scripts rely on (0 ok, 1 server-side
error, 2 usage, 3 cannot connect); the connection and rate columns from a
stats region written by stats_writer (the dataplane's side of the
contract).
Usage: api_ctl_test.py DSRLB_CONTROL DSRLBCTL DSRLB_REGION PROTO
STATS_WRITER [unittest options]."""
import os
import re
import subprocess
import sys
import threading
import time
import unittest

import api_harness as h

STATS_WRITER = sys.argv.pop(1) if len(sys.argv) > 1 else None
BANNER = re.compile(r"^dsrlb \S+ \(direct routing: DPDK dataplane, Maglev, "
                    r"keepalived\.conf\)\n")

MACS = {"10.2.0.2": "02:00:0a:02:00:02", "10.2.0.3": "02:00:0a:02:00:03"}
VS = "192.168.4.15:80"


class CtlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = h.Daemon(static_neighbors=MACS)

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()

    def ctl(self, *args):
        return self.daemon.ctl(*args)

    def ok(self, *args):
        r = self.ctl(*args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def setUp(self):
        # Start each test from an empty service.
        for line in self.ok("list").splitlines()[3:]:
            if not line.startswith("  ->"):
                proto, addr = line.split()[:2]
                self.ok("remove", "vs", "-t" if proto == "TCP" else "-u", addr)

    def test_list_prints_ipvsadm_shape(self):
        self.ok("add", "vs", "-t", VS, "-s", "wrr")
        self.ok("add", "rs", "-t", VS, "-r", "10.2.0.2:80", "-w", "1")
        self.ok("add", "rs", "-t", VS, "-r", "10.2.0.3:80", "-w", "3")
        self.ok("add", "vs", "-u", "192.168.4.16:53", "-s", "sh", "-p", "300")
        listing = self.ok("list", "-n")
        self.assertRegex(listing, BANNER)
        self.assertEqual(BANNER.sub("", listing),
            "Prot LocalAddress:Port Scheduler Flags\n"
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
            "TCP  192.168.4.15:80 wrr\n"
            "  -> 10.2.0.2:80                  Route   1      0          0         \n"
            "  -> 10.2.0.3:80                  Route   3      0          0         \n"
            "UDP  192.168.4.16:53 sh persistent 300\n")

    def test_list_stats_and_rate_have_ipvsadm_columns(self):
        self.ok("add", "vs", "-t", VS)
        self.ok("add", "rs", "-t", VS, "-r", "10.2.0.2:80")
        stats = self.ok("list", "--stats").splitlines()
        self.assertEqual(stats[1].split(), ["Prot", "LocalAddress:Port", "Conns",
                                            "InPkts", "OutPkts", "InBytes", "OutBytes"])
        self.assertEqual(stats[3].split(), ["TCP", VS, "0", "0", "0", "0", "0"])
        self.assertEqual(stats[4].split(), ["->", "10.2.0.2:80", "0", "0", "0", "0", "0"])
        rate = self.ok("list", "--rate", "--interval", "0.1").splitlines()
        self.assertEqual(rate[1].split()[2:], ["CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"])
        self.assertEqual(rate[3].split(), ["TCP", VS, "0", "0", "0", "0", "0"])

    def writer(self):
        """stats_writer on the daemon's stats region; add(line) feeds it."""
        w = subprocess.Popen([STATS_WRITER, self.daemon.stats], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)

        def close():
            w.stdin.close()
            w.wait(10)
            w.stdout.close()
            os.unlink(self.daemon.stats)  # the next tests see no dataplane
        self.addCleanup(close)

        def add(line):
            w.stdin.write(line + "\n")
            w.stdin.flush()
            self.assertEqual(w.stdout.readline(), "ok\n", line)
        return add

    def test_connection_and_rate_columns_come_from_the_stats_region(self):
        self.ok("add", "vs", "-t", VS, "-s", "wrr")
        self.ok("add", "rs", "-t", VS, "-r", "10.2.0.2:80", "-w", "1")
        self.ok("add", "rs", "-t", VS, "-r", "10.2.0.3:80", "-w", "3")
        vip = self.daemon.region()["vips"][0]
        rec = {b["address"]: b["index"] for b in vip["backends"]}
        add = self.writer()
        # Two lcores: the gauges and counters of each add up.
        add("b 0 %d 5 2 1 100 10000" % rec["10.2.0.2"])
        add("b 1 %d 3 1 0 50 5000" % rec["10.2.0.2"])
        add("b 1 %d 7 0 4 70 7000" % rec["10.2.0.3"])
        add("v 0 %d 220 22000" % vip["index"])
        h.wait_for(lambda: "Route   1      3" in self.ok("list"), "the region to be read")
        self.assertEqual(BANNER.sub("", self.ok("list")).splitlines()[2:], [
            "TCP  192.168.4.15:80 wrr",
            "  -> 10.2.0.2:80                  Route   1      3          1         ",
            "  -> 10.2.0.3:80                  Route   3      0          4         "])
        stats = [l.split() for l in self.ok("list", "--stats").splitlines()[3:]]
        self.assertEqual(stats, [
            ["TCP", VS, "15", "220", "0", "22000", "0"],
            ["->", "10.2.0.2:80", "8", "150", "0", "15000", "0"],
            ["->", "10.2.0.3:80", "7", "70", "0", "7000", "0"]])
        # dsrlb-control's rates (about a second between readings): they
        # move with the counters, and out-of-band columns stay 0 (DSR).
        add("b 0 %d 40 2 1 4000 400000" % rec["10.2.0.2"])

        def web2_rates():
            rows = [l.split() for l in self.ok("list", "--rate").splitlines()[3:]]
            return rows[1] if int(rows[1][2]) > 0 else None
        row = h.wait_for(web2_rates, "CPS of 10.2.0.2 to move")
        self.assertGreater(int(row[3]), 0)  # InPPS
        self.assertEqual(row[4], "0")  # OutPPS
        self.assertGreater(int(row[5]), 0)  # InBPS
        self.assertEqual(row[6], "0")  # OutBPS

    def test_weight_drain_and_details_show_in_list(self):
        self.ok("add", "vs", "-t", VS)
        self.ok("add", "rs", "-t", VS, "-r", "10.2.0.2:80", "-w", "2")
        self.ok("add", "rs", "-t", VS, "-r", "10.2.0.99:80", "-w", "2")
        self.ok("weight", "-t", VS, "-r", "10.2.0.2:80", "-w", "7")
        lines = self.ok("list", "--details").splitlines()
        self.assertIn("Route   7", lines[4])
        self.assertIn("mac=02:00:0a:02:00:02 health=unchecked state=up", lines[4])
        # No MAC for 10.2.0.99: weight 0 and the reason, as the API says.
        self.assertIn("Route   0", lines[5])
        self.assertIn('reason="MAC unknown', lines[5])
        self.ok("drain", "-t", VS, "-r", "10.2.0.2:80")
        self.assertIn("state=draining", self.ok("list", "--details").splitlines()[4])
        self.ok("undrain", "-t", VS, "-r", "10.2.0.2:80")
        self.assertIn("state=up", self.ok("list", "--details").splitlines()[4])
        self.ok("remove", "rs", "-t", VS, "-r", "10.2.0.99:80")
        self.assertEqual(len(self.ok("list").splitlines()), 5)

    def test_server_side_errors_exit_1_with_message(self):
        self.ok("add", "vs", "-t", VS)
        for args, message in [
                (("add", "vs", "-t", VS), "already exists"),
                (("remove", "rs", "-t", VS, "-r", "10.2.0.7:80"), "does not exist"),
                (("add", "rs", "-t", VS, "-r", "10.2.0.300:80"), "real_server.address"),
                (("weight", "-t", VS, "-r", "10.2.0.2:80", "-w", "3"), "does not exist"),
                (("reload",), "--config")]:
            with self.subTest(args=args):
                r = self.ctl(*args)
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertIn(message, r.stderr)

    def test_usage_errors_exit_2(self):
        for args in [(), ("frobnicate",), ("add", "vs"), ("add", "vs", "-t", "1.2.3.4"),
                     ("add", "rs", "-t", VS), ("weight", "-t", VS, "-r", "10.2.0.2:80"),
                     ("add", "vs", "-t", VS, "-s", "lc"), ("add", "pool", "-t", VS),
                     ("add", "vs", "-t", "::1:80"), ("list", "--bogus")]:
            with self.subTest(args=args):
                r = self.ctl(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("usage:", r.stderr)

    def test_no_daemon_exits_3(self):
        r = self.daemon.ctl("list", socket=os.path.join(self.daemon.dir, "absent.sock"))
        self.assertEqual(r.returncode, 3)
        self.assertIn("cannot connect", r.stderr)
        # A usage error is reported as one even with no daemon to ask.
        r = self.daemon.ctl("list", "--bogus",
                            socket=os.path.join(self.daemon.dir, "absent.sock"))
        self.assertEqual(r.returncode, 2)

    def test_counters_and_vrrp(self):
        self.assertIn("dataplane absent (no stats region)", self.ok("counters"))
        self.assertEqual(self.ok("vrrp").split(), ["Name", "State", "VRID", "Prio",
                                                   "Eff", "Interface", "Master", "VIPs"])

    def test_watch_prints_events_as_they_come(self):
        self.ok("add", "vs", "-t", VS)
        self.ok("add", "rs", "-t", VS, "-r", "10.2.0.2:80")
        watch = subprocess.Popen([h.CTL, "--socket", self.daemon.socket, "watch"],
                                 stdout=subprocess.PIPE, text=True)
        lines = []

        def read():
            # Until both an operator's change and a table have shown up.
            for line in watch.stdout:
                lines.append(line)
                text = "".join(lines)
                if "weight " in text and "table generation" in text:
                    return
        reader = threading.Thread(target=read)
        reader.start()
        try:
            weight = 1
            deadline = time.time() + 15
            # The watcher sees only what happens after it subscribed: keep
            # changing the state until the lines arrive.
            while reader.is_alive() and time.time() < deadline:
                weight = 3 - weight
                self.ok("weight", "-t", VS, "-r", "10.2.0.2:80", "-w", str(weight))
                reader.join(0.3)
        finally:
            watch.terminate()
            watch.wait(10)
            reader.join(5)
            watch.stdout.close()
        stamp = r"^\d{4}-\d\d-\d\dT\S+Z "
        self.assertTrue(any(re.match(stamp + r"table generation \d+\n$", l) for l in lines),
                        lines)
        self.assertTrue(any(re.match(
            stamp + r"real_server TCP 192\.168\.4\.15:80 -> 10\.2\.0\.2:80 unchecked: "
            r"weight [12] -> [12]\n$", l) for l in lines), lines)

    def test_api_refuses_what_the_file_refuses_in_the_same_words(self):
        # The parser's message for each rule, read from dsrlb-control --check
        # of a file that breaks it, must be what the API answers.
        self.ok("add", "vs", "-t", VS)
        cases = [
            ("real_server 10.2.0.2 8080 {\n weight 1\n }",
             ("add", "rs", "-t", VS, "-r", "10.2.0.2:8080")),
            ("real_server 2001:db8::2 80 {\n weight 1\n }",
             ("add", "rs", "-t", VS, "-r", "[2001:db8::2]:80")),
            ("real_server 10.2.0.2 80 {\n weight 70000\n }",
             ("add", "rs", "-t", VS, "-r", "10.2.0.2:80", "-w", "70000")),
            ("persistence_timeout 2678401\n real_server 10.2.0.2 80 {\n }",
             ("edit", "vs", "-t", VS, "-p", "2678401")),
        ]
        for body, args in cases:
            with self.subTest(args=args):
                conf = os.path.join(self.daemon.dir, "rule.conf")
                with open(conf, "w") as f:
                    f.write("virtual_server 192.168.4.15 80 {\n lb_kind DR\n"
                            " protocol TCP\n %s\n}\n" % body)
                check = subprocess.run([h.CONTROL, "--check", "--config", conf],
                                       capture_output=True, text=True, timeout=30)
                self.assertNotEqual(check.returncode, 0)
                r = self.ctl(*args)
                self.assertEqual(r.returncode, 1, r.stderr)
                # "dsrlbctl: FIELD: the rule's words"
                field, api_words = r.stderr.strip().split(": ", 2)[1:]
                self.assertIn(field, ("real_server.port", "real_server.address",
                                      "weight", "persistence_timeout_s"))
                self.assertIn(api_words, check.stderr)
        self.assertEqual(len(self.ok("list").splitlines()), 4)  # no server added

    def test_ipvsadm_spellings_g_and_a_real_server_without_port(self):
        self.ok("add", "vs", "-t", VS)
        self.ok("add", "rs", "-t", VS, "-r", "10.2.0.2", "-g", "-w", "2")
        self.assertIn("  -> 10.2.0.2:80                  Route   2",
                      self.ok("list", "-n"))
        self.ok("weight", "-t", VS, "-r", "10.2.0.2", "-w", "5")
        self.assertIn("Route   5", self.ok("list", "-n"))
        for flag in ("-m", "-i"):
            r = self.ctl("add", "rs", "-t", VS, "-r", "10.2.0.3", flag)
            self.assertEqual(r.returncode, 2)
            self.assertIn("direct routing only (-g)", r.stderr)

    def test_edit_vs_changes_scheduler_and_persistence_keeping_servers(self):
        self.ok("add", "vs", "-t", VS, "-s", "wrr")
        self.ok("add", "rs", "-t", VS, "-r", "10.2.0.2:80", "-w", "3")
        self.ok("drain", "-t", VS, "-r", "10.2.0.2:80")
        self.ok("edit", "vs", "-t", VS, "-s", "rr", "-p", "300")
        listing = self.ok("list", "--details").splitlines()
        self.assertEqual(listing[3].split()[:5], ["TCP", VS, "rr", "persistent", "300"])
        self.assertIn("state=draining", listing[4])
        self.ok("undrain", "-t", VS, "-r", "10.2.0.2:80")
        # rr ignores weights: the ring (and so the listing) gives 1.
        self.assertIn("Route   1", self.ok("list").splitlines()[4])
        self.ok("edit", "vs", "-t", VS, "-p", "0")
        self.assertEqual(self.ok("list").splitlines()[3].split(), ["TCP", VS, "rr"])
        self.ok("edit", "vs", "-t", VS, "-s", "wrr")
        self.assertIn("Route   3", self.ok("list").splitlines()[4])
        r = self.ctl("edit", "vs", "-t", "192.168.4.99:80", "-s", "rr")
        self.assertEqual(r.returncode, 1)
        self.assertIn("does not exist", r.stderr)

    def test_every_bad_argument_is_named(self):
        for args, named in [
                (("watch", "extra"), "extra"),
                (("reload", "now"), "now"),
                (("list", "--interval", "0"), "--interval 0"),
                (("list", "--interval"), "--interval"),
                (("edit", "vs", "-t", VS), "-s SCHEDULER"),
                (("edit", "rs", "-t", VS), "edit"),
                (("add", "vs", "-t", VS, "-w", "3"), "-w"),
                (("remove", "vs", "-t", VS, "-r", "10.2.0.2"), "-r"),
                (("add", "rs", "-t", VS, "-r", "10.2.0.2", "-s", "rr"), "-s"),
                (("add", "rs", "-t", VS, "-r", "10.2.0.2", "-p", "5"), "-p"),
                (("add", "rs", "-t", VS, "-r", "10.2.0.2", "-x", "1"), "-x")]:
            with self.subTest(args=args):
                r = self.ctl(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(named, r.stderr.splitlines()[0])

    def test_watch_says_when_the_daemon_goes_away_and_exits_3(self):
        d = h.Daemon(static_neighbors=MACS)
        self.addCleanup(d.stop)
        watch = subprocess.Popen([h.CTL, "--socket", d.socket, "watch"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        d.ctl("add", "vs", "-t", VS)
        d.ctl("add", "rs", "-t", VS, "-r", "10.2.0.2:80")
        first = []
        reader = threading.Thread(target=lambda: first.append(watch.stdout.readline()))
        reader.start()
        # Subscribed once a change shows up on its stream.
        weight, deadline = 1, time.time() + 15
        while reader.is_alive() and time.time() < deadline:
            weight = 3 - weight
            d.ctl("weight", "-t", VS, "-r", "10.2.0.2:80", "-w", str(weight))
            reader.join(0.3)
        self.assertTrue(first and first[0], "watch printed nothing")
        d.stop()
        out, err = watch.communicate(timeout=30)
        self.assertEqual(watch.returncode, 3, err)
        self.assertIn("went away", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
