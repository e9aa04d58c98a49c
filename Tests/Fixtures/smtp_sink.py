"""A real SMTP server for hookd's email tests (Debian's python3-aiosmtpd, run by /usr/bin/python3).

Listens on 127.0.0.1 (port 0 = a free one, written to --port-file once listening) and writes each
accepted message to DIR/N.eml exactly as received, with the envelope in DIR/N.json; the .eml is
renamed into place last, so its presence means the message is complete.

Recipients whose local part is "unknown" are refused with 550, "busy" with 451. With --auth
USER:PASSWORD the server offers AUTH PLAIN/LOGIN over plain text and accepts only that pair.
No STARTTLS is offered. Stops on SIGTERM.
"""
import argparse
import asyncio
import json
import os

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local == "unknown":
            return "550 5.1.1 unknown recipient"
        if local == "busy":
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        with open(base + ".json", "w") as meta:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, meta)
        with open(base + ".tmp", "wb") as raw:
            raw.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 accepted"


def authenticator_for(credentials):
    user, _, password = credentials.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    return authenticate


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--auth")
    args = parser.parse_args()
    sink = Sink(args.dir)
    options = {"hostname": "localhost"}
    if args.auth:
        options.update(authenticator=authenticator_for(args.auth), auth_require_tls=False)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, **options), "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as handle:
        handle.write(f"{port}\n")
    os.rename(args.port_file + ".tmp", args.port_file)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
