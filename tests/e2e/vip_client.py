#!/usr/bin/env python3
"""A client of the VIP for failover tests and benchmarks, run inside the
client's namespace. Prints one JSON object on stdout.
  vip_client.py streams VIP PATH N RATE SHA256
      N parallel HTTP/1.0 downloads of PATH, each read at RATE bytes/s with a
      16 KiB receive buffer (so the time between reads shows the forwarding
      gap, not the socket buffer). Per stream: exit (0 = complete and
      byte-exact, 56 = reset, 28 = stalled, 1 = other error), bytes, the
      longest gap between reads (ms). Exit 0
      when every stream is exit 0.
  vip_client.py probe VIP SECONDS INTERVAL
      a new connection (GET /, 1 s timeout) every INTERVAL s for SECONDS s:
      tries, failures, the longest failing window (ms, first failure to next
      success), resets seen.
  vip_client.py count VIP N
      N sequential new connections (GET /): answers per server (the body is
      the server's address) and failures."""
import hashlib
import json
import socket
import sys
import threading
import time

RCVBUF = 16384
CHUNK = 4096
STALL_S = 60


def get(vip, path, timeout, rcvbuf=None):
    """(socket, header bytes, first body bytes) of GET path."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((vip, 80))
    s.sendall(b'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' % (path.encode(), vip.encode()))
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = s.recv(CHUNK)
        if not chunk:
            raise ConnectionError('closed before the headers')
        data += chunk
    head, _, body = data.partition(b'\r\n\r\n')
    if not head.startswith(b'HTTP/1.0 200') and not head.startswith(b'HTTP/1.1 200'):
        raise ConnectionError('status %r' % head.split(b'\r\n')[0])
    return s, head, body


def error_code(e):
    if isinstance(e, ConnectionResetError):
        return 56
    if isinstance(e, socket.timeout):
        return 28
    return 1


def stream(vip, path, rate, want_sha, out):
    r = {'exit': 1, 'bytes': 0, 'max_gap_ms': 0.0, 'error': ''}
    h = hashlib.sha256()
    try:
        s, _, body = get(vip, path, STALL_S, RCVBUF)
        h.update(body)
        n = len(body)
        start = last = time.monotonic()
        while True:
            chunk = s.recv(CHUNK)
            now = time.monotonic()
            r['max_gap_ms'] = max(r['max_gap_ms'], (now - last) * 1000)
            last = now
            if not chunk:
                break
            h.update(chunk)
            n += len(chunk)
            ahead = n / rate - (now - start)
            if ahead > 0:
                time.sleep(ahead)
        s.close()
        r['bytes'] = n
        r['sha256'] = h.hexdigest()
        r['exit'] = 0 if r['sha256'] == want_sha else 1
        if r['exit']:
            r['error'] = 'content differs (%d bytes)' % n
    except (OSError, ConnectionError) as e:
        r['exit'] = error_code(e)
        r['error'] = repr(e)
    out.append(r)


def streams(vip, path, n, rate, want_sha):
    out = []
    threads = [threading.Thread(target=stream, args=(vip, path, float(rate), want_sha, out))
               for _ in range(int(n))]
    for t in threads:
        t.start()
        time.sleep(0.02)  # spread the SYNs a little
    for t in threads:
        t.join()
    print(json.dumps({'streams': out}))
    return 0 if all(r['exit'] == 0 for r in out) else 1


def one(vip, timeout=1.0):
    """The answering server's address, or an exception."""
    s, _, body = get(vip, '/', timeout)
    while True:
        chunk = s.recv(CHUNK)
        if not chunk:
            break
        body += chunk
    s.close()
    return body.decode().strip()


def probe(vip, seconds, interval):
    tries = failures = resets = 0
    longest = 0.0
    failing_since = None
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        t = time.monotonic()
        tries += 1
        try:
            one(vip)
            if failing_since is not None:
                longest = max(longest, t - failing_since)
                failing_since = None
        except (OSError, ConnectionError) as e:
            failures += 1
            resets += isinstance(e, ConnectionResetError)
            if failing_since is None:
                failing_since = t
        time.sleep(max(0.0, float(interval) - (time.monotonic() - t)))
    if failing_since is not None:
        longest = max(longest, time.monotonic() - failing_since)
    print(json.dumps({'tries': tries, 'failures': failures, 'resets': resets,
                      'longest_failing_ms': round(longest * 1000, 1)}))
    return 0


def count(vip, n):
    seen = {}
    failures = 0
    for _ in range(int(n)):
        try:
            who = one(vip, 2.0)
            seen[who] = seen.get(who, 0) + 1
        except (OSError, ConnectionError):
            failures += 1
    print(json.dumps({'servers': seen, 'failures': failures}))
    return 0


if __name__ == '__main__':
    cmds = {'streams': streams, 'probe': probe, 'count': count}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    sys.exit(cmds[sys.argv[1]](*sys.argv[2:]))
