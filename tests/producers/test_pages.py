"""Page-text dumps: the seed, the sample corpus, furniture in every
language, and property checks.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from producers import corpus
from producers.files import read_file
from producers.pages import parse_page
from rasad.errors import BadInput
from tests.helpers.paths import SEED


def test_seed_is_cleaned():
    article = parse_page(SEED.read_text(encoding="utf-8"))
    assert article.title == 'بوتين يضرب داعش "منفردًا" إذا رفضت واشنطن اقتراحاته'
    assert article.subtitle == "تنسيق روسي إسرائيلي عسكري في سوريا"
    assert article.byline == "نصر المجالي"
    assert "تويتر" not in article.text and "للإشتراك" not in article.text
    assert "التعليقات" not in article.text and "إيلاف" not in article.text
    assert article.text.startswith("قالت تقارير إن الرئيس الروسي")
    assert article.text.endswith("حيث توجد قاعدة بحرية روسية كبيرة.")
    assert article.text.count("\n\n") == 8  # all nine body paragraphs, none merged or lost
    assert "نقلت شبكة (بلومبيرغ)" in article.text and "نصر المجالي" not in article.text
    assert (
        "تنسيق روسي إسرائيلي\nإلى ذلك" in article.text
    )  # the inline subheading stays with its paragraph


def test_every_sample_page_parses_to_its_source_article():
    expected = {a["number"]: a for a in corpus.compose() if a["format"] == "page"}
    pages = sorted((corpus.SAMPLES / "pages").rglob("*.txt"))
    assert len(pages) == len(expected) >= 60
    for path in pages:
        (item,) = list(read_file(path))
        source = expected[int(path.name[:3])]
        article = item.article
        assert article is not None, item.error
        assert article.title == source["title"]
        assert article.subtitle == source["subtitle"]
        assert article.byline == source["byline"]
        assert article.published_at.replace(second=0) == source["published_at"]
        assert article.text.split("\n\n") == source["paragraphs"]


def test_news_sentences_that_mention_networks_or_sharing_are_kept():
    text = (
        "Title of the story\n\n"
        "وشارك في الاجتماع وزراء خارجية خمس دول عربية إلى جانب المبعوث الأممي الخاص إلى سوريا.\n\n"
        "The minister wrote on Twitter that the talks would resume next week in Geneva.\n\n"
        "Comments from the delegations were cautious, a diplomat said after the session ended."
    )
    article = parse_page(text)
    assert len(article.text.split("\n\n")) == 3


def test_furniture_in_other_languages_is_removed():
    text = (
        "Monde\n\nLa trêve tient à Gaza\n\nPar Claire Moreau\n\nSuivez-nous sur "
        "Facebook\nPartager\n\n"
        "Les médiateurs ont poursuivi leurs réunions à Doha autour d'une proposition de "
        "cessez-le-feu.\n\n"
        "Le secrétaire général de l'ONU a de nouveau appelé à un cessez-le-feu immédiat.\n\n"
        "Lire aussi\n\nLa Bourse de Paris termine en hausse\n\nTous droits réservés"
    )
    article = parse_page(text)
    assert article.title == "La trêve tient à Gaza"
    assert article.byline == "Claire Moreau"
    assert article.text.split("\n\n") == [
        "Les médiateurs ont poursuivi leurs réunions à Doha autour d'une proposition de "
        "cessez-le-feu.",
        "Le secrétaire général de l'ONU a de nouveau appelé à un cessez-le-feu immédiat.",
    ]


def test_a_quotation_is_not_a_byline():
    text = (
        "عنوان\n\nوقال الوزير: إن الحكومة ستواصل العمل على إعادة الإعمار في المناطق المتضررة من "
        "الزلزال خلال العام."
    )
    assert parse_page(text).byline is None


def test_page_of_only_furniture_is_rejected():
    with pytest.raises(BadInput) as refused:
        parse_page("Follow us on Twitter\n\nShare on Facebook\n\nComments")
    assert refused.value.reason == "no_article_text"


_word = st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي", min_size=2, max_size=8)
_sentence = st.lists(_word, min_size=27, max_size=45).map(lambda words: " ".join(words) + ".")


@settings(max_examples=60, deadline=None)
@given(st.lists(_sentence, min_size=1, max_size=6))
def test_long_body_paragraphs_are_never_dropped(paragraphs):
    article = parse_page("عنوان الخبر\n\n" + "\n\n".join(paragraphs))
    assert article.text.split("\n\n") == paragraphs


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_an_article_or_bad_input(text):
    try:
        article = parse_page(text)
    except BadInput:
        return
    assert article.text.strip()
