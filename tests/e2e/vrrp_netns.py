"""Namespaces on a bridge for the VRRP end-to-end tests and the failover
benchmark: VRRP nodes (dsrlb-vrrpd or keepalived) and an ARP-probing client,
all torn down on exit, even on failure. Names carry the pid."""
import atexit
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, 'vrrp_arp_probe.py')
PY = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable
KEEPALIVED = '/usr/sbin/keepalived'
_serial = itertools.count()
_labs = []


def run(cmd, check=True):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError('%s: %s' % (' '.join(cmd), r.stderr.strip()))
    return r.stdout


def _cleanup_all(*_):
    for lab in list(_labs):
        lab.close()


atexit.register(_cleanup_all)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, lambda s, f: (_cleanup_all(), os._exit(128 + s)))


class Node:
    def __init__(self, lab, name, ip):
        self.lab, self.name, self.ip = lab, name, ip
        self.ns = '%s%s' % (lab.prefix, name)
        self.proc = None
        self.kind = None
        self.files = {}

    def exec(self, *cmd, check=True):
        return run(['ip', 'netns', 'exec', self.ns] + list(cmd), check=check)

    @property
    def mac(self):
        info = json.loads(run(['ip', '-n', self.ns, '-j', 'link', 'show', 'eth0']))
        return info[0]['address']

    def has_vip(self, vip):
        out = run(['ip', '-n', self.ns, '-o', 'addr', 'show', 'dev', 'eth0'])
        return (' %s/' % vip) in out

    def link(self, up):
        run(['ip', '-n', self.ns, 'link', 'set', 'eth0', 'up' if up else 'down'])

    def start_dsrlb(self, vrrpd, instance):
        self.start_dsrlb_config(vrrpd, {'vrrp_instance': [instance]})

    def start_dsrlb_keepalived_conf(self, vrrpd, conf):
        """dsrlb-vrrpd --config on a keepalived.conf text (@NOTIFY@ → a no-op)."""
        self.kind = 'dsrlb'
        cfg = os.path.join(self.lab.dir, '%s.dsrlb.conf' % self.name)
        status = os.path.join(self.lab.dir, '%s.status.json' % self.name)
        if os.path.exists(status):
            os.unlink(status)
        with open(cfg, 'w') as f:
            f.write(conf.replace('@NOTIFY@', '/bin/true'))
        self.files['status'] = status
        log = open(os.path.join(self.lab.dir, '%s.log' % self.name), 'a')
        self.proc = subprocess.Popen(
            ['ip', 'netns', 'exec', self.ns, vrrpd, '--config', cfg, '--status-file', status],
            stdout=log, stderr=subprocess.STDOUT)

    def start_dsrlb_config(self, vrrpd, config):
        """dsrlb-vrrpd --config on a config given as {section: ...} (keepalived_text)."""
        self.start_dsrlb_keepalived_conf(vrrpd, keepalived_text(config))

    def start_keepalived(self, conf):
        self.kind = 'keepalived'
        d = self.lab.dir
        state = os.path.join(d, '%s.kstate' % self.name)
        notify = os.path.join(d, '%s.notify.sh' % self.name)
        with open(notify, 'w') as f:
            f.write('#!/bin/sh\necho "$3" > %s\n' % state)
        os.chmod(notify, 0o755)
        if os.path.exists(state):
            os.unlink(state)
        self.files['kstate'] = state
        cfg = os.path.join(d, '%s.keepalived.conf' % self.name)
        with open(cfg, 'w') as f:
            f.write(conf.replace('@NOTIFY@', notify))
        log = open(os.path.join(d, '%s.log' % self.name), 'a')
        pid = lambda s: os.path.join(d, '%s.%s.pid' % (self.name, s))
        self.proc = subprocess.Popen(
            ['ip', 'netns', 'exec', self.ns, KEEPALIVED, '--vrrp', '-n', '-l', '-D', '-f', cfg,
             '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('checkers')],
            stdout=log, stderr=subprocess.STDOUT)

    def stop(self, sig=signal.SIGTERM, wait=True):
        if self.proc and self.proc.poll() is None:
            # `ip netns exec` execs the daemon, so the pid is the daemon's.
            os.kill(self.proc.pid, sig)
            if wait:
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.kill(self.proc.pid, signal.SIGKILL)
                    self.proc.wait()
        if self.kind == 'keepalived' and sig == signal.SIGKILL:
            # keepalived's VRRP child is its own process: kill it too.
            pidfile = os.path.join(self.lab.dir, '%s.vrrp.pid' % self.name)
            try:
                os.kill(int(open(pidfile).read()), signal.SIGKILL)
            except (OSError, ValueError):
                pass

    def status(self, index=0):
        """(state, master_ip or None) as this node sees it."""
        if self.kind == 'dsrlb':
            try:
                s = json.load(open(self.files['status']))[index]
            except (OSError, ValueError, IndexError):
                return (None, None)
            return (s['state'], s['master'] or None)
        try:
            st = open(self.files['kstate']).read().strip()
        except OSError:
            st = None
        return (st, None)


class Lab:
    """Bridge namespace + nodes + client on 10.77.N.0/24."""

    def __init__(self, nodes=('a', 'b'), workdir=None):
        n = next(_serial)
        self.prefix = 'dsv%d-%d' % (os.getpid(), n)
        self.net = '10.%d.%d' % (77 + (os.getpid() >> 8) % 100, os.getpid() % 250)
        self.dir = workdir or '/dev/shm/dsrlb-vrrp-%d-%d' % (os.getpid(), n)
        os.makedirs(self.dir, exist_ok=True)
        self.br = self.prefix + 'br'
        self.nodes = {}
        self.probe = None
        self.procs = []  # other helpers started in the namespaces, killed on close
        self.replies = []
        self.closed = False
        _labs.append(self)
        run(['ip', 'netns', 'add', self.br])
        run(['ip', '-n', self.br, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0'])
        run(['ip', '-n', self.br, 'link', 'set', 'br0', 'up'])
        for i, name in enumerate(list(nodes) + ['client']):
            ip = '%s.%d' % (self.net, 100 if name == 'client' else i + 1)
            node = Node(self, name, ip)
            run(['ip', 'netns', 'add', node.ns])
            # IPv6 VRRP sends from the link-local address: skip DAD so it is
            # usable at once.
            node.exec('sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0')
            port = 'p%s' % name[:8]
            run(['ip', '-n', self.br, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0',
                 'netns', node.ns])
            run(['ip', '-n', self.br, 'link', 'set', port, 'master', 'br0', 'up'])
            run(['ip', '-n', node.ns, 'link', 'set', 'lo', 'up'])
            run(['ip', '-n', node.ns, 'addr', 'add', ip + '/24', 'dev', 'eth0'])
            run(['ip', '-n', node.ns, 'link', 'set', 'eth0', 'up'])
            self.nodes[name] = node
        self.vip = '%s.50' % self.net

    def __getitem__(self, name):
        return self.nodes[name]

    def start_probe(self, interval=0.005):
        self.probe = subprocess.Popen(
            ['ip', 'netns', 'exec', self.nodes['client'].ns, PY, PROBE, '--dev', 'eth0',
             '--vip', self.vip, '--interval', str(interval)],
            stdout=subprocess.PIPE, text=True)

        def reader():
            for line in self.probe.stdout:
                t, mac = line.split()
                self.replies.append((float(t), mac))
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
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return True
            time.sleep(step)
        return cond()

    def logs(self):
        out = []
        for name in self.nodes:
            p = os.path.join(self.dir, '%s.log' % name)
            if os.path.exists(p):
                out.append('--- %s ---\n%s' % (name, open(p).read()[-4000:]))
        return '\n'.join(out)

    def close(self):
        if self.closed:
            return
        self.closed = True
        for p in [self.probe] + self.procs:
            if p and p.poll() is None:
                p.kill()
                p.wait()
        for node in self.nodes.values():
            try:
                node.stop(signal.SIGKILL)
            except OSError:
                pass
        for node in self.nodes.values():
            run(['ip', 'netns', 'del', node.ns], check=False)
        run(['ip', 'netns', 'del', self.br], check=False)
        subprocess.run(['rm', '-rf', self.dir])
        if self in _labs:
            _labs.remove(self)


def skip_unless_root():
    if os.geteuid() != 0:
        print('SKIP: needs root for network namespaces')
        sys.exit(77)


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
