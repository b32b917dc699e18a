"""A real SMTP server on the loopback (aiosmtpd), with STARTTLS required and a login, for
the reminder tests and the demo. Its certificate comes from an authority made by
`cabinet.tls` in a folder of the caller's; Cabinet trusts it through `SMTP_CA_FILE`.

Demo (docs/switching.md):

    .venv/bin/python -m tests.smtp_server --port 8025 --folder instance/smtp-essai
"""

import argparse
import email
import email.policy
import socket
import ssl
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from cabinet import tls

LOGIN = "cabinet@example.org"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """What the server received; `refuse` makes the next deliveries fail with a 451."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Essayez plus tard"
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        return "250 OK"


class LoopbackSmtpServer:
    """Start with `start()`, stop with `stop()`; `ca_file` is the authority to trust."""

    def __init__(self, folder: Path, password: str, port: int | None = None):
        self.folder = Path(folder)
        self.password = password
        self.port = port or free_port()
        self.mailbox = Mailbox()
        self.controller = None

    @property
    def ca_file(self) -> Path:
        return tls.TlsFiles(self.folder).ca_certificate

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        accepted = auth_data.login.decode() == LOGIN and auth_data.password.decode() == (
            self.password
        )
        return AuthResult(success=accepted, handled=False)

    def start(self) -> "LoopbackSmtpServer":
        tls.ensure(self.folder, "localhost", addresses=["127.0.0.1"])
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls.TlsFiles(self.folder).server)
        self.controller = Controller(
            self.mailbox,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="localhost",
            tls_context=context,
            require_starttls=True,
            auth_required=True,
            authenticator=self._authenticate,
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def main() -> None:
    parser = argparse.ArgumentParser(description="Serveur SMTP d'essai (STARTTLS, identifiant)")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--folder", default="instance/smtp-essai")
    parser.add_argument("--password", default="essai-rappels")
    args = parser.parse_args()
    server = LoopbackSmtpServer(Path(args.folder), args.password, args.port).start()
    print(f"Serveur SMTP d'essai sur localhost:{args.port}, STARTTLS exigé.")
    print(f"Identifiant {LOGIN}, mot de passe {args.password} (données d'essai).")
    print(f"Autorité à faire confiance : CABINET_SMTP_CA={server.ca_file.resolve()}")
    shown = 0
    try:
        while True:
            time.sleep(1)
            for message in server.mailbox.messages[shown:]:
                print("-" * 60)
                print(f"À : {message['To']}\nObjet : {message['Subject']}\n")
                print(message.get_content())
            shown = len(server.mailbox.messages)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
