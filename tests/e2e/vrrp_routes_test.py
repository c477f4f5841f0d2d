#!/usr/bin/env python3
"""static_ipaddress / static_routes / static_rules and an instance's
virtual_routes / virtual_rules in the kernel (keepalived.conf(5)): the
static ones are on both nodes from start to stop, the virtual ones only on
the master, and they move with mastership: a graceful stop of the master and
its return (preempting) each move them. Read back with `ip -j` in each
node's namespace; everything goes with the namespaces.
Usage: vrrp_routes_test.py DSRLB_VRRPD [unittest options] (root)."""
import json
import signal

import harness
from vrrp_netns import VrrpTestCase, dsrlb_instance, keepalived_text

VRRPD, = harness.take_args(['DSRLB_VRRPD'])
ADV = 0.1


def routes(node):
    return json.loads(node.exec('ip', '-j', 'route', 'show', 'table', 'all') or '[]')


def has_route(node, dst, **want):
    """A route to dst whose fields (ip -j names; table defaults to main)
    are as given."""
    for r in routes(node):
        if r.get('dst') != dst:
            continue
        got = dict(r, table=str(r.get('table', 'main')))
        if all(str(got.get(k)) == str(v) for k, v in want.items()):
            return True
    return False


def rule_priorities(node):
    return {r['priority']: r for r in json.loads(node.exec('ip', '-j', 'rule', 'show') or '[]')}


def has_static_address(node):
    for link in json.loads(node.exec('ip', '-j', 'addr', 'show', 'dev', 'eth0')):
        for a in link.get('addr_info', []):
            if a.get('local') == '10.200.0.1' and a.get('prefixlen') == 32:
                return a.get('scope') == 'link'
    return False


def static_text(gw, gw2):
    return ('static_ipaddress {\n    10.200.0.1/32 dev eth0 scope link\n}\n'
            'static_routes {\n    198.51.100.0/24 via %s dev eth0 metric 5\n'
            '    blackhole 203.0.113.0/24\n'
            '    198.22.0.0/16 via %s or %s dev eth0\n}\n'
            'static_rules {\n    from 192.0.2.0/24 table 100 priority 1000\n}\n'
            % (gw, gw, gw2))


def multipath_gateways(node, dst):
    for r in routes(node):
        if r.get('dst') == dst:
            return sorted(h.get('gateway') for h in r.get('nexthops', []))
    return []


class VrrpRoutesTest(VrrpTestCase):
    def start(self, lab, node, prio):
        gw = lab['client'].ip
        inst = dsrlb_instance(node.ip, lab.vip, prio, 3, ADV)
        inst['virtual_routes'] = ['198.18.0.0/16 via %s dev eth0 table 100' % gw,
                                  'src %s 198.19.0.0/16 dev eth0' % lab.vip]
        inst['virtual_rules'] = ['to 198.18.0.0/16 table 100 priority 1100']
        conf = keepalived_text({'vrrp_instance': [inst]}) + static_text(gw, lab.net + '.99')
        node.start_dsrlb_keepalived_conf(VRRPD, conf)

    def static_on(self, node):
        return (has_static_address(node) and
                has_route(node, '198.51.100.0/24', gateway=node.lab['client'].ip,
                          metric=5, protocol='keepalived') and
                has_route(node, '203.0.113.0/24', type='blackhole') and
                multipath_gateways(node, '198.22.0.0/16') ==
                sorted([node.lab['client'].ip, node.lab.net + '.99']) and
                rule_priorities(node).get(1000, {}).get('src') == '192.0.2.0')

    def virtual_on(self, node, vip):
        return (has_route(node, '198.18.0.0/16', gateway=node.lab['client'].ip, table='100',
                          protocol='keepalived') and
                has_route(node, '198.19.0.0/16', prefsrc=vip, dev='eth0') and
                rule_priorities(node).get(1100, {}).get('dst') == '198.18.0.0')

    def virtual_off(self, node):
        return (not has_route(node, '198.18.0.0/16') and not has_route(node, '198.19.0.0/16')
                and 1100 not in rule_priorities(node))

    def settled(self, lab, master, backup):
        m, b = lab[master], lab[backup]
        return lab.wait(lambda: m.status()[0] == 'MASTER' and b.status()[0] == 'BACKUP' and
                        self.virtual_on(m, lab.vip) and self.virtual_off(b), 8)

    def test_static_entries_stay_and_virtual_ones_follow_the_master(self):
        lab = self.vrrp_lab()
        a, b = lab['a'], lab['b']
        self.start(lab, a, 200)
        self.start(lab, b, 100)
        self.assertTrue(self.settled(lab, 'a', 'b'),
                        'a (200) master with the virtual routes and rule, b without')
        self.assertTrue(self.static_on(a) and self.static_on(b),
                        'static address, routes and rule on both nodes')
        # A graceful stop: b takes over and adds them; a removed everything.
        a.stop(signal.SIGTERM)
        self.assertTrue(lab.wait(lambda: b.status()[0] == 'MASTER' and
                                 self.virtual_on(b, lab.vip), 5),
                        'after a stops: b master with the virtual routes and rule')
        self.assertTrue(self.virtual_off(a), 'a stopped: its virtual routes and rule gone')
        self.assertFalse(has_static_address(a) or has_route(a, '198.51.100.0/24') or
                         has_route(a, '198.22.0.0/16') or
                         has_route(a, '203.0.113.0/24') or 1000 in rule_priorities(a),
                         'a stopped: its static address, routes and rule removed (keepalived)')
        self.assertTrue(self.static_on(b), 'b keeps its static entries as master')
        # a comes back with the higher priority and preempts: b leaves
        # MASTER and removes the virtual ones, keeping the static ones.
        self.start(lab, a, 200)
        self.assertTrue(self.settled(lab, 'a', 'b'),
                        'a back: master with the virtual routes again, b without them')
        self.assertTrue(self.static_on(a) and self.static_on(b),
                        'after the preemption: static entries on both nodes')

    def test_a_route_the_kernel_refuses_is_logged_and_vrrp_goes_on(self):
        # 198.51.100.1 is on no connected network: keepalived logs and goes on.
        lab = self.vrrp_lab(nodes=('a',))
        a = lab['a']
        inst = dsrlb_instance(a.ip, lab.vip, 200, 3, ADV)
        inst['virtual_routes'] = ['198.18.0.0/16 via 198.51.100.1 dev eth0',
                                  '198.20.0.0/16 dev eth0']
        a.start_dsrlb_keepalived_conf(VRRPD, keepalived_text({'vrrp_instance': [inst]}))
        self.assertTrue(lab.wait(lambda: a.status()[0] == 'MASTER' and
                                 has_route(a, '198.20.0.0/16', dev='eth0'), 5),
                        'master with the route the kernel takes')
        self.assertFalse(has_route(a, '198.18.0.0/16'))
        self.assertTrue(lab.wait(lambda: 'route 198.18.0.0/16 via 198.51.100.1' in a.proc.log(),
                                 3), 'the refused route is logged: %s' % a.proc.log()[-1500:])


if __name__ == '__main__':
    harness.main()
