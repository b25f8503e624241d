"""Saved page-text dumps (like the seed, an Elaph page): title, subtitle, byline, body, no boilerplate."""
from __future__ import annotations

import re

from rasad.errors import BadInput
from rasad.model import Article

# Lines that belong to the page furniture, not the article (any supported language).
_BOILERPLATE = re.compile(
    r"(تويتر|فيسبوك|اضغط هنا|إضغط هنا|للإشتراك|للاشتراك|اشترك|التعليقات|جميع التعليقات|اقرأ أيضا|اقرأ أيضاً|شارك|"
    r"follow us|subscribe|sign up|share this|read more|comments|all rights reserved|"
    r"suivez-nous|abonnez|lire aussi|commentaires|подписывайтесь|читайте также|комментарии|"
    r"takip edin|abone ol|ayrıca okuyun|yorumlar)",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(?P<name>[^\s:：]+(?:\s+[^\s:：]+){0,3})\s*[:：]\s+(?P<rest>\S.*)$", re.DOTALL)
_MAX_BOILERPLATE_WORDS = 25


def parse_page(text: str, source: str = "", url: str | None = None) -> Article:
    """Turn a page dump into an Article; raise ``BadInput`` when no article text is left."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    lines = [line.strip() for b in blocks for line in b.split("\n") if line.strip()]
    head, body = _split_head(blocks)
    title = head[0] if head else ""
    subtitle = head[1] if len(head) > 1 else None
    paragraphs = [p for p in (_clean_block(b) for b in body) if p]
    byline = None
    for i, paragraph in enumerate(paragraphs[:2]):  # often after a one-paragraph lead
        match = _BYLINE.match(paragraph)
        if match and len(match.group("name").split()) <= 4:
            byline, paragraphs[i] = match.group("name"), match.group("rest")
            break
    if not paragraphs and not lines:
        raise BadInput("page has no text", reason="empty")
    if not paragraphs:
        raise BadInput("page has no article text after removing boilerplate", reason="no_article_text")
    return Article(title=title, subtitle=subtitle, byline=byline, text="\n\n".join(paragraphs), source=source,
                   url=url, raw=text)


def _split_head(blocks: list[str]) -> tuple[list[str], list[str]]:
    """Headlines are the short single-line blocks before the first real paragraph."""
    head: list[str] = []
    for i, block in enumerate(blocks):
        words = len(block.split())
        if "\n" in block or words > 25 or block.endswith((".", "。", "!", "؟", "?")):
            return _drop_section_label(head), blocks[i:]
        if not _is_boilerplate(block) and block.strip("-–— "):
            head.append(block)
    return _drop_section_label(head), []


def _drop_section_label(head: list[str]) -> list[str]:
    # A one- or two-word line above the headline is the section label ("أخبار", "World").
    return head[1:] if len(head) > 1 and len(head[0].split()) <= 2 else head


def _clean_block(block: str) -> str:
    kept = [line.strip() for line in block.split("\n") if line.strip() and not _is_boilerplate(line)]
    kept = [line for line in kept if line.strip("-–—• ")]
    return "\n".join(kept)


def _is_boilerplate(line: str) -> bool:
    return len(line.split()) <= _MAX_BOILERPLATE_WORDS and bool(_BOILERPLATE.search(line))
