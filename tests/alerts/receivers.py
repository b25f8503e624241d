"""Local destinations for alert tests: an HTTP webhook receiver and an SMTP server (aiosmtpd)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from tests.conftest import free_port


class WebhookReceiver:
    """An http.server on 127.0.0.1 that records POSTs; ``status`` is what it answers."""

    def __init__(self, status: int = 200, delay: float = 0.0):
        self.status = status
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if delay:
                    threading.Event().wait(delay)
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
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
