#!/usr/bin/python3
"""A real SMTP server for mend's journeys: Debian's aiosmtpd on 127.0.0.1, STARTTLS required
before anything else, one login (AUTH PLAIN or LOGIN), recipients refused on request, and each
message kept as a JSON file (envelope and raw message) in a folder for the test to read.

    server.py PORT CERT KEY FOLDER USER PASSWORD [REFUSED_ADDRESS ...]

It prints "ready PORT" once it answers, and stops when its standard input closes.
"""

import email
import email.policy
import json
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Keep:
    def __init__(self, folder, refused):
        self.folder = folder
        self.refused = set(refused)
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        kept = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "login": session.auth_data.login.decode() if session.auth_data else None,
            "tls": session.ssl is not None,
            # Decoded as a mail reader shows it: the subject and the plain-text body.
            "subject": str(parsed["subject"]),
            "body": parsed.get_content(),
            "content_type": parsed.get_content_type(),
        }
        path = os.path.join(self.folder, "%04d.json" % self.count)
        with open(path + ".tmp", "w") as out:
            json.dump(kept, out)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Kept"


def main():
    port, cert, key, folder, user, password = sys.argv[1:7]
    refused = sys.argv[7:]

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    controller = Controller(
        Keep(folder, refused),
        hostname="127.0.0.1",
        port=int(port),
        server_hostname="localhost",
        tls_context=tls,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=authenticator,
    )
    controller.start()
    print("ready", port, flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
