"""Processes: a command started (in a namespace or not) with its output in a
log file; stopped with SIGTERM, then SIGKILL if it does not exit in time."""
import os
import signal
import subprocess


class Process:
    """One started command. `ip netns exec` execs the command, so `pid` is
    the command's own pid and signals reach it directly."""

    def __init__(self, cmd, log, ns=None, env=None, stdout=None):
        self.cmd = [str(c) for c in cmd]
        self.log_path = log
        self.name = os.path.basename(log)
        argv = (['ip', 'netns', 'exec', ns] if ns else []) + self.cmd
        with open(log, 'ab') as f:
            # stdout=PIPE (for a prober the test reads) keeps stderr in the log.
            self.popen = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, env=env,
                stdout=f if stdout is None else stdout,
                stderr=subprocess.STDOUT if stdout is None else f,
                text=stdout is not None)

    @property
    def pid(self):
        return self.popen.pid

    @property
    def stdout(self):
        return self.popen.stdout

    @property
    def returncode(self):
        return self.popen.poll()

    def alive(self):
        return self.popen.poll() is None

    def send(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def wait(self, timeout=None):
        return self.popen.wait(timeout)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends `sig`; SIGKILL after `timeout` s. The exit status."""
        if self.alive():
            os.kill(self.pid, sig)
            try:
                return self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        return self.kill()

    def kill(self):
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        # With a timeout, wait() never blocks on the lock of a wait() that
        # a signal handler (the harness's clean-up) interrupted.
        rc = self.popen.wait(timeout=30)
        if self.popen.stdout:
            self.popen.stdout.close()
        return rc

    def log(self):
        try:
            with open(self.log_path, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def __repr__(self):
        return 'Process(%s, pid %d)' % (' '.join(self.cmd[:2]), self.pid)
