#!/usr/bin/env python3
"""Two dsrlb-vrrpd instances on a bridge fail over both ways: link down,
process killed, and the priority-0 handover of a graceful stop. After each
failure the VIP must answer ARP from the new master within the master-down
interval plus a margin, and exactly one node must hold the VIP.
Usage: vrrp_failover_test.py DSRLB_VRRPD [unittest options] (root)."""
import os
import signal
import time

import harness
from vrrp_netns import (VrrpTestCase, dsrlb_instance, inject, master_down, read_json,
                        vrrp_ipv4_packet)

VRRPD, = harness.take_args(['DSRLB_VRRPD'])
MARGIN = 1.0  # seconds over the RFC's master-down interval: a shared 2-core CI box
ADV = 0.1


def drops_of(node):
    try:
        return read_json(node.files['status'])[0]['counters']['drops']
    except (OSError, ValueError, IndexError):
        return {}


def settled(lab, master, backup):
    """Exactly one master holding the VIP, and both agree who it is."""
    def ok():
        ms, mm = lab[master].status()
        bs, bm = lab[backup].status()
        return (ms == 'MASTER' and bs == 'BACKUP' and bm == lab[master].ip and
                lab[master].has_vip(lab.vip) and not lab[backup].has_vip(lab.vip))
    return lab.wait(ok, 6)


class FailoverTest(VrrpTestCase):
    def pair(self):
        """a (200) and b (100), VRRPv3 every 0.1 s, settled with a master."""
        lab = self.vrrp_lab()
        a, b = lab['a'], lab['b']
        self.inst_a = dsrlb_instance(a.ip, lab.vip, 200, 3, ADV)
        a.start_dsrlb(VRRPD, self.inst_a)
        b.start_dsrlb(VRRPD, dsrlb_instance(b.ip, lab.vip, 100, 3, ADV))
        lab.start_probe()
        self.assertTrue(settled(lab, 'a', 'b'), 'startup: a (200) master, b (100) backup, one VIP')
        return lab, a, b

    def test_bad_adverts_are_dropped_counted_by_reason_and_change_nothing(self):
        # Even ones claiming priority 254.
        lab, a, b = self.pair()
        c = lab['client']
        good = dict(src=c.ip, dst=a.ip, vrid=51, prio=254, addrs=[lab.vip])
        cases = {
            'bad_ttl': dict(good, ttl=64),
            'bad_checksum': dict(good, corrupt_checksum=True),
            'vrid_mismatch': dict(good, vrid=52),
            'bad_version': dict(good, version=2),
            'bad_type': dict(good, vtype=2),
            'truncated': dict(good, truncate=5),
            'addr_list_mismatch': dict(good, addrs=[lab.vip, c.ip]),
        }
        inject(c, [vrrp_ipv4_packet(**kw) for kw in cases.values()])
        lab.wait(lambda: all(drops_of(a).get(r, 0) >= 1 for r in cases), 3)
        for reason in cases:
            self.assertEqual(drops_of(a).get(reason, 0), 1,
                             'bad advert counted once as %s' % reason)
        self.assertTrue(settled(lab, 'a', 'b'), 'after bad adverts: a still master, nothing moved')

    def test_link_down_on_master_hands_vip_to_backup_and_link_up_preempts_back(self):
        lab, a, b = self.pair()
        self.failover(lab, 'b', lambda: a.link(False), master_down(3, ADV, 100) + MARGIN,
                      'link down on a')
        self.assertTrue(lab.wait(lambda: a.status()[0] == 'FAULT' and not a.has_vip(lab.vip), 3),
                        'a is FAULT without the VIP while its link is down')
        self.failover(lab, 'a', lambda: a.link(True), master_down(3, ADV, 200) + 1 + MARGIN,
                      'link up on a (preempts b)')
        self.assertTrue(settled(lab, 'a', 'b'), 'after link up: a master, b backup, one VIP')

    def test_killed_master_is_replaced_and_restarted_takes_its_vip_back(self):
        # No priority 0: b takes over on its timer.
        lab, a, b = self.pair()
        self.failover(lab, 'b', lambda: a.stop(signal.SIGKILL), master_down(3, ADV, 100) + MARGIN,
                      'a killed')
        self.assertTrue(a.has_vip(lab.vip),
                        'a killed: its VIP stays behind (as with keepalived -9)')
        # a restarts: it removes the VIP it left behind and preempts b.
        a.start_dsrlb(VRRPD, self.inst_a)
        self.assertTrue(settled(lab, 'a', 'b'), 'after restart: a master, b backup, one VIP')
        since = time.monotonic()
        time.sleep(0.3)  # a window of ARP replies to look at
        self.assertEqual(lab.repliers(since), {a.mac}, 'after restart: only a answers ARP')

    def test_backup_link_flap_moves_nothing(self):
        lab, a, b = self.pair()
        since = time.monotonic()
        b.link(False)
        time.sleep(0.5)  # the flap itself
        b.link(True)
        self.assertTrue(settled(lab, 'a', 'b'), 'backup flap: a stays master')
        self.assertEqual(lab.repliers(since), {a.mac}, 'backup flap: only a answered ARP')

    def test_graceful_stop_sends_priority_0_and_backup_takes_over_after_skew_time(self):
        # Far sooner than a master-down interval (1 s adverts make the gap plain).
        lab = self.vrrp_lab()
        a, b = lab['a'], lab['b']
        a.start_dsrlb(VRRPD, dsrlb_instance(a.ip, lab.vip, 200, 3, 1, state='MASTER'))
        b.start_dsrlb(VRRPD, dsrlb_instance(b.ip, lab.vip, 100, 3, 1))
        lab.start_probe()
        self.assertTrue(settled(lab, 'a', 'b'), 'priority-0 lab: a master')
        skew = (256 - 100) / 256.0
        self.failover(lab, 'b', lambda: a.stop(signal.SIGTERM), skew + 0.5,
                      'a stopped (priority 0; master-down would be %.2f s)' %
                      master_down(3, 1, 100))
        self.assertFalse(a.has_vip(lab.vip), 'a removed the VIP on stop')
        self.assertTrue(lab.wait(lambda: b.status()[0] == 'MASTER', 2), 'b is MASTER')

    def test_unicast_peers_drop_adverts_from_strangers_and_fail_over(self):
        # Adverts go only to the peer; a stranger's advert (even a valid one
        # with a higher priority) is dropped.
        lab = self.vrrp_lab()
        a, b, c = lab['a'], lab['b'], lab['client']
        for node, other, prio in ((a, b, 200), (b, a, 100)):
            node.start_dsrlb(VRRPD, dsrlb_instance(node.ip, lab.vip, prio, 3, ADV,
                                                   unicast_src_ip=node.ip,
                                                   unicast_peer=[other.ip]))
        lab.start_probe()
        self.assertTrue(settled(lab, 'a', 'b'), 'unicast: a master, b backup')
        inject(c, [vrrp_ipv4_packet(c.ip, b.ip, 51, 254, [lab.vip])])
        self.assertTrue(lab.wait(lambda: drops_of(b).get('unknown_peer', 0) == 1, 2),
                        'unicast: an advert from a non-peer is dropped as unknown_peer')
        self.failover(lab, 'b', lambda: a.link(False), master_down(3, ADV, 100) + MARGIN,
                      'unicast: link down on a')

    def test_ipv6_vip_moves_and_unsolicited_na_repoints_the_client(self):
        # v3 over ff02::12 from link-local sources: the new master's
        # unsolicited NA rewrites the client's neighbour entry unasked.
        lab = self.vrrp_lab()
        a, b, c = lab['a'], lab['b'], lab['client']
        vip6 = 'fd00:%x::50' % (os.getpid() & 0xffff)
        c.exec('ip', 'addr', 'add', vip6.replace('::50', '::100') + '/64', 'dev', 'eth0', 'nodad')
        for node, prio in ((a, 200), (b, 100)):
            inst = dsrlb_instance(node.ip, lab.vip, prio, 3, ADV)
            inst['virtual_ipaddress'] = [vip6 + '/64 dev eth0']
            node.start_dsrlb(VRRPD, inst)
        self.assertTrue(lab.wait(lambda: a.status()[0] == 'MASTER' and
                                 b.status()[0] == 'BACKUP' and
                                 a.has_vip(vip6) and not b.has_vip(vip6), 5),
                        'IPv6: a master with the VIP')
        self.assertTrue(lab.wait(lambda: (b.status()[1] or '').startswith('fe80:'), 2),
                        'IPv6: b sees a link-local master address (%s)' % (b.status()[1],))
        c.exec('ping', '-6', '-c', '1', '-W', '1', vip6, check=False)

        def neigh_mac():
            out = c.exec('ip', '-6', 'neigh', 'show', vip6)
            return out.split('lladdr ')[1].split()[0] if 'lladdr ' in out else None
        self.assertEqual(neigh_mac(), a.mac, 'IPv6: the client reaches the VIP at a')
        t0 = time.monotonic()
        a.link(False)
        moved = lab.wait(lambda: neigh_mac() == b.mac, master_down(3, ADV, 100) + MARGIN, 0.005)
        self.assertTrue(moved, 'IPv6: unsolicited NA moved the client to b after %.3f s' % (
            time.monotonic() - t0))
        self.assertTrue(b.status()[0] == 'MASTER' and b.has_vip(vip6),
                        'IPv6: b master with the VIP')


if __name__ == '__main__':
    harness.main()
