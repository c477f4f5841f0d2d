#!/usr/bin/python3
"""A local SMTP server for the alert tests (Debian's python3-aiosmtpd).

Usage: smtp_sink.py DIR. Listens on 127.0.0.1 at a kernel-chosen port, writes
that port to DIR/port, and each message received to DIR/mail-N.txt as
"FROM <addr>", "TO <addr>" lines, a blank line, then the message data.
"""
import asyncio
import os
import socket
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        lines = ["FROM " + envelope.mail_from]
        lines += ["TO " + to for to in envelope.rcpt_tos]
        data = envelope.content
        if isinstance(data, bytes):
            data = data.decode("utf-8", "replace")
        text = "\n".join(lines) + "\n\n" + data
        tmp = os.path.join(self.directory, "tmp-%d" % self.count)
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, os.path.join(self.directory, "mail-%d.txt" % self.count))
        self.count += 1
        return "250 OK"


def main():
    directory = sys.argv[1]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sink = Sink(directory)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(sink), sock=sock))
    tmp = os.path.join(directory, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(sock.getsockname()[1]))
    os.rename(tmp, os.path.join(directory, "port"))
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
