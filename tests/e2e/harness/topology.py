"""Topology: a Lab owns the namespaces, links, processes and files of one
test, under a prefix unique to that test (tests run side by side), and
tears all of it down on close(). Links live in the Lab's namespaces only,
so deleting the namespaces deletes them: nothing is added to the root
namespace."""
import itertools
import os
import shutil
import signal
import subprocess
import tempfile

from harness.cleanup import register, unregister
from harness.processes import Process

_serial = itertools.count()
_DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz'


def _base36(n):
    s = ''
    while True:
        n, d = divmod(n, 36)
        s = _DIGITS[d] + s
        if not n:
            return s


def unique_prefix():
    """'e' + pid + serial in base 36: unique on the machine while this
    process lives, and at most 8 characters, so PREFIX-name fits the 15
    characters of an interface name for names up to 6."""
    return 'e%s%s' % (_base36(os.getpid()), _base36(next(_serial)))


def run(cmd, check=True, timeout=60):
    """Runs cmd; its stdout. check: a non-zero exit raises with stderr."""
    r = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError('%s: exit %d: %s' % (' '.join(map(str, cmd)), r.returncode,
                                                r.stderr.strip()))
    return r.stdout


class Namespace:
    def __init__(self, lab, name):
        self.lab, self.name = lab, name

    def exec(self, *cmd, check=True, timeout=60):
        return run(['ip', 'netns', 'exec', self.name] + list(cmd), check=check, timeout=timeout)

    def ip(self, *args, check=True):
        return run(['ip', '-n', self.name] + list(args), check=check)

    def up(self, dev):
        self.ip('link', 'set', dev, 'up')

    def down(self, dev):
        self.ip('link', 'set', dev, 'down')

    def addr(self, dev, cidr, *extra):
        self.ip('addr', 'add', cidr, 'dev', dev, *extra)

    def sysctl(self, *settings):
        """settings: 'net.ipv4.conf.all.arp_ignore=1', ..."""
        self.exec('sysctl', '-q', '-w', *settings)

    def mac(self, dev):
        import json
        return json.loads(self.ip('-j', 'link', 'show', dev))[0]['address']

    def has_addr(self, dev, addr):
        return (' %s/' % addr) in self.ip('-o', 'addr', 'show', 'dev', dev)

    def has_xdp(self, dev):
        return 'prog/xdp' in self.ip('link', 'show', dev)

    def pids(self):
        return [int(p) for p in run(['ip', 'netns', 'pids', self.name], check=False).split()]

    def start(self, cmd, log, env=None, stdout=None):
        """A process in this namespace, its output in the Lab's LOG file."""
        return self.lab.start(cmd, log, ns=self, env=env, stdout=stdout)

    def __str__(self):
        return self.name


class Lab:
    """One test's namespaces, processes and files (in `dir`, on /dev/shm)."""

    def __init__(self, prefix=None, workdir=None):
        self.prefix = prefix or unique_prefix()
        self.dir = workdir or tempfile.mkdtemp(prefix='dsrlb-e2e-%s-' % self.prefix,
                                               dir='/dev/shm')
        os.makedirs(self.dir, exist_ok=True)
        self.namespaces = []
        self.processes = []
        self._on_close = []
        self.closed = False
        self.keep_dir = False  # a test case keeps it for the logs of a failure
        register(self)

    # --- topology -------------------------------------------------------
    def namespace(self, name):
        """A new namespace PREFIX-name with lo up."""
        ns = self.adopt('%s-%s' % (self.prefix, name))
        run(['ip', 'netns', 'add', ns.name])
        ns.up('lo')
        return ns

    def adopt(self, full_name):
        """A namespace someone else makes (a script): deleted on close."""
        ns = Namespace(self, full_name)
        self.namespaces.append(ns)
        return ns

    def veth(self, a, a_if, b, b_if, a_mac=None, b_mac=None):
        """A veth pair a_if (in namespace a) <-> b_if (in b), both down."""
        cmd = ['ip', 'link', 'add', a_if, 'netns', a.name]
        cmd += ['address', a_mac] if a_mac else []
        cmd += ['type', 'veth', 'peer', 'name', b_if, 'netns', b.name]
        cmd += ['address', b_mac] if b_mac else []
        run(cmd)

    def bridge(self, ns, name='br0', **options):
        """A bridge in `ns`, up; options are `ip link add ... type bridge` ones."""
        args = [str(x) for kv in options.items() for x in kv]
        ns.ip('link', 'add', name, 'type', 'bridge', *args)
        ns.up(name)

    def attach(self, ns, port, bridge='br0'):
        ns.ip('link', 'set', port, 'master', bridge, 'up')

    # --- processes and files --------------------------------------------
    def path(self, name):
        return os.path.join(self.dir, name)

    def start(self, cmd, log, ns=None, env=None, stdout=None):
        p = Process(cmd, self.path(log), ns=ns.name if ns else None, env=env, stdout=stdout)
        self.processes.append(p)
        return p

    def on_close(self, fn):
        """fn() runs first on close (a script's own tear-down)."""
        self._on_close.append(fn)

    def logs(self, tail=4000):
        """The last `tail` characters of every *.log in the Lab's folder."""
        out = []
        if os.path.isdir(self.dir):
            for name in sorted(os.listdir(self.dir)):
                if name.endswith('.log'):
                    with open(self.path(name), errors='replace') as f:
                        out.append('--- %s ---\n%s' % (name, f.read()[-tail:]))
        return '\n'.join(out)

    # --- clean-up -------------------------------------------------------
    def close(self):
        """Stops every process, runs the on_close hooks, kills whatever is
        left in the namespaces and deletes them (and so their links), and
        removes the folder unless keep_dir (then remove_dir() does). Safe to
        call again, also from a signal handler that interrupted a close: it
        finishes what is left."""
        self.closed = True
        errors = []
        for p in reversed(self.processes):
            try:
                p.kill()
            except Exception as e:  # the others still go
                errors.append('%r: %s' % (p, e))
        while self._on_close:
            fn = self._on_close.pop()
            try:
                fn()
            except Exception as e:  # the namespaces still go
                errors.append('%s: %s' % (getattr(fn, '__name__', fn), e))
        for ns in self.namespaces:
            if not os.path.exists('/run/netns/' + ns.name):
                continue
            for pid in ns.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            run(['ip', 'netns', 'del', ns.name], check=False)
        left = [ns.name for ns in self.namespaces if os.path.exists('/run/netns/' + ns.name)]
        unregister(self)
        if not self.keep_dir:
            self.remove_dir()
        if left:
            errors.append('namespaces left behind: %s' % left)
        if errors:
            raise RuntimeError('; '.join(errors))

    def remove_dir(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def __repr__(self):
        return 'Lab(%s)' % self.prefix
