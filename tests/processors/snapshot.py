"""Every tag of a fixed corpus, as a digest per article: optimizations must leave them all alone.

The corpus is the labelled and reporting sets, the sample articles, ``rasad bench tag``'s
synthetic corpus and ``rasad bench alerts``' workload (one article per language in turn, the
language given, so the Turkish readings run too). Each article is processed as the worker
processes it (``processors.pipeline.process``, without the times it stamps) and its tags,
rejections, language and normalized text are hashed. ``python -m tests.processors.snapshot``
writes the digests (after a deliberate change to the tagger's output) or, with ``--full FILE``,
every article's output in full, to compare two versions of the code line by line.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from bench.tag import _corpus, _real_forms
from bench.workload import LANGS, workload
from processors.pipeline import process
from rasad import concepts
from rasad.concepts import Lexicon
from rasad.model import Article
from tests.helpers.paths import ROOT

SNAPSHOT = Path(__file__).with_name("data") / "tag-snapshot.json"
_SETS = ("labelled", "heldout", "reporting-dev", "reporting-heldout")
_STAMPS = {"tagged_at", "ingested_at"}


def corpus(lexicon: Lexicon) -> Iterator[tuple[str, Article]]:
    """``(name, article)`` of every article of the snapshot, in a fixed order."""
    data = Path(__file__).with_name("data")
    samples = ROOT / "producers" / "samples" / "articles.jsonl"
    for name, path in [(s, data / f"{s}.jsonl") for s in _SETS] + [("samples", samples)]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                case = json.loads(line)
                yield (
                    f"{name}/{n}",
                    Article(
                        title=case.get("title", ""),
                        text=case["text"],
                        language=case.get("language"),
                    ),
                )
    for n, text in enumerate(_corpus(_real_forms(lexicon), 600, 250)):
        title, _, body = text.partition("\n\n")
        yield f"bench-tag/{n}", Article(title=title, text=body, language=LANGS[n % len(LANGS)])
    for n, raw in enumerate(workload(300, seed=5)):
        yield f"workload/{n}", Article.model_validate(raw)


def output(article: Article, lexicon: Lexicon) -> str:
    """What the processing stage made of the article, as canonical JSON (no time stamps)."""
    done = process(article, lexicon).model_dump(mode="json", exclude=_STAMPS)
    return json.dumps(done, ensure_ascii=False, sort_keys=True)


def digests(lexicon: Lexicon) -> dict[str, str]:
    """Article name -> the SHA-256 (16 hex digits) of its output."""
    return {
        name: hashlib.sha256(output(article, lexicon).encode()).hexdigest()[:16]
        for name, article in corpus(lexicon)
    }


def main(argv: list[str]) -> None:
    lexicon = concepts.load()
    if argv[:1] == ["--full"]:
        with open(argv[1], "w", encoding="utf-8") as out:
            for name, article in corpus(lexicon):
                out.write(f"{name}\t{output(article, lexicon)}\n")
        return
    SNAPSHOT.write_text(json.dumps(digests(lexicon), indent=0, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
