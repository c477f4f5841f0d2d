"""The one test style: unittest, one behaviour-named method per test, each
with its own Lab(s); logs of a failed test on stderr; run by main(), which
maps a skipped test to exit 77 (meson's SKIP) so no skip passes unseen."""
import os
import sys
import unittest

from harness.topology import Lab

SKIP = 77


class E2ETestCase(unittest.TestCase):
    """new_lab() gives a Lab closed at the end of the test, whatever
    happens; a failed or erroring test prints its Labs' logs."""

    def new_lab(self, lab_class=Lab, **kwargs):
        lab = lab_class(**kwargs)
        lab.keep_dir = True  # until run() has printed the logs of a failure
        self._labs.append(lab)
        self.addCleanup(lab.close)
        return lab

    def run(self, result=None):
        self._labs = []
        if result is None:
            result = self.defaultTestResult()
        before = len(result.failures) + len(result.errors)
        try:
            return super().run(result)
        finally:
            failed = len(result.failures) + len(result.errors) > before
            for lab in self._labs:
                if failed:
                    sys.stderr.write('=== logs of %s (%s)\n%s\n' % (self.id(), lab.prefix,
                                                                   lab.logs()))
                lab.remove_dir()


def take_args(names):
    """The test's own leading arguments (binary paths from meson), removed
    from sys.argv so unittest sees only its own."""
    if len(sys.argv) < 1 + len(names):
        sys.exit('usage: %s %s [unittest options]' % (sys.argv[0], ' '.join(names)))
    values = sys.argv[1:1 + len(names)]
    del sys.argv[1:1 + len(names)]
    return values


def main():
    """Runs the calling module's tests. Exit 0: all passed; 1: a failure;
    77 (SKIP): not root, or some test skipped (named on stdout)."""
    if os.geteuid() != 0:
        print('SKIP: needs root (network namespaces)')
        sys.exit(SKIP)
    prog = unittest.main(module='__main__', exit=False, verbosity=2)
    result = prog.result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.skipped:
        for test, why in result.skipped:
            print('SKIPPED %s: %s' % (test.id(), why))
        sys.exit(SKIP)
    if result.testsRun == 0:
        print('no test ran')
        sys.exit(1)
    sys.exit(0)
