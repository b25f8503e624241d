"""Compose the sample corpus (producers/samples/) from hand-written building blocks.

The blocks (producers/corpus_blocks/*.yaml) are the project's own sentences: per language and
topic, headlines with their lead paragraphs, and follow-up sentences. Each article is one lead
plus a few of its topic's follow-ups, dated, attributed to a source and a byline, then written
in one of the shipped formats: a page-text dump with real page furniture (section label, follow
prompts, comment footers), a JSONL line, an RSS 2.0 item or an Atom entry. The output is
deterministic and committed; run ``python -m producers.corpus`` to rebuild it after editing blocks.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

BLOCKS = Path(__file__).with_name("corpus_blocks")
SAMPLES = Path(__file__).with_name("samples")
LANGUAGES = ("ar", "en", "fr", "ru", "tr")
_START = datetime(2024, 9, 1, 6, 0, tzinfo=UTC)
_FORMATS = ("page", "page", "page", "page", "jsonl", "jsonl", "jsonl", "jsonl", "rss", "atom")


def compose() -> list[dict]:
    """Every sample article as a dict (language, topic, title,
    paragraphs, source, byline, date, ...).
    """
    articles = []
    for language in LANGUAGES:
        blocks = yaml.safe_load((BLOCKS / f"{language}.yaml").read_text(encoding="utf-8"))
        for topic, parts in blocks["topics"].items():
            details = parts["details"]
            for i, lead in enumerate(parts["leads"]):
                rng = random.Random(f"{language}:{topic}:{i}")
                picked = [
                    details[(i + j) % len(details)]
                    for j in range(min(len(details), rng.randint(2, 3)))
                ]
                articles.append(
                    {
                        "language": language,
                        "topic": topic,
                        "blocks": blocks,
                        "title": lead["t"],
                        "subtitle": lead.get("s"),
                        "paragraphs": [lead["l"], *picked],
                        "source": rng.choice(blocks["sources"]),
                        "byline": rng.choice(blocks["bylines"]),
                        "published_at": _START
                        + timedelta(days=rng.randint(0, 300), minutes=rng.randint(0, 900)),
                    }
                )
    rng = random.Random(2024)
    rng.shuffle(articles)  # so each format gets every language and topic
    for number, article in enumerate(articles):
        article["number"] = number
        article["format"] = _FORMATS[number % len(_FORMATS)]
        slug = article["blocks"]["sources"].index(article["source"])
        article["url"] = (
            f"https://{article['language']}{slug}.news.example/{article['published_at']:%Y/%m}/"
            f"{article['topic']}-{number:03d}"
        )
    return articles


def page_dump(article: dict) -> str:
    """The visible text of the article's web page, furniture included."""
    blocks, rng = article["blocks"], random.Random(article["number"])
    when = article["published_at"]
    dateline = blocks["dateline"].format(
        day=when.day,
        month=blocks["months"][when.month - 1],
        year=when.year,
        hh=f"{when.hour:02d}",
        mm=f"{when.minute:02d}",
    )
    head = [blocks["sections"][article["topic"]], article["title"]]
    if article["subtitle"]:
        head.append(article["subtitle"])
    head.append(dateline)
    paragraphs = list(article["paragraphs"])
    if article["language"] == "ar" or rng.random() < 0.5:
        paragraphs[1] = (
            f"{article['byline']}: {paragraphs[1]}"  # the seed's style: byline, colon, text
        )
    else:
        by = {"en": "By", "fr": "Par", "ru": "Автор:", "tr": "Yazan:"}[article["language"]]
        head.append(f"{by} {article['byline']}")
    prompt = "\n".join(["-", *rng.choice(blocks["prompts"])])
    footer = "\n\n".join(rng.choice(blocks["footers"]))
    return "\n\n".join([*head, prompt, *paragraphs, footer]) + "\n"


def jsonl_line(article: dict) -> str:
    obj = {
        "url": article["url"],
        "source": article["source"],
        "title": article["title"],
        "byline": article["byline"],
        "published_at": article["published_at"].isoformat(),
        "text": "\n\n".join(article["paragraphs"]),
    }
    if article["subtitle"]:
        obj["subtitle"] = article["subtitle"]
    return json.dumps(obj, ensure_ascii=False)


def rss(articles: list[dict]) -> str:
    items = "".join(_rss_item(a) for a in articles)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Rasad sample wire (RSS)</title>
    <link>https://wire.news.example/</link>
    <description>Sample articles written for the Rasad project.</description>{items}
  </channel>
</rss>
"""


def _rss_item(a: dict) -> str:
    content = "".join(f"<p>{escape(p)}</p>" for p in a["paragraphs"])
    return f"""
    <item>
      <title>{escape(a["title"])}</title>
      <link>{a["url"]}</link>
      <guid isPermaLink="true">{a["url"]}</guid>
      <pubDate>{a["published_at"]:%a, %d %b %Y %H:%M:%S} +0000</pubDate>
      <dc:creator>{escape(a["byline"])}</dc:creator>
      <description>{escape(a["paragraphs"][0])}</description>
      <content:encoded><![CDATA[{content}]]></content:encoded>
    </item>"""


def atom(articles: list[dict]) -> str:
    entries = "".join(
        f"""
  <entry>
    <title>{escape(a["title"])}</title>
    <link href="{a["url"]}"/>
    <id>{a["url"]}</id>
    <published>{a["published_at"].isoformat()}</published>
    <updated>{a["published_at"].isoformat()}</updated>
    <author><name>{escape(a["byline"])}</name></author>
    <summary>{escape(a["paragraphs"][0])}</summary>
    <content type="html">{escape("".join(f"<p>{escape(p)}</p>" for p in a["paragraphs"]))}</content>
  </entry>"""
        for a in articles
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Rasad sample bulletin (Atom)</title>
  <id>https://bulletin.news.example/</id>
  <updated>2025-07-01T00:00:00+00:00</updated>{entries}
</feed>
"""


def write(target: Path = SAMPLES) -> dict[str, int]:
    """Write the corpus under ``target``; return how many articles went to each format."""
    articles = compose()
    pages = target / "pages"
    counts = dict.fromkeys(set(_FORMATS), 0)
    for article in articles:
        counts[article["format"]] += 1
        if article["format"] == "page":
            folder = pages / article["source"]
            folder.mkdir(parents=True, exist_ok=True)
            name = folder / f"{article['number']:03d}_{article['language']}_{article['topic']}.txt"
            # One Arabic page is saved in Windows-1256, as many Arabic sites still serve them.
            encoding = "cp1256" if article["language"] == "ar" and counts["page"] == 1 else "utf-8"
            name.write_bytes(page_dump(article).encode(encoding))
    (target / "articles.jsonl").write_text(
        "".join(jsonl_line(a) + "\n" for a in articles if a["format"] == "jsonl"), encoding="utf-8"
    )
    feeds = target / "feeds"
    feeds.mkdir(parents=True, exist_ok=True)
    (feeds / "wire.rss").write_text(
        rss([a for a in articles if a["format"] == "rss"]), encoding="utf-8"
    )
    (feeds / "bulletin.atom").write_text(
        atom([a for a in articles if a["format"] == "atom"]), encoding="utf-8"
    )
    return counts


if __name__ == "__main__":
    print(write())
