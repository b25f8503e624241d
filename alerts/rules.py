"""An alert rule: a saved search (same syntax and matching as search) plus filters, a spike or
silence condition, where and how to deliver (each alert at once or a digest, with its own
message templates), and whether it is enabled or snoozed; and its validation into a query tree.

A rule that cannot be read (unparseable query, unknown filter or template field, bad
destination URL or address, impossible spike or silence settings) raises ``BadInput`` with a
clear message and must not be saved.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, Field, ValidationError, model_validator

from alerts import messages
from alerts.messages import Message
from rasad.concepts import Lexicon
from rasad.document import source_key
from rasad.errors import BadInput
from rasad.model import utcnow
from rasad.query import And, Filter, Or, Query, canonical_filter, parse

# rule option -> query filter field (the same filters the query language has)
RULE_FILTERS = {"lang": "lang", "country": "country", "source": "source", "type": "type"}
_NAME_RE = re.compile(r"^[\w.-]{1,80}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$|^[^@\s]+@localhost$")


class Spike(BaseModel):
    """Fire when the matching articles of one concept/country in a window exceed a level.

    ``threshold``: a fixed count; ``factor``: k × the mean count of the ``baseline`` windows
    before (the higher of the two applies when both are set).
    """

    by: Literal["concept", "country"] = "concept"
    window: float = Field(300.0, gt=0, description="Window length in seconds.")
    threshold: int = Field(0, ge=0)
    factor: float = Field(0.0, ge=0)
    baseline: int = Field(
        6, ge=1, le=1000, description="Trailing windows the baseline is averaged over."
    )


class Silence(BaseModel):
    """Fire when a source (or a concept) matching the rule has been quiet for longer than usual.

    ``after``: a fixed quiet time; ``factor``: K × the key's usual gap (the mean of its last
    ``history`` gaps between articles, once it has three); the higher applies when both are set.
    ``keys`` names the sources (or concept ids) watched from the start even if never heard;
    without keys every source (every concept the query names) the rule matches is watched.
    """

    by: Literal["source", "concept"] = "source"
    keys: list[str] = Field(default_factory=list)
    after: float = Field(0.0, ge=0, description="Seconds of quiet that fire (0: only the factor).")
    factor: float = Field(0.0, ge=0, description="Fire after K × the key's usual gap.")
    history: int = Field(20, ge=3, le=1000, description="Gaps the usual gap is averaged over.")

    @model_validator(mode="after")
    def _canonical_keys(self) -> Silence:
        # Keys are compared with what documents store: source keys, canonical concept ids.
        canonical = source_key if self.by == "source" else lambda k: canonical_filter("concept", k)
        self.keys = list(dict.fromkeys(canonical(k) for k in self.keys if k.strip()))
        return self


class AlertRule(BaseModel):
    """A standing search that fires an alert for each new matching story."""

    name: str
    query: str = ""
    filters: dict[str, list[str]] = Field(default_factory=dict)
    spike: Spike | None = None
    silence: Silence | None = None
    webhooks: list[str] = Field(default_factory=list)
    slack: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    secret: str = Field(
        default_factory=lambda: secrets.token_hex(16), description="HMAC key of webhook signatures."
    )
    max_per_minute: int = Field(
        60, ge=1, description="Throttle: alerts beyond this per minute are recorded, not delivered."
    )
    created_at: AwareDatetime = Field(default_factory=utcnow)
    enabled: bool = True
    snoozed_until: AwareDatetime | None = Field(
        None, description="Fires nothing until then (counts and silences are still followed)."
    )
    delivery: Literal["each", "digest"] = Field(
        "each", description="each: every alert at once; digest: collected per destination."
    )
    digest_minutes: float = Field(
        60.0, ge=0.05, le=10080, description="How often a digest rule sends what it collected."
    )
    message: Message = Field(default_factory=Message)

    @property
    def kind(self) -> str:
        """keyword, spike or silence."""
        return "spike" if self.spike else "silence" if self.silence else "keyword"

    def snoozed(self, now: datetime | None = None) -> bool:
        """Is the rule snoozed at ``now``?"""
        return self.snoozed_until is not None and (now or utcnow()) < self.snoozed_until

    @property
    def destinations(self) -> list[tuple[str, str]]:
        """(kind, target) of every place this rule delivers to (the topic and feed always)."""
        return (
            [("webhook", u) for u in self.webhooks]
            + [("slack", u) for u in self.slack]
            + [("email", a) for a in self.emails]
        )


def new_rule(data: dict, lexicon: Lexicon) -> AlertRule:
    """Build and validate a rule from user input (CLI flags or API JSON); raise ``BadInput``."""
    if not isinstance(data, dict):
        raise BadInput("a rule is a JSON object", reason="bad_rule")
    try:
        rule = AlertRule.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'rule'}: {e['msg']}" for e in exc.errors()
        )
        raise BadInput(f"invalid rule: {problems}", reason="bad_rule") from exc
    validate(rule, lexicon)
    return rule


def validate(rule: AlertRule, lexicon: Lexicon) -> Query:
    """Check everything about a rule; return its compiled query."""
    if not _NAME_RE.match(rule.name):
        raise BadInput(
            f"bad rule name {rule.name!r}: use letters, digits, '.', '-' or '_' (at most 80)",
            reason="bad_rule",
        )
    query = compile_query(rule, lexicon)
    if query.root is None and rule.spike is None and rule.silence is None:
        raise BadInput(
            "a keyword rule needs a query or a filter (an empty rule would match everything)",
            reason="bad_rule",
        )
    if rule.spike is not None and rule.silence is not None:
        raise BadInput("a rule is a spike rule or a silence rule, not both", reason="bad_rule")
    if rule.spike is not None and not (rule.spike.threshold or rule.spike.factor):
        raise BadInput("a spike rule needs --threshold N or --factor K", reason="bad_rule")
    if rule.silence is not None:
        _check_silence(rule.silence, query)
    messages.check(rule.message)
    for url in rule.webhooks + rule.slack:
        check_url(url)
    for address in rule.emails:
        if not _EMAIL_RE.match(address):
            raise BadInput(f"bad email address {address!r}", reason="bad_rule")
    return query


def _check_silence(silence: Silence, query: Query) -> None:
    if not (silence.after or silence.factor):
        raise BadInput(
            "a silence rule needs --quiet-for SECONDS or --quiet-factor K", reason="bad_rule"
        )
    if silence.by == "concept" and not (silence.keys or query.concepts or _named(query.root)):
        raise BadInput(
            "a silence rule by concept must name its concepts (in the query or as keys)",
            reason="bad_rule",
        )
    for key in silence.keys:
        if not key.strip() or "|" in key:
            raise BadInput(f"bad silence key {key!r}", reason="bad_rule")


def _named(node: object) -> bool:
    """Does a query tree name a concept filter (concept:, actor:, place:, type:)?"""
    if isinstance(node, Filter):
        return node.field in ("concept", "actor", "place", "type")
    return isinstance(node, (And, Or)) and any(_named(p) for p in node.parts)


def compile_query(rule: AlertRule, lexicon: Lexicon) -> Query:
    """The rule's query parsed with concept expansion, its filters
    ANDed in (values OR-ed per filter).
    """
    query = parse(rule.query, lexicon, strict=True)  # a rejected literal never fires an alert
    parts = [query.root] if query.root is not None else []
    for option, values in rule.filters.items():
        if option not in RULE_FILTERS:
            raise BadInput(
                f"unknown filter {option!r}: use one of {', '.join(RULE_FILTERS)}",
                reason="bad_rule",
            )
        # A source is matched by its key ("Le Monde" -> le-monde), as documents store it.
        clean = [source_key(v) if option == "source" else v for v in values if v.strip()]
        nodes = [
            Filter(RULE_FILTERS[option], canonical_filter(RULE_FILTERS[option], v)) for v in clean
        ]
        if not nodes:
            continue
        parts.append(nodes[0] if len(nodes) == 1 else Or(tuple(nodes)))
    root = None if not parts else parts[0] if len(parts) == 1 else And(tuple(parts))
    return Query(
        query.text, root, query.since, query.until, query.words, query.concepts, query.strict
    )


def check_url(url: str) -> None:
    """A destination URL must be absolute http(s) with a host (the SSRF guard
    checks addresses at send time).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(
            f"bad URL {url!r}: use an http:// or https:// URL with a host", reason="bad_rule"
        )
