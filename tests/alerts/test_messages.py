"""Message templates: article fields filled in, unknown fields refused when the rule is saved,
nothing in a template or an article ever evaluated, Slack markup escaped, one-line subjects."""

from __future__ import annotations

import pytest

from alerts.alert import from_article
from alerts.messages import Message, check, digest_letter, letter, render, subject
from alerts.rules import new_rule
from rasad import concepts
from rasad.errors import BadInput
from tests.alerts.corpus import tagged_corpus


def alert(n: int = 3, **changes):
    article = tagged_corpus()[n].model_copy(update=changes)
    return from_article("isis", article, article.id, concepts={"Q2429253": "Islamic State"})


def test_a_template_is_filled_with_the_article_fields():
    text = render(
        "$rule: ${title} <$url> [$source/$language] $concepts — published $published", alert()
    )
    article = tagged_corpus()[3]
    assert text.startswith(f"isis: {article.title} <{article.url or ''}> [Reuters/en]")
    assert "Islamic State" in text and "published " in text


@pytest.mark.parametrize(
    ("template", "field"),
    [("$titel", "$titel"), ("${nope}", "$nope"), ("$title and $__class__", "$__class__")],
)
def test_an_unknown_field_is_refused_when_the_rule_is_saved(template, field):
    with pytest.raises(BadInput, match=rf"unknown field \{field} in the text template"):
        new_rule({"name": "x", "query": "ISIS", "message": {"text": template}}, concepts.load())
    with pytest.raises(BadInput, match="subject template"):
        check(Message(subject=template))


def test_a_lone_dollar_is_refused_and_a_double_one_is_a_dollar():
    with pytest.raises(BadInput, match=r"written \$\$"):
        check(Message(text="costs $ 5"))
    assert render("$$5 for $rule", alert()) == "$5 for isis"


def test_nothing_in_a_template_or_an_article_is_evaluated():
    hostile = alert(
        title="${rule} {{ 7*7 }} {% import os %} $(rm -rf /) __import__('os')",
        source="$url",
    )
    text = render("$title | $source", hostile)
    # Substitution is one pass: a field's value is never read as a template again.
    assert text == "${rule} {{ 7*7 }} {% import os %} $(rm -rf /) __import__('os') | $url"


def test_slack_text_escapes_what_an_article_could_use_to_ping_or_link():
    hostile = alert(title="<!channel> <https://evil.example|click> & co", url="https://x.test/a>b")
    slack = letter(hostile).slack
    assert "<!channel>" not in slack and "&lt;!channel&gt;" in slack and "&amp; co" in slack
    assert "<https://x.test/a>b|" not in slack  # a URL that would break out of <…> is no link
    custom = letter(hostile, Message(text="$title")).slack
    assert custom.startswith("*isis*: &lt;!channel&gt;")


def test_email_subject_is_one_line_and_the_webhook_carries_the_message():
    hostile = alert(title="Breaking\r\nBcc: victim@example.org\nmore")
    assert "\n" not in subject(None, hostile) and "\r" not in subject(None, hostile)
    mail = letter(hostile, Message(subject="[$rule] $title", text="$source: $title"))
    assert mail.subject == "[isis] Breaking Bcc: victim@example.org more"
    assert mail.payload["message"] == mail.text and mail.payload["rule"] == "isis"


def test_a_digest_letter_lists_every_alert_of_the_period():
    alerts = [alert(3), alert(6)]
    mail = digest_letter(
        "isis", alerts, Message(text="- $title ($source)"), alerts[1].latency.matched
    )
    assert mail.subject == "[rasad] isis: 2 alert(s)"
    assert "- Airstrikes hit ISIS positions near Raqqa (Reuters)" in mail.text
    assert mail.payload["digest"]["count"] == 2 and len(mail.payload["alerts"]) == 2
    assert mail.slack.count("• ") == 2
