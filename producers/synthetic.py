"""Deterministic synthetic multilingual articles of a given size, for load tests and benchmarks.

The same (count, size, seed) always gives the same articles. Texts are sentences drawn from
small per-language vocabularies of news words: not prose, but real script, real word lengths
and real language-detection work, so throughput numbers mean something.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from producers.sources import Item
from rasad.model import Article

_WORDS = {
    "ar": ["الحكومة", "الرئيس", "الوزير", "المعارضة", "الجيش", "القوات", "مدينة", "الحدود", "اتفاق", "مفاوضات", "هدنة", "قصف", "غارة", "لاجئين", "مساعدات", "الأمم", "المتحدة", "مجلس", "الأمن", "النفط", "الاقتصاد", "الانتخابات", "البرلمان", "المتظاهرين", "العاصمة", "الشمال", "الجنوب", "الميليشيا", "المبعوث", "الدولي", "الطائرات", "المسيرة", "المستشفى", "الكهرباء", "الجفاف", "المحكمة", "الدستور", "العقوبات", "الميناء"],
    "en": ["government", "president", "minister", "opposition", "army", "forces", "city", "border", "agreement", "talks", "truce", "shelling", "airstrike", "refugees", "aid", "united", "nations", "security", "council", "oil", "economy", "elections", "parliament", "protesters", "capital", "north", "south", "militia", "envoy", "drones", "hospital", "electricity", "drought", "court", "constitution", "sanctions", "port"],
    "fr": ["gouvernement", "président", "ministre", "opposition", "armée", "forces", "ville", "frontière", "accord", "négociations", "trêve", "bombardement", "frappe", "réfugiés", "aide", "nations", "unies", "conseil", "sécurité", "pétrole", "économie", "élections", "parlement", "manifestants", "capitale", "nord", "sud", "milice", "envoyé", "drones", "hôpital", "électricité", "sécheresse", "tribunal", "constitution", "sanctions", "port"],
    "ru": ["правительство", "президент", "министр", "оппозиция", "армия", "силы", "город", "граница", "соглашение", "переговоры", "перемирие", "обстрел", "удар", "беженцы", "помощь", "ООН", "совбез", "нефть", "экономика", "выборы", "парламент", "протестующие", "столица", "север", "юг", "ополчение", "посланник", "беспилотники", "больница", "электричество", "засуха", "суд", "конституция", "санкции", "порт"],
    "tr": ["hükümet", "cumhurbaşkanı", "bakan", "muhalefet", "ordu", "kuvvetler", "şehir", "sınır", "anlaşma", "müzakereler", "ateşkes", "bombardıman", "saldırı", "mülteciler", "yardım", "birleşmiş", "milletler", "güvenlik", "konseyi", "petrol", "ekonomi", "seçimler", "meclis", "göstericiler", "başkent", "kuzey", "güney", "milis", "elçi", "insansız", "hava", "araçları", "hastane", "elektrik", "kuraklık", "mahkeme", "anayasa", "yaptırımlar", "liman"],
}
LANGUAGES = tuple(_WORDS)
_BASE = datetime(2025, 1, 1, tzinfo=UTC)


def synthetic_articles(count: int, size: int = 2000, seed: int = 7) -> Iterator[Article]:
    """``count`` articles of about ``size`` bytes of UTF-8 text each, languages in turn."""
    for index in range(count):
        rng = random.Random(f"{seed}:{index}")
        language = LANGUAGES[index % len(LANGUAGES)]
        words = _WORDS[language]
        title = " ".join(rng.choices(words, k=rng.randint(6, 10)))
        sentences, length = [], 0
        while length < size:
            sentence = " ".join(rng.choices(words, k=rng.randint(8, 18))) + "."
            sentences.append(sentence)
            length += len(sentence.encode("utf-8")) + 1
        yield Article(
            url=f"https://synthetic.rasad.invalid/{seed}/{index}",
            source="synthetic",
            title=f"{title} {index}",
            text=" ".join(sentences),
            published_at=_BASE + timedelta(minutes=index),
        )


def synthetic_items(count: int, size: int = 2000, seed: int = 7) -> Iterator[Item]:
    """The synthetic articles as source items (the ``rasad produce --synthetic`` source)."""
    for article in synthetic_articles(count, size, seed):
        yield Item(f"synthetic:{seed}:{article.url.rsplit('/', 1)[-1]}", article=article)
