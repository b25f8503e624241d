"""Message templates: the text of an alert in an email, a Slack message or a webhook's ``message``.

A template is ``string.Template`` text: ``$title`` or ``${title}`` is replaced by the alert's
field, ``$$`` is a dollar sign. Nothing else is interpreted — no expressions, no attribute
access, no code — so a rule's author (or an article's text, which only ever fills a field)
cannot run anything. A rule naming a field that does not exist is refused when it is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from string import Template
from typing import Any

from pydantic import BaseModel, Field

from alerts.alert import Alert, duration
from rasad.errors import BadInput

FIELDS: dict[str, str] = {
    "rule": "the rule's name",
    "kind": "match, spike or silence",
    "title": "the article's title",
    "url": "the article's link",
    "source": "the article's source",
    "language": "the article's language code",
    "snippet": "the first ~280 characters of the text",
    "concepts": "the concepts the rule names that the article has (their names)",
    "published": "when the article was published (UTC)",
    "ingested": "when Rasad received it (UTC)",
    "matched": "when the rule matched (UTC)",
    "article_id": "the article's id",
    "story_id": "the story's id",
    "spike_key": "spike: the concept or country counted",
    "spike_count": "spike: articles in the window",
    "silence_key": "silence: the quiet source or concept",
    "quiet_for": "silence: how long it has been quiet",
    "usual_gap": "silence: its usual gap between articles",
}
DEFAULT_SUBJECT = "[rasad] $rule: $title"
DEFAULT_TEXT = {
    "match": "$title\n$url\n$source · $language · $published\n\n$snippet",
    "spike": "Spike: $spike_count articles about $spike_key\n$title\n$url",
    "silence": "$title",
}


class Message(BaseModel):
    """A rule's own templates; an empty one means the default text for the alert's kind."""

    subject: str = Field("", max_length=300, description="Email subject.")
    text: str = Field(
        "", max_length=4000, description="Email body, Slack text and the webhook's message."
    )


def check(message: Message) -> None:
    """Refuse a template that does not parse or names an unknown field (``BadInput``)."""
    for part in ("subject", "text"):
        template = Template(getattr(message, part))
        if not template.is_valid():
            raise BadInput(
                f"bad {part} template: a '$' must start a field name ($title, ${{url}}) or be "
                "written $$",
                reason="bad_rule",
            )
        unknown = [name for name in template.get_identifiers() if name not in FIELDS]
        if unknown:
            raise BadInput(
                f"unknown field ${unknown[0]} in the {part} template: use one of "
                + ", ".join(f"${f}" for f in FIELDS),
                reason="bad_rule",
            )


def fields(alert: Alert) -> dict[str, str]:
    """Every template field of an alert, as text (empty when the alert has none)."""
    latency = alert.latency
    spike = alert.spike or {}
    silence = alert.silence or {}
    return {
        "rule": alert.rule,
        "kind": alert.kind,
        "title": alert.title or alert.snippet[:80],
        "url": alert.url or "",
        "source": alert.source,
        "language": alert.language or "",
        "snippet": alert.snippet,
        "concepts": ", ".join(alert.concepts.values()),
        "published": _when(latency.published),
        "ingested": _when(latency.ingested),
        "matched": _when(latency.matched),
        "article_id": alert.article_id,
        "story_id": alert.story_id,
        "spike_key": str(spike.get("key", "")),
        "spike_count": str(spike.get("count", "")),
        "silence_key": str(silence.get("key", "")),
        "quiet_for": duration(silence["quiet"]) if "quiet" in silence else "",
        "usual_gap": duration(silence["usual_gap"]) if silence.get("usual_gap") else "",
    }


def render(
    template: str,
    alert: Alert,
    escape: Callable[[str], str] | None = None,
    kind_default: bool = True,
) -> str:
    """The template filled with the alert's fields (each escaped by ``escape`` first, if given).

    An empty template is the default text of the alert's kind (``kind_default``).
    """
    text = template or (DEFAULT_TEXT.get(alert.kind, DEFAULT_TEXT["match"]) if kind_default else "")
    values = fields(alert)
    if escape is not None:
        values = {k: escape(v) for k, v in values.items()}
    return Template(text).safe_substitute(values).strip()


def subject(message: Message | None, alert: Alert) -> str:
    """An email subject: one line."""
    line = render((message.subject if message else "") or DEFAULT_SUBJECT, alert)
    return " ".join(line.split())[:250]


def body(message: Message | None, alert: Alert, escape: Callable[[str], str] | None = None) -> str:
    return render(message.text if message else "", alert, escape)


def slack_escape(text: str) -> str:
    """Slack's own escaping: an article cannot write ``<!channel>`` or a ``<link|label>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


@dataclass(frozen=True)
class Letter:
    """What one delivery sends: an email's subject and text, a Slack text, a webhook's JSON."""

    subject: str
    text: str
    slack: str
    payload: dict[str, Any]


def letter(alert: Alert, message: Message | None = None) -> Letter:
    """The letter of one alert under a rule's templates."""
    text = body(message, alert)
    if message and message.text:
        slack = f"*{slack_escape(alert.rule)}*: {body(message, alert, slack_escape)}"
    else:  # the default: the title as a link, then what kind of alert it is
        link = _slack_line(alert)
        what = (
            f"spike in {alert.spike['key']} ({alert.spike['count']} articles)"
            if alert.spike
            else alert.source
        )
        slack = f"*{slack_escape(alert.rule)}*: {link}\n{slack_escape(what)}".rstrip()
    return Letter(subject(message, alert), text, slack, {**alert.payload(), "message": text})


def digest_letter(
    rule: str, alerts: list[Alert], message: Message | None, until: datetime
) -> Letter:
    """One letter for a digest rule's alerts of a period (oldest first)."""
    since = min(a.latency.matched for a in alerts)
    head = f"{len(alerts)} alert(s) of {rule}, {_when(since)} – {_when(until)}"
    texts = [body(message, a) for a in alerts]
    slacks = [
        body(message, a, slack_escape) if message and message.text else _slack_line(a)
        for a in alerts
    ]
    text = "\n\n".join([head, *texts])
    payload = {
        "rule": rule,
        "digest": {"since": since.isoformat(), "until": until.isoformat(), "count": len(alerts)},
        "alerts": [a.payload() for a in alerts],
        "message": text,
    }
    return Letter(
        f"[rasad] {rule}: {len(alerts)} alert(s)",
        text,
        "\n".join([f"*{slack_escape(head)}*", *(f"• {s}" for s in slacks)]),
        payload,
    )


def _slack_line(alert: Alert) -> str:
    """The title, as a Slack link when the URL is plain http(s) (nothing to break out of <…>)."""
    title = slack_escape(alert.title or alert.snippet[:80])
    url = alert.url or ""
    plain = url.startswith(("http://", "https://")) and not any(c in url for c in "<>| \n")
    return f"<{url}|{title}>" if plain else title
