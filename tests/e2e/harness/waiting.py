"""Waiting: poll a condition until it holds or a timeout passes. Tests
never sleep for a fixed time to let something happen; they wait for it."""
import time


def poll(cond, timeout, step=0.02):
    """True as soon as cond() is; after `timeout` s, cond()'s last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return bool(cond())


def wait_for(predicate, what, timeout=15, step=0.1):
    """predicate()'s first truthy value; AssertionError naming `what` (and
    the last value seen) if none comes within `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %g s waiting for %s (last: %r)'
                                 % (timeout, what, value))
        time.sleep(step)
