"""A small multilingual corpus of tagged articles shared by the alert tests."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from processors.pipeline import process
from rasad import concepts
from rasad.model import Article

_RAW = [
    (
        "ar",
        "الجزيرة",
        "غارات جوية روسية على مواقع لداعش في سورية",
        "قالت وزارة الدفاع الروسية إن طائراتها شنت غارات جوية على مواقع تنظيم الدولة قرب الرقة.",
    ),
    (
        "ar",
        "العربية",
        "بوتين يلتقي نتنياهو في موسكو",
        "بحث الرئيس الروسي فلاديمير بوتين مع بنيامين نتنياهو التنسيق العسكري في سوريا.",
    ),
    (
        "ar",
        "الحياة",
        "الأسد يستقبل وفدا إيرانيا",
        "استقبل بشار الأسد وفدا من المسؤولين الإيرانيين في دمشق لبحث الأوضاع.",
    ),
    (
        "en",
        "Reuters",
        "Airstrikes hit ISIS positions near Raqqa",
        "Russian warplanes carried out air strikes on Islamic State positions near Raqqa, Syria.",
    ),
    (
        "en",
        "AP",
        "Putin and Netanyahu agree on military coordination",
        "Vladimir Putin and Benjamin Netanyahu agreed on deconfliction over Syria.",
    ),
    (
        "en",
        "BBC",
        "Markets rally in London",
        "Shares in London rose on Tuesday as oil prices steadied; the white house said nothing.",
    ),
    (
        "fr",
        "Le Monde",
        "Frappes aériennes contre Daech en Syrie",
        "L'aviation russe a mené des frappes aériennes contre l'État islamique près de Raqqa.",
    ),
    (
        "fr",
        "AFP",
        "Poutine reçoit Netanyahou",
        "Vladimir Poutine a reçu Benyamin Netanyahou pour parler de coordination militaire.",
    ),
    (
        "ru",
        "ТАСС",
        "Путин провёл переговоры с Нетаньяху",
        "Владимир Путин обсудил с Нетаньяху ситуацию в Сирии и военная координация.",
    ),
    (
        "ru",
        "РИА",
        "Авиаудары по позициям ИГИЛ",
        "Российские самолёты нанесли авиаудары по позициям ИГИЛ в Сирии.",
    ),
    (
        "tr",
        "Anadolu",
        "Suriye'de DEAŞ mevzilerine hava saldırısı",
        "Rus savaş uçakları Suriye'de DEAŞ mevzilerine hava saldırısı düzenledi.",
    ),
    (
        "tr",
        "Hürriyet",
        "Esad İranlı heyeti kabul etti",
        "Beşar Esad Şam'da İranlı bir heyeti kabul etti.",
    ),
    (  # the tagger rejects Isis here (an actress): a literal match, not the group
        "en",
        "Screen",
        "Isis Valverde joins a thriller cast",
        "The actress Isis Valverde will play a detective in a new series, her agent said.",
    ),
]


@lru_cache(maxsize=1)
def tagged_corpus() -> tuple[Article, ...]:
    """The corpus, processed (cleaned, tagged) like the stream does; dates spread over 2015."""
    lexicon = concepts.load()
    out = []
    for i, (lang, source, title, text) in enumerate(_RAW):
        published = datetime(2015, 9 + i % 3, 1 + i, 12, tzinfo=UTC)
        article = Article(
            title=title,
            text=text,
            language=lang,
            source=source,
            published_at=published,
            url=f"https://news.example/{i}",
        )
        out.append(process(article, lexicon))
    return tuple(out)


QUERIES = [
    "ISIS",
    '"Isis"',
    "Isis actress",
    "داعش",
    "لداعش",
    "Daech",
    "ИГИЛ",
    "DEAŞ",
    "Putin",
    "بوتين",
    "Poutine",
    "Путин",
    "Netanyahu",
    '"Islamic State"',
    '"military coordination"',
    '"white house"',
    "airstrike",
    "غارات جوية",
    "Syria",
    "سورية",
    "country:SY",
    "country:IR",
    "lang:ar",
    "lang:fr OR lang:tr",
    "ISIS -lang:en",
    "Putin NOT Netanyahu",
    "concept:Q2429253",
    "type:airstrike",
    "source:reuters",
    "source:le-monde",
    "(Putin OR Assad) lang:ar",
    "Raqqa OR الرقة",
    "-ISIS",
    "since:2015-10-01 ISIS",
    "until:2015-09-30 Putin",
    "London",
    "Suriye'de",
    "الأسد",
    "Esad",
    "nothing AND rose",
]
