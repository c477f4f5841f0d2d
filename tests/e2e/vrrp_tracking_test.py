#!/usr/bin/env python3
"""Tracking, notify scripts and sync groups with two dsrlb-vrrpd nodes:
a failing track_script with a negative weight lets the backup preempt, a
track_interface going down puts the instance in FAULT, a sync group takes
its other member along, and notify / notify_master scripts run with
keepalived's arguments."""
import json
import os
import sys

import subprocess

from vrrp_netns import PY, Lab, dsrlb_instance, skip_unless_root

failures = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        failures.append(what)


def main(vrrpd):
    skip_unless_root()
    lab = Lab()
    try:
        a, b = lab['a'], lab['b']
        a.exec('ip', 'link', 'add', 'trk0', 'type', 'veth', 'peer', 'name', 'trk1')
        a.exec('ip', 'link', 'set', 'trk1', 'up')
        a.exec('ip', 'link', 'set', 'trk0', 'up')
        flag = os.path.join(lab.dir, 'fail')
        notes = {n: os.path.join(lab.dir, '%s.notify' % n) for n in ('a', 'b')}
        vip2 = lab.vip.rsplit('.', 1)[0] + '.51'

        def config(node, prio, grouped):
            i1 = dsrlb_instance(node.ip, lab.vip, prio, 3, 0.1)
            i1['notify'] = 'echo >> %s' % notes[node.name]
            i1['notify_master'] = 'touch %s.master' % notes[node.name]
            cfg = {'vrrp_script': [{'name': 'chk', 'script': 'test ! -e %s' % flag,
                                    'interval': 0.05, 'fall': 2, 'rise': 2}],
                   'vrrp_instance': [i1]}
            if node is a and not grouped:
                i1['track_script'] = [{'name': 'chk', 'weight': -150}]
            if grouped:
                i2 = dsrlb_instance(node.ip, vip2, prio, 3, 0.1)
                i2.update(name='VI_2', virtual_router_id=52)
                if node is a:
                    i2['track_interface'] = ['trk0']
                cfg['vrrp_instance'].append(i2)
                cfg['vrrp_sync_group'] = [{'name': 'G', 'group': ['VI_1', 'VI_2']}]
            return cfg

        # A mail server inside a's namespace (its own loopback: no clash).
        mails = os.path.join(lab.dir, 'mail.txt')
        smtpd = subprocess.Popen(
            ['ip', 'netns', 'exec', a.ns, PY, '-m', 'aiosmtpd', '-n', '-l', '127.0.0.1:2525',
             '-c', 'aiosmtpd.handlers.Debugging'], stdout=open(mails, 'w'),
            stderr=subprocess.STDOUT)
        lab.procs.append(smtpd)
        lab.wait(lambda: ':09DD ' in a.exec('cat', '/proc/net/tcp'), 10)
        cfg_a = config(a, 200, False)
        cfg_a['global_defs'] = {'router_id': 'lvs-a', 'smtp_server': '127.0.0.1',
                                'smtp_port': 2525, 'notification_email': ['ops@example.com'],
                                'notification_email_from': 'vrrp@lvs-a'}
        cfg_a['vrrp_instance'][0]['smtp_alert'] = True
        a.start_dsrlb_config(vrrpd, cfg_a)
        b.start_dsrlb_config(vrrpd, config(b, 100, False))

        def master(node, other):
            return lab.wait(lambda: node.status(0)[0] == 'MASTER' and node.has_vip(lab.vip) and
                            other.status(0)[0] in ('BACKUP', 'FAULT') and
                            not other.has_vip(lab.vip), 5)
        check(master(a, b), 'a (200) is master')
        check(lab.wait(lambda: os.path.exists(notes['a'] + '.master'), 2),
              'notify_master ran on a')
        check(lab.wait(lambda: 'INSTANCE VI_1 MASTER 200' in open(notes['a']).read(), 2),
              'notify ran on a with "INSTANCE VI_1 MASTER 200"')
        want = 'Subject: [lvs-a] VRRP Instance VI_1 - Entering MASTER state'
        check(lab.wait(lambda: want in open(mails).read(), 5), 'smtp_alert mailed "%s"' % want)
        smtpd.kill()
        smtpd.wait()

        # track_script fails: a advertises 200-150 = 50, b (100) preempts.
        open(flag, 'w').close()
        check(master(b, a), 'failing track_script (weight -150): b preempts')
        check(lab.wait(lambda: a.status(0)[0] == 'BACKUP' and
                       'INSTANCE VI_1 BACKUP 50' in open(notes['a']).read(), 2),
              'a is BACKUP at priority 50 and its notify said so')
        check(os.path.exists(notes['b'] + '.master'), 'notify_master ran on b')
        os.unlink(flag)
        check(master(a, b), 'track_script passes again: a preempts back')

        # A sync group: VI_2 tracks trk0 (weight 0); when it fails the whole
        # group goes to FAULT and b takes both.
        a.stop()
        b.stop()
        a.start_dsrlb_config(vrrpd, config(a, 200, True))
        b.start_dsrlb_config(vrrpd, config(b, 100, True))

        def masters(node):
            return lab.wait(lambda: [node.status(i)[0] for i in (0, 1)] == ['MASTER'] * 2 and
                            node.has_vip(lab.vip) and node.has_vip(vip2), 5)
        check(masters(a), 'sync group: a is master of both instances')
        # Both started together, so b may have claimed briefly at startup:
        # count from here.
        base = [i['counters']['became_master'] for i in json.load(open(b.files['status']))]
        a.exec('ip', 'link', 'set', 'trk0', 'down')
        check(lab.wait(lambda: [a.status(i)[0] for i in (0, 1)] == ['FAULT'] * 2, 3),
              'trk0 down: VI_2 and, by its sync group, VI_1 are FAULT on a')
        check(masters(b), 'b is master of both')
        a.exec('ip', 'link', 'set', 'trk0', 'up')
        check(masters(a), 'trk0 up: a is master of both again')
        st = json.load(open(b.files['status']))
        flips = [i['counters']['became_master'] - n for i, n in zip(st, base)]
        check(flips == [1, 1], 'sync group: b became master once per instance, no flapping '
              '(%s)' % flips)
    finally:
        if failures:
            print(lab.logs())
        lab.close()
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
