"""keepalived's virtual-server quorum in a real dsrlb-control, as a user
meets it: MISC_CHECK scripts whose exit codes the test sets, quorum_up /
quorum_down scripts that leave files behind, the sorry server in the
published table (dsrlb-region), the quorum state and misc_dynamic's weight
through the API and `dsrlbctl`, and omega's scripts on SIGTERM."""
import os
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import api_harness as h

import grpc

MACS = {"10.3.0.2": "02:00:0a:03:00:02", "10.3.0.3": "02:00:0a:03:00:03",
        "10.3.0.9": "02:00:0a:03:00:09"}

# Two weight-1 servers, quorum 2 (the repro), a sorry server.
CONF = """
virtual_server 192.168.5.15 80 {
    delay_loop 0.1
    lb_algo wrr
    lb_kind DR
    protocol TCP
    omega
    quorum 2
    quorum_up "echo up >> %(dir)s/quorum.log"
    quorum_down "echo down >> %(dir)s/quorum.log"
    sorry_server 10.3.0.9 80
    real_server 10.3.0.2 80 {
        weight 1
        notify_down "touch %(dir)s/web1_down"
        MISC_CHECK {
            misc_path "exit $(cat %(dir)s/web1)"
            retry 0
        }
    }
    real_server 10.3.0.3 80 {
        weight 1
        MISC_CHECK {
            misc_path "exit $(cat %(dir)s/web2)"
            retry 0
        }
    }
}
virtual_server 192.168.5.15 8080 {
    delay_loop 0.1
    lb_algo wrr
    lb_kind DR
    protocol TCP
    real_server 10.3.0.2 8080 {
        weight 10
        MISC_CHECK {
            misc_path "exit 5"
            misc_dynamic
        }
    }
}
"""


class QuorumDaemonTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dsrlb-quorum-%d-" % os.getpid())
        cls.pb, cls.pb_grpc = h.generate_stubs(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=self.tmp.name)
        self.set_exit("web1", 0)
        self.set_exit("web2", 0)
        self.conf = os.path.join(self.dir, "keepalived.conf")
        with open(self.conf, "w") as f:
            f.write(CONF % {"dir": self.dir})
        self.d = h.Daemon(extra_args=["--config", self.conf, "--state-file", ""],
                          static_neighbors=MACS)
        self.addCleanup(self.d.stop)
        channel = grpc.insecure_channel("unix:" + self.d.socket)
        self.addCleanup(channel.close)
        grpc.channel_ready_future(channel).result(timeout=20)
        self.stub = self.pb_grpc.DsrlbStub(channel)

    def set_exit(self, name, code):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write("%d\n" % code)

    def quorum_log(self):
        try:
            with open(os.path.join(self.dir, "quorum.log")) as f:
                return f.read().split()
        except FileNotFoundError:
            return []

    def vs(self, port):
        for v in self.stub.ListVirtualServers(
                self.pb.ListVirtualServersRequest()).virtual_servers:
            if v.key.port == port:
                return v
        raise AssertionError("no virtual server on port %d" % port)

    def table(self, port):
        """address -> backend record of the published table."""
        for v in self.d.region()["vips"]:
            if v["port"] == port:
                return {b["address"]: b for b in v["backends"]}
        return {}

    def test_losing_quorum_runs_quorum_down_and_the_sorry_server_takes_over(self):
        # keepalived starts with quorum up and runs quorum_up.
        h.wait_for(lambda: self.quorum_log() == ["up"], "quorum_up at start")
        self.assertTrue(self.vs(80).quorum_up)
        h.wait_for(lambda: self.table(80).get("10.3.0.2", {}).get("state") == "up",
                   "web1 in the ring")
        self.assertEqual(self.table(80)["10.3.0.9"]["state"], "down")
        self.assertEqual(self.table(80)["10.3.0.9"]["ring_slots"], 0)

        self.set_exit("web2", 1)
        h.wait_for(lambda: self.quorum_log() == ["up", "down"], "quorum_down")
        v = h.wait_for(lambda: (lambda v: v if not v.quorum_up else None)(self.vs(80)),
                       "the API to show the quorum lost")
        self.assertEqual(v.live_weight, 1)
        sorry = [r for r in v.real_servers if r.sorry_server]
        self.assertEqual([r.key.address for r in sorry], ["10.3.0.9"])
        t = h.wait_for(lambda: (lambda t: t if t["10.3.0.9"]["state"] == "up" else None)(
            self.table(80)), "the sorry server in the table")
        self.assertEqual(t["10.3.0.9"]["ring_share"], 1.0)
        self.assertEqual(t["10.3.0.2"]["state"], "down")
        self.assertEqual(t["10.3.0.2"]["ring_slots"], 0)

        self.set_exit("web2", 0)
        h.wait_for(lambda: self.quorum_log() == ["up", "down", "up"], "quorum_up again")
        t = h.wait_for(lambda: (lambda t: t if t["10.3.0.9"]["state"] == "down" else None)(
            self.table(80)), "the sorry server out of the table")
        self.assertEqual(t["10.3.0.9"]["ring_slots"], 0)
        self.assertEqual(t["10.3.0.2"]["state"], "up")
        self.assertEqual(t["10.3.0.3"]["state"], "up")

    def test_watch_shows_the_quorum_events(self):
        h.wait_for(lambda: self.quorum_log() == ["up"], "quorum_up at start")
        watch = subprocess.Popen([h.CTL, "--socket", self.d.socket, "watch"],
                                 stdout=subprocess.PIPE, text=True)
        lines = []

        def read():
            for line in watch.stdout:
                lines.append(line)
                if " quorum " in line and "DOWN" in line:
                    return
        reader = threading.Thread(target=read)
        reader.start()
        try:
            # The watcher sees only what happens after it subscribed: keep
            # failing and healing web1 until the line arrives.
            deadline = time.time() + 20
            code = 0
            while reader.is_alive() and time.time() < deadline:
                code = 1 - code
                self.set_exit("web1", code)
                reader.join(0.5)
        finally:
            watch.terminate()
            watch.wait(10)
            reader.join(5)
            watch.stdout.close()
        down = [l for l in lines if " quorum " in l and "DOWN" in l]
        self.assertTrue(down, "".join(lines))
        self.assertRegex(down[0], r"Z quorum TCP 192\.168\.5\.15:80 DOWN: "
                         r"Lost quorum 2-0=2 > 1\n$")

    def test_misc_dynamic_exit_5_is_weight_3_in_the_api_and_the_table(self):
        rs = h.wait_for(lambda: (lambda r: r if r.HasField("check_weight") else None)(
            self.vs(8080).real_servers[0]), "the script's weight")
        self.assertEqual(rs.weight, 10)  # configured
        self.assertEqual(rs.check_weight, 3)
        self.assertEqual(rs.effective_weight, 3)
        h.wait_for(lambda: self.table(8080)["10.3.0.2"]["weight"] == 3,
                   "weight 3 in the published table")
        out = self.d.ctl("list")
        self.assertEqual(out.returncode, 0, out.stderr)
        line = [l for l in out.stdout.splitlines() if "10.3.0.2:8080" in l][0]
        self.assertEqual(line.split()[3], "3", line)

    def test_omega_runs_quorum_down_and_notify_down_on_sigterm(self):
        h.wait_for(lambda: self.quorum_log() == ["up"], "quorum_up at start")
        self.d.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.d.proc.wait(20), 0, self.d.output())
        self.assertEqual(self.quorum_log(), ["up", "down"])
        self.assertTrue(os.path.exists(os.path.join(self.dir, "web1_down")))


if __name__ == "__main__":
    unittest.main()
