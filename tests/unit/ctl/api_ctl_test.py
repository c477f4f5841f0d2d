"""dsrlbctl against a real dsrlb-control: the ipvsadm -Ln shaped listing,
each command, and the exit codes scripts rely on (0 ok, 1 server-side
error, 2 usage, 3 cannot connect)."""
import os
import re
import subprocess
import threading
import time
import unittest

import api_harness as h

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
        self.assertEqual(self.ok("list", "-n"),
            "IP Virtual Server version 1.2.1 (size=4096)\n"
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
