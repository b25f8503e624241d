"""The synthetic alerting workload: articles, standing rules, a webhook
receiver and latency readings.

Reproducible (seeded): articles in ar/en/fr/ru/tr made of the taxonomy's surface forms and
filler words; standing rules are drawn from the same vocabulary (words, ANDs, phrases, ORs,
negations, language filters), so most rules are selective like real ones.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count as numbers
from itertools import islice

from alerts.rules import new_rule
from alerts.rulestores import RuleStore
from rasad import concepts
from rasad.concepts import Lexicon

LANGS = ("ar", "en", "fr", "ru", "tr")
# Filler words per language: each is in ~0.3% of articles, like the rarer words of real news.
VOCABULARY = 30000
_SYLLABLES = {
    "ar": ["با", "تي", "سو", "مر", "كا", "لي", "نو", "ده", "قا", "رو"],
    "ru": ["ка", "ло", "ми", "ст", "ра", "ве", "но", "ту", "зе", "ры"],
}
_LATIN = ["ka", "lo", "mi", "sta", "re", "vo", "nu", "ta", "zel", "ri", "po", "den"]


def _filler(rng: random.Random, lang: str, size: int) -> list[str]:
    """``size`` distinct made-up words of 3–5 syllables (distinct, so no word is
    far more common than the rest).
    """
    syllables = _SYLLABLES.get(lang, _LATIN)
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(3, 5))))
    return sorted(words)


def workload(count: int, seed: int = 7, marker: bool = False) -> list[dict]:
    """``count`` raw article dicts; with ``marker`` each names the Islamic State in its language."""
    return list(islice(stream(seed, marker), count))


def alerting(count: int, seed: int, share: float) -> list[dict]:
    """``workload(count, seed)`` where ``share`` of the articles, evenly spread, name the Islamic
    State (the measured rule's alerts): 1 = every article, 0.05 = one in twenty."""
    if share >= 1:
        return workload(count, seed, marker=True)
    naming, plain = workload(count, seed, marker=True), workload(count, seed)
    return [
        m if int((i + 1) * share) > int(i * share) else p
        for i, (m, p) in enumerate(zip(naming, plain, strict=True))
    ]


def marked(count: int, share: float) -> int:
    """How many of ``alerting(count, …, share)``'s articles name the Islamic State."""
    return int(count * share)


def stream(seed: int = 7, marker: bool = False) -> Iterator[dict]:
    """Distinct raw article dicts without end (``workload``'s, one at a time: a soak's input)."""
    rng = random.Random(seed)
    lexicon = concepts.load()
    forms = {
        lang: [f.text for c in lexicon.concepts.values() for f in c.forms.get(lang, ())]
        for lang in LANGS
    }
    isis = lexicon.concepts["Q2429253"].forms
    fillers = {lang: _filler(random.Random(lang), lang, VOCABULARY) for lang in LANGS}
    for i in numbers():
        lang = LANGS[i % len(LANGS)]
        words = [rng.choice(fillers[lang]) for _ in range(rng.randint(60, 120))]
        for form in rng.sample(forms[lang], k=min(3, len(forms[lang]))):
            words.insert(rng.randrange(len(words)), form)
        if marker:
            words.insert(rng.randrange(len(words)), isis[lang][0].text)
        yield {
            "url": f"https://bench.example/{seed}/{i}",
            "title": " ".join(words[:8]),
            "language": lang,
            "text": " ".join(words),
            "source": f"bench-{lang}",
        }


def standing_rules(
    count: int, articles: list[dict], seed: int = 11, firing: str = "rare"
) -> list[dict]:
    """``count`` rule dicts drawn from the workload's words: single words, ANDs,
    phrases, ORs, filters, negations.

    ``heavy``: a mix where 10,000 rules fire ~4 alerts per article (each rule on ~0.04% of articles,
    i.e. thousands of alerts a day per rule at 100 articles/s: a stress test, not a real workload).
    ``rare``: mostly ANDs of two words and phrases, 2% single words: ~0.1 alert per article, each
    rule still firing ~100 times a day at 100/s — standing rules in production fire rarely.
    """
    if firing not in ("rare", "heavy"):
        raise ValueError(f"firing must be rare or heavy, not {firing!r}")
    rng = random.Random(seed)
    # Words only (no quotes, parentheses or colons a query would read as syntax).
    texts = [
        [w for w in (re.sub(r"[^\w]", "", w) for w in a["text"].split()) if w] for a in articles
    ]
    fillers = {w for lang in LANGS for w in _filler(random.Random(lang), lang, VOCABULARY)}
    rules = []
    for i in range(count):
        words = rng.choice(texts)
        at = rng.randrange(len(words) - 1)
        while (
            words[at] not in fillers
        ):  # taxonomy names are in most articles; standing rules watch rarer words
            at = rng.randrange(len(words) - 1)
        a, b = words[at], rng.choice([w for w in rng.choice(texts) if w in fillers])
        shape = rng.random()
        if firing == "rare":
            shape = (
                0.0 if shape < 0.02 else 0.2 + 0.6 * shape
            )  # 2% single words, the rest ANDs and phrases
        query = (
            a
            if shape < 0.2
            else f"{a} {b}"
            if shape < 0.6
            else f'"{words[at]} {words[at + 1]}"'
            if shape < 0.8
            else f"{a} OR {b}"
            if shape < 0.9
            else f"{a} lang:{rng.choice(LANGS)}"
            if shape < 0.95
            else f"{a} -{b}"
        )
        rules.append({"name": f"bench-{i}", "query": query})
    return rules


def fill(store: RuleStore, rules: list[dict], lexicon: Lexicon) -> None:
    """Save these rule dicts (validated) in one go."""
    store.add_many([new_rule(data, lexicon) for data in rules])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
        if ordered
        else float("nan")
    )


class Receiver:
    """A local webhook receiver stamping each alert's arrival."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict]] = []
        arrivals = self.arrivals

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections open, as webhook endpoints do

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                arrivals.append((time.time(), json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def lags(events: list[tuple[float, dict]]) -> list[float]:
    """Seconds from production (the alert's ``ingested`` stamp) to
    arrival, for the measured rule.
    """
    return [at - _epoch(p["latency"]["ingested"]) for at, p in events if p["rule"] == "bench-isis"]


def stages(events: list[tuple[float, dict]]) -> dict[str, list[float]]:
    """Where the time goes, from each alert's latency record: produce→tagged,
    tagged→matched, matched→delivered.
    """
    out: dict[str, list[float]] = {
        "produce→tagged": [],
        "tagged→matched": [],
        "matched→webhook": [],
    }
    for at, p in events:
        if p["rule"] != "bench-isis":
            continue
        lat = {k: _epoch(v) for k, v in p["latency"].items() if k != "published"}
        out["produce→tagged"].append(lat["tagged"] - lat["ingested"])
        out["tagged→matched"].append(lat["matched"] - lat["tagged"])
        out["matched→webhook"].append(at - lat["matched"])
    return out


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()
