"""Login sessions of the web interface: a signed cookie, its CSRF token and the same-origin check.

Logging in with the alerts token (``RASAD_ALERTS_TOKEN``) issues a cookie
``<expiry>.<nonce>.<HMAC>``, signed with a key derived from the token: nothing is kept on the
server, every process serving the API accepts it, and changing the token logs everybody out.
A logged-out session is remembered as revoked (in this process) until it would have expired.

State-changing requests that rely on the cookie must come from the page itself: the cookie is
``SameSite=Strict``, the ``Origin`` (or ``Referer``) must name this very host, and the request
must carry the session's CSRF token (an HMAC of its nonce, which a cross-site page cannot read).
Both stages that serve pages or endpoints (``dashboards``, ``alerts``) read these rules here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

SESSION_COOKIE = "rasad_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Session:
    """A verified login: its nonce (what the CSRF token and a logout name) and its expiry."""

    nonce: str
    expires: float


class Sessions:
    """Issues and verifies login cookies for one token; thread-safe.

    ``enabled`` is false while no token is configured: then nobody can log in.
    """

    def __init__(self, token: str, lifetime: float = 12 * 3600) -> None:
        self.enabled = bool(token)
        self.lifetime = lifetime
        self._token = token.encode("utf-8")
        self._key = hmac.new(self._token, b"rasad login session v1", hashlib.sha256).digest()
        self._revoked: dict[str, float] = {}
        self._lock = threading.Lock()

    def check_token(self, given: str) -> bool:
        """Is ``given`` the configured token (compared in constant time)?"""
        if not self.enabled:
            return False
        return hmac.compare_digest(given.strip().encode("utf-8"), self._token)

    def issue(self, now: float | None = None) -> tuple[str, Session]:
        """A new session and its cookie value."""
        session = Session(secrets.token_hex(16), (now or time.time()) + self.lifetime)
        payload = f"{session.expires:.0f}.{session.nonce}"
        return f"{payload}.{self._sign('session', payload)}", session

    def verify(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session of a cookie value, or None if it is missing, forged, expired or revoked."""
        if not self.enabled or not cookie or cookie.count(".") != 2:
            return None
        expiry, nonce, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._sign("session", f"{expiry}.{nonce}")):
            return None
        try:
            expires = float(expiry)
        except ValueError:
            return None
        current = now or time.time()
        with self._lock:
            if expires <= current or nonce in self._revoked:
                return None
        return Session(nonce, expires)

    def csrf_token(self, session: Session) -> str:
        """The token a page of this session sends with every state-changing request."""
        return self._sign("csrf", session.nonce)

    def check_csrf(self, session: Session, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(str(given), self.csrf_token(session))

    def revoke(self, session: Session, now: float | None = None) -> None:
        """Log a session out (in this process; other processes see the cookie deleted only)."""
        current = now or time.time()
        with self._lock:
            self._revoked = {n: e for n, e in self._revoked.items() if e > current}
            self._revoked[session.nonce] = session.expires

    def _sign(self, purpose: str, payload: str) -> str:
        return hmac.new(self._key, f"{purpose}:{payload}".encode(), hashlib.sha256).hexdigest()


def same_origin(origin: str | None, referer: str | None, host: str) -> bool:
    """Does a request come from a page of ``host`` (its ``Host`` header)?

    The ``Origin`` header decides when present (browsers send it with every cross-site POST);
    else the ``Referer``. A request with neither is refused: a page of ours always has one.
    """
    source = origin if origin and origin != "null" else referer
    if not source or not host:
        return False
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()
