#!/usr/bin/env python3
"""The status page of a running cluster (scripts/cluster.sh, the seed's case
2) in headless Chromium: lvs1's dsrlb-control serves it from its
configuration's `status_page { listen auth refresh }` block. With web2
stopped (down) and long downloads on web1, the page's rows, states, last
checks and connection counts match the gRPC API and `dsrlbctl list`;
missing or wrong credentials get 401; the CSV (/;csv and /?csv) parses and
matches; /metrics parses with prometheus_client and matches.
Usage: status_page_test.py SCRIPTS_DIR BUILD_DIR DSRLB_CONTROL DSRLB_DATAPLANE
DSRLBCTL PROTO [unittest options] (root). DSRLB_KEEP_SCREENSHOT=FILE keeps a
screenshot of the page."""
import csv
import html.parser
import io
import os
import re
import shutil
import tempfile

from prometheus_client.parser import text_string_to_metric_families

import harness
from harness import grpc_api
from cluster_lab import ClusterCase, VIP, WEB1, WEB2

(ClusterCase.SCRIPTS, ClusterCase.BUILD, ClusterCase.CONTROL, ClusterCase.DATAPLANE,
 ClusterCase.CTL, PROTO) = harness.take_args(
    ['SCRIPTS_DIR', 'BUILD_DIR', 'DSRLB_CONTROL', 'DSRLB_DATAPLANE', 'DSRLBCTL', 'PROTO'])

USER, PASSWORD = 'admin', 'e2e-s3cret'
PORT = 8404
BASE = 'http://127.0.0.1:%d/' % PORT
STATUS_PAGE = """    status_page {
        listen 127.0.0.1:%d
        auth %s:%s
        refresh 3
    }
""" % (PORT, USER, PASSWORD)
STREAMS = 4
RATE = 32 * 1024  # 1 MiB each: ~32 s, longer than the look at the page
CHROMIUM = ['chromium', '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
            '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync']
DETAILS = re.compile(r'^  -> ([\d.]+):80\s+Route\s+\d+\s+(\d+)\s+(\d+)\s+.*'
                     r'health=(\w+).*slots=(\d+)', re.M)
HEALTH = {1: 'UP', 2: 'DOWN', 3: 'no check'}


class Rows(html.parser.HTMLParser):
    """Every table row of the page: (row class, {column: text}) with the
    columns named by the header cells' titles (the CSV names) or texts."""

    def __init__(self):
        super().__init__()
        self.rows, self.heads, self.cells, self.cls, self.text = [], [], None, None, None
        self.title = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'tr':
            self.cells, self.cls = [], a.get('class')
        elif tag in ('th', 'td'):
            self.text, self.title = '', a.get('title')

    def handle_data(self, data):
        if self.text is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag in ('th', 'td') and self.text is not None and self.cells is not None:
            self.cells.append((tag, self.title or self.text if tag == 'th' else self.text))
            self.text = None
        elif tag == 'tr' and self.cells is not None:
            if self.cells and self.cells[0][0] == 'th':
                self.heads = [t for _, t in self.cells]
            elif self.cells:
                self.rows.append((self.cls, dict(zip(self.heads, [t for _, t in self.cells]))))
            self.cells = None


class StatusPageTest(ClusterCase):
    def setUp(self):
        confs = tempfile.mkdtemp(prefix='dsrlb-status-confs-')
        self.addCleanup(shutil.rmtree, confs, True)
        examples = os.path.join(self.SCRIPTS, 'examples')
        for lvs in ('lvs1', 'lvs2'):
            with open(os.path.join(examples, 'case2_%s.conf' % lvs)) as f:
                text = f.read()
            text = text.replace('global_defs {\n', 'global_defs {\n' + STATUS_PAGE, 1)
            with open(os.path.join(confs, 'case2_%s.conf' % lvs), 'w') as f:
                f.write(text)
        # Only the configuration's block: no --status-listen.
        self.CLUSTER_ENV = {'DSRLB_CONF_DIR': confs, 'DSRLB_STATUS_LISTEN': ''}
        super().setUp()
        self.profile = tempfile.mkdtemp(prefix='dsrlb-status-chromium-')
        self.addCleanup(shutil.rmtree, self.profile, True)
        channel, self.stub, self.pb = grpc_api.connect(
            '%s/lvs1-control.sock' % self.run_dir, proto=PROTO)
        self.addCleanup(channel.close)

    # --- what the API and dsrlbctl say ---
    def api(self):
        """{server address: RealServer}, the VirtualServer, the counters."""
        vs = [v for v in self.stub.ListVirtualServers(
            self.pb.ListVirtualServersRequest()).virtual_servers if v.key.address == VIP][0]
        counters = self.stub.GetCounters(self.pb.GetCountersRequest())
        return {r.key.address: r for r in vs.real_servers}, vs, counters

    def listed(self):
        """{server: (ActiveConn, InActConn, health, ring slots)} of dsrlbctl."""
        r = self.ctl('lvs1', 'list', '-n', '--details')
        self.assertEqual(r.returncode, 0, r.stderr)
        return {m.group(1): (int(m.group(2)), int(m.group(3)), m.group(4).upper(),
                             int(m.group(5))) for m in DETAILS.finditer(r.stdout)}

    # --- what the page says, fetched inside lvs1's namespace ---
    def curl(self, path, *auth):
        r = self.in_ns('lvs1', 'curl', '-s', '-w', '\n%{http_code}', *auth, BASE + path)
        body, _, code = r.stdout.rpartition('\n')
        return int(code), body

    def get(self, path):
        code, body = self.curl(path, '-u', '%s:%s' % (USER, PASSWORD))
        self.assertEqual(code, 200, body)
        return body

    def chromium(self, *args):
        url = 'http://%s:%s@127.0.0.1:%d/' % (USER, PASSWORD, PORT)
        r = self.in_ns('lvs1', *CHROMIUM, '--user-data-dir=' + self.profile, *args, url,
                       timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        return r.stdout

    def page_rows(self):
        parser = Rows()
        parser.feed(self.chromium('--dump-dom'))
        return parser

    # --- the test ---
    def web2_down_and_downloads_on_web1(self):
        for pid in self.ns['web2'].pids():
            harness.run(['kill', str(pid)], check=False)
        harness.wait_for(lambda: self.api()[0][WEB2].health == 2, 'web2 to be down', 60, 0.3)
        streams = self.client('streams', VIP, '/big', STREAMS, RATE, self.big_sha)
        self.addCleanup(lambda: streams.popen.kill())
        harness.wait_for(lambda: self.serving(('web1',)) >= STREAMS,
                         'the downloads to be under way', 60, 0.2)
        harness.wait_for(lambda: abs(self.api()[0][WEB1].active_connections - STREAMS) <= 1,
                         'the API to count the downloads', 20, 0.3)
        # Two checks of web1 at least: counts that moved, not only a first one.
        harness.wait_for(lambda: self.api()[0][WEB1].checks >= 2, 'a second check', 30, 0.5)

    def assert_server_matches(self, name, got, before, after, listed):
        """`got` (column -> text) lies between the API's `before` and
        `after` answers and agrees with dsrlbctl's `listed` row."""
        self.assertEqual(got['status'], HEALTH[after.health], name)
        self.assertEqual(got['status'], listed[2], name)
        self.assertEqual(got['check_result'], after.last_check_result, name)
        self.assertEqual(got['check_status'], 'ok' if after.last_check_ok else 'failed', name)
        for col, field in (('checks', 'checks'), ('check_failures', 'check_failures'),
                           ('down_transitions', 'down_transitions')):
            self.assertTrue(getattr(before, field) <= int(got[col]) <= getattr(after, field),
                            (name, col, got[col], getattr(before, field),
                             getattr(after, field)))
        for value in (int(got['active_conns']), listed[0]):
            self.assertTrue(min(before.active_connections, after.active_connections) - 1
                            <= value <=
                            max(before.active_connections, after.active_connections) + 1,
                            (name, value, before.active_connections,
                             after.active_connections))
        self.assertEqual(int(got['ring_slots']), after.ring_slots, name)
        self.assertEqual(int(got['ring_slots']), listed[3], name)
        self.assertEqual(int(got['weight']), after.weight, name)

    def test_page_csv_and_metrics_match_the_api(self):
        self.web2_down_and_downloads_on_web1()
        before, _, _ = self.api()
        parsed = self.page_rows()
        csv_text = self.get(';csv')
        metrics = self.get('metrics')
        after, vs, counters = self.api()
        listed = self.listed()
        print('API after: web1 %d active, %d checks; web2 %s, %d checks, "%s"' % (
            after[WEB1].active_connections, after[WEB1].checks,
            HEALTH[after[WEB2].health], after[WEB2].checks, after[WEB2].last_check_result))

        # The page: one row per server, the TOTAL row with VRRP's state.
        rows = {r['server']: (cls, r) for cls, r in parsed.rows if 'server' in r}
        self.assertEqual(set(rows), {'TOTAL', WEB1 + ':80', WEB2 + ':80'}, rows)
        self.assertEqual(rows['TOTAL'][1]['vrrp'], 'VI_1 MASTER')
        self.assertEqual(rows[WEB1 + ':80'][0], 'up')
        self.assertEqual(rows[WEB2 + ':80'][0], 'down')
        self.assertIn('connection refused', rows[WEB2 + ':80'][1]['check_result'])
        self.assertGreaterEqual(int(rows[WEB2 + ':80'][1]['down_transitions']), 1)
        for ip in (WEB1, WEB2):
            self.assert_server_matches('page ' + ip, rows[ip + ':80'][1], before[ip],
                                       after[ip], listed[ip])
        lcores = [r for cls, r in parsed.rows if 'server' not in r and 'Lcore' in r]
        self.assertEqual(len(lcores), len(counters.lcores), parsed.rows)

        # The CSV: the same columns as the page, the same values.
        lines = csv_text.splitlines()
        self.assertTrue(lines[0].startswith('# vs,server,status,'), lines[0])
        table = list(csv.DictReader(io.StringIO(csv_text[2:])))
        self.assertEqual([r['server'] for r in table], ['TOTAL', WEB1 + ':80', WEB2 + ':80'])
        for r in table[1:]:
            ip = r['server'].split(':')[0]
            self.assert_server_matches('csv ' + ip, r, before[ip], after[ip], listed[ip])
        self.assertEqual(table[0]['vrrp'], 'VI_1 MASTER')
        self.assertEqual(self.get('?csv').splitlines()[0], lines[0])

        self.assert_metrics_match(metrics, before, after, counters)
        keep = os.environ.get('DSRLB_KEEP_SCREENSHOT')
        if keep:
            shot = os.path.join(self.profile, 'status.png')
            self.chromium('--screenshot=' + shot, '--window-size=1900,1000')
            shutil.copy(shot, keep)

    def assert_metrics_match(self, text, before, after, counters):
        samples = {}
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                samples[(s.name, s.labels.get('server') or s.labels.get('lcore'))] = s.value
        for ip in (WEB1, WEB2):
            server = ip + ':80'
            self.assertEqual(samples[('dsrlb_real_server_up', server)],
                             1 if after[ip].health != 2 else 0)
            checks = samples[('dsrlb_real_server_checks_total', server)]
            self.assertTrue(before[ip].checks <= checks <= after[ip].checks, (ip, checks))
            active = samples[('dsrlb_real_server_active_connections', server)]
            self.assertTrue(min(before[ip].active_connections,
                                after[ip].active_connections) - 1 <= active <=
                            max(before[ip].active_connections,
                                after[ip].active_connections) + 1, (ip, active))
            self.assertEqual(samples[('dsrlb_real_server_ring_slots', server)],
                             after[ip].ring_slots)
        self.assertEqual(samples[('dsrlb_real_server_last_check_success', WEB2 + ':80')], 0)
        self.assertGreaterEqual(
            samples[('dsrlb_real_server_down_transitions_total', WEB2 + ':80')], 1)
        self.assertGreater(samples[('dsrlb_real_server_downtime_seconds_total', WEB2 + ':80')],
                           0)
        for l in counters.lcores:
            self.assertIn(('dsrlb_lcore_generation', str(l.lcore_id)), samples)

    def test_missing_or_wrong_credentials_get_401(self):
        for path in ('', ';csv', '?csv', 'metrics'):
            self.assertEqual(self.curl(path)[0], 401, path)
            self.assertEqual(self.curl(path, '-u', USER + ':wrong')[0], 401, path)
            self.assertEqual(self.curl(path, '-u', 'nobody:' + PASSWORD)[0], 401, path)
        self.assertEqual(self.curl('healthz')[0], 200)
        # Chromium without credentials sees the 401 body, not the page.
        r = self.in_ns('lvs1', *CHROMIUM, '--user-data-dir=' + self.profile, '--dump-dom',
                       BASE, timeout=120)
        self.assertNotIn('TOTAL', r.stdout)
        self.assertIn('TOTAL', self.chromium('--dump-dom'))


if __name__ == '__main__':
    harness.main()
