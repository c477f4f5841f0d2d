#!/usr/bin/env python3
"""DSR_CHECK in private namespaces: a scheduler (lb, holding the VIP on its
own interface as a VRRP master does) and two real servers on a bridge, both
with arp_ignore=1 / arp_announce=2 and a web server on 0.0.0.0:80; web1 has
the VIP on lo, web2 does not (the classic LVS-DR misconfiguration).
dsrlb-control checks VIP:80 with DSR_CHECK and a second virtual server on
the same real servers with a plain TCP_CHECK: web2 is down for the VIP with
the reason "answers on its own address but not for VIP ...: is the VIP on
its lo?" while TCP_CHECK says it is up; once the VIP is on web2's lo, the
DSR check brings it back. A stopped service and a server answering ARP for
the VIP (arp_ignore back to 0) are down with their own reasons.
Usage: dsr_check_test.py DSRLB_CONTROL PROTO [unittest options] (root)."""
import sys

import harness
from harness import grpc_api

CONTROL, PROTO = harness.take_args(['DSRLB_CONTROL', 'PROTO'])
NET = '10.78.0.'
LB, WEB1, WEB2 = NET + '1', NET + '11', NET + '12'
VIP, PLAIN_VIP = NET + '100', NET + '101'  # DSR_CHECK / TCP_CHECK
CHECK_S = 5  # delay_loop 1 s, connect_timeout 1 s, retry 0: a verdict in ~2 s

CONF = """
global_defs {
  router_id dsrcheck
}
virtual_server %(vip)s 80 {
  delay_loop 1
  lb_algo rr
  lb_kind DR
  protocol TCP
  real_server %(web1)s 80 {
    DSR_CHECK {
      connect_timeout 1
      retry 0
    }
  }
  real_server %(web2)s 80 {
    DSR_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
virtual_server %(plain)s 80 {
  alpha
  delay_loop 1
  lb_algo rr
  lb_kind DR
  protocol TCP
  real_server %(web1)s 80 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
  real_server %(web2)s 80 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
"""


class DsrCheckTest(harness.E2ETestCase):
    def setUp(self):
        self.lab = lab = self.new_lab()
        sw = lab.namespace('sw')
        lab.bridge(sw)
        self.lb = self.host(sw, 'lb', LB)
        # A VRRP master holds the VIP: the check must work beside it.
        self.lb.addr('eth0', VIP + '/32')
        self.web = {name: self.host(sw, name, ip) for name, ip in
                    (('web1', WEB1), ('web2', WEB2))}
        self.http = {}
        for name, ns in self.web.items():
            ns.sysctl('net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.lo.arp_ignore=1',
                      'net.ipv4.conf.all.arp_announce=2', 'net.ipv4.conf.lo.arp_announce=2')
            self.start_http(name)
        self.web['web1'].addr('lo', VIP + '/32')  # web2: forgotten
        conf = lab.path('keepalived.conf')
        with open(conf, 'w') as f:
            f.write(CONF % dict(vip=VIP, plain=PLAIN_VIP, web1=WEB1, web2=WEB2))
        socket = lab.path('control.sock')
        self.lb.start([CONTROL, '--config', conf, '--state-file', '', '--interface', 'eth0',
                       '--socket', socket, '--table-region', lab.path('table'),
                       '--stats-region', lab.path('stats')], 'control.log')
        channel, self.stub, self.pb = grpc_api.connect(socket, proto=PROTO)
        self.addCleanup(channel.close)

    def start_http(self, name):
        """A web server on 0.0.0.0:80, listening before this returns (the
        first check decides the first event, and the API keeps the result
        of the last up/down change)."""
        ns = self.web[name]
        self.http[name] = ns.start([sys.executable, '-m', 'http.server', '80', '--bind',
                                    '0.0.0.0', '--directory', self.lab.dir], name + '-http.log')
        harness.wait_for(lambda: ':80 ' in ns.exec('ss', '-Hltn'), name + ' listening on :80')

    def host(self, sw, name, ip):
        ns = self.lab.namespace(name)
        self.lab.veth(ns, 'eth0', sw, name)
        self.lab.attach(sw, name)
        ns.addr('eth0', ip + '/24')
        ns.up('eth0')
        return ns

    def server(self, vip, rs):
        vss = self.stub.ListVirtualServers(self.pb.ListVirtualServersRequest())
        for vs in vss.virtual_servers:
            if vs.key.address != vip:
                continue
            for r in vs.real_servers:
                if r.key.address == rs:
                    return r
        return None

    def checked(self, vip, rs, health, text):
        """The server once it is in `health` after a check whose result
        contains `text`."""
        seen = []

        def ok():
            r = self.server(vip, rs)
            seen[:] = [r]
            return (r is not None and r.health == health and r.last_check_unix_ms > 0
                    and text in r.last_check_result)
        if not harness.poll(ok, timeout=3 * CHECK_S, step=0.1):
            self.fail('%s of %s: not %s with "%s"; last seen: %s' % (
                rs, vip, self.pb.HealthState.Name(health), text, seen))
        return seen[0]

    # The API shows the result of the check that made the last up/down
    # change; the DSR virtual server starts up (keepalived's default), so a
    # down server shows why, and a server back up shows the passing check.
    def test_server_without_the_vip_on_lo_is_down_for_dsr_and_up_for_tcp(self):
        pb = self.pb
        up, down = pb.HEALTH_STATE_UP, pb.HEALTH_STATE_DOWN
        web2 = self.checked(VIP, WEB2, down, 'is the VIP on its lo?')
        self.assertEqual(
            web2.last_check_result,
            '%s:80 answers on its own address but not for VIP %s:80 (no SYN-ACK within 1s '
            'through its MAC %s): is the VIP on its lo?' % (WEB2, VIP,
                                                           self.web['web2'].mac('eth0')))
        self.assertEqual(web2.effective_weight, 0)
        self.assertEqual(self.server(VIP, WEB1).health, up)  # checked in the same round
        # The same server, checked the usual way (alpha: down until its first
        # pass), looks healthy.
        plain = self.checked(PLAIN_VIP, WEB2, up, 'connected')
        self.assertEqual(plain.last_check_result, 'TCP connect to %s:80: connected' % WEB2)

        # The operator puts the VIP on web2's lo: it comes back.
        self.web['web2'].addr('lo', VIP + '/32')
        web2 = self.checked(VIP, WEB2, up, 'SYN-ACK')
        self.assertEqual(web2.last_check_result,
                         'DSR SYN to VIP %s:80 through %s (%s): SYN-ACK' %
                         (VIP, WEB2, self.web['web2'].mac('eth0')))
        self.assertGreater(web2.effective_weight, 0)
        self.assertEqual(self.server(VIP, WEB1).health, up)

    def test_stopped_service_is_down_with_both_answers_and_back_when_restarted(self):
        pb = self.pb
        self.http['web1'].stop()
        web1 = self.checked(VIP, WEB1, pb.HEALTH_STATE_DOWN, 'RST')
        self.assertEqual(web1.last_check_result,
                         'DSR SYN to VIP %s:80 through %s (%s): refused (RST); '
                         'TCP connect to %s:80: connection refused' %
                         (VIP, WEB1, self.web['web1'].mac('eth0'), WEB1))
        self.start_http('web1')
        self.checked(VIP, WEB1, pb.HEALTH_STATE_UP, 'SYN-ACK')

    def test_server_answering_arp_for_the_vip_is_down_until_arp_ignore_is_set(self):
        pb = self.pb
        web1 = self.web['web1']
        web1.sysctl('net.ipv4.conf.all.arp_ignore=0', 'net.ipv4.conf.lo.arp_ignore=0')
        down = self.checked(VIP, WEB1, pb.HEALTH_STATE_DOWN, 'answers ARP')
        self.assertEqual(down.last_check_result,
                         '%s answers ARP for VIP %s with its MAC %s: set arp_ignore=1 and '
                         'arp_announce=2 on it, or it draws the VIP\'s traffic away from '
                         'the scheduler' % (WEB1, VIP, web1.mac('eth0')))
        self.checked(PLAIN_VIP, WEB1, pb.HEALTH_STATE_UP, 'connected')
        web1.sysctl('net.ipv4.conf.all.arp_ignore=1')
        self.checked(VIP, WEB1, pb.HEALTH_STATE_UP, 'SYN-ACK')


if __name__ == '__main__':
    harness.main()
