"""The webhook HTTP client: POSTs over kept-alive connections to the
address the SSRF guard approved.

``guard.check`` resolves the host and vets every address; the connection then goes to one of
those very addresses (the URL's host is sent as ``Host`` and, for https, as the TLS server name
the certificate is checked against). No second DNS lookup happens between the check and the
connect, so a rebinding DNS answer cannot point the request inward. Redirects are never
followed. Connections are pooled per (scheme, host, address, port), and a destination's
vetted addresses are reused for ``VETTED_FOR`` seconds (no DNS lookup per alert; the guard
runs again after that, so a changed answer is vetted before it is used).
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import urllib3

from alerts.destinations import guard

_MAX_POOLS = 256  # destinations with open connections; beyond that the pools start over
VETTED_FOR = 30.0  # seconds a destination's vetted addresses are reused


class DeliveryFailed(Exception):
    """One attempt failed in a way a retry may fix (network error, 5xx, 429, timeout)."""


class WebhookClient:
    """Thread-safe; ``close`` drops every connection."""

    def __init__(self, pool_size: int = 4):
        self._pools: dict[tuple[str, str, str, int], urllib3.HTTPConnectionPool] = {}
        self._vetted: dict[tuple[str, str, bool], tuple[float, list[str]]] = {}
        self._lock = threading.Lock()
        self._pool_size = pool_size
        self._clock = time.monotonic

    def post(
        self, url: str, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool
    ) -> None:
        """One attempt: guard the destination, POST, require a 2xx.

        ``guard.Refused`` is final, ``DeliveryFailed`` retryable.
        """
        parts = urlsplit(url)
        addresses = self._addresses(url, (parts.scheme, parts.netloc, allow_private))
        hostname = parts.hostname or ""  # guard.check refused URLs without a host
        port = parts.port or (443 if parts.scheme == "https" else 80)
        pool = self._pool(parts.scheme, hostname, addresses[0], port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = hostname if parts.port is None else f"{hostname}:{parts.port}"
        try:
            response = pool.urlopen(
                "POST",
                target,
                body=body,
                redirect=False,
                retries=False,
                timeout=urllib3.Timeout(total=timeout),
                assert_same_host=False,
                headers={"Content-Type": "application/json", "Host": host, **headers},
            )
        except urllib3.exceptions.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        status = response.status
        if 300 <= status < 400:
            raise guard.Refused(f"the webhook answered {status} (redirects are not followed)")
        if status >= 500 or status == 429:
            raise DeliveryFailed(f"HTTP {status}")
        if status >= 400:
            raise guard.Refused(f"the webhook rejected the alert: HTTP {status}")

    def _addresses(self, url: str, key: tuple[str, str, bool]) -> list[str]:
        """The guard's addresses for ``url``, kept ``VETTED_FOR`` seconds per ``key`` (scheme,
        host and port, whether local use is allowed); a refusal is raised, never kept."""
        now = self._clock()
        with self._lock:
            kept = self._vetted.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        addresses = guard.check(url, key[2])
        with self._lock:
            if len(self._vetted) >= _MAX_POOLS:
                self._vetted.clear()
            self._vetted[key] = (now + VETTED_FOR, addresses)
        return addresses

    def _pool(
        self, scheme: str, hostname: str, address: str, port: int
    ) -> urllib3.HTTPConnectionPool:
        key = (scheme, hostname, address, port)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                if len(self._pools) >= _MAX_POOLS:
                    self._close_all()
                if scheme == "https":  # the certificate must name the URL's host, not the address
                    pool = urllib3.HTTPSConnectionPool(
                        address,
                        port,
                        maxsize=self._pool_size,
                        server_hostname=hostname,
                        assert_hostname=hostname,
                        cert_reqs="CERT_REQUIRED",
                    )
                else:
                    pool = urllib3.HTTPConnectionPool(address, port, maxsize=self._pool_size)
                self._pools[key] = pool
            return pool

    def close(self) -> None:
        with self._lock:
            self._close_all()

    def _close_all(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()


__all__ = ["DeliveryFailed", "WebhookClient"]
