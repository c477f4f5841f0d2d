"""The gRPC API of a real dsrlb-control, through a client generated from the
same proto: every call, every rejected request (code, field named, state
unchanged), the event stream, and what lands in the table region."""
import os
import tempfile
import threading
import unittest

import api_harness as h

import grpc

WEB1, WEB2, WEB3 = "10.1.0.2", "10.1.0.3", "10.1.0.4"
NO_MAC = "10.1.0.99"  # no static MAC and no neighbour entry
MACS = {WEB1: "02:00:0a:01:00:02", WEB2: "02:00:0a:01:00:03",
        WEB3: "02:00:0a:01:00:04"}
VIP = "192.168.4.15"


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dsrlb-api-py-%d-" % os.getpid())
        cls.pb, cls.pb_grpc = h.generate_stubs(cls.tmp.name)
        cls.daemon = h.Daemon(static_neighbors=MACS)
        cls.channel = grpc.insecure_channel("unix:" + cls.daemon.socket)
        grpc.channel_ready_future(cls.channel).result(timeout=20)
        cls.stub = cls.pb_grpc.DsrlbStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.daemon.stop()
        cls.tmp.cleanup()

    def setUp(self):
        for vs in self.stub.ListVirtualServers(self.pb.ListVirtualServersRequest()).virtual_servers:
            self.stub.RemoveVirtualServer(
                self.pb.RemoveVirtualServerRequest(virtual_server=vs.key))

    # -- helpers --
    def vs_key(self, address=VIP, port=80, udp=False):
        return self.pb.VirtualServerKey(
            address=address, port=port,
            protocol=self.pb.PROTOCOL_UDP if udp else self.pb.PROTOCOL_TCP)

    def rs_key(self, address, port=80):
        return self.pb.RealServerKey(address=address, port=port)

    def add_vs(self, scheduler=None, **kw):
        return self.stub.AddVirtualServer(self.pb.AddVirtualServerRequest(
            virtual_server=self.vs_key(**kw),
            scheduler=scheduler or self.pb.SCHEDULER_WRR))

    def add_rs(self, address, weight=1, **kw):
        return self.stub.AddRealServer(self.pb.AddRealServerRequest(
            virtual_server=self.vs_key(**kw), real_server=self.rs_key(address),
            weight=weight))

    def settled_list(self):
        """The listing once the table holds the state's latest version."""
        def done():
            r = self.stub.ListVirtualServers(self.pb.ListVirtualServersRequest())
            return r if r.published_version == r.state_version else None
        return h.wait_for(done, "the table to catch up with the state")

    def region_vip(self, predicate):
        def find():
            for v in self.daemon.region().get("vips", []):
                if v["address"] == VIP and predicate(v):
                    return v
            return None
        return h.wait_for(find, "the table region to show the change")

    # -- calls --
    def test_add_list_get_remove_virtual_server(self):
        added = self.add_vs(scheduler=self.pb.SCHEDULER_RR)
        self.assertEqual(added.key.address, VIP)
        self.assertEqual(added.scheduler, self.pb.SCHEDULER_RR)
        self.assertTrue(added.active)
        listed = self.settled_list().virtual_servers
        self.assertEqual([v.key.address for v in listed], [VIP])
        got = self.stub.GetVirtualServer(
            self.pb.GetVirtualServerRequest(virtual_server=self.vs_key()))
        self.assertEqual(got.scheduler, self.pb.SCHEDULER_RR)
        removed = self.stub.RemoveVirtualServer(
            self.pb.RemoveVirtualServerRequest(virtual_server=self.vs_key()))
        self.assertEqual(removed.key.port, 80)
        self.assertEqual(len(self.settled_list().virtual_servers), 0)

    def test_real_server_calls_change_weight_drain_and_removal(self):
        self.add_vs()
        rs = self.add_rs(WEB1, weight=2)
        self.assertEqual(rs.weight, 2)
        self.assertEqual(rs.mac, MACS[WEB1])
        self.assertEqual(rs.health, self.pb.HEALTH_STATE_UNCHECKED)
        rs = self.stub.SetWeight(self.pb.SetWeightRequest(
            virtual_server=self.vs_key(), real_server=self.rs_key(WEB1), weight=5))
        self.assertEqual((rs.weight, rs.effective_weight), (5, 5))
        rs = self.stub.Drain(self.pb.DrainRequest(
            virtual_server=self.vs_key(), real_server=self.rs_key(WEB1), drain=True))
        self.assertTrue(rs.draining)
        self.assertEqual(rs.effective_weight, 0)
        self.assertEqual(rs.state, self.pb.BACKEND_STATE_DRAINING)
        rs = self.stub.Drain(self.pb.DrainRequest(
            virtual_server=self.vs_key(), real_server=self.rs_key(WEB1), drain=False))
        self.assertFalse(rs.draining)
        self.assertEqual(rs.state, self.pb.BACKEND_STATE_UP)
        removed = self.stub.RemoveRealServer(self.pb.RemoveRealServerRequest(
            virtual_server=self.vs_key(), real_server=self.rs_key(WEB1)))
        self.assertEqual(removed.key.address, WEB1)
        self.assertEqual(len(self.settled_list().virtual_servers[0].real_servers), 0)

    def test_reload_without_config_is_failed_precondition(self):
        with self.assertRaises(grpc.RpcError) as e:
            self.stub.ReloadConfig(self.pb.ReloadConfigRequest())
        self.assertEqual(e.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        self.assertIn("--config", e.exception.details())

    def test_vrrp_state_is_empty_without_vrrp_instances(self):
        r = self.stub.GetVrrpState(self.pb.GetVrrpStateRequest())
        self.assertEqual(len(r.instances), 0)

    def test_counters_say_when_no_stats_region_exists(self):
        r = self.stub.GetCounters(self.pb.GetCountersRequest())
        self.assertFalse(r.stats_region_present)
        self.assertFalse(r.dataplane_alive)
        self.assertGreater(r.table_generation, 0)

    def test_server_reflection_lists_the_service(self):
        # No reflection stubs in Debian's grpcio: speak the wire format.
        # ServerReflectionRequest{list_services: ""} is field 7, empty string.
        call = self.channel.stream_stream(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            request_serializer=lambda b: b, response_deserializer=lambda b: b)
        responses = list(call(iter([b"\x3a\x00"]), timeout=10))
        self.assertEqual(len(responses), 1)
        self.assertIn(b"dsrlb.v1.Dsrlb", responses[0])

    # -- rejected requests --
    def test_rejected_requests_name_the_field_and_change_nothing(self):
        self.add_vs()
        self.add_rs(WEB1)
        pb, vk, rk = self.pb, self.vs_key, self.rs_key
        bad_vs = pb.VirtualServerKey(address="not-an-ip", port=80,
                                     protocol=pb.PROTOCOL_TCP)
        cases = [
            ("AddVirtualServer", pb.AddVirtualServerRequest(virtual_server=vk()),
             grpc.StatusCode.ALREADY_EXISTS, "virtual_server"),
            ("AddVirtualServer", pb.AddVirtualServerRequest(virtual_server=bad_vs),
             grpc.StatusCode.INVALID_ARGUMENT, "virtual_server.address"),
            ("AddVirtualServer", pb.AddVirtualServerRequest(),
             grpc.StatusCode.INVALID_ARGUMENT, "virtual_server"),
            ("AddVirtualServer", pb.AddVirtualServerRequest(
                virtual_server=pb.VirtualServerKey(address=VIP, port=70000,
                                                   protocol=pb.PROTOCOL_TCP)),
             grpc.StatusCode.INVALID_ARGUMENT, "virtual_server.port"),
            ("AddVirtualServer", pb.AddVirtualServerRequest(
                virtual_server=pb.VirtualServerKey(address=VIP, port=81)),
             grpc.StatusCode.INVALID_ARGUMENT, "virtual_server.protocol"),
            ("AddVirtualServer", pb.AddVirtualServerRequest(
                virtual_server=vk(port=82), persistence_timeout_s=10 ** 9),
             grpc.StatusCode.INVALID_ARGUMENT, "persistence_timeout_s"),
            ("GetVirtualServer", pb.GetVirtualServerRequest(virtual_server=vk(port=99)),
             grpc.StatusCode.NOT_FOUND, "virtual_server"),
            ("RemoveVirtualServer", pb.RemoveVirtualServerRequest(virtual_server=vk(udp=True)),
             grpc.StatusCode.NOT_FOUND, "virtual_server"),
            ("AddRealServer", pb.AddRealServerRequest(
                virtual_server=vk(), real_server=rk(WEB1)),
             grpc.StatusCode.ALREADY_EXISTS, "real_server"),
            ("AddRealServer", pb.AddRealServerRequest(
                virtual_server=vk(port=99), real_server=rk(WEB2)),
             grpc.StatusCode.NOT_FOUND, "virtual_server"),
            ("AddRealServer", pb.AddRealServerRequest(
                virtual_server=vk(), real_server=rk("10.1.0.300")),
             grpc.StatusCode.INVALID_ARGUMENT, "real_server.address"),
            ("AddRealServer", pb.AddRealServerRequest(
                virtual_server=vk(), real_server=rk("2001:db8::1")),
             grpc.StatusCode.INVALID_ARGUMENT, "real_server.address"),
            ("AddRealServer", pb.AddRealServerRequest(virtual_server=vk()),
             grpc.StatusCode.INVALID_ARGUMENT, "real_server"),
            ("AddRealServer", pb.AddRealServerRequest(
                virtual_server=vk(), real_server=rk(WEB2), weight=70000),
             grpc.StatusCode.INVALID_ARGUMENT, "weight"),
            ("RemoveRealServer", pb.RemoveRealServerRequest(
                virtual_server=vk(), real_server=rk(WEB2)),
             grpc.StatusCode.NOT_FOUND, "real_server"),
            ("SetWeight", pb.SetWeightRequest(
                virtual_server=vk(), real_server=rk(WEB1), weight=65536),
             grpc.StatusCode.INVALID_ARGUMENT, "weight"),
            ("SetWeight", pb.SetWeightRequest(
                virtual_server=vk(), real_server=rk(WEB1, port=8080), weight=3),
             grpc.StatusCode.NOT_FOUND, "real_server"),
            ("Drain", pb.DrainRequest(
                virtual_server=vk(port=99), real_server=rk(WEB1), drain=True),
             grpc.StatusCode.NOT_FOUND, "virtual_server"),
            ("Drain", pb.DrainRequest(
                virtual_server=vk(), real_server=rk(WEB1, port=99999), drain=True),
             grpc.StatusCode.INVALID_ARGUMENT, "real_server.port"),
        ]
        for method, request, code, field in cases:
            with self.subTest(method=method, field=field, code=code):
                before = self.settled_list()
                with self.assertRaises(grpc.RpcError) as e:
                    getattr(self.stub, method)(request)
                self.assertEqual(e.exception.code(), code, e.exception.details())
                self.assertTrue(e.exception.details().startswith(field + ":") or
                                e.exception.details().startswith(field + "."),
                                e.exception.details())
                self.assertEqual(self.settled_list(), before)

    # -- events --
    def test_watch_stream_receives_table_events_for_changes(self):
        call = self.stub.WatchEvents(self.pb.WatchEventsRequest())
        call.initial_metadata()  # the server has subscribed
        generation = self.settled_list().table_generation
        events = []

        def read_until_newer_table():
            # The event of the table already in force may still be on its
            # way when the stream opens: wait for a newer one.
            for e in call:
                events.append(e)
                if e.WhichOneof("kind") == "table" and e.table.generation > generation:
                    return
        reader = threading.Thread(target=read_until_newer_table)
        reader.start()
        self.add_vs()
        reader.join(15)
        call.cancel()
        self.assertTrue(events, "no event arrived")
        self.assertEqual(events[-1].WhichOneof("kind"), "table")
        self.assertGreater(events[-1].table.generation, generation)
        self.assertLessEqual(len(events), 2)

    # -- publishing --
    def test_table_holds_rings_by_weight_and_resolved_macs(self):
        self.add_vs()
        self.add_rs(WEB1, weight=1)
        self.add_rs(WEB2, weight=3)
        vip = self.region_vip(lambda v: len(v["backends"]) == 2)
        by_addr = {b["address"]: b for b in vip["backends"]}
        self.assertEqual(by_addr[WEB1]["mac"], MACS[WEB1])
        self.assertEqual(by_addr[WEB2]["mac"], MACS[WEB2])
        self.assertAlmostEqual(by_addr[WEB1]["ring_share"], 0.25, delta=0.01)
        self.assertAlmostEqual(by_addr[WEB2]["ring_share"], 0.75, delta=0.01)
        self.assertEqual(vip["ring_unassigned"], 0)
        # The API reports the ring slots the table holds.
        listed = self.settled_list().virtual_servers[0].real_servers
        self.assertEqual({r.key.address: r.ring_slots for r in listed},
                         {WEB1: by_addr[WEB1]["ring_slots"],
                          WEB2: by_addr[WEB2]["ring_slots"]})

    def test_weight_change_and_drain_reach_the_table(self):
        self.add_vs()
        self.add_rs(WEB1, weight=1)
        self.add_rs(WEB2, weight=1)
        self.stub.SetWeight(self.pb.SetWeightRequest(
            virtual_server=self.vs_key(), real_server=self.rs_key(WEB2), weight=0))
        vip = self.region_vip(lambda v: any(
            b["address"] == WEB2 and b["ring_slots"] == 0 for b in v["backends"]))
        states = {b["address"]: b["state"] for b in vip["backends"]}
        self.assertEqual(states, {WEB1: "up", WEB2: "draining"})
        self.stub.SetWeight(self.pb.SetWeightRequest(
            virtual_server=self.vs_key(), real_server=self.rs_key(WEB2), weight=1))
        self.stub.Drain(self.pb.DrainRequest(
            virtual_server=self.vs_key(), real_server=self.rs_key(WEB1), drain=True))
        vip = self.region_vip(lambda v: any(
            b["address"] == WEB1 and b["state"] == "draining" for b in v["backends"]))
        shares = {b["address"]: b["ring_share"] for b in vip["backends"]}
        self.assertEqual(shares, {WEB1: 0.0, WEB2: 1.0})

    def test_server_without_mac_stays_out_of_the_ring_and_says_why(self):
        self.add_vs()
        self.add_rs(WEB1)
        rs = self.add_rs(NO_MAC, weight=4)
        self.assertEqual(rs.mac, "")
        self.assertEqual(rs.effective_weight, 0)
        self.assertEqual(rs.state, self.pb.BACKEND_STATE_DOWN)
        self.assertIn("MAC unknown", rs.reason)
        vip = self.region_vip(lambda v: len(v["backends"]) == 2)
        by_addr = {b["address"]: b for b in vip["backends"]}
        self.assertEqual(by_addr[NO_MAC]["state"], "down")
        self.assertEqual(by_addr[NO_MAC]["ring_slots"], 0)
        self.assertEqual(by_addr[WEB1]["ring_share"], 1.0)

    def test_rr_ignores_weights_and_sh_is_persistent_on_source(self):
        self.add_vs(scheduler=self.pb.SCHEDULER_RR)
        self.add_rs(WEB1, weight=1)
        self.add_rs(WEB2, weight=9)
        vip = self.region_vip(lambda v: len(v["backends"]) == 2)
        for b in vip["backends"]:
            self.assertAlmostEqual(b["ring_share"], 0.5, delta=0.01)
        self.add_vs(scheduler=self.pb.SCHEDULER_SH, port=443)
        def sh_vip():
            for v in self.daemon.region()["vips"]:
                if v["port"] == 443:
                    return v
            return None
        vip = h.wait_for(sh_vip, "the sh VIP")
        self.assertEqual(vip["persistence_timeout_s"], 360)


if __name__ == "__main__":
    unittest.main(verbosity=2)
