"""Saved page-text dumps (like the seed, an Elaph page): title, subtitle,
byline, date, body, no boilerplate.

A dump is the visible text of a news page: a section label, the headline and a subheadline,
page furniture (follow/subscribe prompts, share buttons), the article's paragraphs, then a
footer (comments, "read more" lists, copyright). The parser keeps every body paragraph and
drops only lines that are recognisably furniture, in any supported language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from producers.dates import looks_like_dateline, parse_date
from rasad.errors import BadInput
from rasad.model import Article

_SOCIAL = (
    r"(تويتر|فيسبوك|فيس بوك|إنستغرام|انستغرام|يوتيوب|تلغرام|تيليغرام|واتساب|"
    r"twitter|facebook|instagram|youtube|telegram|whatsapp|linkedin|tiktok|"
    r"вконтакте|телеграм|одноклассник)"
)
_PROMPT = (
    r"(تابع|تابعونا|تابعوا|متابعة|حسابنا|اشترك|للاشتراك|للإشتراك|إشترك|"
    r"اضغط|إضغط|انقر|حمل تطبيق|حمّل|"
    r"follow|subscribe|click|tap here|download our|join us|our account|"
    r"suivez|abonnez|cliquez|téléchargez|"
    r"подпис|переходите|присоединяйтесь|нажмите|takip|abone|tıkla|katılın|indirin)"
)
# Whole-line furniture, whatever else the line says.
_FURNITURE = re.compile(
    r"^(اضغط هنا|إضغط هنا|انقر هنا|شارك(?:ها)? على|شارك المقال|مشاركة|طباعة|أرسل لصديق|"
    r"جميع الحقوق محفوظة|حقوق النشر|"
    r"click here|share (?:this|on)|share$|print$|email$|sign up|newsletter|"
    r"all rights reserved|copyright|©|advertisement|"
    r"cliquez ici|partager|imprimer|tous droits réservés|publicité|"
    r"поделиться|все права защищены|реклама|"
    r"paylaş|tüm hakları saklıdır|reklam)",
    re.IGNORECASE,
)
_SHARE_WORDS = re.compile(
    rf"^(?:{_SOCIAL}|email|e-mail|print|copy link|"
    r"شارك|مشاركة|partager|поделиться|paylaş|[\s|·•,/-])+$",
    re.IGNORECASE,
)
# A line that starts the page footer: everything from it on is comments, related links or credits.
_FOOTER = re.compile(
    r"^(?:\d+\s*)?(التعليقات|تعليقات|أضف تعليق|اترك تعليقا|اقرأ أيضا|اقرأ أيضاً|إقرأ أيضا|"
    r"مواضيع ذات صلة|أخبار ذات صلة|"
    r"comments?|leave a comment|add a comment|read more|related(?: articles| stories)?|"
    r"more on this story|"
    r"commentaires?|laisser un commentaire|lire aussi|à lire aussi|sur le même sujet|"
    r"комментари[ий]|читайте также|по теме|"
    r"yorumlar|yorum yap|ayrıca okuyun|ilgili haberler)\s*[:：]?$",
    re.IGNORECASE,
)
_READ_MORE_LINE = re.compile(
    r"^(اقرأ أيضا|اقرأ أيضاً|إقرأ أيضا|read more|read also|see also|lire aussi|à lire aussi|"
    r"читайте также|ayrıca okuyun|ilginizi çekebilir)\s*[:：\-–]",
    re.IGNORECASE,
)
_SECTIONS = {
    "أخبار",
    "أفريقيا",
    "دولي",
    "أخبار عاجلة",
    "سياسة",
    "اقتصاد",
    "رياضة",
    "ثقافة",
    "فنون",
    "عربي ودولي",
    "الشرق الأوسط",
    "العالم",
    "news",
    "world",
    "politics",
    "economy",
    "business",
    "sport",
    "sports",
    "culture",
    "middle east",
    "africa",
    "monde",
    "international",
    "politique",
    "économie",
    "afrique",
    "moyen-orient",
    "мир",
    "политика",
    "экономика",
    "спорт",
    "культура",
    "новости",
    "в мире",
    "африка",
    "ближний восток",
    "dünya",
    "gündem",
    "politika",
    "ekonomi",
    "spor",
    "kültür",
    "haberler",
    "ortadoğu",
}
_BYLINE_LINE = re.compile(
    r"^(?:by|بقلم|كتب|كتبت|par|de notre correspondant(?:e)?|автор|текст|yazan|haber)\s*[:：]?\s+"
    r"(?P<name>[^\d.،,:]{3,60})$",
    re.IGNORECASE,
)
_BYLINE_INLINE = re.compile(
    r"^(?P<name>[^\s:：\d\"«(]+(?:\s+[^\s:：\d\"«(]+){1,3})\s*[:：]\s+(?P<rest>\S.{40,})$",
    re.DOTALL,
)
# Words that make "X Y: ..." a quotation or a heading rather than a byline.
_NOT_A_NAME = re.compile(
    r"(^|\s)(قال|وقال|قالت|وقالت|أضاف|وأضاف|أكد|وأكد|ذكر|وذكر|المصدر|الوزير|الرئيس|بيان|تحديث|عاجل|"
    r"said|says|update|breaking|note|source|a déclaré|selon|mise à jour|заявил|сообщил|"
    r"обновление|dedi|açıkladı|güncelleme|son dakika)(\s|$)",
    re.IGNORECASE,
)
# Calls to action that are furniture even without a network's name, on a short line.
_CALL_TO_ACTION = re.compile(
    r"(اشترك|للاشتراك|للإشتراك|اضغط|إضغط|انقر|subscribe|click|cliquez|abonnez|"
    r"подпишитесь|нажмите|abone ol|tıklayın)",
    re.IGNORECASE,
)
_TITLE_WORDS = 25
_FURNITURE_WORDS = 20


@dataclass
class _Page:
    head: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    byline: str | None = None


def parse_page(
    text: str, source: str = "", url: str | None = None, reference: datetime | None = None
) -> Article:
    """Turn a page dump into an Article; raise ``BadInput`` when no article text is left.

    ``reference`` anchors dates written without a year (default: now).
    """
    blocks = _blocks(text)
    if not blocks:
        raise BadInput("page has no text", reason="empty")
    page = _Page()
    body = _read_head(blocks, page, reference)
    for block in _cut_footer(body):
        cleaned = _clean_block(block)
        if cleaned:
            page.paragraphs.append(cleaned)
    _find_byline(page)
    if not page.paragraphs:
        raise BadInput(
            "page has no article text after removing boilerplate", reason="no_article_text"
        )
    head = page.head
    title = head[0] if head else ""
    subtitle = head[1] if len(head) > 1 else None
    paragraphs = head[2:] + page.paragraphs  # extra headline lines are kept as text, never dropped
    return Article(
        title=title,
        subtitle=subtitle,
        byline=page.byline,
        text="\n\n".join(paragraphs),
        source=source,
        url=url,
        published_at=page.published_at,
        raw=text,
    )


def _blocks(text: str) -> list[list[str]]:
    """Paragraph blocks (separated by blank lines), each a list of stripped non-empty lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    blocks = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if lines:
            blocks.append(lines)
    return blocks


def _read_head(blocks: list[list[str]], page: _Page, reference: datetime | None) -> list[list[str]]:
    """Fill the headlines and the date from the top of the page; return the remaining blocks."""
    for i, block in enumerate(blocks):
        if _is_furniture_block(block):
            continue
        if len(block) > 1 and not all(_is_head_line(line) or _is_furniture(line) for line in block):
            return _finish_head(page, blocks[i:])
        if not all(
            _is_head_line(line) or _is_furniture(line) or _is_separator(line) for line in block
        ):
            return _finish_head(page, blocks[i:])
        for line in block:
            if _is_separator(line) or _is_furniture(line):
                continue
            if page.published_at is None and looks_like_dateline(line):
                page.published_at = parse_date(line, reference)
            elif (byline := _BYLINE_LINE.match(line)) and page.byline is None:
                page.byline = byline.group("name").strip()
            else:
                page.head.append(line)
    return _finish_head(page, [])


def _finish_head(page: _Page, body: list[list[str]]) -> list[list[str]]:
    head = page.head
    if len(head) > 1 and (
        head[0].lower().strip(" :|-") in _SECTIONS or (len(head) > 2 and len(head[0].split()) <= 2)
    ):
        del head[0]  # the section label above the headline
    if not body and len(head) > 2:  # no paragraph block at all: everything after the title is text
        body, page.head = [[line] for line in head[2:]], head[:2]
    return body


def _is_head_line(line: str) -> bool:
    words = len(line.split())
    return 0 < words <= _TITLE_WORDS and not line.endswith((".", "。", "…", ":", "؛"))


def _is_separator(line: str) -> bool:
    return not line.strip("-–—_=*•·|~ ")


def _is_furniture(line: str) -> bool:
    """A line of page furniture: a follow/subscribe prompt, share
    buttons, copyright, an ad label.
    """
    if _is_separator(line) or _SHARE_WORDS.match(line):
        return True
    if len(line.split()) > _FURNITURE_WORDS:
        return False
    if _FURNITURE.match(line) or _READ_MORE_LINE.match(line):
        return True
    if len(line.split()) <= 8 and not line.endswith(".") and _CALL_TO_ACTION.search(line):
        return True
    social = re.search(_SOCIAL, line, re.IGNORECASE)
    if not social:
        return False
    # A sentence that mentions a network ("he wrote on X that ...") is news; a
    # prompt is short or imperative.
    return bool(re.search(_PROMPT, line, re.IGNORECASE)) or (
        len(line.split()) <= 6 and not line.endswith(".")
    )


def _cut_footer(blocks: list[list[str]]) -> list[list[str]]:
    """Drop the footer: from a footer heading ("Comments", "Read
    more") after the first paragraph on.

    A heading counts when it sits in the second half of the page, or when nothing after it reads
    like a body paragraph (only short lines: headlines of related stories, credits).
    """
    lines = [(i, j, line) for i, block in enumerate(blocks) for j, line in enumerate(block)]
    for position, (i, j, line) in enumerate(lines):
        if i == 0 or not _FOOTER.match(line):
            continue
        rest = [text for _, _, text in lines[position + 1 :]]
        if position >= len(lines) / 2 or all(len(text.split()) <= _TITLE_WORDS for text in rest):
            return blocks[:i] + ([blocks[i][:j]] if j else [])
    return blocks


def _is_furniture_block(block: list[str]) -> bool:
    """A prompt box: several short lines, most of them furniture ("our readers
    on X / follow us / click here").
    """
    lines = [line for line in block if not _is_separator(line)]
    furniture = sum(1 for line in lines if _is_furniture(line))
    return (
        len(lines) >= 2
        and furniture * 2 >= len(lines)
        and all(_is_head_line(line) for line in lines)
    )


def _clean_block(block: list[str]) -> str:
    if _is_furniture_block(block):
        return ""
    kept = [line for line in block if not _is_furniture(line)]
    return "\n".join(kept)


def _find_byline(page: _Page) -> None:
    """ "Name Surname: text" at the start of one of the first paragraphs (often after a
    one-paragraph lead).
    """
    if page.byline is not None:
        return
    for i, paragraph in enumerate(page.paragraphs[:3]):
        line = _BYLINE_LINE.match(paragraph)
        if line:
            page.byline = line.group("name").strip()
            del page.paragraphs[i]
            return
        match = _BYLINE_INLINE.match(paragraph)
        if match and not _NOT_A_NAME.search(match.group("name")):
            page.byline, page.paragraphs[i] = match.group("name"), match.group("rest")
            return
