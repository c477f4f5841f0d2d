"""Capacity as a keepalived user meets it: a generated keepalived.conf of
4,096 virtual servers and 65,535 real servers passes --check, the daemon
starts with it, publishes it, and the API, dsrlbctl and the region list
them all; and for configurations at and past every limit of the table
(virtual servers, real servers, ring entries) --check and the daemon give
the same verdict and the same reason."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import api_harness as h

import grpc

MAX_VS = 65535
MAX_RS = 65535
MAX_RING_ENTRIES = 1 << 29
BIG_PRIME_RING = 1048573  # prime; 512 rings fit 2^29 entries, 513 do not


def vip(i):
    return "10.%d.%d.%d" % (100 + i // 65536, i // 256 % 256, i % 256)


def real_server(n):
    a = (172 << 24) | (16 << 16) | n
    return "%d.%d.%d.%d" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255)


def generated_conf(vs, rs):
    """The same file tests/testutil/generated_config.h writes."""
    out = ["global_defs {\n    router_id capacity\n}\n"]
    n = 1
    for i in range(vs):
        out.append("virtual_server %s 80 {\n    lb_algo wrr\n    lb_kind DR\n"
                   "    protocol TCP\n" % vip(i))
        for _ in range(rs // vs + (1 if i < rs % vs else 0)):
            out.append("    real_server %s 80 {\n        weight 1\n    }\n"
                       % real_server(n))
            n += 1
        out.append("}\n")
    return "".join(out)


class Verdict:
    def __init__(self, ok, reason):
        self.ok, self.reason = ok, reason

    def __repr__(self):
        return "ok" if self.ok else "refused: " + self.reason


def reason_of(stderr):
    lines = [l for l in stderr.splitlines() if l.startswith("dsrlb-control: ")]
    return lines[-1][len("dsrlb-control: "):] if lines else stderr.strip()


class CapacityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dsrlb-cap-%d-" % os.getpid())
        cls.pb, cls.pb_grpc = h.generate_stubs(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def check(self, conf, *args):
        r = subprocess.run([h.CONTROL, "--check", "--config", conf] + list(args),
                           capture_output=True, text=True, timeout=300)
        return Verdict(r.returncode == 0, reason_of(r.stderr)), r

    def daemon(self, conf, *args, timeout=300):
        """Starts dsrlb-control; its verdict: serving, or exited with a reason.
        A serving daemon is stopped at the end of the test."""
        d = tempfile.mkdtemp(prefix="dsrlb-cap-d-", dir="/dev/shm")
        self.addCleanup(shutil.rmtree, d, True)
        sock = os.path.join(d, "s")
        log = open(os.path.join(d, "log"), "w+")
        self.addCleanup(log.close)
        p = subprocess.Popen([h.CONTROL, "--config", conf, "--socket", sock,
                              "--table-region", os.path.join(d, "t"),
                              "--stats-region", os.path.join(d, "st")]
                             + list(args), stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(self.stop, p)
        deadline = time.time() + timeout
        while not os.path.exists(sock) and p.poll() is None:
            self.assertLess(time.time(), deadline, "dsrlb-control neither served "
                            "nor exited")
            time.sleep(0.1)
        p.poll()
        log.seek(0)
        output = log.read()
        if p.returncode is not None:
            return Verdict(False, reason_of(output)), None, d
        return Verdict(True, ""), sock, d

    @staticmethod
    def stop(p):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def agree(self, name, vs, rs, *args):
        conf = self.write(name, generated_conf(vs, rs))
        c, _ = self.check(conf, *args)
        d, sock, _ = self.daemon(conf, *args)
        self.assertEqual(c.ok, d.ok, "%s: --check %r, daemon %r" % (name, c, d))
        self.assertEqual(c.reason if not c.ok else "", d.reason,
                         "%s: different reasons" % name)
        self.sock = sock
        return c

    def test_4096_vs_65535_rs_check_start_publish_and_list_all(self):
        conf = self.write("big.conf", generated_conf(4096, MAX_RS))
        c, r = self.check(conf)
        self.assertTrue(c.ok, r.stderr)
        self.assertIn("OK", r.stdout)
        started = time.time()
        d, sock, _ = self.daemon(conf)
        self.assertTrue(d.ok, d.reason)
        print("start with 4096 VS / 65535 RS: %.1f s" % (time.time() - started))
        channel = grpc.insecure_channel("unix:" + sock,
                                        options=[("grpc.max_receive_message_length",
                                                  256 << 20)])
        self.addCleanup(channel.close)
        stub = self.pb_grpc.DsrlbStub(channel)
        listing = stub.ListVirtualServers(self.pb.ListVirtualServersRequest(),
                                          timeout=120)
        self.assertEqual(len(listing.virtual_servers), 4096)
        self.assertEqual(sum(len(v.real_servers) for v in listing.virtual_servers),
                         MAX_RS)
        self.assertGreater(listing.table_generation, 0)
        self.assertEqual({v.key.address for v in listing.virtual_servers},
                         {vip(i) for i in range(4096)})

        ctl = subprocess.run([h.CTL, "--socket", sock, "list", "-n"],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(ctl.returncode, 0, ctl.stderr)
        lines = ctl.stdout.splitlines()
        self.assertEqual(sum(1 for l in lines if l.startswith("TCP")), 4096)
        self.assertEqual(sum(1 for l in lines if l.startswith("  -> 172.")), MAX_RS)

        one = subprocess.run([h.CTL, "--socket", sock, "list", "-t",
                              vip(4095) + ":80"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(one.returncode, 0, one.stderr)
        self.assertEqual([l for l in one.stdout.splitlines() if l.startswith("TCP")],
                         ["TCP  %s:80 wrr" % vip(4095)])
        # VS 4095 is the one of 15 (4,095 VS have 16: 65,535 = 4,096 x 16 - 1).
        self.assertEqual(sum(1 for l in one.stdout.splitlines()
                             if l.startswith("  -> 172.")), 15)

    def test_check_and_daemon_agree_at_and_past_the_real_server_limit(self):
        self.assertTrue(self.agree("rs-at.conf", 4096, MAX_RS, "--ring-size", "101").ok)
        past = self.agree("rs-past.conf", 4096, MAX_RS + 1, "--ring-size", "101")
        self.assertFalse(past.ok)
        self.assertIn("65536 real servers, the table holds 65535", past.reason)

    def test_check_and_daemon_agree_at_and_past_the_virtual_server_limit(self):
        self.assertTrue(self.agree("vs-at.conf", MAX_VS, MAX_RS, "--ring-size", "101").ok)
        past = self.agree("vs-past.conf", MAX_VS + 1, MAX_RS, "--ring-size", "101")
        self.assertFalse(past.ok)
        self.assertIn("65536 virtual servers, the table holds 65535", past.reason)

    def test_check_and_daemon_agree_at_and_past_the_ring_entry_limit(self):
        n = MAX_RING_ENTRIES // BIG_PRIME_RING
        self.assertEqual(n, 512)
        self.assertTrue(self.agree("ring-at.conf", n, n, "--ring-size",
                                   str(BIG_PRIME_RING)).ok)
        # The API refuses one more virtual server with the same limit.
        channel = grpc.insecure_channel("unix:" + self.sock)
        self.addCleanup(channel.close)
        stub = self.pb_grpc.DsrlbStub(channel)
        key = self.pb.VirtualServerKey(address="192.168.5.15", port=80,
                                       protocol=self.pb.PROTOCOL_TCP)
        with self.assertRaises(grpc.RpcError) as e:
            stub.AddVirtualServer(self.pb.AddVirtualServerRequest(virtual_server=key),
                                  timeout=60)
        self.assertEqual(e.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("--ring-size", e.exception.details())
        self.assertIn("the table holds %d" % MAX_RING_ENTRIES, e.exception.details())
        past = self.agree("ring-past.conf", n + 1, n + 1, "--ring-size",
                          str(BIG_PRIME_RING))
        self.assertFalse(past.ok)
        self.assertIn("the table holds %d" % MAX_RING_ENTRIES, past.reason)

    def test_reload_past_a_limit_is_refused_and_keeps_the_running_table(self):
        conf = self.write("reload.conf", generated_conf(16, 32))
        d, sock, _ = self.daemon(conf, "--ring-size", "101")
        self.assertTrue(d.ok, d.reason)
        channel = grpc.insecure_channel("unix:" + sock)
        self.addCleanup(channel.close)
        stub = self.pb_grpc.DsrlbStub(channel)
        self.write("reload.conf", generated_conf(16, MAX_RS + 1))
        with self.assertRaises(grpc.RpcError) as e:
            stub.ReloadConfig(self.pb.ReloadConfigRequest(), timeout=120)
        self.assertEqual(e.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("65536 real servers", e.exception.details())
        listing = stub.ListVirtualServers(self.pb.ListVirtualServersRequest())
        self.assertEqual(len(listing.virtual_servers), 16)

    def test_reload_removing_one_in_the_middle_keeps_every_other_record(self):
        conf = self.write("middle.conf", generated_conf(16, 32))
        d, sock, ddir = self.daemon(conf, "--ring-size", "101")
        self.assertTrue(d.ok, d.reason)
        table = os.path.join(ddir, "t")

        def records():
            out = subprocess.run([h.REGION, "table", table, "--json"],
                                 capture_output=True, text=True, check=True)
            j = json.loads(out.stdout)
            return j["generation"], {v["address"]: (v["index"],
                                                    [b["index"] for b in v["backends"]])
                                     for v in j["vips"]}

        _, before = records()
        self.assertEqual(len(before), 16)
        text = generated_conf(16, 32)
        middle = "virtual_server %s 80 {" % vip(7)
        start = text.index(middle)
        end = text.index("virtual_server", start + 1)
        self.write("middle.conf", text[:start] + text[end:])
        channel = grpc.insecure_channel("unix:" + sock)
        self.addCleanup(channel.close)
        stub = self.pb_grpc.DsrlbStub(channel)
        stub.ReloadConfig(self.pb.ReloadConfigRequest(), timeout=60)
        h.wait_for(lambda: len(records()[1]) == 15, "the table without VS 7", 60)
        _, after = records()
        self.assertNotIn(vip(7), after)
        for address, (index, backends) in after.items():
            self.assertEqual((index, backends), before[address], address)


if __name__ == "__main__":
    unittest.main(verbosity=2)
