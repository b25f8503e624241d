"""Publication dates as written by news sites, in any supported
language, to timezone-aware datetimes.

dateparser reads most forms; Arabic pages add two it misses: ordinal days written as words
("الخامس من أكتوبر") and the double month name of the Levant ("أكتوبر/ تشرين الأول").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

LANGUAGES = ["ar", "en", "fr", "ru", "tr"]
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_UNITS = ["الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع"]
_TEENS = [
    "الحادي عشر",
    "الثاني عشر",
    "الثالث عشر",
    "الرابع عشر",
    "الخامس عشر",
    "السادس عشر",
    "السابع عشر",
    "الثامن عشر",
    "التاسع عشر",
]
# Label in front of a date line ("نشر في:", "Published:", "Publié le",
# "Опубликовано:", "Yayınlanma:").
_LABEL = re.compile(
    r"^\s*(نشر(?:ت)?(?: في)?|تاريخ النشر|آخر تحديث|published(?: on)?|updated|posted(?: on)?|"
    r"publié(?: le)?|mis à jour(?: le)?|опубликовано|обновлено|yayınlanma(?: tarihi)?|güncelleme)"
    r"\s*[:：\-–]?\s*",
    re.IGNORECASE,
)
# Levantine month names, mapped to the ones dateparser knows (done before ordinals: "تشرين الأول").
_LEVANT = [
    ("كانون الثاني", "يناير"),
    ("شباط", "فبراير"),
    ("آذار", "مارس"),
    ("نيسان", "أبريل"),
    ("أيار", "مايو"),
    ("حزيران", "يونيو"),
    ("تموز", "يوليو"),
    ("آب", "أغسطس"),
    ("أيلول", "سبتمبر"),
    ("تشرين الأول", "أكتوبر"),
    ("تشرين الثاني", "نوفمبر"),
    ("كانون الأول", "ديسمبر"),
]
_YEAR = re.compile(r"\b(19|20)\d\d\b")


@lru_cache(maxsize=1)
def _ordinals() -> list[tuple[re.Pattern, str]]:
    words = {w: n for n, w in enumerate(_UNITS, start=1)}
    words["العاشر"] = 10
    words.update({w: n for n, w in enumerate(_TEENS, start=11)})
    words["العشرين"] = 20
    words["الثلاثين"] = 30
    for tens, name in ((20, "العشرين"), (30, "الثلاثين")):
        for n, unit in enumerate(_UNITS[: 9 if tens == 20 else 1], start=1):
            words[f"{'الحادي' if n == 1 else unit} و{name}"] = tens + n
    # Longest first so "الحادي والعشرين" is not read as "العشرين".
    ordered = sorted(words.items(), key=lambda kv: -len(kv[0]))
    return [(re.compile(rf"(?<!\w){re.escape(w)}(?:\s+من)?(?!\w)"), str(n)) for w, n in ordered]


def _prepare(text: str) -> str:
    text = text.translate(_ARABIC_DIGITS).strip()
    text = _LABEL.sub("", text)
    if re.search(r"[\u0600-\u06ff]", text):
        for levantine, month in _LEVANT:
            text = re.sub(rf"(?<!\w){levantine}(?!\w)", month, text)
        # "أكتوبر/ أكتوبر" or "أكتوبر (أكتوبر)" once both names are mapped: keep one.
        text = re.sub(r"(\S+)\s*/\s*\1", r"\1", text)
        text = (
            re.sub(r"(\S+)\s*/\s*(\S+)", r"\1", text)
            if "/" in text and not re.search(r"\d/\d", text)
            else text
        )
        text = re.sub(r"\s*\([^)]*\)", "", text)
        for pattern, number in _ordinals():
            text = pattern.sub(number, text)
        text = re.sub(r"(?<=\d)\s+من\s+", " ", text)
        text = re.sub(r"(?<=\d)م(?!\w)", "", text).replace("،", " ")
    return " ".join(text.split())


def parse_date(
    text: str | None, reference: datetime | None = None, tz: str = "UTC"
) -> datetime | None:
    """A date/time string in any supported language, timezone-aware; None when it is not a date.

    Dates without a year are taken in the past relative to ``reference`` (default now); times
    without a zone are taken in ``tz``.
    """
    if not text or len(text) > 120:
        return None
    exact = _machine_date(text.strip(), tz)
    if exact is not None:
        return exact
    import dateparser

    prepared = _prepare(text)
    if not prepared:
        return None
    settings = {
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": tz,
        "TO_TIMEZONE": "UTC",
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY",
        "RELATIVE_BASE": (reference or datetime.now(UTC)).replace(tzinfo=None),
    }
    parsed = None
    for language in _languages_for(prepared):
        try:
            parsed = dateparser.parse(prepared, languages=[language], settings=settings)
        except (ValueError, OverflowError):
            parsed = None
        if parsed is not None:
            break
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _machine_date(text: str, tz: str) -> datetime | None:
    """ISO 8601 and RFC 2822 (feeds, exports) without dateparser:
    exact, and a hundred times faster.
    """
    from email.utils import parsedate_to_datetime
    from zoneinfo import ZoneInfo

    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed.astimezone(UTC)


def _languages_for(text: str) -> list[str]:
    """One language at a time, by script: mixed lists let dateparser read
    Turkish "Mart" as a time zone.
    """
    if re.search(r"[\u0600-\u06ff]", text):
        return ["ar"]
    if re.search(r"[\u0400-\u04ff]", text):
        return ["ru"]
    return ["tr", "fr", "en"]


def looks_like_dateline(line: str) -> bool:
    """A short line that carries a full date (with a year): the page's publication line."""
    line = line.translate(_ARABIC_DIGITS)
    return len(line.split()) <= 10 and bool(_YEAR.search(line)) and parse_date(line) is not None
