"""``rasad tag FILE…``: tag text or JSONL files offline and print one JSON line per article.

The evaluation interface, kept stable: each line has ``id``, ``language``, ``story_id`` and
``tags`` — ``[{kind, id, label, spans: [{start, end, text}], confidence}]`` plus, when they
apply, ``derived``, ``country``, ``lat``, ``lon``, ``codes`` and, for events, ``modality``
(also on each span of the event's own words). ``--explain`` adds ``rejections``:
``[{id, span, cue}]``, the forms read but not tagged and why. Spans are character offsets
into the article's title + "\\n\\n" + text, as cleaned by the processing stage. Input that is
not an article is reported on stderr with its file (and line) and the exit code is 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

import wiring
from cli.app import app, err
from processors.pipeline import process
from processors.stories import StoryIndex
from producers.files import FileSource
from rasad.errors import BadInput
from rasad.model import Article, Span


@app.command("tag")
def tag_files(
    files: Annotated[
        list[Path],
        typer.Argument(help="Text files (one article each) or JSONL files (one per line)."),
    ],
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Also print the forms the tagger read but rejected, each with the cue that "
            "decided (a title, a surname, a river, a sports page, a missing context word …).",
        ),
    ] = False,
) -> None:
    """Tag articles from files and print JSONL: id, language, story_id, tags with spans."""
    lexicon = wiring.lexicon()
    stories, failed = StoryIndex(), 0
    for item in FileSource(files).items():
        try:
            if item.article is None:
                raise item.error or BadInput("no article", reason="invalid_article")
            article = process(item.article, lexicon, stories)
        except BadInput as exc:
            failed += 1
            err.print(f"error: {item.origin}: {exc}", markup=False, highlight=False)
            continue
        sys.stdout.write(json.dumps(record(article, explain), ensure_ascii=False) + "\n")
    sys.stdout.flush()
    if failed:
        raise typer.Exit(1)


def record(article: Article, explain: bool = False) -> dict:
    """The JSONL record of a tagged article (``explain``: with its rejected forms)."""
    tags = []
    for t in article.tags:
        entry = {
            "kind": t.kind,
            "id": t.id,
            "label": t.label,
            "spans": [_span(s) for s in t.spans],
            "confidence": t.confidence,
        }
        if t.modality is not None:
            entry["modality"] = t.modality
        if t.derived:
            entry["derived"] = True
        entry.update(
            {
                k: v
                for k, v in (("country", t.country), ("lat", t.lat), ("lon", t.lon))
                if v is not None
            }
        )
        if t.codes:
            entry["codes"] = t.codes
        tags.append(entry)
    out = {
        "id": article.id,
        "language": article.language,
        "story_id": article.story_id,
        "tags": tags,
    }
    if explain:
        out["rejections"] = [
            {"id": r.id, "span": {"start": r.start, "end": r.end, "text": r.text}, "cue": r.cue}
            for r in article.rejections or ()
        ]
    return out


def _span(span: Span) -> dict:
    entry: dict = {"start": span.start, "end": span.end, "text": span.text}
    if span.modality is not None:
        entry["modality"] = span.modality
    return entry
