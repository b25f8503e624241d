"""Calling an ASGI app in-process through httpx's ASGI transport (no server, no TestClient)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx


class Client:
    """``get``/``post``/``delete`` on an ASGI app.

    Cookies persist between calls, like a browser's.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cookies = httpx.Cookies()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://rasad.test", cookies=self.cookies
            ) as http:
                response = await http.request(method, url, **kwargs)
                self.cookies.update(http.cookies)
                return response

        return asyncio.run(call())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)
