#!/usr/bin/python3
"""tests/smtp_catcher.py — a real SMTP server on loopback (Debian's python3-aiosmtpd) that keeps mail.

Every message accepted is written to DIR as NNNNNN.eml (the DATA bytes exactly as received, after
dot-unstuffing) and NNNNNN.json ({"mail_from": ..., "rcpt_tos": [...], "peer": ...}); the .eml appears
last (written under another name, then renamed), so a reader that sees it sees a whole message.
The first free number after what DIR already holds is used, so a restarted catcher never overwrites.

usage: smtp_catcher.py --port PORT --dir DIR [--host 127.0.0.1] [--pidfile FILE]
Stops on SIGTERM or SIGINT.
"""
import argparse
import asyncio
import json
import os
import signal

from aiosmtpd.smtp import SMTP


class Keeper:
    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        taken = [int(n[:6]) for n in os.listdir(directory) if n.endswith(".eml") and n[:6].isdigit()]
        self.next = max(taken, default=0) + 1

    async def handle_DATA(self, server, session, envelope):
        n = self.next
        self.next += 1
        base = os.path.join(self.dir, "%06d" % n)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "peer": str(session.peer)}, f)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK: kept as %06d" % n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--pidfile")
    args = ap.parse_args()
    keeper = Keeper(args.dir)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(keeper, hostname="catcher.test"), host=args.host, port=args.port,
                           reuse_address=True))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    loop.run_forever()
    server.close()
    loop.run_until_complete(server.wait_closed())
    loop.close()


if __name__ == "__main__":
    main()
