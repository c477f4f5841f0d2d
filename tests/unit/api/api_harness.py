"""Shared harness for the dsrlb API tests: generates Python stubs from the
proto at test time, runs a real dsrlb-control on a private socket and
/dev/shm regions, and tears everything down."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

CONTROL, CTL, REGION, PROTO = sys.argv[1:5] if len(sys.argv) >= 5 else (None,) * 4
del sys.argv[1:5]  # leave unittest its own arguments


def generate_stubs(workdir):
    out = os.path.join(workdir, "stubs")
    os.makedirs(out)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc",
                    "-I" + os.path.dirname(PROTO), "--python_out=" + out,
                    "--grpc_python_out=" + out, PROTO], check=True)
    sys.path.insert(0, out)
    import dsrlb_pb2, dsrlb_pb2_grpc  # noqa: E401
    return dsrlb_pb2, dsrlb_pb2_grpc


class Daemon:
    """One dsrlb-control with its own socket and regions."""

    def __init__(self, extra_args=(), static_neighbors=None, start_timeout=20):
        self.dir = tempfile.mkdtemp(prefix="dsrlb-api-%d-" % os.getpid(),
                                    dir="/dev/shm")
        self.socket = os.path.join(self.dir, "control.sock")
        self.table = os.path.join(self.dir, "table")
        self.stats = os.path.join(self.dir, "stats")
        args = [CONTROL, "--socket", self.socket, "--table-region", self.table,
                "--stats-region", self.stats]
        for ip, mac in (static_neighbors or {}).items():
            args += ["--static-neighbor", "%s=%s" % (ip, mac)]
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.proc = subprocess.Popen(args + list(extra_args), stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + start_timeout
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("dsrlb-control did not start: " + self.output())
            time.sleep(0.05)

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def ctl(self, *args, socket=None):
        return subprocess.run([CTL, "--socket", socket or self.socket] + list(args),
                              capture_output=True, text=True, timeout=30)

    def region(self):
        out = subprocess.run([REGION, "table", self.table, "--json"],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout)


def wait_for(predicate, what, timeout=15):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)
