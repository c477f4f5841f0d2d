#!/usr/bin/env python3
"""Failover benchmark: dsrlb-vrrpd pair vs keepalived pair, same settings,
same run. Failure = link down on the master; failover = until the VIP
answers ARP from the backup (probed every 2 ms from a client namespace).
Also the CPU used by master and backup with 10 ms adverts. Prints figures;
never pass/fail. Needs root.

usage: perf/vrrp/failover_bench.py [--vrrpd build/controlplane/vrrp/dsrlb-vrrpd]
                                    [--trials-v2 3] [--trials-v3 7]
"""
import argparse
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                'tests', 'e2e'))
from vrrp_netns import Lab, dsrlb_instance, keepalived_conf, master_down  # noqa: E402

PROBE_INTERVAL = 0.002


def start(lab, impl, node, prio, version, adv, state, vrrpd, auth):
    n = lab[node]
    if impl == 'dsrlb':
        n.start_dsrlb(vrrpd, dsrlb_instance(n.ip, lab.vip, prio, version, adv, state, auth))
    else:
        n.start_keepalived(keepalived_conf(lab.vip, prio, version, adv, state, auth))


def settled(lab, master, backup, timeout):
    return lab.wait(lambda: lab[master].has_vip(lab.vip) and not lab[backup].has_vip(lab.vip),
                    timeout)


def trials(impl, version, adv, n, vrrpd, rng):
    auth = 'bench' if version == 2 else None
    lab = Lab()
    out = []
    try:
        start(lab, impl, 'a', 200, version, adv, 'MASTER', vrrpd, auth)
        start(lab, impl, 'b', 100, version, adv, 'BACKUP', vrrpd, auth)
        lab.start_probe(PROBE_INTERVAL)
        limit = 2 * master_down(version, adv, 100) + 5
        for _ in range(n):
            if not settled(lab, 'a', 'b', limit):
                print('  %s: pair did not settle, trial skipped' % impl, file=sys.stderr)
                continue
            time.sleep(rng.uniform(0, adv) + 3 * adv)  # a random phase against the adverts
            t0 = time.monotonic()
            lab['a'].link(False)
            t1 = lab.first_reply(lab['b'].mac, t0, limit)
            if t1 is not None:
                out.append(t1 - t0)
            lab['a'].link(True)
    finally:
        lab.close()
    return out


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def cpu_use(impl, vrrpd, seconds=5.0):
    lab = Lab()
    try:
        start(lab, impl, 'a', 200, 3, 0.01, 'MASTER', vrrpd, None)
        start(lab, impl, 'b', 100, 3, 0.01, 'BACKUP', vrrpd, None)
        settled(lab, 'a', 'b', 10)
        time.sleep(0.5)
        pids = {}
        for node in ('a', 'b'):
            if impl == 'dsrlb':
                pids[node] = [lab[node].proc.pid]
            else:  # the parent and its VRRP child
                pids[node] = [lab[node].proc.pid]
                try:
                    pids[node].append(int(open(os.path.join(lab.dir, '%s.vrrp.pid' % node)).read()))
                except (OSError, ValueError):
                    pass
        before = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
        time.sleep(seconds)
        after = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
        return {k: 100.0 * (after[k] - before[k]) / seconds for k in pids}
    finally:
        lab.close()


def fmt(xs):
    if not xs:
        return 'no data'.ljust(24)
    return '%.3f / %.3f / %.3f (n=%d)' % (min(xs), statistics.median(xs), max(xs), len(xs))


def main():
    if os.geteuid() != 0:
        sys.exit('failover_bench: needs root (network namespaces)')
    ap = argparse.ArgumentParser()
    ap.add_argument('--vrrpd', default='build/controlplane/vrrp/dsrlb-vrrpd')
    ap.add_argument('--trials-v2', type=int, default=3)
    ap.add_argument('--trials-v3', type=int, default=7)
    a = ap.parse_args()
    vrrpd = os.path.abspath(a.vrrpd)
    rng = random.Random(42)
    settings = [(2, 1.0, a.trials_v2), (3, 0.1, a.trials_v3), (3, 0.01, a.trials_v3)]
    print('failover after link down on the master (prio 200 -> backup prio 100), seconds')
    print('min / median / max; the floor is the RFC master-down interval of the backup,')
    print('counted from the last advert it heard (so a trial can land below it)\n')
    print('%-22s %-11s %-32s %-32s' % ('setting', 'master-down', 'dsrlb-vrrpd', 'keepalived 2.2.7'))
    for version, adv, n in settings:
        row = {}
        for impl in ('dsrlb', 'keepalived'):
            row[impl] = trials(impl, version, adv, n, vrrpd, rng)
        name = 'v%d advert_int %g%s' % (version, adv, ' PASS' if version == 2 else '')
        print('%-22s %-11.3f %-32s %-32s' % (name, master_down(version, adv, 100),
                                            fmt(row['dsrlb']), fmt(row['keepalived'])), flush=True)
    print('\nCPU with 10 ms adverts (v3), % of one core over 5 s')
    print('%-12s %-10s %-10s' % ('', 'master', 'backup'))
    for impl in ('dsrlb', 'keepalived'):
        c = cpu_use(impl, vrrpd)
        print('%-12s %-10.2f %-10.2f' % (impl, c['a'], c['b']), flush=True)


if __name__ == '__main__':
    main()
