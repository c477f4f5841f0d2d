"""Clean-up that always happens: every live Lab (or anything with close())
is registered here and closed at exit and on SIGINT/SIGTERM/SIGHUP, so a
test killed by meson's timeout or ^C leaves no namespace, link or process."""
import atexit
import os
import signal
import sys
import traceback

_live = []


def register(obj):
    _live.append(obj)


def unregister(obj):
    if obj in _live:
        _live.remove(obj)


def close_all(dump_logs=False):
    """Closes everything still live (and removes its files); dump_logs:
    prints their logs first (a test killed mid-way)."""
    while _live:
        obj = _live.pop()
        try:
            if dump_logs and hasattr(obj, 'logs'):
                sys.stderr.write(obj.logs())
            obj.close()
        except BaseException:  # keep closing the others
            print('harness: closing %r:' % (obj,), file=sys.stderr)
            traceback.print_exc()
        if hasattr(obj, 'remove_dir'):
            obj.remove_dir()


def _on_signal(signum, _frame):
    print('harness: signal %d: cleaning up' % signum, file=sys.stderr)
    close_all(dump_logs=True)
    os._exit(128 + signum)


atexit.register(close_all)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)
