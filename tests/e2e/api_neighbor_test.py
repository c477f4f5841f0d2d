#!/usr/bin/env python3
"""dsrlb-control resolves real-server MACs from the kernel's neighbour
table (netlink) in a private network namespace joined to a "real server"
namespace by a veth pair: a present server gets its MAC into the table, an
absent one stays out of the ring with a reason, and the port MAC is the
--interface's.
Usage: api_neighbor_test.py DSRLB_CONTROL DSRLBCTL DSRLB_REGION PROTO
[unittest options] (root)."""
import json
import subprocess

import harness
from harness import grpc_api

CONTROL, CTL, REGION, PROTO = harness.take_args(
    ['DSRLB_CONTROL', 'DSRLBCTL', 'DSRLB_REGION', 'PROTO'])
LB_IF, RS_IF = "lb0", "rs0"
LB_MAC, RS_MAC = "02:00:0a:4d:00:01", "02:00:0a:4d:00:02"
NEW_RS_MAC = "02:00:0a:4d:00:22"
LB_IP, RS_IP, ABSENT_IP = "10.77.0.1", "10.77.0.2", "10.77.0.9"
VIP = "10.77.0.100"


class NeighborTest(harness.E2ETestCase):
    def setUp(self):
        self.lab = lab = self.new_lab()
        self.lb, self.rs = lab.namespace("lb"), lab.namespace("rs")
        lab.veth(self.lb, LB_IF, self.rs, RS_IF, LB_MAC, RS_MAC)
        self.lb.addr(LB_IF, LB_IP + "/24")
        self.rs.addr(RS_IF, RS_IP + "/24")
        self.lb.up(LB_IF)
        self.rs.up(RS_IF)
        self.table = lab.path("table")
        socket = lab.path("control.sock")
        self.lb.start([CONTROL, "--interface", LB_IF, "--socket", socket,
                       "--table-region", self.table, "--stats-region", lab.path("stats")],
                      "control.log")
        channel, self.stub, self.pb = grpc_api.connect(socket, proto=PROTO)
        self.addCleanup(channel.close)

    def real_servers(self):
        vs = self.stub.ListVirtualServers(self.pb.ListVirtualServersRequest())
        return {r.key.address: r for v in vs.virtual_servers for r in v.real_servers}

    def test_macs_come_from_the_kernel_neighbour_table(self):
        pb, stub = self.pb, self.stub
        key = pb.VirtualServerKey(address=VIP, port=80, protocol=pb.PROTOCOL_TCP)
        stub.AddVirtualServer(pb.AddVirtualServerRequest(virtual_server=key))
        for ip in (RS_IP, ABSENT_IP):
            stub.AddRealServer(pb.AddRealServerRequest(
                virtual_server=key, weight=1,
                real_server=pb.RealServerKey(address=ip, port=80)))
        # The daemon solicits the address; the real server answers ARP.
        rs = harness.wait_for(lambda: self.real_servers()[RS_IP].mac and self.real_servers(),
                              "the real server's MAC", timeout=20)
        self.assertEqual(rs[RS_IP].mac, RS_MAC)
        self.assertEqual(rs[RS_IP].state, pb.BACKEND_STATE_UP)
        # Nobody answers for the absent one: out of the ring, and why.
        absent = harness.wait_for(
            lambda: (lambda r: r if "FAILED" in r.reason or "INCOMPLETE" in r.reason
                     else None)(self.real_servers()[ABSENT_IP]),
            "the absent server's neighbour entry to fail", timeout=20)
        self.assertEqual(absent.mac, "")
        self.assertEqual(absent.effective_weight, 0)
        self.assertIn("MAC unknown", absent.reason)
        self.assertIn(RS_MAC, self.lb.ip("neigh", "show", RS_IP))

        def table_with_mac():
            t = json.loads(subprocess.run([REGION, "table", self.table, "--json"],
                                          capture_output=True, text=True).stdout)
            macs = [b["mac"] for v in t["vips"] for b in v["backends"]]
            return t if RS_MAC in macs else None
        table = harness.wait_for(table_with_mac, "the MAC in the table region")
        self.assertEqual(table["port_mac"], LB_MAC)
        backends = {b["address"]: b for b in table["vips"][0]["backends"]}
        self.assertEqual(backends[RS_IP]["ring_share"], 1.0)
        self.assertEqual(backends[ABSENT_IP]["state"], "down")

        # The server's NIC is replaced (new MAC) and the old entry expires:
        # the resolver re-solicits and the table follows.
        self.rs.ip("link", "set", RS_IF, "address", NEW_RS_MAC)
        self.lb.ip("neigh", "flush", "dev", LB_IF)
        rs = harness.wait_for(lambda: self.real_servers()[RS_IP].mac == NEW_RS_MAC
                              and self.real_servers(), "the new MAC", timeout=20)
        self.assertEqual(rs[RS_IP].state, pb.BACKEND_STATE_UP)


if __name__ == "__main__":
    harness.main()
