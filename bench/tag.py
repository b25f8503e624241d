"""``rasad bench tag``: the tagger's speed against a naive regex tagger, and
its cost as the lexicon grows.

Three measurements on one fixed synthetic corpus (seeded, so every run tags the same text):

1. Rasad's tagger (fold + stem + one hash-lookup pass + context rules) against a naive tagger:
   one compiled regex alternation over the same surface forms, run over the folded text.
2. Rasad's tagger with the lexicon grown from 1k to 100k surface forms (the 1k real forms plus
   99k generated ones); the goal is a nearly flat cost (<= 1.3x).
3. Peak RSS of a fresh process that builds the 100k-form lexicon and tags the corpus.
"""

from __future__ import annotations

import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from rich.table import Table

import wiring
from processors.mentions import find, tokenize
from processors.tagger import tag_text
from rasad.concepts import Concept, build
from rasad.concepts.forms import FormReader
from rasad.normalize import fold

_FILLER = {
    "ar": [
        "قال",
        "مصدر",
        "إن",
        "الوضع",
        "في",
        "المنطقة",
        "يبقى",
        "متوترا",
        "بعد",
        "أيام",
        "من",
        "الاجتماعات",
        "بين",
        "الأطراف",
        "حول",
        "مستقبل",
        "البلاد",
        "والاقتصاد",
    ],
    "en": [
        "officials",
        "said",
        "on",
        "Monday",
        "that",
        "the",
        "situation",
        "in",
        "the",
        "region",
        "remained",
        "tense",
        "after",
        "days",
        "of",
        "meetings",
        "about",
        "the",
        "future",
    ],
    "fr": [
        "les",
        "responsables",
        "ont",
        "déclaré",
        "lundi",
        "que",
        "la",
        "situation",
        "dans",
        "la",
        "région",
        "restait",
        "tendue",
        "après",
        "des",
        "jours",
        "de",
        "réunions",
    ],
    "ru": [
        "официальные",
        "лица",
        "заявили",
        "в",
        "понедельник",
        "что",
        "ситуация",
        "в",
        "регионе",
        "остается",
        "напряженной",
        "после",
        "нескольких",
        "дней",
        "встреч",
    ],
    "tr": [
        "yetkililer",
        "pazartesi",
        "günü",
        "bölgedeki",
        "durumun",
        "günlerce",
        "süren",
        "toplantıların",
        "ardından",
        "gergin",
        "kaldığını",
        "söyledi",
    ],
}
_LETTERS = {
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "ru": "абвгдежзиклмнопрстуфхцчшщэюя",
    "en": "bcdfghjklmnprstvz",
    "vowels": "aeiou",
}


def run(
    articles: int = 600,
    words: int = 250,
    big: int = 100_000,
) -> Table:
    """Articles/s and MB/s of the tagger vs a naive regex tagger.

    Cost from 1k to 100k forms; peak RSS.
    """
    lexicon = wiring.lexicon()
    forms = _real_forms(lexicon)
    corpus = _corpus(forms, articles, words)
    mb = sum(len(t.encode("utf-8")) for t in corpus) / 1e6
    rows = []
    fast = _rate(lambda text: tag_text(text, lexicon), corpus)
    matching = _rate(lambda text: find(tokenize(text, lexicon.stemmer), lexicon), corpus)
    naive_tagger = _naive(lexicon)
    naive_sample = corpus[
        : max(20, len(corpus) // 10)
    ]  # the regex is slow: time a tenth of the corpus
    slow = _rate(naive_tagger, naive_sample)
    rows.append(("rasad tagger (full)", lexicon.form_count, fast, fast * mb / len(corpus), ""))
    rows.append(
        (
            "rasad matching only",
            lexicon.form_count,
            matching,
            matching * mb / len(corpus),
            f"{matching / slow:.1f}x regex",
        )
    )
    rows.append(
        (
            "naive regex",
            lexicon.form_count,
            slow,
            slow * mb / len(corpus),
            f"full is {fast / slow:.1f}x",
        )
    )
    small_lex, big_lex = _grown(lexicon, 1_000), _grown(lexicon, big)
    small = _rate(lambda text: tag_text(text, small_lex), corpus)
    large = _rate(lambda text: tag_text(text, big_lex), corpus)
    rows.append(("rasad, 1k forms", small_lex.form_count, small, small * mb / len(corpus), ""))
    rows.append(
        (
            f"rasad, {big // 1000}k forms",
            big_lex.form_count,
            large,
            large * mb / len(corpus),
            f"cost x{small / large:.2f}",
        )
    )
    naive_big = _naive(big_lex)
    slow_big = _rate(naive_big, corpus[:20])
    rows.append(
        (
            f"naive regex, {big // 1000}k forms",
            big_lex.form_count,
            slow_big,
            slow_big * mb / len(corpus),
            f"rasad is {large / slow_big:.0f}x",
        )
    )
    rss = _peak_rss_of_big_lexicon(articles, words, big)
    return _table(rows, len(corpus), mb, rss)


def _rate(tagger, corpus: list[str]) -> float:
    """Articles per CPU second of this process (best of five runs, after a warm-up): other load
    on the machine does not count.
    """
    tagger(corpus[0])
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for text in corpus:
            tagger(text)
        best = min(best, time.process_time() - started)
    return len(corpus) / best


def _real_forms(lexicon) -> list[str]:
    return sorted(
        {f.text for c in lexicon.concepts.values() for fs in c.forms.values() for f in fs}
    )


def _corpus(forms: list[str], articles: int, words: int) -> list[str]:
    """Fixed articles: filler sentences in the five languages with
    a surface form every ~12 words.
    """
    rng = random.Random(20151001)
    langs = list(_FILLER)
    corpus = []
    for n in range(articles):
        filler = _FILLER[langs[n % len(langs)]]
        out: list[str] = []
        while len(out) < words:
            out += [*rng.sample(filler, 11), rng.choice(forms)]
        corpus.append("Title " + " ".join(out[:8]) + "\n\n" + " ".join(out[8:words]) + ".")
    return corpus


def _naive(lexicon):
    """The baseline: every folded surface form in one regex alternation, longest first."""
    ids: dict[str, set[str]] = {}
    for c in lexicon.concepts.values():
        for fs in c.forms.values():
            for f in fs:
                ids.setdefault(fold(f.text), set()).add(c.id)
    pattern = re.compile(
        r"(?<!\w)(?:"
        + "|".join(re.escape(f) for f in sorted(ids, key=len, reverse=True))
        + r")(?!\w)"
    )

    def tag(text: str) -> set[str]:
        return {cid for m in pattern.finditer(fold(text)) for cid in ids.get(m.group(), ())}

    return tag


def _grown(lexicon, size: int):
    """A lexicon of ``size`` forms: the first real forms (up to 1k), then generated names."""
    rng = random.Random(size)
    reader = FormReader(lexicon.stemmer, {})
    real = [(c, f) for c in lexicon.concepts.values() for fs in c.forms.values() for f in fs][
        :1_000
    ]
    concepts: dict[str, Concept] = {}
    for c, f in real[:size]:
        concepts.setdefault(c.id, Concept(id=c.id, kind=c.kind, label=c.label, forms={"all": ()}))
        concepts[c.id] = Concept(
            id=c.id, kind=c.kind, label=c.label, forms={"all": concepts[c.id].forms["all"] + (f,)}
        )
    for n in range(max(0, size - len(real))):
        script = ("ar", "ru", "en")[n % 3]
        name = " ".join(_pseudo_word(rng, script) for _ in range(rng.choice((1, 1, 2, 3))))
        form = reader.form(name, "bench")
        if form is not None:
            concepts[f"gen:{n}"] = Concept(
                id=f"gen:{n}", kind="keyword", label=name, forms={script: (form,)}
            )
    return build(concepts.values(), lexicon.stemmer)


def _pseudo_word(rng: random.Random, script: str) -> str:
    letters = _LETTERS[script]
    if script == "en":
        return "".join(
            rng.choice(letters) + rng.choice(_LETTERS["vowels"]) for _ in range(rng.randint(2, 4))
        )
    return "".join(rng.choice(letters) for _ in range(rng.randint(4, 8)))


def _peak_rss_of_big_lexicon(articles: int, words: int, big: int) -> float:
    """Peak RSS (MB) of a fresh process that loads the taxonomy, grows it to
    ``big`` forms and tags the corpus.
    """
    # A subprocess, not multiprocessing: spawn would re-run ``python -m cli`` (this very command).
    code = f"from bench.tag import _measure_rss; print(_measure_rss({articles}, {words}, {big}))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


def _measure_rss(articles: int, words: int, big: int) -> float:

    lexicon = wiring.lexicon()
    grown = _grown(lexicon, big)
    for text in _corpus(_real_forms(lexicon), articles, words):
        tag_text(text, grown)
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over fork+exec from the parent.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _table(rows: list[tuple], articles: int, mb: float, rss: float) -> Table:
    table = Table(
        title=f"rasad bench tag — {articles} synthetic articles, {mb:.2f} MB (ar/en/fr/ru/tr)"
    )
    for column in ("tagger", "surface forms", "articles/s", "MB/s", "note"):
        table.add_column(column, justify="left" if column in ("tagger", "note") else "right")
    for name, forms, rate, mbs, note in rows:
        table.add_row(name, f"{forms:,}", f"{rate:,.0f}", f"{mbs:.2f}", note)
    table.add_row("peak RSS", f"{rows[-2][1]:,}", "", "", f"{rss:.0f} MB")
    return table
