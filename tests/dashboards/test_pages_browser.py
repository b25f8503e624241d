"""Every page in real Chromium on `rasad demo`: drawn charts and map, live updates without a
reload, spans marked at the right offsets, nothing in an article ever runs, right-to-left done
properly, and a screenshot of each page (artifacts/screenshots/)."""

from __future__ import annotations

import itertools
import time
import uuid

import httpx
import pytest

from tests.helpers.browser import Console, demo_server, launch, screenshot
from tests.helpers.processes import wait_for

pytestmark = pytest.mark.browser

HOSTILE = {
    "title": '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> Raqqa',
    "text": 'Airstrikes hit Raqqa in Syria. <img src=x onerror="window.__pwned = 3"> '
    "<script>window.__pwned = 4</script> ISIS fighters withdrew.",
    "source": '<img src=x onerror="window.__pwned = 5">Evil Wire',
    "url": "javascript:window.__pwned = 6",
}
ARABIC = {
    "title": "غارات جوية على مواقع داعش قرب الرقة",
    "text": "شنت طائرات حربية غارات جوية على مواقع تنظيم داعش قرب مدينة الرقة في سوريا، "
    "وقالت مصادر إن الضربات استهدفت مخازن أسلحة.",
    "source": "وكالة الاختبار",
    "url": "https://ar.example.test/raqqa",
    "published_at": "2025-02-20T09:15:00+00:00",
}
ENGLISH = {
    "title": "Russian airstrikes pound ISIS near Palmyra",
    "text": "Russian warplanes struck Islamic State positions near Palmyra in Syria on Tuesday, "
    "the defence ministry in Moscow said.",
    "source": "Test Wire",
    "url": "https://en.example.test/palmyra",
    "published_at": "2025-02-21T14:05:00+00:00",
}


def push(base: str, article: dict) -> str:
    response = httpx.post(base + "/api/articles", json=article, timeout=10)
    assert response.status_code == 202, response.text
    return response.json()["ids"][0]


def stored(base: str, article_id: str) -> dict:
    def found():
        response = httpx.get(f"{base}/api/articles/{article_id}", timeout=5)
        return response.json() if response.status_code == 200 else None

    return wait_for(found, timeout=30, interval=0.1, message=f"article {article_id} stored")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo with every sample replayed, plus three articles of ours."""
    with demo_server(tmp_path_factory.mktemp("pages")) as base:
        counts = []

        def settled():
            counts.append(httpx.get(base + "/api/health").json()["articles"])
            return len(counts) > 3 and counts[-1] == counts[-4]

        wait_for(settled, timeout=60, interval=0.5, message="the replay to finish")
        ids = {
            name: push(base, a)
            for name, a in (("hostile", HOSTILE), ("ar", ARABIC), ("en", ENGLISH))
        }
        for article_id in ids.values():
            stored(base, article_id)
        yield base, ids


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    opened = context.new_page()
    opened.console = Console(opened)
    yield opened
    context.close()


def texts(page, selector: str) -> list[str]:
    """The text of SVG elements (which have no innerText)."""
    return page.eval_on_selector_all(selector, "nodes => nodes.map((n) => n.textContent)")


def drawn(page, panel: str, selector: str) -> int:
    return page.locator(f"#panel-{panel} .chart svg {selector}").count()


def test_overview_draws_every_panel_with_data(site, page):
    base, _ = site
    page.goto(base + "/")
    page.wait_for_function("document.body.dataset.updated")
    page.wait_for_function("document.querySelectorAll('#panel-map .chart svg path').length > 100")
    assert int(page.locator("#panel-total .metric").get_attribute("data-value")) >= 100
    assert drawn(page, "rate", "path") > 5  # bars (ECharts' SVG renderer draws them as paths)
    assert drawn(page, "mentions", "path") > 3  # one line per concept, plus axes
    legend = texts(page, "#panel-mentions .chart svg text")
    assert {"Islamic State", "Airstrike", "Syria"} <= set(legend)
    for panel in ("events", "actors", "places", "sources", "languages"):
        assert drawn(page, panel, "path") >= 3, panel
    assert "Syria" in texts(page, "#panel-places .chart svg text")
    assert page.locator("#panel-latest ol.feed li").count() == 15
    axis = texts(page, "#panel-rate .chart svg text")
    assert "Time" in axis and "articles per minute" in axis  # labelled axes
    assert page.console.errors == []
    screenshot(page, "overview")


def test_a_produced_article_shows_in_the_feed_and_counters_without_reload(site, page):
    base, _ = site
    page.goto(base + "/?range=15m")
    page.wait_for_function("document.body.dataset.updated")
    page.evaluate("window.__sameDocument = true")
    before = int(page.locator("#panel-total .metric").get_attribute("data-value"))
    title = f"Shelling reported near Aleppo, bulletin {uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    article_id = push(
        base, {"title": title, "text": "Artillery shelled districts of Aleppo, Syria."}
    )
    page.wait_for_selector(f'#panel-latest li[data-id="{article_id}"]', timeout=2000)
    page.wait_for_function(
        f"Number(document.querySelector('#panel-total .metric').dataset.value) > {before}",
        timeout=2000,
    )
    assert time.monotonic() - started < 2.0
    assert page.evaluate("window.__sameDocument") is True  # no reload
    assert page.locator(f'#panel-latest li[data-id="{article_id}"] a').inner_text() == title
    assert page.console.errors == []


def test_clicking_a_country_filters_every_panel_and_the_url_keeps_it(site, page):
    base, _ = site
    page.goto(base + "/?range=1h")
    page.wait_for_function("document.body.dataset.updated")
    total = int(page.locator("#panel-total .metric").get_attribute("data-value"))
    page.locator("#panel-map details summary").click()
    page.locator("#panel-map details button", has_text="Syria").first.click()
    page.wait_for_url("**f=country%3ASY*")
    page.wait_for_function(
        f"Number(document.querySelector('#panel-total .metric').dataset.value) < {total}"
    )
    assert page.locator("#filters button").inner_text().startswith("country:SY")
    languages = httpx.get(
        base + "/api/dashboards/geopolitical/data", params={"range": "1h", "f": "country:SY"}
    ).json()
    assert page.locator("#panel-total .metric").get_attribute("data-value") == str(
        languages["panels"]["total"]["value"]
    )
    # The URL is the state: opening it again shows the same view.
    page.goto(page.url)
    page.wait_for_function("document.body.dataset.updated")
    assert (
        page.locator("#filters button").count() == 1
        and page.input_value("select[name=range]") == "1h"
    )
    page.locator("#filters button").click()  # keyboard-reachable button removes it
    page.wait_for_function("!location.search.includes('country')")


def test_pause_holds_the_view_and_resume_catches_up(site, page):
    base, _ = site
    page.goto(base + "/?range=15m")
    page.wait_for_function("document.body.dataset.updated")
    page.click("#pause")
    assert page.get_attribute("#pause", "aria-pressed") == "true" and "paused=1" in page.url
    article_id = push(
        base, {"title": f"Paused check {uuid.uuid4().hex[:6]}", "text": "Talks in Geneva on Syria."}
    )
    page.wait_for_timeout(1200)
    assert page.locator(f'#panel-latest li[data-id="{article_id}"]').count() == 0
    page.click("#pause")
    page.wait_for_selector(f'#panel-latest li[data-id="{article_id}"]', timeout=3000)


def check_marks(page, article: dict) -> int:
    """Every mark's text is the body at its offsets, and each lies inside one of its tags' spans."""
    return page.evaluate(
        """(article) => {
            const body = article.title ? article.title + "\\n\\n" + article.text : article.text;
            const marks = [...document.querySelectorAll(".article-view mark")];
            for (const mark of marks) {
                const start = +mark.dataset.start, end = +mark.dataset.end;
                if (body.slice(start, end) !== mark.textContent) {
                    throw new Error(`offsets ${start}-${end}`);
                }
                const spans = (i) => article.tags[+i].spans;
                const inside = mark.dataset.tags.split(" ")
                    .some((i) => spans(i).some((s) => s.start <= start && end <= s.end));
                if (!inside) throw new Error(`mark ${start}-${end} outside its tags' spans`);
            }
            return marks.length;
        }""",
        article,
    )


@pytest.mark.parametrize("language", ["ar", "en"])
def test_article_view_marks_every_span_at_its_offsets(site, page, language):
    base, ids = site
    article = stored(base, ids[language])
    page.goto(f"{base}/articles/{ids[language]}")
    assert check_marks(page, article) >= 3
    marked = set(page.locator(".article-view mark").all_inner_texts())
    expected = {"داعش", "الرقة", "سوريا"} if language == "ar" else {"Palmyra", "Syria", "Moscow"}
    assert expected <= marked
    spans = [s for t in article["tags"] for s in t.get("spans", [])]
    covered = page.evaluate(
        "[...document.querySelectorAll('.article-view mark')]"
        ".map(m => [+m.dataset.start, +m.dataset.end])"
    )
    for span in spans:  # every span of every tag is covered by marks, end to end
        inside = sorted((s, e) for s, e in covered if span["start"] <= s and e <= span["end"])
        assert inside and inside[0][0] == span["start"] and inside[-1][1] == span["end"], span
    view = page.locator("article.article-view")
    assert view.get_attribute("lang") == language
    assert view.evaluate("e => getComputedStyle(e).direction") == (
        "rtl" if language == "ar" else "ltr"
    )
    rows = page.locator(".tags-table tbody tr")
    assert rows.count() == len(article["tags"])
    links = page.locator(".tags-table a[href^='https://www.wikidata.org/wiki/Q']").count()
    assert links >= 1  # ISIS is a Wikidata id
    assert page.locator(".tags-table a[href^='https://www.geonames.org/']").count() >= 1
    assert page.locator(".tags-table .code").count() >= 1  # CAMEO/ACLED codes of the event
    assert page.locator(f"a[href='{article['url']}']").count() == 1
    published = page.locator("dd time").first
    assert published.get_attribute("dir") == "ltr" and published.inner_text().startswith(
        "2025-02-2"
    )
    assert page.console.errors == []
    screenshot(page, f"article-{language}")


def test_nothing_in_an_article_runs_on_any_page(site, page):
    base, ids = site
    article_id = ids["hostile"]
    story = stored(base, article_id).get("story_id", article_id)
    for path in (
        "/?range=1h",
        f"/articles/{article_id}",
        "/search?q=Raqqa&sort=date",
        f"/stories/{story}",
        "/search?q=Evil",
    ):
        page.goto(base + path)
        page.wait_for_timeout(400 if path.startswith("/?") else 100)
        if path.startswith("/?"):
            page.wait_for_selector(f'#panel-latest li[data-id="{article_id}"]')
        assert page.evaluate("window.__pwned") is None, path
        assert page.locator("main img").count() == 0, path
        hrefs = page.eval_on_selector_all(
            "a[href]", "links => links.map(a => a.getAttribute('href'))"
        )
        assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")], path
        assert page.console.errors == [], path
    page.goto(f"{base}/articles/{article_id}")
    assert "<script>" in page.locator("h1").inner_text()  # shown, as text


def test_arabic_cards_run_right_to_left_with_dates_in_order(site, page):
    base, ids = site
    page.goto(base + "/search?q=" + "الرقة" + "&sort=date")
    card = page.locator(f'article.card[data-id="{ids["ar"]}"]')
    assert card.get_attribute("lang") == "ar"
    assert card.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert card.locator("h3").evaluate("e => getComputedStyle(e).direction") == "rtl"
    when = card.locator("time")
    assert (
        when.get_attribute("dir") == "ltr"
        and when.evaluate("e => getComputedStyle(e).direction") == "ltr"
    )
    assert when.inner_text() == "2025-02-20 09:15"  # year first, as written; not 20-02-2025
    english = page.locator("input[name=q]")
    assert english.get_attribute("dir") == "auto"
    screenshot(page, "search")


def test_the_arabic_interface_is_translated_and_mirrored(site, browser):
    base, _ = site
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000},
        locale="ar",
        extra_http_headers={"Accept-Language": "ar"},
    )
    page = context.new_page()
    console = Console(page)
    try:
        page.goto(base + "/")
        page.wait_for_function("document.body.dataset.updated")
        html = page.locator("html")
        assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
        assert page.locator("body").evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert page.locator("h1").inner_text() == "نظرة عامة مباشرة"
        assert page.locator("#panel-latest h2").inner_text() == "أحدث المقالات"
        assert page.locator("#pause").inner_text() == "إيقاف مؤقت"
        # Mirrored: the first panel sits at the right edge.
        box = page.locator("#panel-total").bounding_box()
        assert box["x"] > 700
        # Concept names in Arabic in the charts.
        assert "داعش" in texts(page, "#panel-mentions .chart svg text")
        assert console.errors == []
        screenshot(page, "overview-ar")
        page.click("a.ui-switch")  # the switch back to English is remembered
        page.goto(base + "/search")
        assert page.locator("html").get_attribute("dir") == "ltr"
    finally:
        context.close()


def test_story_view_shows_its_articles_on_a_timeline(site, page):
    base, ids = site
    story = stored(base, ids["en"]).get("story_id", ids["en"])
    page.goto(f"{base}/stories/{story}")
    assert page.locator("ol.timeline-list li").count() >= 1
    page.wait_for_function("document.querySelectorAll('#timeline svg path').length > 0")
    assert page.console.errors == []
    screenshot(page, "story")


def test_keyboard_reaches_the_controls_and_focus_survives_updates(site, page):
    base, _ = site
    page.goto(base + "/?range=15m")
    page.wait_for_function("document.body.dataset.updated")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    link = page.locator("#panel-latest ol.feed li a").first
    link.focus()
    focused = page.evaluate("document.activeElement.closest('li').dataset.id")
    push(
        base,
        {
            "title": f"Focus check {uuid.uuid4().hex[:6]}",
            "text": "Ceasefire talks in Geneva on Yemen.",
        },
    )
    page.wait_for_function(
        f"document.querySelector('#panel-latest li').dataset.id !== '{focused}'", timeout=3000
    )
    assert (
        page.evaluate(
            "document.activeElement.closest('li')"
            " && document.activeElement.closest('li').dataset.id"
        )
        == focused
    )
    headings = page.eval_on_selector_all("h1, h2, h3", "hs => hs.map(h => +h.tagName[1])")
    assert headings[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(headings))
    assert page.locator("[aria-live]").count() >= 2
