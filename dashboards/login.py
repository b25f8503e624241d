"""Logging in to the alerts pages with the alerts token, and out again.

``POST /login`` checks the token and sets the session cookie (``rasad.sessions``): HttpOnly,
SameSite=Lax (a link in an alert email opens the history page logged in; nothing cross-site can
change anything, see below), Secure when the page is served over https. Every state-changing
request from the pages — logout included — must come from this very site (its ``Origin``) and
carry the session's CSRF token. Failed logins are counted per client address: after
``MAX_FAILURES`` in ``FAILURE_WINDOW`` seconds that address must wait (429).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dashboards.templates import TEMPLATES, page_context
from rasad.errors import Forbidden, Unauthenticated
from rasad.sessions import CSRF_FIELD, SESSION_COOKIE, Session, Sessions, same_origin

MAX_FAILURES = 10
FAILURE_WINDOW = 300.0  # seconds


class Throttle:
    """Failed logins per client address in the last ``FAILURE_WINDOW`` seconds (thread-safe)."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            recent = self._failures[client]
            while recent and now - recent[0] > FAILURE_WINDOW:
                recent.popleft()
            if not recent:
                del self._failures[client]
            return len(recent) >= MAX_FAILURES

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures[client].append(time.monotonic())


def sessions_of(request: Request) -> Sessions | None:
    sessions: Sessions | None = getattr(request.app.state, "sessions", None)
    return sessions if sessions is not None and sessions.enabled else None


def current_session(request: Request) -> Session | None:
    """The request's valid login, if any."""
    sessions = sessions_of(request)
    return sessions.verify(request.cookies.get(SESSION_COOKIE)) if sessions else None


def require_login(request: Request) -> Session:
    """The page's session; without one ``Unauthenticated`` (the handler sends it to /login)."""
    if sessions_of(request) is None:
        raise Forbidden("alerts are off: set RASAD_ALERTS_TOKEN to use them")
    session = current_session(request)
    if session is None:
        raise Unauthenticated("log in to see the alerts")
    return session


def local_path(target: str | None) -> str:
    """Where to go after logging in: a path of this site only (never ``//host`` or a URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/alerts"
    return target


async def login_page(request: Request) -> Response:
    target = local_path(request.query_params.get("next"))
    if current_session(request) is not None:
        return RedirectResponse(target, status_code=303)
    return _form(request, target)


async def login(request: Request) -> Response:
    """Check the token; on success set the session cookie and go where the user was going."""
    sessions = sessions_of(request)
    form = _form_fields(await request.body())
    target = local_path(form.get("next"))
    if sessions is None:
        return _form(request, target, "alerts are off: set RASAD_ALERTS_TOKEN", 403)
    headers = request.headers
    if not same_origin(headers.get("origin"), headers.get("referer"), headers.get("host", "")):
        raise Forbidden("refused: the login form was not sent from this site")
    throttle: Throttle = request.app.state.login_throttle
    client = request.client.host if request.client else "?"
    if throttle.blocked(client):
        return _form(request, target, "too many failed logins: wait a few minutes", 429)
    if not sessions.check_token(form.get("token", "")):
        throttle.failed(client)
        return _form(request, target, "wrong token", 401)
    cookie, _ = sessions.issue()
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(sessions.lifetime),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


async def logout(request: Request) -> Response:
    """End the session (a form of the page, with its CSRF token); back to the login form."""
    session = require_login(request)
    sessions = sessions_of(request)
    assert sessions is not None  # require_login checked
    form = _form_fields(await request.body())
    headers = request.headers
    if not same_origin(headers.get("origin"), headers.get("referer"), headers.get("host", "")):
        raise Forbidden("refused: the request does not come from this site's pages")
    if not sessions.check_csrf(session, form.get(CSRF_FIELD)):
        raise Forbidden("refused: missing or wrong CSRF token")
    sessions.revoke(session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", samesite="lax", httponly=True)
    return response


def _form(request: Request, target: str, error: str = "", status: int = 200) -> Response:
    context: dict[str, Any] = {**page_context(request), "next": target, "error": error}
    context["enabled"] = sessions_of(request) is not None
    return TEMPLATES.TemplateResponse(request, "login.html", context, status_code=status)


def _form_fields(body: bytes) -> dict[str, str]:
    """An urlencoded form's fields (first value of each); a bad body is an empty form."""
    try:
        parsed = parse_qs(body.decode("utf-8"), max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {k: v[0] for k, v in parsed.items()}
