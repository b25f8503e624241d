"""The Jinja environment of the pages and what every page's template receives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from dashboards import i18n

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
UI_COOKIE = "rasad_ui"


def interface(request: Request) -> str:
    """The interface language of a request (``?ui=``, the cookie, then ``Accept-Language``)."""
    return i18n.choose(
        request.query_params.get("ui"),
        request.cookies.get(UI_COOKIE),
        request.headers.get("accept-language", ""),
    )


def page_context(request: Request) -> dict[str, Any]:
    """Language, direction, translations, navigation: what the base template needs."""
    ui = interface(request)
    boards = getattr(request.app.state, "boards", {})
    other = "en" if ui == "ar" else "ar"
    return {
        "ui": ui,
        "ui_dir": "rtl" if ui == "ar" else "ltr",
        "t": lambda text: i18n.translate(ui, text),
        "messages": i18n.messages(ui),
        "boards": [
            {"id": b.id, "title": (b.title_ar if ui == "ar" and b.title_ar else b.title)}
            for b in boards.values()
        ],
        "switch_ui": {
            "code": other,
            "label": "العربية" if other == "ar" else "English",
            "href": str(request.url.include_query_params(ui=other)),
        },
        "direction": i18n.direction,
    }


def remember_interface(request: Request, response: Any) -> Any:
    """Keep an explicit ``?ui=`` choice in a cookie (a year; read by the server only)."""
    chosen = request.query_params.get("ui")
    if chosen in i18n.UI_LANGUAGES:
        response.set_cookie(UI_COOKIE, chosen, max_age=365 * 86400, httponly=True, samesite="lax")
    return response
