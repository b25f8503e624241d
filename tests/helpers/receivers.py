"""Local alert destinations: an HTTP webhook receiver, an SMTP server
(aiosmtpd) and one that speaks STARTTLS.
"""

from __future__ import annotations

import base64
import json
import socketserver
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from tests.helpers.network import free_port


class WebhookReceiver:
    """An http.server on 127.0.0.1 that records POSTs; ``status`` is what it answers."""

    def __init__(self, status: int = 200, delay: float = 0.0):
        self.status = status
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.arrived: list[bytes] = []  # bodies as they come in, before any delay
        self.answered_at: list[float] = []  # time.time() of each request's answer
        self.cut_off = 0  # requests whose body never came whole (the sender killed mid-POST)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died mid-request: nothing was delivered
                    receiver.cut_off += 1
                    self.close_connection = True
                    return
                receiver.arrived.append(body)
                if delay:
                    threading.Event().wait(delay)
                with receiver.lock:  # a request and its time at the same place in both lists
                    receiver.requests.append(
                        ({k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    receiver.answered_at.append(time.time())
                self.send_response(receiver.status)
                if 300 <= receiver.status < 400:
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.requests]

    def timed_bodies(self) -> list[tuple[dict, float]]:
        """Each request's body with the ``time.time()`` of its answer."""
        with self.lock:
            return [
                (json.loads(body), at)
                for (_, body), at in zip(self.requests, self.answered_at, strict=True)
            ]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Inbox:
    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 collecting what it receives."""

    def __init__(self):
        self.inbox = _Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def messages(self) -> list[tuple[str, list[str], bytes]]:
        return self.inbox.messages

    def close(self) -> None:
        self.controller.stop()


def closed_port_url() -> str:
    """A webhook URL nothing listens on (a down destination)."""
    return f"http://127.0.0.1:{free_port()}/hook"


class _StartTlsHandler(socketserver.StreamRequestHandler):
    """One SMTP conversation; ``owner`` (the StartTlsSmtpServer)
    holds the TLS context and records.
    """

    owner: StartTlsSmtpServer

    def handle(self) -> None:
        self.tls: ssl.SSLSocket | None = None
        try:
            self.converse()
        finally:
            if (
                self.tls is not None
            ):  # the plain socket is closed by socketserver, the TLS one by us
                self.tls.close()

    def converse(self) -> None:
        owner, connection, encrypted = self.owner, self.connection, False
        recipients: list[str] = []
        reader = connection.makefile("rb")
        say = connection.sendall
        say(b"220 localhost ESMTP\r\n")
        while line := reader.readline():
            verb, _, arg = line.strip().decode().partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                say(
                    b"250-localhost\r\n"
                    + (b"250 AUTH PLAIN\r\n" if encrypted else b"250 STARTTLS\r\n")
                )
            elif verb == "STARTTLS":
                say(b"220 go ahead\r\n")
                connection = self.tls = owner.context.wrap_socket(connection, server_side=True)
                reader, say, encrypted = connection.makefile("rb"), connection.sendall, True
            elif verb == "AUTH" and encrypted:
                say(owner.log_in(arg))
            elif verb in ("MAIL", "RSET", "NOOP"):
                say(b"250 ok\r\n")
            elif verb == "RCPT":
                recipients.append(arg.split(":", 1)[1].strip("<> "))
                say(b"250 ok\r\n")
            elif verb == "DATA":
                say(b"354 go\r\n")
                owner.messages.append((recipients, b"".join(iter(reader.readline, b".\r\n"))))
                say(b"250 queued\r\n")
            elif verb == "QUIT":
                say(b"221 bye\r\n")
                return
            else:
                say(b"502 not here\r\n")


class StartTlsSmtpServer:
    """A small SMTP server (tests only) on 127.0.0.1 that offers STARTTLS, and
    AUTH PLAIN only once encrypted.

    aiosmtpd's STARTTLS can lose a fast client's TLS hello (it swaps protocols after answering
    220), so this one upgrades the socket before it reads another byte.
    """

    def __init__(self, context: ssl.SSLContext, user: str, password: str):
        self.context, self._credentials = context, (user, password)
        self.messages: list[tuple[list[str], bytes]] = []
        self.logins: list[str] = []
        Handler = type("Handler", (_StartTlsHandler,), {"owner": self})
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def log_in(self, arg: str) -> bytes:
        """The answer to ``AUTH PLAIN <base64>`` (the login is recorded when it is right)."""
        _, login, secret = base64.b64decode(arg.split()[1]).decode().split("\0")
        if (login, secret) != self._credentials:
            return b"535 5.7.8 bad credentials\r\n"
        self.logins.append(login)
        return b"235 ok\r\n"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
