"""Ports and real local servers: a static HTTP server for feed/page
tests, an ASGI app on uvicorn.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import uvicorn


def free_port() -> int:
    """A TCP port nothing listens on right now (on 127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handler(BaseHTTPRequestHandler):
    # Set per LocalServer on its own subclass, so two servers never share routes or hits.
    routes: ClassVar[dict[str, Any]]
    hits: ClassVar[list[tuple[str, dict[str, str]]]]

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self.hits.append((self.path, dict(self.headers)))
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        status, headers, body = route(self) if callable(route) else route
        if status is None:
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that give up early (timeouts, size limits) are what these tests provoke


class LocalServer:
    """``url(path)`` to address it, ``routes[path] = (status, headers,
    body)`` or a callable to serve.
    """

    def __init__(self) -> None:
        handler = type("Handler", (_Handler,), {"routes": {}, "hits": []})
        self.routes, self.hits = handler.routes, handler.hits
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def slow(seconds: float) -> Callable[[Any], tuple[int, dict[str, str], bytes]]:
    """A route that answers after ``seconds`` (for timeouts)."""

    def route(handler: Any) -> tuple[int, dict[str, str], bytes]:
        time.sleep(seconds)
        return 200, {"Content-Type": "text/plain"}, b"late"

    return route


class AppServer:
    """An ASGI app served by uvicorn on 127.0.0.1 in a thread (a real socket, no test client)."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self._server = uvicorn.Server(
            # Live pages hold an event stream open: shut down after 1 s instead of waiting on it.
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                timeout_graceful_shutdown=1,
            )
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
