#!/usr/bin/env python3
"""dsrlb's Debian package, as an administrator gets it: built from this tree
by dpkg-buildpackage (scripts/package.sh), installed with apt into a clean
Debian 12 root (debootstrap --variant=minbase and systemd, none of dsrlb's
libraries: the package's Depends must bring them), its systemd units
verified there by systemd-analyze, and the installed product started from inside
that root by the command lines its units run, in private namespaces: the
dataplane on a veth in xdp mode, the control plane on a keepalived.conf;
`dsrlbctl list` from the root serves it and SYNs to the VIP come out with
the real server's MAC.
Usage: package_test.py SOURCE_ROOT WORK_DIR [unittest options] (root; the
Debian mirror of /etc/apt reachable)."""
import glob
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'e2e'))
import harness  # noqa: E402

SOURCE, WORK = harness.take_args(['SOURCE_ROOT', 'WORK_DIR'])
SEND_TCP = os.path.join(SOURCE, 'tests', 'e2e', 'dataplane_send_tcp.py')
MIRROR = 'http://deb.debian.org/debian'
UNITS = ['dsrlb-control.service', 'dsrlb-dataplane.service']
UNIT_DIR = '/lib/systemd/system'
WEB1_MAC, WEB2_MAC = '02:00:00:00:01:01', '02:00:00:00:02:02'
CLIENT_IP, SCHEDULER_IP, VIP = '10.99.0.1', '10.99.0.2', '192.0.2.15'


def sh(cmd, timeout=1800, **kw):
    """Runs cmd; its stdout; a non-zero exit raises with its output."""
    r = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout, **kw)
    if r.returncode != 0:
        raise RuntimeError('%s: exit %d:\n%s' % (' '.join(map(str, cmd)), r.returncode,
                                                 r.stdout[-6000:]))
    return r.stdout


def in_root(root, *cmd, binds=()):
    """argv that runs cmd chrooted in root, with /proc and /sys mounted and
    `binds` ((host path, path in root)...) bind-mounted, all in
    a private mount namespace: nothing stays mounted when cmd ends. exec all
    the way down, so the pid is cmd's. The root's /dev/shm stays a plain
    directory that every command in the root shares, as the planes share
    their regions there on a real host."""
    script = ['mount -t proc proc "$R/proc"', 'mount --rbind /sys "$R/sys"']
    script += ['mount --bind %s "$R%s"' % (shlex.quote(h), r) for h, r in binds]
    script.append('exec chroot "$R" "$@"')
    return ['unshare', '--mount', '--propagation', 'private', 'env', 'R=' + root, 'sh', '-c',
            ' && '.join(script), 'in_root'] + list(cmd)


BASE_RECIPE = 'debootstrap --variant=minbase bookworm, then systemd\n'


def base_root():
    """A clean Debian 12 server, made once per build directory (each run
    copies it): debootstrap's minbase, which has none of dsrlb's libraries,
    plus systemd (its units are what systemd-analyze verifies against)."""
    base = os.path.join(WORK, 'bookworm-minbase')
    marker = os.path.join(base, '.complete')
    if os.path.exists(marker):
        with open(marker) as f:
            if f.read() == BASE_RECIPE:
                return base
    tmp = base + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    sh(['unshare', '--mount', '--propagation', 'private', 'debootstrap', '--variant=minbase',
        'bookworm', tmp, MIRROR])
    with open(os.path.join(tmp, 'etc/apt/sources.list'), 'w') as f:
        f.write('deb %s bookworm main\ndeb %s bookworm-updates main\n'
                'deb http://deb.debian.org/debian-security bookworm-security main\n'
                % (MIRROR, MIRROR))
    sh(in_root(tmp, 'apt-get', '-q', 'update'), timeout=600)
    sh(in_root(tmp, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-q', '-y',
               '--no-install-recommends', 'install', 'systemd'), timeout=1200)
    sh(in_root(tmp, 'apt-get', 'clean'))
    with open(os.path.join(tmp, '.complete'), 'w') as f:
        f.write(BASE_RECIPE)
    shutil.rmtree(base, ignore_errors=True)
    os.rename(tmp, base)
    return base


def unit_entries(path):
    """[(key, value)] of a unit file, in order (no sections needed here)."""
    entries = []
    with open(path) as f:
        lines = f.read().splitlines()
    for line in lines:
        line = line.strip()
        if line and not line.startswith(('#', ';', '[')):
            key, _, value = line.partition('=')
            entries.append((key, value))
    return entries


def read_environment(path):
    """An EnvironmentFile as systemd reads it: KEY=VALUE, quotes removed."""
    env = {}
    with open(path) as f:
        lines = f.read().splitlines()
    for line in lines:
        line = line.strip()
        if line and not line.startswith('#'):
            key, _, value = line.partition('=')
            env[key] = ' '.join(shlex.split(value))
    return env


def expand(command, env):
    """A unit's Exec line as systemd runs it: `$VAR` alone is split into
    words, `${VAR}` is one word."""
    argv = []
    for word in shlex.split(command):
        whole = re.fullmatch(r'\$([A-Za-z_][A-Za-z0-9_]*)', word)
        if whole:
            argv += env.get(whole.group(1), '').split()
        else:
            argv.append(re.sub(r'\$\{([A-Za-z_][A-Za-z0-9_]*)\}',
                               lambda m: env.get(m.group(1), ''), word))
    return argv


class PackageTest(harness.E2ETestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(WORK, exist_ok=True)
        cls.deb = sh(['bash', os.path.join(SOURCE, 'scripts', 'package.sh'), WORK],
                     timeout=3000).split()[-1]
        cls.root = os.path.join(WORK, 'root-%d' % os.getpid())
        shutil.rmtree(cls.root, ignore_errors=True)
        sh(['cp', '-a', base_root(), cls.root])
        shutil.copy('/etc/resolv.conf', os.path.join(cls.root, 'etc/resolv.conf'))
        shutil.copy(cls.deb, os.path.join(cls.root, 'tmp'))
        archives = os.path.join(WORK, 'apt-archives')  # downloads kept between runs
        os.makedirs(os.path.join(archives, 'partial'), exist_ok=True)
        binds = [(archives, '/var/cache/apt/archives')]
        sh(in_root(cls.root, 'apt-get', '-q', 'update', binds=binds), timeout=600)
        cls.install_log = sh(in_root(
            cls.root, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-q', '-y',
            'install', '/tmp/' + os.path.basename(cls.deb), binds=binds), timeout=1200)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def path(self, p):
        return os.path.join(self.root, p.lstrip('/'))

    def run_in_root(self, *cmd):
        return subprocess.run(in_root(self.root, *cmd), capture_output=True, text=True,
                              timeout=60)

    def test_apt_brings_every_library_the_binaries_need(self):
        depends = sh(['dpkg-deb', '-f', self.deb, 'Depends'])
        for lib in ['libgrpc++', 'libprotobuf', 'libabsl', 'librte-eal', 'libbpf',
                    'librte-net-af-xdp', 'librte-mempool-ring']:
            self.assertIn(lib, depends, 'Depends lacks %s' % lib)
        for binary in ['/usr/sbin/dsrlb-control', '/usr/sbin/dsrlb-dataplane',
                       '/usr/bin/dsrlbctl', '/usr/bin/dsrlb-region', '/usr/bin/dsrlb-vrrpd']:
            r = self.run_in_root('ldd', binary)
            self.assertEqual(r.returncode, 0, '%s: ldd: %s' % (binary, r.stderr))
            self.assertNotIn('not found', r.stdout, '%s in the clean root:\n%s'
                             % (binary, r.stdout))

    def test_every_binary_prints_its_usage_on_help(self):
        for binary in ['/usr/sbin/dsrlb-control', '/usr/sbin/dsrlb-dataplane',
                       '/usr/bin/dsrlbctl', '/usr/bin/dsrlb-region', '/usr/bin/dsrlb-vrrpd']:
            r = self.run_in_root(binary, '--help')
            self.assertEqual(r.returncode, 0, '%s --help: exit %d: %s'
                             % (binary, r.returncode, r.stderr))
            self.assertTrue(r.stdout.startswith('usage: ' + os.path.basename(binary)),
                            '%s --help printed %r' % (binary, r.stdout[:200]))

    def test_man_pages_are_in_the_package(self):
        listing = sh(['dpkg-deb', '-c', self.deb])
        for page in ['usr/share/man/man8/dsrlb-control.8.gz',
                     'usr/share/man/man8/dsrlb-dataplane.8.gz',
                     'usr/share/man/man1/dsrlbctl.1.gz']:
            self.assertIn('./' + page, listing)

    def test_units_verify(self):
        out = sh(['systemd-analyze', 'verify', '--root', self.root] +
                 [self.path(UNIT_DIR + '/' + u) for u in UNITS])
        self.assertNotIn('dsrlb', out, 'systemd-analyze verify says:\n' + out)

    def test_files_are_where_the_units_point(self):
        for unit in UNITS:
            for key, value in unit_entries(self.path(UNIT_DIR + '/' + unit)):
                if key == 'EnvironmentFile':
                    self.assertTrue(os.path.isfile(self.path(value.lstrip('-'))), value)
                elif key.startswith('Exec'):
                    program = shlex.split(value)[0]
                    self.assertTrue(os.access(self.path(program), os.X_OK),
                                    '%s %s: %s is not installed' % (unit, key, program))
        self.assertTrue(os.path.isfile(self.path(
            read_environment(self.path('/etc/default/dsrlb'))['DSRLB_CONFIG'])))
        # The XDP object, at the path compiled into the dataplane.
        xdp = glob.glob(self.path('/usr/lib/*/dsrlb/dsrlb_xdp.bpf.o'))
        self.assertEqual(len(xdp), 1, 'XDP object: %s' % xdp)
        # (The linker may share the string's tail with another, so look for
        # the directory; the product test below loads it by default.)
        xdp_dir = os.path.dirname('/' + os.path.relpath(xdp[0], self.root)) + '/'
        with open(self.path('/usr/sbin/dsrlb-dataplane'), 'rb') as f:
            self.assertTrue(xdp_dir.encode() in f.read(),
                            'dsrlb-dataplane does not look in %s by default' % xdp_dir)

    def test_control_plane_is_enabled_and_the_dataplane_left_to_the_administrator(self):
        wants = self.path('/etc/systemd/system/multi-user.target.wants')
        self.assertTrue(os.path.islink(os.path.join(wants, 'dsrlb-control.service')))
        self.assertFalse(os.path.lexists(os.path.join(wants, 'dsrlb-dataplane.service')))
        conffiles = sh(['sh', '-c', 'dpkg-deb --ctrl-tarfile "$0" | tar -xOf - ./conffiles',
                        self.deb])
        self.assertEqual(sorted(conffiles.split()), ['/etc/default/dsrlb',
                                                     '/etc/dsrlb/keepalived.conf'])

    def set_environment(self, **values):
        """Edits /etc/default/dsrlb in the root, as an administrator would."""
        path = self.path('/etc/default/dsrlb')
        with open(path) as f:
            text = f.read()
        for key, value in values.items():
            text, n = re.subn(r'(?m)^%s=.*$' % key, '%s="%s"' % (key, value), text)
            self.assertEqual(n, 1, '%s is not in /etc/default/dsrlb' % key)
        with open(path, 'w') as f:
            f.write(text)

    def unit_commands(self, unit):
        """The unit's ExecStartPre and ExecStart lines, expanded."""
        env = read_environment(self.path('/etc/default/dsrlb'))
        entries = unit_entries(self.path(UNIT_DIR + '/' + unit))
        return [(k, expand(v, env)) for k, v in entries if k in ('ExecStartPre', 'ExecStart')]

    def start_unit(self, ns, unit, log):
        """What systemd does for the unit: its ExecStartPre lines, then its
        ExecStart, all inside the root and the namespace."""
        os.makedirs(self.path('/var/lib/dsrlb'), exist_ok=True)  # StateDirectory=
        os.makedirs(self.path('/run/dsrlb'), exist_ok=True)  # RuntimeDirectory=
        for key, argv in self.unit_commands(unit):
            if key == 'ExecStartPre':
                r = subprocess.run(['ip', 'netns', 'exec', ns.name] + in_root(self.root, *argv),
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, 0, '%s %s: %s' % (unit, argv, r.stderr))
            else:
                return ns.start(in_root(self.root, *argv), log)

    def test_installed_units_start_the_product_on_a_keepalived_conf(self):
        lab = self.new_lab()
        c, s = lab.namespace('c'), lab.namespace('s')
        lab.veth(c, 'c0', s, 's0')
        c.addr('c0', CLIENT_IP + '/24')
        s.addr('s0', SCHEDULER_IP + '/24')
        c.up('c0')
        s.up('s0')
        # web1 answers its TCP_CHECK (on the scheduler itself); web2 does not.
        s.addr('lo', '192.0.2.100/32')
        s.start([sys.executable, '-m', 'http.server', '--bind', '192.0.2.100', '80'], 'web1.log')
        shutil.copy(os.path.join(HERE, 'keepalived.conf'),
                    self.path('/etc/dsrlb/keepalived.conf'))
        self.set_environment(
            DSRLB_CONTROL_ARGS='--interface s0 --static-neighbor 192.0.2.100=%s '
                               '--static-neighbor 192.0.2.200=%s' % (WEB1_MAC, WEB2_MAC),
            DSRLB_DATAPLANE_ARGS='--no-huge -m 256 --no-pci --no-telemetry -l 0-1 -- '
                                 '--xdp-iface s0 --flow-table-size 1024 --idle-sleep-us 100',
            DSRLB_HUGEPAGES='0')
        # Started in the units' order: dataplane, then control plane.
        dataplane = self.start_unit(s, 'dsrlb-dataplane.service', 'dataplane.log')
        control = self.start_unit(s, 'dsrlb-control.service', 'control.log')

        # The health checks run: web2, which nothing answers, leaves the ring
        # (weight 0); web1 keeps its weight 1.
        def listed():
            r = subprocess.run(['ip', 'netns', 'exec', s.name] +
                               in_root(self.root, '/usr/bin/dsrlbctl', 'list'),
                               capture_output=True, text=True, timeout=30)
            return r.stdout if re.search(r'192\.0\.2\.200:80\s+Route\s+0\b', r.stdout) else ''
        out = harness.wait_for(listed, 'dsrlbctl list to show web2 down (weight 0)', 30)
        self.assertIn('TCP  192.0.2.15:80 wrr', out)
        self.assertRegex(out, r'192\.0\.2\.100:80\s+Route\s+1\b', 'web1 (answering) is up')
        harness.wait_for(lambda: 'XDP steers 2 VIP keys' in dataplane.log(),
                         'the dataplane to steer the VIP', 60)
        self.assertTrue(s.has_xdp('s0'), 'no XDP program on s0')

        # Ten flows to the VIP leave the dataplane for web1's MAC.
        cap = lab.path('web1.cap')
        tcpdump = c.start(['tcpdump', '-i', 'c0', '-n', '-U', '-w', cap,
                           'ether dst ' + WEB1_MAC], 'tcpdump.log')
        harness.wait_for(lambda: 'listening' in tcpdump.log(), 'tcpdump to start', 10)
        c.exec(sys.executable, SEND_TCP, 'c0', s.mac('s0'), CLIENT_IP, VIP, '80', '10')

        def captured():
            r = subprocess.run(['tcpdump', '-r', cap, '-n'], capture_output=True, text=True)
            return len(r.stdout.splitlines())
        harness.poll(lambda: captured() >= 10, 10, 0.1)
        tcpdump.stop(signal.SIGINT)
        self.assertEqual(captured(), 10, 'frames to web1 through the installed dataplane')

        # Stopped as systemd stops them: control plane first, then dataplane.
        self.assertEqual(control.stop(signal.SIGTERM, timeout=30), 0, control.log())
        self.assertEqual(dataplane.stop(signal.SIGTERM, timeout=30), 0, dataplane.log())
        self.assertFalse(s.has_xdp('s0'), 'XDP program left attached')


if __name__ == '__main__':
    harness.main()
