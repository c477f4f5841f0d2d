"""dsrlb-control resolves real-server MACs from the kernel's neighbour
table (netlink) in a private network namespace joined to a "real server"
namespace by a veth pair: a present server gets its MAC into the table, an
absent one stays out of the ring with a reason, and the port MAC is the
--interface's. Needs root (exits 77, meson's skip, otherwise)."""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "unit", "api"))
import api_harness as h  # noqa: E402

import grpc  # noqa: E402

PID = os.getpid()
LB_NS, RS_NS = "dsrlb-api-lb-%d" % PID, "dsrlb-api-rs-%d" % PID
LB_IF, RS_IF = "dal%d" % (PID % 100000), "dar%d" % (PID % 100000)
LB_MAC, RS_MAC = "02:00:0a:4d:00:01", "02:00:0a:4d:00:02"
NEW_RS_MAC = "02:00:0a:4d:00:22"
LB_IP, RS_IP, ABSENT_IP = "10.77.0.1", "10.77.0.2", "10.77.0.9"
VIP = "10.77.0.100"


def sh(*args):
    subprocess.run(args, check=True, capture_output=True)


class NeighborTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dsrlb-api-nb-%d-" % PID)
        cls.pb, cls.pb_grpc = h.generate_stubs(cls.tmp.name)
        try:
            sh("ip", "netns", "add", LB_NS)
            sh("ip", "netns", "add", RS_NS)
            sh("ip", "link", "add", LB_IF, "netns", LB_NS, "address", LB_MAC,
               "type", "veth", "peer", "name", RS_IF, "netns", RS_NS,
               "address", RS_MAC)
            sh("ip", "-n", LB_NS, "addr", "add", LB_IP + "/24", "dev", LB_IF)
            sh("ip", "-n", RS_NS, "addr", "add", RS_IP + "/24", "dev", RS_IF)
            for ns, dev in ((LB_NS, LB_IF), (RS_NS, RS_IF), (LB_NS, "lo"), (RS_NS, "lo")):
                sh("ip", "-n", ns, "link", "set", dev, "up")
            cls.dir = tempfile.mkdtemp(prefix="dsrlb-api-nb-%d-" % PID, dir="/dev/shm")
            cls.socket = os.path.join(cls.dir, "control.sock")
            cls.table = os.path.join(cls.dir, "table")
            cls.log = open(os.path.join(cls.dir, "log"), "w+")
            cls.proc = subprocess.Popen(
                ["ip", "netns", "exec", LB_NS, h.CONTROL, "--interface", LB_IF,
                 "--socket", cls.socket, "--table-region", cls.table,
                 "--stats-region", os.path.join(cls.dir, "stats")],
                stdout=cls.log, stderr=subprocess.STDOUT)
            cls.channel = grpc.insecure_channel("unix:" + cls.socket)
            grpc.channel_ready_future(cls.channel).result(timeout=30)
            cls.stub = cls.pb_grpc.DsrlbStub(cls.channel)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "channel", None):
            cls.channel.close()
        proc = getattr(cls, "proc", None)
        if proc and proc.poll() is None:
            proc.terminate()
            proc.wait(10)
        for ns in (LB_NS, RS_NS):  # the veth pair goes with its namespaces
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        if getattr(cls, "dir", None):
            subprocess.run(["rm", "-rf", cls.dir])
        cls.tmp.cleanup()

    def real_servers(self):
        vs = self.stub.ListVirtualServers(self.pb.ListVirtualServersRequest())
        return {r.key.address: r for v in vs.virtual_servers for r in v.real_servers}

    def test_macs_come_from_the_kernel_neighbour_table(self):
        key = self.pb.VirtualServerKey(address=VIP, port=80,
                                       protocol=self.pb.PROTOCOL_TCP)
        self.stub.AddVirtualServer(self.pb.AddVirtualServerRequest(virtual_server=key))
        for ip in (RS_IP, ABSENT_IP):
            self.stub.AddRealServer(self.pb.AddRealServerRequest(
                virtual_server=key, weight=1,
                real_server=self.pb.RealServerKey(address=ip, port=80)))
        # The daemon solicits the address; the real server answers ARP.
        rs = h.wait_for(lambda: self.real_servers()[RS_IP].mac and self.real_servers(),
                        "the real server's MAC", timeout=20)
        self.assertEqual(rs[RS_IP].mac, RS_MAC)
        self.assertEqual(rs[RS_IP].state, self.pb.BACKEND_STATE_UP)
        # Nobody answers for the absent one: out of the ring, and why.
        absent = h.wait_for(
            lambda: (lambda r: r if "FAILED" in r.reason or "INCOMPLETE" in r.reason
                     else None)(self.real_servers()[ABSENT_IP]),
            "the absent server's neighbour entry to fail", timeout=20)
        self.assertEqual(absent.mac, "")
        self.assertEqual(absent.effective_weight, 0)
        self.assertIn("MAC unknown", absent.reason)
        neigh = subprocess.run(["ip", "-n", LB_NS, "neigh", "show", RS_IP],
                               capture_output=True, text=True).stdout
        self.assertIn(RS_MAC, neigh)

        def table_with_mac():
            t = json.loads(subprocess.run([h.REGION, "table", self.table, "--json"],
                                          capture_output=True, text=True).stdout)
            macs = [b["mac"] for v in t["vips"] for b in v["backends"]]
            return t if RS_MAC in macs else None
        table = h.wait_for(table_with_mac, "the MAC in the table region")
        self.assertEqual(table["port_mac"], LB_MAC)
        backends = {b["address"]: b for b in table["vips"][0]["backends"]}
        self.assertEqual(backends[RS_IP]["ring_share"], 1.0)
        self.assertEqual(backends[ABSENT_IP]["state"], "down")

        # The server's NIC is replaced (new MAC) and the old entry expires:
        # the resolver re-solicits and the table follows.
        sh("ip", "-n", RS_NS, "link", "set", RS_IF, "address", NEW_RS_MAC)
        sh("ip", "-n", LB_NS, "neigh", "flush", "dev", LB_IF)
        rs = h.wait_for(lambda: self.real_servers()[RS_IP].mac == NEW_RS_MAC
                        and self.real_servers(), "the new MAC", timeout=20)
        self.assertEqual(rs[RS_IP].state, self.pb.BACKEND_STATE_UP)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root for network namespaces: skipped")
        sys.exit(77)
    unittest.main(verbosity=2)
