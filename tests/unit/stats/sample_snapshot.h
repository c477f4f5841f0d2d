// A snapshot with one VIP, every real-server state, a VRRP instance and
// counters: shared by the page tests and the browser fixture server.
#ifndef DSRLB_TESTS_UNIT_STATS_SAMPLE_SNAPSHOT_H_
#define DSRLB_TESTS_UNIT_STATS_SAMPLE_SNAPSHOT_H_

#include "controlplane/stats/snapshot.h"

namespace dsrlb::stats {

// Connections, rates and health-check counts of web1 and web2; an lcore.
inline void AddConnectionsAndChecks(v1::VirtualServer* vs, Snapshot* snap) {
  vs->set_quorum_up(true);
  vs->set_active_connections(7);
  vs->set_inactive_connections(2);
  vs->set_connections(345);
  vs->set_connections_per_second(2.5);
  vs->set_packets_per_second(150);
  vs->set_bytes_per_second(60000);
  auto* web1 = vs->mutable_real_servers(0);
  web1->set_bytes(20480);
  web1->set_ring_slots(65537);
  web1->set_checks(120);
  web1->set_check_failures(3);
  web1->set_down_transitions(1);
  web1->set_downtime_ms(65000);
  web1->set_last_check_ok(true);
  web1->set_last_check_duration_us(1500);
  web1->set_active_connections(7);
  web1->set_inactive_connections(2);
  web1->set_max_connections(12);
  web1->set_connections(345);
  web1->set_connections_per_second(2.5);
  web1->set_max_connections_per_second(9);
  web1->set_packets_per_second(100);
  web1->set_bytes_per_second(51200);
  auto* web2 = vs->mutable_real_servers(1);
  web2->set_checks(50);
  web2->set_check_failures(20);
  web2->set_down_transitions(2);
  web2->set_downtime_ms(180000);
  web2->set_last_check_duration_us(3000000);
  web2->set_max_connections(4);
  web2->set_reason("health check failed");
  auto* lcore = snap->counters.add_lcores();
  lcore->set_lcore_id(1);
  lcore->set_generation(7);
  lcore->set_heartbeat(123456);
  lcore->set_heartbeat_age_ms(3);
  lcore->set_rx_packets(5000);
  lcore->set_drops(3);
  snap->counters.set_dataplane_heartbeat_age_ms(40);
}

inline Snapshot SampleSnapshot(absl::Time taken, uint64_t packets_web1) {
  Snapshot s;
  s.taken = taken;
  s.router_id = "lvs1";
  auto* vs = s.servers.add_virtual_servers();
  vs->mutable_key()->set_address("192.168.4.15");
  vs->mutable_key()->set_port(80);
  vs->mutable_key()->set_protocol(v1::PROTOCOL_TCP);
  vs->set_active(true);
  vs->set_packets(packets_web1 + 500);
  vs->set_bytes(123456);
  struct Rs {
    const char* addr;
    v1::HealthState health;
    uint32_t weight;
    bool draining;
    const char* mac;
    const char* check;
  } servers[] = {
      {"192.168.4.100", v1::HEALTH_STATE_UP, 1, false, "02:00:c0:a8:04:64",
       "TCP connect ok"},
      {"192.168.4.200", v1::HEALTH_STATE_DOWN, 2, false, "02:00:c0:a8:04:c8",
       "TCP connect to 192.168.4.200:80: connection refused <script>"},
      {"192.168.4.201", v1::HEALTH_STATE_UP, 3, true, "02:00:c0:a8:04:c9",
       "HTTP 200, body \"ok\""},
      {"192.168.4.202", v1::HEALTH_STATE_UP, 1, false, "", "TCP connect ok"},
  };
  for (const Rs& r : servers) {
    auto* rs = vs->add_real_servers();
    rs->mutable_key()->set_address(r.addr);
    rs->mutable_key()->set_port(80);
    rs->set_weight(r.weight);
    rs->set_health(r.health);
    rs->set_draining(r.draining);
    rs->set_mac(r.mac);
    rs->set_effective_weight(
        r.health == v1::HEALTH_STATE_UP && !r.draining && *r.mac ? r.weight
                                                                 : 0);
    rs->set_last_check_result(r.check);
    rs->set_last_check_ok(r.health == v1::HEALTH_STATE_UP);
    rs->set_last_check_unix_ms(absl::ToUnixMillis(taken - absl::Seconds(2)));
    rs->set_last_change_unix_ms(absl::ToUnixMillis(taken - absl::Minutes(3)));
  }
  AddConnectionsAndChecks(vs, &s);
  vs->mutable_real_servers(0)->set_packets(packets_web1);
  auto* vi = s.vrrp.add_instances();
  vi->set_name("VI_1");
  vi->set_state(v1::VRRP_STATE_MASTER);
  vi->set_virtual_router_id(51);
  vi->set_priority(100);
  vi->set_effective_priority(100);
  vi->set_interface("eth0");
  vi->set_master_address("192.168.4.5");
  vi->add_virtual_addresses("192.168.4.15");
  s.counters.set_table_generation(7);
  s.counters.set_dataplane_alive(true);
  auto* c = s.counters.add_counters();
  c->set_name("forwarded");
  c->set_value(packets_web1 + 500);
  c = s.counters.add_counters();
  c->set_name("drop_no_vip");
  c->set_value(3);
  c = s.counters.add_counters();
  c->set_name("drop_truncated");
  c->set_value(0);
  return s;
}

}  // namespace dsrlb::stats

#endif  // DSRLB_TESTS_UNIT_STATS_SAMPLE_SNAPSHOT_H_
