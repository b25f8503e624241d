"""A small known corpus of tagged articles in five languages, with the answers we expect.

Tags are written by hand (no tagger involved) so the store tests depend only on the store
and the query language; spans point at the surface text like the tagger's do.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rasad.model import Article, Span, Tag

_LABELS = {
    "Q2429253": ("actor", "Islamic State"),
    "Q7747": ("actor", "Vladimir Putin"),
    "Q44329": ("actor", "Bashar al-Assad"),
    "Q43723": ("actor", "Benjamin Netanyahu"),
    "airstrike": ("event", "Airstrike"),
    "military-coordination": ("event", "Military coordination"),
    "SY": ("place", "Syria"),
    "RU": ("place", "Russia"),
    "IL": ("place", "Israel"),
    "IQ": ("place", "Iraq"),
    "EG": ("place", "Egypt"),
    "163345": ("place", "Raqqa"),
}


def _tag(body: str, concept: str, surface: str | None) -> Tag:
    kind, label = _LABELS[concept]
    spans = []
    if surface:
        start = body.index(surface)
        spans = [Span(start=start, end=start + len(surface), text=surface)]
    extra = {"country": "SY", "lat": 35.95, "lon": 39.01} if concept == "163345" else {}
    return Tag(kind=kind, id=concept, label=label, spans=spans, **extra)


def _article(
    key: str,
    lang: str,
    source: str,
    day: str | None,
    title: str,
    text: str,
    tags: dict[str, str | None],
) -> Article:
    body = f"{title}\n\n{text}"
    published = datetime.fromisoformat(day + "T09:30:00").replace(tzinfo=UTC) if day else None
    return Article(
        id=key,
        source=source,
        url=f"https://example.test/{key}",
        title=title,
        text=text,
        language=lang,
        published_at=published,
        tags=[_tag(body, c, s) for c, s in tags.items()],
    )


def corpus() -> list[Article]:
    """Fourteen articles: ar×5, en×5, fr×2, ru, tr; one undated."""
    return [
        _article(
            "ar1",
            "ar",
            "Al Jazeera",
            "2015-10-01",
            "غارات جوية على مواقع داعش",
            "شنت طائرات غارات جوية على مواقع داعش في سوريا.",
            {"Q2429253": "داعش", "SY": "سوريا", "airstrike": "غارات جوية"},
        ),
        _article(
            "ar2",
            "ar",
            "Al Arabiya",
            "2015-10-02",
            "هجوم لداعش في سورية",
            "قال مسؤولون إن مقاتلين وداعش انسحبوا من البلدة.",
            {"Q2429253": "لداعش", "SY": "سورية"},
        ),
        _article(
            "ar3",
            "ar",
            "Al Arabiya",
            "2015-10-03",
            "بيان: تنظيم دَاعِش يتراجع في سـوريـا",
            "تراجع التنظيم بعد معارك طويلة.",
            {"Q2429253": "دَاعِش", "SY": "سـوريـا"},
        ),
        _article(
            "fr1",
            "fr",
            "Le Monde",
            "2015-10-05",
            "L'État islamique revendique l'attaque",
            "L'État islamique a revendiqué l'attaque à Raqqa, en Syrie.",
            {"Q2429253": "État islamique", "SY": "Syrie", "163345": "Raqqa"},
        ),
        _article(
            "en1",
            "en",
            "Reuters",
            "2015-10-10",
            "Islamic State claims attack in Iraq",
            "Islamic State fighters claimed an attack near Mosul.",
            {"Q2429253": "Islamic State", "IQ": "Iraq"},
        ),
        _article(
            "en2",
            "en",
            "Reuters",
            "2015-10-11",
            "Airstrike near Raqqa",
            "Warplanes struck positions near Raqqa in Syria.",
            {"airstrike": "Airstrike", "SY": "Syria", "163345": "Raqqa"},
        ),
        _article(
            "ru1",
            "ru",
            "RIA",
            "2015-10-12",
            "Путин заявил об ударах по ИГИЛ в Сирии",
            "Президент России сообщил о новых ударах.",
            {"Q7747": "Путин", "Q2429253": "ИГИЛ", "SY": "Сирии", "RU": "России"},
        ),
        _article(
            "tr1",
            "tr",
            "Anadolu",
            "2015-11-02",
            "Suriye'de hava saldırısı",
            "Rakka yakınlarında hava saldırısı düzenlendi.",
            {"airstrike": "hava saldırısı", "SY": "Suriye"},
        ),
        _article(
            "en3",
            "en",
            "Test Wire",
            "2015-11-03",
            "Script test",
            "Officials said <script>alert(1)</script> appeared in a statement about Syria.",
            {"SY": "Syria"},
        ),
        _article(
            "en4",
            "en",
            "Reuters",
            "2015-11-04",
            "Netanyahu visits Washington",
            "The Israeli prime minister met officials.",
            {"Q43723": "Netanyahu", "IL": "Israeli"},
        ),
        _article(
            "ar4",
            "ar",
            "Al Jazeera",
            "2015-11-05",
            "نتنياهو يلتقي بوتين",
            "اتفق الجانبان على تنسيق عسكري بشأن سوريا.",
            {
                "Q43723": "نتنياهو",
                "Q7747": "بوتين",
                "military-coordination": "تنسيق عسكري",
                "IL": None,
                "RU": None,
                "SY": "سوريا",
            },
        ),
        _article(
            "fr2",
            "fr",
            "Le Monde",
            "2015-11-20",
            "Poutine reçoit Assad à Moscou",
            "Le président russe a reçu son homologue syrien.",
            {"Q7747": "Poutine", "Q44329": "Assad", "RU": "russe", "SY": "syrien"},
        ),
        _article(
            "en5",
            "en",
            "Bulletin",
            None,
            "Undated bulletin",
            "A bulletin about markets and the economy.",
            {},
        ),
        _article(
            "ar5",
            "ar",
            "Ahram",
            "2015-12-01",
            "الاقتصاد المصري ينمو",
            "أعلنت الحكومة المصرية أرقام النمو.",
            {"EG": "المصري"},
        ),
    ]


ALL = {a.id for a in corpus()}
SYRIA = {"ar1", "ar2", "ar3", "fr1", "en2", "ru1", "tr1", "en3", "ar4", "fr2"}
ISIS = {"ar1", "ar2", "ar3", "fr1", "en1", "ru1"}
