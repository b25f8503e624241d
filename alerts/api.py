"""``/api/alerts``: rule CRUD and the alert log behind a bearer token, and a live SSE feed.

Routes (the CLI mounts them on the dashboard app): ``GET /api/alerts`` (rules), ``POST
/api/alerts`` (a rule as JSON; 400 with the reason when it is bad), ``GET|DELETE
/api/alerts/rules/{name}``, ``GET /api/alerts/fired`` (recent alerts), ``GET /api/alerts/feed``
(``text/event-stream``; the token may come as ``?token=`` since browsers' EventSource cannot
send headers). Every call is refused while no token is configured.
"""

from __future__ import annotations

import asyncio
import hmac
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from alerts.rules import AlertRule, new_rule
from alerts.rulestores import RuleStore
from rasad.concepts import Lexicon
from rasad.errors import BadInput, StoreError


def rule_json(rule: AlertRule, with_secret: bool = False) -> dict:
    """A rule as the API shows it (the webhook secret only when just created)."""
    return rule.model_dump(mode="json", exclude=None if with_secret else {"secret"})


def routes(store: RuleStore, lexicon: Lexicon, token: str, poll: float = 0.5) -> list[Route]:
    """The starlette routes of the alerts API."""

    def denied(request: Request) -> Response | None:
        if not token:
            return JSONResponse(
                {"error": "the alerts API is off: set RASAD_ALERTS_TOKEN"}, status_code=403
            )
        given = request.headers.get("authorization", "").removeprefix(
            "Bearer "
        ).strip() or request.query_params.get("token", "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return JSONResponse({"error": "missing or wrong token"}, status_code=401)
        return None

    def guarded(handler):
        async def endpoint(request: Request) -> Response:
            refusal = denied(request)
            if refusal is not None:
                return refusal
            try:
                return await handler(request)
            except BadInput as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            except StoreError as exc:
                return JSONResponse({"error": str(exc)}, status_code=503)

        return endpoint

    async def list_rules(request: Request) -> Response:
        return JSONResponse({"rules": [rule_json(r) for r in store.rules()]})

    async def create_rule(request: Request) -> Response:
        try:
            data = await request.json()
        except ValueError as exc:
            raise BadInput("the body must be a JSON rule", reason="bad_rule") from exc
        rule = new_rule(data, lexicon)
        store.add(rule)
        return JSONResponse(rule_json(rule, with_secret=True), status_code=201)

    async def one_rule(request: Request) -> Response:
        name = request.path_params["name"]
        if request.method == "DELETE":
            gone = store.remove(name)
            return JSONResponse(
                {"removed": name} if gone else {"error": "no such rule"},
                status_code=200 if gone else 404,
            )
        rule = store.get(name)
        return (
            JSONResponse(rule_json(rule))
            if rule
            else JSONResponse({"error": "no such rule"}, status_code=404)
        )

    async def fired(request: Request) -> Response:
        limit = (
            min(500, max(1, int(request.query_params.get("limit", "50"))))
            if request.query_params.get("limit", "50").isdigit()
            else 50
        )
        alerts = store.alerts(request.query_params.get("rule") or None, limit)
        return JSONResponse({"alerts": [a.payload() for a in alerts]})

    async def feed(request: Request) -> Response:
        return StreamingResponse(
            _events(store, request, poll),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache"},
        )

    return [
        Route("/api/alerts", guarded(list_rules), methods=["GET"]),
        Route("/api/alerts", guarded(create_rule), methods=["POST"]),
        Route("/api/alerts/fired", guarded(fired), methods=["GET"]),
        Route("/api/alerts/feed", guarded(feed), methods=["GET"]),
        Route("/api/alerts/rules/{name}", guarded(one_rule), methods=["GET", "DELETE"]),
    ]


async def _events(store: RuleStore, request: Request, poll: float):
    """Server-sent events: each alert as it is recorded (polled from the rule store, so it works across processes)."""
    loop = asyncio.get_running_loop()
    seen = {
        (a.id, a.latency.delivered)
        for a in await loop.run_in_executor(None, store.alerts, None, 200)
    }
    yield ": connected\n\n"
    while not await request.is_disconnected():
        await asyncio.sleep(poll)
        for alert in reversed(await loop.run_in_executor(None, store.alerts, None, 200)):
            marker = (alert.id, alert.latency.delivered)
            if marker in seen or alert.latency.delivered is None:
                continue
            seen.add(marker)
            yield f"id: {alert.id}\nevent: alert\ndata: {json.dumps(alert.payload(), ensure_ascii=False)}\n\n"
