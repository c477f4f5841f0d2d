#!/usr/bin/env python3
"""The status page in a real browser (Debian's headless Chromium): it loads,
lays out every server, and /metrics answers in Prometheus format."""
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.request

SERVER = sys.argv.pop(1)
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


class StatusPageBrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = subprocess.Popen([SERVER], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
        cls.port = int(cls.server.stdout.readline())
        cls.url = f"http://127.0.0.1:{cls.port}/"
        cls.profile = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.server.stdin.close()
        cls.server.wait(timeout=10)
        cls.profile.cleanup()

    def chromium(self, *args):
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile.name}", *args],
            capture_output=True, text=True, timeout=90)

    def test_browser_renders_every_server_and_state(self):
        r = self.chromium("--dump-dom", self.url)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        dom = r.stdout
        for text in ("192.168.4.100:80", "192.168.4.200:80", "DOWN", "DRAIN",
                     "MASTER", "unresolved", "table generation 7"):
            self.assertIn(text, dom)
        # Escaped text stays text: the browser built no script element.
        self.assertNotIn("<script>", dom.split("<body>")[1])

    def test_screenshot_has_the_page_colours(self):
        shot = os.path.join(self.profile.name, "status.png")
        r = self.chromium(f"--screenshot={shot}", "--window-size=1200,700", self.url)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        with open(shot, "rb") as f:
            png = f.read()
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertGreater(len(png), 10000)
        keep = os.environ.get("DSRLB_KEEP_SCREENSHOT")
        if keep:
            with open(keep, "wb") as f:
                f.write(png)

    def test_metrics_and_healthz(self):
        body = urllib.request.urlopen(self.url + "metrics", timeout=10).read().decode()
        self.assertIn('dsrlb_vrrp_state{instance="VI_1",vrid="51"} 3', body)
        self.assertEqual(urllib.request.urlopen(self.url + "healthz", timeout=10).read(), b"ok\n")


if __name__ == "__main__":
    unittest.main()
