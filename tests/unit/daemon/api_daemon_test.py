"""dsrlb-control as a keepalived.conf user runs it: --check, start-up with
a file, SIGHUP and ReloadConfig (health kept, bad files refused with the
state untouched), VRRP VIPs, the socket's mode, TLS-only TCP and clear
start-up errors."""
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

import api_harness as h

import grpc

MACS = {"10.3.0.2": "02:00:0a:03:00:02", "10.3.0.3": "02:00:0a:03:00:03"}

CONF = """
global_defs {
    router_id lvs1
}
vrrp_instance VI_1 {
    state MASTER
    interface lo
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.5.20
    }
}
virtual_server 192.168.5.15 80 {
    delay_loop 6
    lb_algo wrr
    lb_kind DR
    protocol TCP
    real_server 10.3.0.2 80 {
        weight 1
    }
    real_server 10.3.0.3 80 {
        weight %(web2_weight)d
    }
}
virtual_server 192.168.5.20 443 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.3.0.2 443 {
        weight 1
    }
}
"""


class DaemonTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dsrlb-api-d-%d-" % os.getpid())
        cls.pb, cls.pb_grpc = h.generate_stubs(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        # Each test starts from its file alone, not an earlier test's changes.
        for name in os.listdir(self.tmp.name):
            if name.endswith(".state"):
                os.remove(os.path.join(self.tmp.name, name))

    def write_conf(self, name="keepalived.conf", web2_weight=2, text=None):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text if text is not None else CONF % {"web2_weight": web2_weight})
        return path

    def start(self, *args):
        d = h.Daemon(extra_args=args, static_neighbors=MACS)
        self.addCleanup(d.stop)
        channel = grpc.insecure_channel("unix:" + d.socket)
        self.addCleanup(channel.close)
        grpc.channel_ready_future(channel).result(timeout=20)
        return d, self.pb_grpc.DsrlbStub(channel)

    def listing(self, stub):
        return stub.ListVirtualServers(self.pb.ListVirtualServersRequest())

    def weights(self, stub):
        return {(v.key.port, r.key.address): r.weight
                for v in self.listing(stub).virtual_servers for r in v.real_servers}

    def test_check_prints_summary_and_exits_0(self):
        r = subprocess.run([h.CONTROL, "--check", "--config", self.write_conf()],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("OK", r.stdout)
        self.assertIn("192.168.5.15:80", r.stdout)

    def test_check_of_broken_file_names_file_and_line(self):
        path = self.write_conf("broken.conf", text="virtual_server 192.168.5.15 80 {\n"
                               "    lb_algo fastest\n}\n")
        r = subprocess.run([h.CONTROL, "--check", "--config", path],
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("broken.conf:2", r.stderr)

    def test_check_names_every_error_of_the_file_in_one_run(self):
        path = self.write_conf("three.conf", text="global_defs {\n  router_idd x\n}\n"
                               "virtual_server 192.168.5.15 80 {\n    lb_algo fastest\n"
                               "    lb_kind DR\n    real_server 192.168.5.16 80 {\n"
                               "        weight 70000\n    }\n}\n")
        r = subprocess.run([h.CONTROL, "--check", "--config", path],
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        for where in ("three.conf:2:3: unknown keyword 'router_idd'",
                      "three.conf:5:13:", "three.conf:8:16: 'weight'"):
            self.assertIn(where, r.stderr)

    def test_start_with_broken_config_is_fatal_with_reason(self):
        path = self.write_conf("broken.conf", text="virtual_server 1.2.3.4 80 {\n  bogus 1\n}\n")
        d = tempfile.mkdtemp(prefix="dsrlb-api-x-", dir="/dev/shm")
        try:
            r = subprocess.run([h.CONTROL, "--config", path, "--socket", d + "/s",
                                "--table-region", d + "/t"],
                               capture_output=True, text=True, timeout=30)
        finally:
            subprocess.run(["rm", "-rf", d])
        self.assertEqual(r.returncode, 1)
        self.assertIn("broken.conf:2", r.stderr)

    def test_config_servers_are_served_and_vrrp_vips_wait_for_master(self):
        d, stub = self.start("--config", self.write_conf())
        vs = {v.key.port: v for v in self.listing(stub).virtual_servers}
        self.assertEqual(sorted(vs), [80, 443])
        self.assertTrue(vs[80].active)
        self.assertFalse(vs[443].active)  # VI_1 owns 192.168.5.20
        self.assertEqual(vs[443].scheduler, self.pb.SCHEDULER_RR)
        vrrp = stub.GetVrrpState(self.pb.GetVrrpStateRequest()).instances
        self.assertEqual([(i.name, i.virtual_router_id, list(i.virtual_addresses))
                          for i in vrrp], [("VI_1", 51, ["192.168.5.20"])])
        region = h.wait_for(lambda: d.region()["vips"] or None, "the first table")
        self.assertEqual([(v["port"], v["active"]) for v in region],
                         [(80, True), (443, False)])

    def test_sighup_and_reload_rpc_reread_the_file_keeping_drain(self):
        path = self.write_conf()
        d, stub = self.start("--config", path)
        vk = self.pb.VirtualServerKey(address="192.168.5.15", port=80,
                                      protocol=self.pb.PROTOCOL_TCP)
        stub.Drain(self.pb.DrainRequest(virtual_server=vk, drain=True,
                                        real_server=self.pb.RealServerKey(
                                            address="10.3.0.2", port=80)))
        self.write_conf(web2_weight=5)
        d.proc.send_signal(signal.SIGHUP)
        h.wait_for(lambda: self.weights(stub)[(80, "10.3.0.3")] == 5, "SIGHUP reload")
        rs = self.listing(stub).virtual_servers[0].real_servers[0]
        self.assertTrue(rs.draining, "drain survives a reload")
        self.write_conf(web2_weight=7)
        r = stub.ReloadConfig(self.pb.ReloadConfigRequest())
        self.assertEqual((r.virtual_servers, r.real_servers), (2, 3))
        self.assertEqual(self.weights(stub)[(80, "10.3.0.3")], 7)

    def test_bad_file_on_reload_keeps_running_state(self):
        path = self.write_conf()
        d, stub = self.start("--config", path)
        before = self.listing(stub)
        self.write_conf(text="virtual_server 192.168.5.15 80 {\n  lb_algo nope\n}\n")
        with self.assertRaises(grpc.RpcError) as e:
            stub.ReloadConfig(self.pb.ReloadConfigRequest())
        self.assertEqual(e.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("keepalived.conf:2", e.exception.details())
        d.proc.send_signal(signal.SIGHUP)
        h.wait_for(lambda: "reload failed" in d.output(), "the SIGHUP reload to fail")
        self.assertIsNone(d.proc.poll())
        self.assertEqual(self.listing(stub).virtual_servers, before.virtual_servers)

    def test_socket_is_private_to_its_owner(self):
        d, _ = self.start()
        self.assertEqual(os.stat(d.socket).st_mode & 0o777, 0o600)

    def test_second_daemon_on_the_same_socket_refuses_to_start(self):
        d, _ = self.start()
        r = subprocess.run([h.CONTROL, "--socket", d.socket, "--table-region",
                            os.path.join(d.dir, "table2")],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("another dsrlb-control", r.stderr)

    def test_second_writer_of_a_table_region_is_refused_with_its_pid(self):
        d, stub = self.start()
        r = subprocess.run([h.CONTROL, "--socket", os.path.join(d.dir, "other.sock"),
                            "--table-region", d.table],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("pid %d" % d.proc.pid, r.stderr)
        self.assertIn(d.table, r.stderr)
        # The first one still serves, its region untouched.
        self.assertEqual(len(self.listing(stub).virtual_servers), 0)

    def test_operator_changes_survive_a_restart_of_the_control_plane(self):
        conf = self.write_conf()
        d, stub = self.start("--config", conf)
        self.assertEqual(d.ctl("drain", "-t", "192.168.5.15:80", "-r", "10.3.0.2:80").returncode, 0)
        self.assertEqual(d.ctl("weight", "-t", "192.168.5.15:80", "-r", "10.3.0.3", "-w", "7").returncode, 0)
        self.assertEqual(d.ctl("add", "vs", "-t", "192.168.5.30:80", "-s", "rr").returncode, 0)
        self.assertEqual(d.ctl("add", "rs", "-t", "192.168.5.30:80", "-r", "10.3.0.2").returncode, 0)
        self.assertEqual(d.ctl("remove", "vs", "-t", "192.168.5.20:443").returncode, 0)
        self.assertEqual(d.ctl("edit", "vs", "-t", "192.168.5.15:80", "-p", "60").returncode, 0)
        before = d.ctl("list", "--details").stdout
        d.stop()
        with open(conf + ".state") as f:
            saved = json.load(f)  # a file an operator can read
        self.assertEqual(saved["version"], 1)
        d2, stub2 = self.start("--config", conf)
        after = d2.ctl("list", "--details").stdout
        self.assertEqual(after, before)
        self.assertIn("state=draining", after)
        self.assertIn("192.168.5.30:80 rr", after)
        self.assertNotIn("192.168.5.20:443", after)
        self.assertIn("operator changes from %s.state: 6 applied, 0 no longer apply" % conf,
                      d2.output())

    def test_operator_changes_hold_across_reload_and_stale_ones_are_logged(self):
        conf = self.write_conf()
        d, stub = self.start("--config", conf)
        self.assertEqual(d.ctl("drain", "-t", "192.168.5.15:80", "-r", "10.3.0.2:80").returncode, 0)
        self.assertEqual(d.ctl("weight", "-t", "192.168.5.20:443", "-r", "10.3.0.2:443", "-w", "4").returncode, 0)
        # The file loses 192.168.5.20:443: the drain holds, the weight is
        # logged as no longer applying (and kept, should the server return).
        with open(conf, "w") as f:
            f.write(CONF.split("virtual_server 192.168.5.20 443")[0] % {"web2_weight": 2})
        self.assertEqual(d.ctl("reload").returncode, 0)
        listing = d.ctl("list", "--details").stdout
        self.assertIn("state=draining", listing)
        self.assertIn("not applied: real_server 10.3.0.2:443 of TCP 192.168.5.20:443", d.output())
        # Deleting the state file and reloading returns to the configuration.
        os.remove(conf + ".state")
        self.assertEqual(d.ctl("reload").returncode, 0)
        self.assertNotIn("state=draining", d.ctl("list", "--details").stdout)

    def test_a_broken_state_file_is_refused_naming_it(self):
        conf = self.write_conf()
        with open(conf + ".state", "w") as f:
            f.write("{ not json")
        r = subprocess.run([h.CONTROL, "--config", conf, "--socket",
                            os.path.join(self.tmp.name, "broken.sock"),
                            "--table-region", os.path.join(self.tmp.name, "broken-table")],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("state file %s.state: not JSON" % conf, r.stderr)

    def test_tcp_without_tls_is_a_startup_error(self):
        r = subprocess.run([h.CONTROL, "--listen", "127.0.0.1:0"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--tls-cert", r.stderr)

    def test_bad_flags_are_usage_errors(self):
        for args in (["--ring-size", "65536"], ["--hash-seed", "x"], ["--frob"],
                     ["--static-neighbor", "1.2.3.4"], ["--check"]):
            with self.subTest(args=args):
                r = subprocess.run([h.CONTROL] + args, capture_output=True, text=True)
                self.assertEqual(r.returncode, 2)
                self.assertIn(args[0], r.stderr)

    def test_tls_listener_serves_tls_clients_only(self):
        key, cert = (os.path.join(self.tmp.name, n) for n in ("key.pem", "cert.pem"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "1", "-subj",
                        "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        d, _ = self.start("--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key)
        port = int(h.wait_for(lambda: re.search(r"TLS API on port (\d+)", d.output()),
                              "the TLS port").group(1))
        with open(cert, "rb") as f:
            creds = grpc.ssl_channel_credentials(root_certificates=f.read())
        with grpc.secure_channel("127.0.0.1:%d" % port, creds) as ch:
            stub = self.pb_grpc.DsrlbStub(ch)
            self.assertEqual(len(stub.ListVirtualServers(
                self.pb.ListVirtualServersRequest(), timeout=10).virtual_servers), 0)
        with grpc.insecure_channel("127.0.0.1:%d" % port) as ch:
            with self.assertRaises(grpc.RpcError) as e:
                self.pb_grpc.DsrlbStub(ch).ListVirtualServers(
                    self.pb.ListVirtualServersRequest(), timeout=3)
            self.assertEqual(e.exception.code(), grpc.StatusCode.UNAVAILABLE)
        r = d.ctl("list")  # the UNIX socket still serves alongside
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_status_page_and_metrics_show_the_configured_servers(self):
        d, stub = self.start("--config", self.write_conf(),
                             "--status-listen", "127.0.0.1:0")
        m = h.wait_for(lambda: re.search(r"status page http://127\.0\.0\.1:(\d+)/",
                                         d.output()), "the status page's address")
        base = "http://127.0.0.1:%s" % m.group(1)
        with urllib.request.urlopen(base + "/", timeout=10) as r:
            self.assertEqual(r.status, 200)
            page = r.read().decode()
        self.assertIn("192.168.5.15", page)
        self.assertIn("10.3.0.3", page)
        self.assertIn("lvs1", page)  # router_id from global_defs
        with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
            metrics = r.read().decode()
        self.assertRegex(metrics, r'192\.168\.5\.15.*10\.3\.0\.3')
        # A reload is visible on the page as it is to the API.
        self.write_conf(web2_weight=7)
        d.proc.send_signal(signal.SIGHUP)
        h.wait_for(lambda: self.weights(stub)[(80, "10.3.0.3")] == 7, "the reload")
        with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
            metrics = r.read().decode()
        self.assertRegex(metrics, r'weight\{[^}]*10\.3\.0\.3[^}]*\} 7')

    def test_bad_status_listen_is_a_usage_error(self):
        r = subprocess.run([h.CONTROL, "--status-listen", "8080"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--status-listen 8080: want HOST:PORT", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
