"""The alerts pages: the rules (create, edit, test, snooze, enable or disable, delete, import and
export) and the alert history. Both are drawn in the browser from ``/api/alerts/…`` with the
login cookie; a visitor without a login is sent to ``/login`` first."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dashboards.login import require_login
from dashboards.templates import TEMPLATES, page_context, remember_interface


async def rules_page(request: Request) -> Response:
    require_login(request)
    return _page(request, "alerts.html")


async def history_page(request: Request) -> Response:
    require_login(request)
    return _page(request, "alert_history.html")


def _page(request: Request, template: str) -> Response:
    context = page_context(request)
    config: dict[str, Any] = {
        "ui": context["ui"],
        "messages": context["messages"],
        "csrf": context["csrf"],
    }
    response = TEMPLATES.TemplateResponse(request, template, {**context, "config": config})
    return remember_interface(request, response)
