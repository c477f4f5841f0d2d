#!/usr/bin/env python3
"""Tracking, notify scripts and sync groups with two dsrlb-vrrpd nodes:
a failing track_script with a negative weight lets the backup preempt, a
track_interface going down puts the instance in FAULT, a sync group takes
its other member along, and notify / notify_master scripts run with
keepalived's arguments.
Usage: vrrp_tracking_test.py DSRLB_VRRPD [unittest options] (root)."""
import os

import harness
from vrrp_netns import PY, VrrpTestCase, dsrlb_instance, read_json, read_text

VRRPD, = harness.take_args(['DSRLB_VRRPD'])


class TrackingTest(VrrpTestCase):
    def setUp(self):
        self.lab = lab = self.vrrp_lab()
        self.a, self.b = lab['a'], lab['b']
        self.a.exec('ip', 'link', 'add', 'trk0', 'type', 'veth', 'peer', 'name', 'trk1')
        self.a.exec('ip', 'link', 'set', 'trk1', 'up')
        self.a.exec('ip', 'link', 'set', 'trk0', 'up')
        self.flag = lab.path('fail')
        self.notes = {n: lab.path('%s.notify' % n) for n in ('a', 'b')}
        self.vip2 = lab.vip.rsplit('.', 1)[0] + '.51'

    def config(self, node, prio, grouped):
        i1 = dsrlb_instance(node.ip, self.lab.vip, prio, 3, 0.1)
        i1['notify'] = 'echo >> %s' % self.notes[node.name]
        i1['notify_master'] = 'touch %s.master' % self.notes[node.name]
        cfg = {'vrrp_script': [{'name': 'chk', 'script': 'test ! -e %s' % self.flag,
                                'interval': 0.05, 'fall': 2, 'rise': 2}],
               'vrrp_instance': [i1]}
        if node is self.a and not grouped:
            i1['track_script'] = [{'name': 'chk', 'weight': -150}]
        if grouped:
            i2 = dsrlb_instance(node.ip, self.vip2, prio, 3, 0.1)
            i2.update(name='VI_2', virtual_router_id=52)
            if node is self.a:
                i2['track_interface'] = ['trk0']
            cfg['vrrp_instance'].append(i2)
            cfg['vrrp_sync_group'] = [{'name': 'G', 'group': ['VI_1', 'VI_2']}]
        return cfg

    def master(self, node, other):
        lab = self.lab
        return lab.wait(lambda: node.status(0)[0] == 'MASTER' and node.has_vip(lab.vip) and
                        other.status(0)[0] in ('BACKUP', 'FAULT') and
                        not other.has_vip(lab.vip), 5)

    def masters(self, node):
        return self.lab.wait(lambda: [node.status(i)[0] for i in (0, 1)] == ['MASTER'] * 2 and
                             node.has_vip(self.lab.vip) and node.has_vip(self.vip2), 5)

    def notes_of(self, name):
        return read_text(self.notes[name])

    def test_notify_scripts_and_smtp_alert_report_master_and_track_script_moves_mastership(self):
        lab, a, b = self.lab, self.a, self.b
        # A mail server inside a's namespace (its own loopback: no clash).
        smtpd = a.netns.start([PY, '-m', 'aiosmtpd', '-n', '-l', '127.0.0.1:2525',
                               '-c', 'aiosmtpd.handlers.Debugging'], 'mail.log')
        harness.wait_for(lambda: ':09DD ' in a.exec('cat', '/proc/net/tcp'),
                         'the mail server to listen', 10)
        cfg_a = self.config(a, 200, False)
        cfg_a['global_defs'] = {'router_id': 'lvs-a', 'smtp_server': '127.0.0.1',
                                'smtp_port': 2525, 'notification_email': ['ops@example.com'],
                                'notification_email_from': 'vrrp@lvs-a'}
        cfg_a['vrrp_instance'][0]['smtp_alert'] = True
        a.start_dsrlb_config(VRRPD, cfg_a)
        b.start_dsrlb_config(VRRPD, self.config(b, 100, False))

        self.assertTrue(self.master(a, b), 'a (200) is master')
        self.assertTrue(lab.wait(lambda: os.path.exists(self.notes['a'] + '.master'), 2),
                        'notify_master ran on a')
        self.assertTrue(lab.wait(lambda: 'INSTANCE VI_1 MASTER 200' in self.notes_of('a'), 2),
                        'notify ran on a with "INSTANCE VI_1 MASTER 200"')
        want = 'Subject: [lvs-a] VRRP Instance VI_1 - Entering MASTER state'
        self.assertTrue(lab.wait(lambda: want in smtpd.log(), 5), 'smtp_alert mailed "%s"' % want)
        smtpd.kill()

        # track_script fails: a advertises 200-150 = 50, b (100) preempts.
        open(self.flag, 'w').close()
        self.assertTrue(self.master(b, a), 'failing track_script (weight -150): b preempts')
        self.assertTrue(lab.wait(lambda: a.status(0)[0] == 'BACKUP' and
                                 'INSTANCE VI_1 BACKUP 50' in self.notes_of('a'), 2),
                        'a is BACKUP at priority 50 and its notify said so')
        self.assertTrue(os.path.exists(self.notes['b'] + '.master'), 'notify_master ran on b')
        os.unlink(self.flag)
        self.assertTrue(self.master(a, b), 'track_script passes again: a preempts back')

    def test_sync_group_follows_a_tracked_interface_into_fault_and_back(self):
        # VI_2 tracks trk0 (weight 0); when it fails the whole group goes to
        # FAULT and b takes both.
        lab, a, b = self.lab, self.a, self.b
        a.start_dsrlb_config(VRRPD, self.config(a, 200, True))
        b.start_dsrlb_config(VRRPD, self.config(b, 100, True))
        self.assertTrue(self.masters(a), 'sync group: a is master of both instances')
        # Both started together, so b may have claimed briefly at startup:
        # count from here.
        base = [i['counters']['became_master'] for i in read_json(b.files['status'])]
        a.exec('ip', 'link', 'set', 'trk0', 'down')
        self.assertTrue(lab.wait(lambda: [a.status(i)[0] for i in (0, 1)] == ['FAULT'] * 2, 3),
                        'trk0 down: VI_2 and, by its sync group, VI_1 are FAULT on a')
        self.assertTrue(self.masters(b), 'b is master of both')
        a.exec('ip', 'link', 'set', 'trk0', 'up')
        self.assertTrue(self.masters(a), 'trk0 up: a is master of both again')
        st = read_json(b.files['status'])
        flips = [i['counters']['became_master'] - n for i, n in zip(st, base)]
        self.assertEqual(flips, [1, 1], 'sync group: b became master once per instance, '
                         'no flapping (%s)' % flips)


if __name__ == '__main__':
    harness.main()
