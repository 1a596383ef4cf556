#!/usr/bin/python3
"""A real SMTP server for the email notifier tests (Debian python3-aiosmtpd).

    smtp_sink.py DIR [--data-reply "451 4.3.0 try later"]

Listens on 127.0.0.1, port 0, prints "PORT <n>" on stdout once it accepts
connections, and writes each message it takes to DIR as <n>.eml (the bytes
as received) and <n>.json (envelope, headers, and the MIME parts decoded by
Python's email package), each renamed into place whole. --data-reply makes
it refuse every message at DATA with that reply instead. Runs until killed
(SIGTERM) or until its stdin closes.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory, data_reply):
        self.directory = directory
        self.data_reply = data_reply
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.count += 1
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in message.walk():
            if part.is_multipart():
                continue
            parts.append({"content_type": part.get_content_type(),
                          "charset": part.get_content_charset(),
                          "content": part.get_content()})
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": {k: str(v) for k, v in message.items()},
            "content_type": message.get_content_type(),
            "parts": parts,
        }
        self.write(f"{self.count}.eml", raw)
        self.write(f"{self.count}.json", json.dumps(record).encode())
        return "250 OK"

    def write(self, name, data):
        temp = os.path.join(self.directory, "." + name + ".tmp")
        with open(temp, "wb") as f:
            f.write(data)
        os.rename(temp, os.path.join(self.directory, name))


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--data-reply", default="")
    args = parser.parse_args()
    loop = asyncio.get_running_loop()
    sink = Sink(args.directory, args.data_reply)
    server = await loop.create_server(lambda: SMTP(sink, hostname="smtp-sink.test"),
                                      "127.0.0.1", 0)
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    done = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, done.set)
    loop.add_reader(sys.stdin.fileno(), lambda: sys.stdin.buffer.read1(4096) or done.set())
    await done.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
