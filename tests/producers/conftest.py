"""A real HTTP server on 127.0.0.1 for feed and page tests: routes are set per test."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}
    hits: list = []

    def log_message(self, *args) -> None:  # keep test output quiet
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

    def handle_error(self, request, client_address) -> None:
        pass  # clients that give up early (timeouts, size limits) are what these tests provoke


class LocalServer:
    """``url(path)`` to address it, ``routes[path] = (status, headers, body)`` or a callable to serve."""

    def __init__(self):
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


@pytest.fixture
def http_server():
    server = LocalServer()
    yield server
    server.close()


def slow(seconds: float):
    """A route that answers after ``seconds`` (for timeouts)."""
    def route(handler):
        time.sleep(seconds)
        return 200, {"Content-Type": "text/plain"}, b"late"
    return route


class AppServer:
    """An ASGI app served by uvicorn on 127.0.0.1 in a thread (a real socket, no test client)."""

    def __init__(self, app):
        import socket

        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
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
