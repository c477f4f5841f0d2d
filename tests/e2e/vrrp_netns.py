"""The VRRP lab on the e2e harness: VRRP nodes (dsrlb-vrrpd, dsrlb-control
or keepalived) and an ARP-probing client in namespaces on a bridge, for the
VRRP end-to-end tests and the failover benchmark (perf/vrrp). Everything is
a harness.Lab's, so it is torn down whatever happens."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import harness
from harness import grpc_api

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, 'vrrp_arp_probe.py')
PY = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable
KEEPALIVED = '/usr/sbin/keepalived'


def run(cmd, check=True):
    return harness.run(cmd, check=check)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_text(path):
    with open(path) as f:
        return f.read()


class Node:
    def __init__(self, lab, name, ip):
        self.lab, self.name, self.ip = lab, name, ip
        self.netns = lab.namespace(name)
        self.ns = self.netns.name
        self.proc = None
        self.kind = None
        self.files = {}
        self.api = None  # (channel, stub, pb2) of a dsrlb-control

    def exec(self, *cmd, check=True):
        return self.netns.exec(*cmd, check=check)

    @property
    def mac(self):
        return self.netns.mac('eth0')

    def has_vip(self, vip):
        return self.netns.has_addr('eth0', vip)

    def link(self, up):
        (self.netns.up if up else self.netns.down)('eth0')

    def _start(self, kind, cmd):
        self.kind = kind
        self.proc = self.netns.start(cmd, '%s.log' % self.name)

    def _status_file(self):
        status = self.lab.path('%s.status.json' % self.name)
        if os.path.exists(status):
            os.unlink(status)
        self.files['status'] = status
        return status

    def start_dsrlb(self, vrrpd, instance):
        self.start_dsrlb_config(vrrpd, {'vrrp_instance': [instance]})

    def start_dsrlb_keepalived_conf(self, vrrpd, conf):
        """dsrlb-vrrpd --config on a keepalived.conf text (@NOTIFY@ → a no-op)."""
        cfg = self.lab.path('%s.dsrlb.conf' % self.name)
        with open(cfg, 'w') as f:
            f.write(conf.replace('@NOTIFY@', '/bin/true'))
        self._start('dsrlb', [vrrpd, '--config', cfg, '--status-file', self._status_file()])

    def start_dsrlb_config(self, vrrpd, config):
        """dsrlb-vrrpd --config on a config given as {section: ...} (keepalived_text)."""
        self.start_dsrlb_keepalived_conf(vrrpd, keepalived_text(config))

    def start_control(self, control, conf):
        """dsrlb-control (the product) on a keepalived.conf text (@NOTIFY@ →
        a no-op), with its socket and regions in the lab's folder; returns
        once its API answers."""
        cfg = self.lab.path('%s.keepalived.conf' % self.name)
        with open(cfg, 'w') as f:
            f.write(conf.replace('@NOTIFY@', '/bin/true'))
        sock = self.lab.path('%s.sock' % self.name)
        self._start('control', [control, '--config', cfg, '--interface', 'eth0',
                                '--socket', sock,
                                '--table-region', self.lab.path('%s.table' % self.name),
                                '--stats-region', self.lab.path('%s.stats' % self.name)])
        harness.wait_for(lambda: os.path.exists(sock) or not self.proc.alive(),
                         'dsrlb-control in %s to open its socket' % self.name, 30, 0.05)
        if not self.proc.alive():
            raise RuntimeError('dsrlb-control exited: %s' % self.proc.log()[-2000:])
        self._close_api()
        self.api = grpc_api.connect(sock)

    def start_keepalived(self, conf):
        state = self.lab.path('%s.kstate' % self.name)
        notify = self.lab.path('%s.notify.sh' % self.name)
        with open(notify, 'w') as f:
            f.write('#!/bin/sh\necho "$3" > %s\n' % state)
        os.chmod(notify, 0o755)
        if os.path.exists(state):
            os.unlink(state)
        self.files['kstate'] = state
        cfg = self.lab.path('%s.keepalived.conf' % self.name)
        with open(cfg, 'w') as f:
            f.write(conf.replace('@NOTIFY@', notify))
        pid = lambda s: self.lab.path('%s.%s.pid' % (self.name, s))
        self._start('keepalived', [KEEPALIVED, '--vrrp', '-n', '-l', '-D', '-f', cfg,
                                   '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('checkers')])

    def stop(self, sig=signal.SIGTERM, wait=True):
        if self.kind == 'control':
            # The test's own client goes first: dsrlb-control's stop waits up
            # to 2 s for open gRPC channels before VRRP sends priority 0.
            self._close_api()
        if self.proc and self.proc.alive():
            if wait:
                self.proc.stop(sig, timeout=10)
            else:
                self.proc.send(sig)
        if self.kind == 'keepalived' and sig == signal.SIGKILL:
            # keepalived's VRRP child is its own process: kill it too.
            pidfile = self.lab.path('%s.vrrp.pid' % self.name)
            try:
                os.kill(int(read_text(pidfile)), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        if self.kind == 'control':
            self._close_api()

    def _close_api(self):
        if self.api:
            self.api[0].close()
            self.api = None

    def vrrp_instances(self):
        """dsrlb-control's GetVrrpState instances ([] if it does not answer)."""
        if not self.api:
            return []
        channel, stub, pb = self.api
        try:
            return list(stub.GetVrrpState(pb.GetVrrpStateRequest(), timeout=2).instances)
        except Exception:
            return []

    def status(self, index=0):
        """(state, master_ip or None) as this node sees it."""
        if self.kind == 'dsrlb':
            try:
                s = read_json(self.files['status'])[index]
            except (OSError, ValueError, IndexError):
                return (None, None)
            return (s['state'], s['master'] or None)
        if self.kind == 'control':
            inst = self.vrrp_instances()
            if len(inst) <= index:
                return (None, None)
            pb = self.api[2]
            state = pb.VrrpState.Name(inst[index].state).replace('VRRP_STATE_', '')
            return (state, inst[index].master_address or None)
        try:
            st = read_text(self.files['kstate']).strip()
        except OSError:
            st = None
        return (st, None)


class Lab(harness.Lab):
    """Bridge namespace + nodes + client on 10.N.M.0/24."""

    def __init__(self, nodes=('a', 'b'), workdir=None):
        super().__init__(workdir=workdir)
        pid = os.getpid()
        self.net = '10.%d.%d' % (77 + (pid >> 8) % 100, pid % 250)
        self.nodes = {}
        self.probe = None
        self.procs = []  # other helpers started in the namespaces, killed on close
        self.replies = []
        self.on_close(self._close_nodes)
        self.vip = '%s.50' % self.net
        try:
            self._build(nodes)
        except BaseException:
            self.close()  # a half-built lab goes at once
            raise

    def _build(self, nodes):
        sw = self.namespace('br')
        self.bridge(sw, 'br0', mcast_snooping=0)
        for i, name in enumerate(list(nodes) + ['client']):
            ip = '%s.%d' % (self.net, 100 if name == 'client' else i + 1)
            node = Node(self, name, ip)
            # IPv6 VRRP sends from the link-local address: skip DAD so it is
            # usable at once.
            node.netns.sysctl('net.ipv6.conf.default.accept_dad=0')
            port = 'p%s' % name[:8]
            self.veth(sw, port, node.netns, 'eth0')
            self.attach(sw, port, 'br0')
            node.netns.addr('eth0', ip + '/24')
            node.netns.up('eth0')
            self.nodes[name] = node

    def __getitem__(self, name):
        return self.nodes[name]

    def start_probe(self, interval=0.005):
        self.probe = self.nodes['client'].netns.start(
            [PY, PROBE, '--dev', 'eth0', '--vip', self.vip, '--interval', str(interval)],
            'probe.log', stdout=subprocess.PIPE)

        def reader():
            try:
                for line in self.probe.stdout:
                    t, mac = line.split()
                    self.replies.append((float(t), mac))
            except (OSError, ValueError):  # closed by the lab's clean-up
                pass
        threading.Thread(target=reader, daemon=True).start()

    def first_reply(self, mac, after, timeout):
        """Monotonic time of the first ARP reply from `mac` after `after`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, m in list(self.replies):
                if t > after and m == mac:
                    return t
            time.sleep(0.002)
        return None

    def repliers(self, since, until=None):
        return {m for t, m in list(self.replies) if t >= since and (until is None or t <= until)}

    def wait(self, cond, timeout, step=0.02):
        return harness.poll(cond, timeout, step)

    def _close_nodes(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for node in self.nodes.values():
            node.stop(signal.SIGKILL)


class VrrpTestCase(harness.E2ETestCase):
    """A test case with VRRP labs and the checks the VRRP tests share."""

    def vrrp_lab(self, nodes=('a', 'b')):
        return self.new_lab(Lab, nodes=nodes)

    def failover(self, lab, new_master, action, limit, what):
        """action(), then the VIP must answer ARP from new_master within limit s."""
        t0 = time.monotonic()
        action()
        t1 = lab.first_reply(lab[new_master].mac, t0, limit + 3)
        took = None if t1 is None else t1 - t0
        self.assertTrue(took is not None and took <= limit,
                        '%s: VIP answered from %s after %s s (limit %.2f s)' %
                        (what, new_master, 'never' if took is None else '%.3f' % took, limit))


def dsrlb_instance(node_ip, vip, prio, version, advert_int, state='BACKUP', auth=None, **extra):
    inst = {'name': 'VI_1', 'state': state, 'interface': 'eth0', 'virtual_router_id': 51,
            'priority': prio, 'advert_int': advert_int, 'vrrp_version': version,
            'virtual_ipaddress': ['%s/24 dev eth0' % vip], 'garp_master_delay': 1,
            'garp_master_repeat': 3}
    if auth:
        inst['authentication'] = {'auth_type': 'PASS', 'auth_pass': auth}
    inst.update(extra)
    return inst


def _quoted(text):
    return '"%s"' % text


def keepalived_text(config):
    """A keepalived.conf from {'global_defs': {...}, 'vrrp_script': [...],
    'vrrp_instance': [...], 'vrrp_sync_group': [...]}, keys being keepalived's
    keywords (lists become blocks, True a bare flag, scripts are quoted)."""
    out = []
    g = dict(config.get('global_defs', {}))
    if g:
        out.append('global_defs {')
        if 'smtp_server' in g:
            out.append('    smtp_server %s %s' % (g.pop('smtp_server'), g.pop('smtp_port', '')))
        for k, v in g.items():
            if isinstance(v, list):
                out.append('    %s {\n%s\n    }' % (k, '\n'.join('        %s' % x for x in v)))
            else:
                out.append('    %s %s' % (k, v))
        out.append('}')
    for sc in config.get('vrrp_script', []):
        out.append('vrrp_script %s {' % sc['name'])
        for k, v in sc.items():
            if k != 'name':
                out.append('    %s %s' % (k, _quoted(v) if k == 'script' else v))
        out.append('}')
    for inst in config.get('vrrp_instance', []):
        out.append('vrrp_instance %s {' % inst['name'])
        for k, v in inst.items():
            if k == 'name':
                continue
            if k == 'authentication':
                out.append('    authentication {\n%s\n    }' %
                           '\n'.join('        %s %s' % kv for kv in v.items()))
            elif k == 'track_script':
                out.append('    track_script {\n%s\n    }' % '\n'.join(
                    '        %s%s' % (t['name'], ' weight %d' % t['weight'] if 'weight' in t else '')
                    for t in v))
            elif isinstance(v, list):
                out.append('    %s {\n%s\n    }' % (k, '\n'.join('        %s' % x for x in v)))
            elif v is True:
                out.append('    %s' % k)
            elif k.startswith('notify'):
                out.append('    %s %s' % (k, _quoted(v)))
            else:
                out.append('    %s %s' % (k, v))
        out.append('}')
    for sg in config.get('vrrp_sync_group', []):
        out.append('vrrp_sync_group %s {\n    group {\n%s\n    }\n}' %
                   (sg['name'], '\n'.join('        %s' % m for m in sg['group'])))
    return '\n'.join(out) + '\n'


def keepalived_conf(vip, prio, version, advert_int, state='BACKUP', auth=None):
    auth_block = ('    authentication {\n        auth_type PASS\n        auth_pass %s\n    }\n' % auth
                  if auth else '')
    return ('global_defs {\n    router_id dsrlb_test\n    vrrp_version %d\n'
            '}\n'
            'vrrp_instance VI_1 {\n    state %s\n    interface eth0\n    virtual_router_id 51\n'
            '    priority %d\n    advert_int %s\n%s'
            '    garp_master_delay 1\n    garp_master_repeat 3\n'
            '    virtual_ipaddress {\n        %s/24 dev eth0\n    }\n'
            '    notify @NOTIFY@\n}\n' % (version, state, prio, advert_int, auth_block, vip))


def master_down(version, advert_int, prio):
    skew = (256 - prio) / 256.0 * (1.0 if version == 2 else advert_int)
    return 3 * advert_int + skew


def _csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum((b[i] << 8) | b[i + 1] for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def vrrp_ipv4_packet(src, dst, vrid, prio, addrs, version=3, interval_cs=10, ttl=255,
                     vtype=1, corrupt_checksum=False, truncate=None):
    """An independent (Python) encoder for VRRPv3/IPv4 test packets."""
    import socket as so
    import struct
    body = bytes([version << 4 | vtype, vrid, prio, len(addrs), interval_cs >> 8,
                  interval_cs & 0xff, 0, 0]) + b''.join(so.inet_aton(a) for a in addrs)
    pseudo = so.inet_aton(src) + so.inet_aton(dst) + struct.pack('!BBH', 0, 112, len(body))
    c = _csum(pseudo + body) ^ (1 if corrupt_checksum else 0)
    body = body[:6] + struct.pack('!H', c) + body[8:]
    if truncate is not None:
        body = body[:truncate]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0xc0, 20 + len(body), 0, 0, ttl, 112, 0,
                     so.inet_aton(src), so.inet_aton(dst))
    ip = ip[:10] + struct.pack('!H', _csum(ip)) + ip[12:]
    return ip + body


def inject(node, packets):
    node.exec(PY, os.path.join(HERE, 'vrrp_inject.py'), *[p.hex() for p in packets])
