#!/usr/bin/python3
"""tests/smtp_catcher.py — a real SMTP server on loopback (Debian's python3-aiosmtpd) that keeps mail.

Every message accepted is written to DIR as NNNNNN.eml (the DATA bytes exactly as received, after
dot-unstuffing) and NNNNNN.json ({"mail_from": ..., "rcpt_tos": [...], "peer": ...}); the .eml appears
last (written under another name, then renamed), so a reader that sees it sees a whole message.
The first free number after what DIR already holds is used, so a restarted catcher never overwrites.

usage: smtp_catcher.py --port PORT --dir DIR [--host 127.0.0.1] [--pidfile FILE]
                       [--tls-cert PEM --tls-key PEM [--require-tls]] [--auth USER:PASSWORD] [--delay S]
With a certificate the server offers STARTTLS (--require-tls: and refuses mail without it); with --auth
it requires AUTH (PLAIN or LOGIN, only after STARTTLS). The .json then also says "tls" (whether the
session was encrypted) and "auth" (the login used). --delay holds every answer to DATA for S seconds (a
slow server, to catch a sender mid-transfer). Stops on SIGTERM or SIGINT.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl

from aiosmtpd.smtp import SMTP, AuthResult


class Keeper:
    def __init__(self, directory, delay=0.0):
        self.dir = directory
        self.delay = delay
        os.makedirs(directory, exist_ok=True)
        taken = [int(n[:6]) for n in os.listdir(directory) if n.endswith(".eml") and n[:6].isdigit()]
        self.next = max(taken, default=0) + 1

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        n = self.next
        self.next += 1
        base = os.path.join(self.dir, "%06d" % n)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "peer": str(session.peer), "tls": session.ssl is not None,
                       "auth": session.auth_data.login.decode() if session.authenticated else None}, f)
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
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--require-tls", action="store_true")
    ap.add_argument("--auth")
    ap.add_argument("--delay", type=float, default=0.0)
    args = ap.parse_args()
    keeper = Keeper(args.dir, args.delay)
    opts = {"hostname": "catcher.test"}
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        opts.update(tls_context=ctx, require_starttls=args.require_tls)
    if args.auth:
        user, password = args.auth.encode().split(b":", 1)

        def check(server, session, envelope, mechanism, data):
            # handled=False: aiosmtpd answers a refusal with its 535 (the default, True, answers nothing)
            return AuthResult(success=data.login == user and data.password == password, handled=False, auth_data=data)
        opts.update(authenticator=check, auth_required=True, auth_require_tls=True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(keeper, **opts), host=args.host, port=args.port,
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
