"""The one harness of the namespace (e2e) tests: topology (namespaces with a
per-test unique prefix, veth pairs, bridges, addresses, sysctls), processes
(started in a namespace with a log file, stopped with SIGTERM then SIGKILL,
logs dumped on failure), waiting (polls with a timeout and a message) and
clean-up (always: at the end of each test, at exit, on SIGINT/SIGTERM/SIGHUP
and on exceptions), and one test style: unittest, run by `harness.main()`."""
from harness.cleanup import register, unregister
from harness.processes import Process
from harness.topology import Lab, Namespace, run, unique_prefix
from harness.waiting import poll, wait_for
from harness.case import E2ETestCase, main, take_args

__all__ = ['E2ETestCase', 'Lab', 'Namespace', 'Process', 'main', 'poll', 'register', 'run',
           'take_args', 'unique_prefix', 'unregister', 'wait_for']
