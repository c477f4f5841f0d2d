"""The dsrlb gRPC API from Python: stubs generated once per process from
proto/dsrlb/v1/dsrlb.proto (the source tree's) into a private folder."""
import os
import shutil
import subprocess
import sys
import tempfile

PROTO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                      '..', 'proto', 'dsrlb', 'v1', 'dsrlb.proto'))
_modules = None


def stubs(proto=PROTO):
    """(dsrlb_pb2, dsrlb_pb2_grpc)."""
    global _modules
    if _modules is None:
        out = tempfile.mkdtemp(prefix='dsrlb-e2e-stubs-%d-' % os.getpid())
        try:
            subprocess.run([sys.executable, '-m', 'grpc_tools.protoc',
                            '-I' + os.path.dirname(proto), '--python_out=' + out,
                            '--grpc_python_out=' + out, proto], check=True)
            sys.path.insert(0, out)
            import dsrlb_pb2
            import dsrlb_pb2_grpc
        finally:
            sys.path.remove(out)
            shutil.rmtree(out, ignore_errors=True)  # the modules are loaded
        _modules = (dsrlb_pb2, dsrlb_pb2_grpc)
    return _modules


def connect(socket_path, timeout=30, proto=PROTO):
    """(channel, stub, pb2) for a dsrlb-control serving on socket_path."""
    import grpc
    pb, pb_grpc = stubs(proto)
    channel = grpc.insecure_channel('unix:' + socket_path)
    grpc.channel_ready_future(channel).result(timeout=timeout)
    return channel, pb_grpc.DsrlbStub(channel), pb
