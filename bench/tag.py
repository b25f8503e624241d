"""``rasad bench tag``: the tagger's speed against two baselines, and its cost as the lexicon grows.

Measured on one fixed synthetic corpus (seeded, so every run tags the same text), in CPU time
of this process (best of five passes: other load on the machine barely moves it):

1. Rasad's tagger (fold + stem + one hash-lookup pass + context rules, patterns, modality,
   the tags built) against the floor of any tagger over the same forms: folding the text and
   one pass of a bare Aho-Corasick automaton (pyahocorasick) holding every folded form, with
   no word boundaries, no context, no tags built; and against a naive tagger, one compiled
   regex alternation of the same forms run over the folded text.
2. Rasad's tagger with the lexicon grown from 1k to 100k surface forms (the 1k real forms plus
   99k generated ones): CPU per article, the goal a nearly flat cost (<= 1.3x).
3. Peak RSS of a fresh process that builds the 100k-form lexicon and tags the corpus.
"""

from __future__ import annotations

import pickle
import random
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ahocorasick

import wiring
from bench.processes import frozen_heap
from bench.report import Measure, Report, at_least, at_most
from bench.workload import workload
from processors.mentions import find, tokenize
from processors.tagger import tag_text
from rasad.concepts import Concept, Lexicon, build
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


def run(articles: int = 600, words: int = 250, big: int = 100_000, command: str = "") -> Report:
    """The tagger against fold + bare Aho-Corasick and a naive regex; 1k → 100k forms; peak RSS."""
    report = Report("tag", "rasad bench tag: tagging speed (CPU time of this process)", command)
    lexicon = wiring.lexicon()
    corpus = _corpus(_real_forms(lexicon), articles, words)
    mb = sum(len(t.encode("utf-8")) for t in corpus) / 1e6
    _speed(report, lexicon, corpus, len(corpus) / mb)
    big_lex = _growth(report, lexicon, corpus, big)
    rss = _peak_rss_of_big_lexicon(articles, words, big)
    name = f"peak RSS, {big_lex.form_count:,} forms, tagging the corpus"
    report.add(Measure(name, rss, "MB", goal=at_most(400)))
    report.notes.append(
        f"{len(corpus)} synthetic articles, {mb:.2f} MB (ar/en/fr/ru/tr filler with a surface form "
        f"every ~12 words); {lexicon.form_count:,} forms in the project's lexicon."
    )
    return report.finish()


def _speed(report: Report, lexicon: Lexicon, corpus: list[str], per_mb: float) -> None:
    """Articles/s of the full tagger, of its matching alone, and of the two baselines."""

    def rate(name: str, tagger: Callable[[str], object], sample: list[str], **kw: Any) -> Measure:
        value = _rate(tagger, sample)
        note = f"{value / per_mb:.2f} MB/s"
        return report.add(Measure(name, value, "articles/s", note=note, **kw))

    aho = rate("fold + bare Aho-Corasick scan of the same forms", _bare_scan(lexicon), corpus)
    tenth = corpus[: max(20, len(corpus) // 10)]  # the regex is slow: a tenth of the corpus
    naive = rate("naive regex alternation over folded text", _naive(lexicon), tenth)
    full = rate(
        "rasad tagger (full)",
        lambda text: tag_text(text, lexicon),
        corpus,
        baseline=aho,
        goal=at_least(1.0, ratio=True),
    )
    name = "rasad tagger (full) vs the naive regex"
    report.add(Measure(name, full.value, full.unit, naive, at_least(20, ratio=True)))
    _cold(report, lexicon, full, articles=5 * len(corpus))
    matching = lambda text: find(tokenize(text, lexicon.stemmer), lexicon)  # noqa: E731
    rate("rasad matching only (tokenize + find)", matching, corpus, baseline=aho)


def _cold(report: Report, lexicon: Lexicon, warm: Measure, articles: int) -> None:
    """The full tagger on words it sees for the first time: what a fresh worker does, and what
    a stream's long tail of words costs. The stream benchmarks' articles (a vocabulary of 150,000
    made-up words, each in ~0.3% of articles), each tagged once by a copy of the lexicon, whose
    caches start empty; the warm figure above is the same tagger on a corpus it has read before.
    """
    texts = [a["text"] for a in workload(articles, seed=20261202)]
    fresh = pickle.loads(pickle.dumps(lexicon))  # a new lexicon: nothing of its words remembered
    with frozen_heap():  # as in a worker: the lexicons are not walked by each full collection
        started = time.process_time()
        for text in texts:
            tag_text(text, fresh)
        value = len(texts) / (time.process_time() - started)
    name = "rasad tagger (full), cold: each article's words mostly new"
    note = f"{articles} stream-workload articles, each tagged once"
    report.add(Measure(name, value, "articles/s", warm, note=note))


def _growth(report: Report, lexicon: Lexicon, corpus: list[str], big: int) -> Lexicon:
    """CPU per article with 1k forms, then ``big`` forms (and the naive regex at that size)."""
    small_lex, big_lex = _grown(lexicon, 1_000), _grown(lexicon, big)
    small = _cost(lambda text: tag_text(text, small_lex), corpus)
    name = f"rasad tagger, {small_lex.form_count:,} forms"
    small_cost = report.add(Measure(name, small, "µs/article"))
    large = _cost(lambda text: tag_text(text, big_lex), corpus)
    name = f"rasad tagger, {big_lex.form_count:,} forms"
    large_cost = report.add(
        Measure(name, large, "µs/article", small_cost, at_most(1.3, ratio=True))
    )
    naive = _cost(_naive(big_lex), corpus[:20])
    name = f"naive regex, {big_lex.form_count:,} forms"
    note = "its baseline: rasad's cost with as many forms"
    report.add(Measure(name, naive, "µs/article", large_cost, note=note))
    return big_lex


def _bare_scan(lexicon: Lexicon) -> Callable[[str], list]:
    """The floor: fold the text, one pass of an automaton of every folded form (all matches)."""
    automaton = ahocorasick.Automaton()
    for form in {fold(f) for f in _real_forms(lexicon)} - {""}:
        automaton.add_word(form, form)
    automaton.make_automaton()
    return lambda text: list(automaton.iter(fold(text)))


def _cost(tagger: Callable[[str], object], corpus: list[str]) -> float:
    """CPU µs per article (as ``_rate``)."""
    return 1e6 / _rate(tagger, corpus)


def _rate(tagger: Callable[[str], object], corpus: list[str]) -> float:
    """Articles per CPU second of this process (best of five runs, after a warm-up).

    CPU time, not wall time: other load on the machine does not count.
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
    """Fixed articles: filler in the five languages with a surface form every ~12 words."""
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
    """Peak RSS (MB) of a fresh process growing the lexicon to ``big`` forms, tagging the corpus."""
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
