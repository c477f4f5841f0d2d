#!/usr/bin/env python3
"""dsrlb-vrrpd against Debian's keepalived 2.2.7 on one VRID: VRRPv2 with
PASS and advert_int 1, and VRRPv3 with advert_int 0.1. Each side is master
and backup in turn; after every failure the VIP answers ARP from the new
master within the master-down interval plus a margin, only one node holds
the VIP, and both agree on who is master."""
import os
import signal
import sys
import time

from vrrp_netns import (KEEPALIVED, Lab, dsrlb_instance, keepalived_conf, master_down,
                        skip_unless_root)

MARGIN = 1.0
failures = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        failures.append(what)


def settled(lab, master, backup, timeout):
    d = lab['d']

    def ok():
        dstate, dmaster = d.status()
        kstate, _ = lab['k'].status()
        want_d = 'MASTER' if master == 'd' else 'BACKUP'
        want_k = 'MASTER' if master == 'k' else 'BACKUP'
        return (dstate == want_d and kstate == want_k and dmaster == lab[master].ip and
                lab[master].has_vip(lab.vip) and not lab[backup].has_vip(lab.vip))
    good = lab.wait(ok, timeout)
    if good:
        since = time.monotonic()
        time.sleep(0.3)
        good = lab.repliers(since) == {lab[master].mac}
    return good


def failover(lab, new_master, action, limit, what):
    t0 = time.monotonic()
    action()
    t1 = lab.first_reply(lab[new_master].mac, t0, limit + 3)
    took = None if t1 is None else t1 - t0
    check(took is not None and took <= limit,
          '%s: VIP answered from %s after %s s (limit %.2f s)' %
          (what, new_master, 'never' if took is None else '%.3f' % took, limit))


def scenario(vrrpd, version, adv, auth):
    tag = 'v%d advert_int %s%s' % (version, adv, ' PASS' if auth else '')
    lab = Lab(nodes=('d', 'k'))
    try:
        d, k = lab['d'], lab['k']
        lab.start_probe()
        settle = 2 * master_down(version, adv, 100) + 3
        # dsrlb master, keepalived backup.
        k.start_keepalived(keepalived_conf(lab.vip, 100, version, adv, auth=auth))
        d.start_dsrlb(vrrpd, dsrlb_instance(d.ip, lab.vip, 150, version, adv, 'MASTER', auth))
        check(settled(lab, 'd', 'k', settle), '%s: dsrlb (150) master, keepalived backup' % tag)
        failover(lab, 'k', lambda: d.link(False), master_down(version, adv, 100) + MARGIN,
                 '%s: dsrlb link down' % tag)
        check(lab.wait(lambda: k.has_vip(lab.vip) and not d.has_vip(lab.vip), 2),
              '%s: only keepalived holds the VIP' % tag)
        d.link(True)
        check(settled(lab, 'd', 'k', settle), '%s: dsrlb preempts keepalived again' % tag)
        skew = (256 - 100) / 256.0 * (1.0 if version == 2 else adv)
        failover(lab, 'k', lambda: d.stop(signal.SIGTERM), skew + MARGIN,
                 '%s: dsrlb stopped (priority 0)' % tag)

        # keepalived master, dsrlb backup; dsrlb now reads the very same
        # keepalived.conf, only its priority differs (a node-by-node migration).
        d.stop(signal.SIGTERM)
        k.stop(signal.SIGTERM)
        k.start_keepalived(keepalived_conf(lab.vip, 150, version, adv, auth=auth))
        d.start_dsrlb_keepalived_conf(vrrpd, keepalived_conf(lab.vip, 100, version, adv,
                                                             auth=auth))
        check(settled(lab, 'k', 'd', settle),
              '%s: keepalived (150) master, dsrlb (same keepalived.conf, 100) backup' % tag)
        failover(lab, 'd', lambda: k.link(False), master_down(version, adv, 100) + MARGIN,
                 '%s: keepalived link down' % tag)
        check(lab.wait(lambda: d.has_vip(lab.vip) and not k.has_vip(lab.vip), 2),
              '%s: only dsrlb holds the VIP' % tag)
        k.link(True)
        check(settled(lab, 'k', 'd', settle), '%s: keepalived preempts dsrlb again' % tag)
        # keepalived stops: priority 0, dsrlb takes over after Skew_Time.
        failover(lab, 'd', lambda: k.stop(signal.SIGTERM), skew + MARGIN,
                 '%s: keepalived stopped (priority 0)' % tag)
        drops = __import__('json').load(open(d.files['status']))[0]['counters']['drops']
        check(sum(drops.values()) == 0, '%s: dsrlb dropped no keepalived advert: %s' % (
            tag, {r: n for r, n in drops.items() if n}))
        klog = open(os.path.join(lab.dir, 'k.log')).read().lower()
        complaints = [w for w in ('bogus', 'invalid', 'mismatch', 'checksum', 'dropping')
                      if w in klog]
        check(not complaints, '%s: keepalived found no fault with dsrlb adverts %s' % (
            tag, complaints))
    finally:
        if failures:
            print(lab.logs())
        lab.close()


def main(vrrpd):
    skip_unless_root()
    if not os.path.exists(KEEPALIVED):
        print('SKIP: %s is not installed' % KEEPALIVED)
        return 77
    scenario(vrrpd, 3, 0.1, None)
    scenario(vrrpd, 2, 1, 's3cr3t')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
