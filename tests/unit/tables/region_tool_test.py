#!/usr/bin/env python3
"""dsrlb-region as a person and a script use it: publish, decode, refuse."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

TOOL = sys.argv.pop(1)
SPEC = sys.argv.pop(1)


def run(*args):
    return subprocess.run([TOOL, *args], capture_output=True, text=True)


class RegionToolTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(dir="/dev/shm")
        self.region = os.path.join(self.dir.name, "table")

    def tearDown(self):
        self.dir.cleanup()

    def test_publish_then_decode_shows_weighted_shares(self):
        r = run("publish", SPEC, self.region)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("published generation 1", r.stdout)
        r = run("table", self.region, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        t = json.loads(r.stdout)
        self.assertEqual(t["generation"], 1)
        backends = t["vips"][0]["backends"]
        self.assertEqual([b["address"] for b in backends],
                         ["192.168.4.100", "192.168.4.200"])
        self.assertEqual(sum(b["ring_slots"] for b in backends), 65537)
        self.assertAlmostEqual(backends[1]["ring_share"], 2 / 3, delta=0.001)
        text = run("table", self.region).stdout
        self.assertIn("VIP 0  TCP 192.168.4.15:80  active", text)
        self.assertIn("mac 02:00:c0:a8:04:c8", text)

    def test_republish_bumps_generation(self):
        run("publish", SPEC, self.region)
        r = run("publish", SPEC, self.region)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(run("table", self.region, "--json").stdout)["generation"], 2)

    def test_corrupt_region_is_refused_with_the_reason(self):
        run("publish", SPEC, self.region)
        with open(self.region, "r+b") as f:
            f.write(b"XXXXXXXX")
        r = run("table", self.region)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad magic", r.stderr)

    def test_missing_region_and_bad_spec_are_errors(self):
        r = run("table", self.region)
        self.assertEqual(r.returncode, 1)
        self.assertIn("No such file", r.stderr)
        bad = os.path.join(self.dir.name, "bad.json")
        with open(bad, "w") as f:
            f.write('{"vips": [{"address": "192.168.4.300"}]}')
        r = run("publish", bad, self.region)
        self.assertEqual(r.returncode, 1)
        self.assertIn("spec.vips[0].address", r.stderr)
        self.assertEqual(run("frobnicate", "x").returncode, 2)


if __name__ == "__main__":
    unittest.main()
