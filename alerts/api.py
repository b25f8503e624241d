"""``/api/alerts``: rules, their test, snooze and state, rules as files, the alert history and a
live SSE feed — module-level endpoints reading ``request.app.state``.

The app's state holds ``rules`` (the rule store), ``store`` (the search store a rule is tested
on), ``lexicon`` and ``sessions`` (``rasad.sessions.Sessions``: logins from the alerts token);
``alerts_poll`` (s) paces the feed. Every endpoint needs ``Authorization: Bearer <token>`` (API
clients) or a login cookie (the pages); a state-changing request made with the cookie must come
from the page itself (same ``Origin``, the session's CSRF token in ``X-CSRF-Token``). Errors
are raised, and the app's exception handlers answer: ``Unauthenticated`` 401, ``Forbidden``
403 (also while no token is configured), ``BadInput`` 400, ``StoreError`` 503, 404 for a rule
that does not exist.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from alerts import messages, rulefiles
from alerts.backtest import backtest
from alerts.rules import AlertRule, new_rule
from alerts.rulestores import RuleStore
from rasad import payload
from rasad.errors import BadInput, Forbidden, Unauthenticated
from rasad.model import utcnow
from rasad.sessions import (
    CSRF_HEADER,
    SESSION_COOKIE,
    UNSAFE_METHODS,
    Session,
    Sessions,
    same_origin,
)

RANGES = {"15m": 15, "1h": 60, "24h": 1440, "7d": 7 * 1440, "30d": 30 * 1440}  # minutes
MAX_WINDOW = 10_000  # offset + size of a history page (the engines' result window)


def authenticate(request: Request) -> Session | None:
    """Let the request through (its login, or None for a bearer token), or raise
    ``Unauthenticated`` / ``Forbidden``."""
    sessions: Sessions | None = getattr(request.app.state, "sessions", None)
    if sessions is None or not sessions.enabled:
        raise Forbidden("the alerts API is off: set RASAD_ALERTS_TOKEN")
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        if sessions.check_token(header[7:]):
            return None  # an API client: no cookie, so nothing a foreign page could ride on
        raise Unauthenticated("wrong token")
    session = sessions.verify(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise Unauthenticated("log in first, or send Authorization: Bearer <RASAD_ALERTS_TOKEN>")
    if request.method in UNSAFE_METHODS:
        headers = request.headers
        if not same_origin(headers.get("origin"), headers.get("referer"), headers.get("host", "")):
            raise Forbidden("refused: the request does not come from this site's pages")
        if not sessions.check_csrf(session, headers.get(CSRF_HEADER)):
            raise Forbidden(f"refused: missing or wrong {CSRF_HEADER} header")
    return session


def rule_json(rule: AlertRule, with_secret: bool = False) -> dict[str, Any]:
    """A rule as the API shows it (the webhook secret only when just created), with its state."""
    data = rule.model_dump(mode="json", exclude=None if with_secret else {"secret"})
    snoozed = rule.snoozed()
    data["kind"] = rule.kind
    data["state"] = "disabled" if not rule.enabled else "snoozed" if snoozed else "enabled"
    return data


async def list_rules(request: Request) -> Response:
    authenticate(request)
    rules = await run_in_threadpool(_rules(request).rules)
    return JSONResponse({"rules": [rule_json(r) for r in rules]})


async def create_rule(request: Request) -> Response:
    authenticate(request)
    rule = new_rule(await _json(request), request.app.state.lexicon)
    await run_in_threadpool(_rules(request).add, rule)
    return JSONResponse(rule_json(rule, with_secret=True), status_code=201)


async def get_rule(request: Request) -> Response:
    authenticate(request)
    return JSONResponse(rule_json(await _existing(request)))


async def update_rule(request: Request) -> Response:
    """Replace a rule by a new version (the same name; its secret and creation time kept)."""
    authenticate(request)
    old = await _existing(request)
    data = await _json(request)
    if not isinstance(data, dict):
        raise BadInput("a rule is a JSON object", reason="bad_rule")
    if data.get("name", old.name) != old.name:
        raise BadInput("a rule keeps its name: create a new rule to rename it", reason="bad_rule")
    data = {**data, "name": old.name, "created_at": old.created_at}
    data.setdefault("secret", old.secret)
    rule = new_rule(data, request.app.state.lexicon)
    await run_in_threadpool(_rules(request).add, rule, True)
    return JSONResponse(rule_json(rule))


async def delete_rule(request: Request) -> Response:
    authenticate(request)
    name = request.path_params["name"]
    if not await run_in_threadpool(_rules(request).remove, name):
        raise HTTPException(404, "no such rule")
    return JSONResponse({"removed": name})


async def change_state(request: Request) -> Response:
    """``enable``, ``disable``, ``snooze`` (``{"until": ISO}`` or ``{"minutes": N}``) or
    ``unsnooze`` a rule."""
    authenticate(request)
    rule = await _existing(request)
    action = request.path_params["action"]
    if action == "snooze":
        changes: dict[str, Any] = {"snoozed_until": snooze_until(await _json(request))}
    elif action in ("enable", "disable"):
        changes = {"enabled": action == "enable"}
    elif action == "unsnooze":
        changes = {"snoozed_until": None}
    else:
        raise HTTPException(404, f"no such action {action!r}")
    changed = rule.model_copy(update=changes)
    await run_in_threadpool(_rules(request).add, changed, True)
    return JSONResponse(rule_json(changed))


def snooze_until(body: Any) -> datetime:
    """The end of a snooze asked as ``{"until": ISO 8601}`` or ``{"minutes": N}``: in the future."""
    now = utcnow()
    if not isinstance(body, dict):
        raise BadInput('snooze with {"until": "2025-01-31T18:00:00Z"} or {"minutes": 60}')
    try:
        if "minutes" in body:
            until = now + timedelta(minutes=float(body["minutes"]))
        else:
            until = datetime.fromisoformat(str(body.get("until", "")).replace("Z", "+00:00"))
    except (TypeError, ValueError, OverflowError) as exc:
        raise BadInput(f"bad snooze: {exc}") from exc
    if until.tzinfo is None:
        raise BadInput("a snooze's end needs a time zone (add Z or +00:00)")
    if not now < until <= now + timedelta(days=366):
        raise BadInput("a snooze ends in the future, within a year")
    return until


async def test_rule(request: Request) -> Response:
    """What a saved rule (GET …/rules/NAME/test) or a draft (POST …/test) would have matched."""
    authenticate(request)
    if request.method == "POST":
        data = await _json(request)
        if isinstance(data, dict) and not data.get("name"):
            data = {**data, "name": "draft"}
        rule = new_rule(data, request.app.state.lexicon)
    else:
        rule = await _existing(request)
    days = _number(request, "days", 7, 1, 36500)
    size = int(_number(request, "size", 20, 1, 100))
    result = await run_in_threadpool(
        backtest, rule, request.app.state.lexicon, request.app.state.store, days, size
    )
    return JSONResponse(
        {
            "rule": rule.name,
            "days": days,
            "total": result.total,
            "histogram": result.histogram,
            "articles": [_article(h.article) for h in result.hits],
        }
    )


async def fired(request: Request) -> Response:
    """The latest alerts (of ``?rule=``), up to ``?limit=`` (500)."""
    authenticate(request)
    limit = int(_number(request, "limit", 50, 1, 500))
    rule = request.query_params.get("rule") or None
    alerts = await run_in_threadpool(_rules(request).alerts, rule, limit)
    return JSONResponse({"alerts": [a.payload() for a in alerts]})


async def history(request: Request) -> Response:
    """Alerts matched in a time range (``?range=24h`` or ``?from=&to=``), of ``?rule=``, paged."""
    authenticate(request)
    since, until = time_range(request.query_params)
    page = int(_number(request, "page", 1, 1, MAX_WINDOW))
    size = int(_number(request, "size", 50, 1, 200))
    if page * size > MAX_WINDOW:
        raise BadInput(f"pages reach at most {MAX_WINDOW} alerts deep: narrow the time range")
    rule = request.query_params.get("rule") or None
    found = await run_in_threadpool(
        _rules(request).history, rule, since, until, (page - 1) * size, size
    )
    return JSONResponse(
        {
            "rule": rule,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "page": page,
            "size": size,
            "total": found.total,
            "pages": max(1, -(-min(found.total, MAX_WINDOW) // size)),
            "alerts": [a.payload() for a in found.alerts],
        }
    )


def time_range(params: Any) -> tuple[datetime | None, datetime | None]:
    """``range=15m|1h|24h|7d|30d|all`` (default 24h), or ``from``/``to`` as ISO 8601 times."""
    if params.get("from") or params.get("to"):
        since, until = _moment(params.get("from")), _moment(params.get("to"))
        if since and until and since >= until:
            raise BadInput("'from' must be before 'to'")
        return since, until
    span = params.get("range", "24h")
    if span == "all":
        return None, None
    if span not in RANGES:
        raise BadInput(f"range must be one of {', '.join(RANGES)} or all")
    return utcnow() - timedelta(minutes=RANGES[span]), None


async def export(request: Request) -> Response:
    """Every rule as a file (``?format=yaml|json``; ``?secrets=1`` with the signing secrets)."""
    authenticate(request)
    fmt = request.query_params.get("format", "yaml")
    rules = await run_in_threadpool(_rules(request).rules)
    text = rulefiles.export_rules(rules, fmt, request.query_params.get("secrets") == "1")
    return Response(
        text,
        media_type="application/json" if fmt == "json" else "application/yaml",
        headers={"Content-Disposition": f'attachment; filename="rasad-alert-rules.{fmt}"'},
    )


async def import_rules(request: Request) -> Response:
    """A rules file in the body (YAML or JSON): all saved, or none (400 naming every bad rule)."""
    authenticate(request)
    body = await request.body()
    if len(body) > rulefiles.MAX_BYTES:
        raise BadInput("a rules file is at most 5 MB")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput("a rules file is UTF-8 text") from exc
    rules, with_secret = rulefiles.read_rules(text, request.app.state.lexicon)
    replace = request.query_params.get("replace") in ("1", "true")
    done = await run_in_threadpool(
        rulefiles.import_rules, _rules(request), rules, with_secret, replace
    )
    return JSONResponse({"added": done.added, "replaced": done.replaced})


async def fields(request: Request) -> Response:
    """The fields a message template may use, with what each holds."""
    authenticate(request)
    return JSONResponse({"fields": messages.FIELDS, "defaults": messages.DEFAULT_TEXT})


async def feed(request: Request) -> Response:
    """``text/event-stream``: each alert as it is delivered (read from the alert log)."""
    login = authenticate(request)
    return StreamingResponse(
        _events(request, login is not None),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(request: Request, login: bool) -> AsyncIterator[str]:
    """Polls the rule store's log, so it works whichever process recorded the alert; a page's
    stream ends when its login does (logged out or expired)."""
    store = _rules(request)
    sessions: Sessions = request.app.state.sessions
    poll = getattr(request.app.state, "alerts_poll", 0.5)
    seen = {(a.id, a.latency.delivered) for a in await run_in_threadpool(store.alerts, None, 200)}
    yield ": connected\n\n"
    while not await request.is_disconnected():
        if login and sessions.verify(request.cookies.get(SESSION_COOKIE)) is None:
            return
        await asyncio.sleep(poll)
        for alert in reversed(await run_in_threadpool(store.alerts, None, 200)):
            marker = (alert.id, alert.latency.delivered)
            if marker in seen or alert.latency.delivered is None:
                continue
            seen.add(marker)
            data = json.dumps(alert.payload(), ensure_ascii=False)
            yield f"id: {alert.id}\nevent: alert\ndata: {data}\n\n"


ROUTES = [
    Route("/api/alerts", list_rules, methods=["GET"]),
    Route("/api/alerts", create_rule, methods=["POST"]),
    Route("/api/alerts/fired", fired, methods=["GET"]),
    Route("/api/alerts/history", history, methods=["GET"]),
    Route("/api/alerts/feed", feed, methods=["GET"]),
    Route("/api/alerts/fields", fields, methods=["GET"]),
    Route("/api/alerts/export", export, methods=["GET"]),
    Route("/api/alerts/import", import_rules, methods=["POST"]),
    Route("/api/alerts/test", test_rule, methods=["POST"]),
    Route("/api/alerts/rules/{name}", get_rule, methods=["GET"]),
    Route("/api/alerts/rules/{name}", update_rule, methods=["PUT"]),
    Route("/api/alerts/rules/{name}", delete_rule, methods=["DELETE"]),
    Route("/api/alerts/rules/{name}/test", test_rule, methods=["GET"]),
    Route("/api/alerts/rules/{name}/{action}", change_state, methods=["POST"]),
]


def _rules(request: Request) -> RuleStore:
    store: RuleStore = request.app.state.rules
    return store


async def _existing(request: Request) -> AlertRule:
    rule = await run_in_threadpool(_rules(request).get, request.path_params["name"])
    if rule is None:
        raise HTTPException(404, "no such rule")
    return rule


async def _json(request: Request) -> Any:
    try:
        return payload.decode(await request.body())
    except BadInput as exc:
        raise BadInput(f"the body must be JSON: {exc}", reason="bad_rule") from exc


def _number(request: Request, name: str, default: float, low: float, high: float) -> float:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError as exc:
        raise BadInput(f"{name} must be a number") from exc
    if not low <= value <= high:
        raise BadInput(f"{name} must be between {low:g} and {high:g}")
    return value


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadInput(f"bad time {text!r}: use ISO 8601 (2025-01-31T18:00:00Z)") from exc
    if moment.tzinfo is None:
        raise BadInput(f"the time {text!r} needs a time zone (add Z or +00:00)")
    return moment


def _article(article: Any) -> dict[str, Any]:
    when = article.published_at or article.ingested_at
    return {
        "id": article.id,
        "title": article.title or article.text[:80],
        "source": article.source,
        "language": article.language,
        "url": article.url,
        "story_id": article.story_id,
        "when": when.isoformat() if when else None,
    }
