"""The public pages on a desktop and on a phone, in Chromium, with the seed catalogue: nothing
wider than the screen, nothing the CSP blocks, and on the phone the first result of a search
above the fold with the facets folded. Screenshots of every page are kept in tests/artifacts/
(not committed) for a person to look at."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from tests.browser.conftest import LISTEN

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(settings.BASE_DIR) / "tests" / "artifacts"
PAGES = {
    "home": "/",
    "map": "/map/",
    "network": "/network/",
    "actor": "/actors/omsk-oblast-government/",
    "search": "/agreements/?q=соглашение",
    "map-en": "/en/map/",
}
SCREENS = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def seed():
    # A transactional test before this one may leave no content types, which the editorial
    # notes' fixture names by natural key: make them, as migrate does.
    ContentType.objects.clear_cache()
    ContentType.objects.get_for_models(*apps.get_models())
    fixtures = sorted(str(path) for path in (Path(settings.BASE_DIR) / "fixtures").glob("0*.json"))
    call_command("loaddata", *fixtures, verbosity=0)


@pytest.fixture
def screen(request, browser, live_server, seed):
    width, height = SCREENS[request.param]
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}, locale="ru-RU"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    found = []
    page.expose_function("reportCspViolation", lambda text: found.append(text))
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and found.append(message.text),
    )
    yield request.param, page, found
    context.close()


@pytest.mark.parametrize("screen", list(SCREENS), indirect=True)
def test_the_public_pages_fit_the_screen_and_the_policy(screen):
    name, page, violations = screen
    ARTIFACTS.mkdir(exist_ok=True)
    for label, url in PAGES.items():
        response = page.goto(url)
        assert response.status == 200, url
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} is {overflow} px wider than the {name} screen"
        page.screenshot(path=ARTIFACTS / f"{name}-{label}.png", full_page=True)
    assert violations == []


def test_the_drawings_link_and_show_on_both_screens(browser, live_server, seed):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/map/")
    region = page.locator("svg a.region[href='/actors/omsk-oblast/']")
    assert region.is_visible()
    # A region is a link: focused and followed as a keyboard reader does.
    region.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/actors/omsk-oblast/")
    assert page.url.endswith("/actors/omsk-oblast/")
    page.goto("/network/")
    node = page.locator("svg a.node").first
    assert node.is_visible()
    href = node.get_attribute("href")
    node.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
    context.close()


def test_on_a_phone_the_first_result_comes_before_the_folded_facets(browser, live_server, seed):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/agreements/?q=соглашение&level=intergovernmental")
    facets = page.locator("details.facets-fold")
    assert facets.get_attribute("open") is None
    assert not page.locator(".facets section").first.is_visible()
    first = page.locator("ul.results > li").first.bounding_box()
    assert first["y"] + 40 < 844, f"the first result starts at {first['y']} px"
    active = page.locator("ul.active-filters").bounding_box()
    assert active["y"] < first["y"]
    # One tap opens the facets.
    page.locator("details.facets-fold > summary").click()
    assert page.locator(".facets section").first.is_visible()
    context.close()


def test_on_a_desktop_the_facets_are_open_beside_the_results(browser, live_server, seed):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto("/agreements/?q=соглашение")
    assert page.locator(".facets section").first.is_visible()
    assert not page.locator("details.facets-fold > summary").is_visible()
    context.close()


def test_every_timeline_label_is_inside_the_chart(browser, live_server, seed):
    for width in SCREENS.values():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width[0], "height": width[1]}
        )
        page = context.new_page()
        for url in ("/", "/agreements/?q=соглашение"):
            page.goto(url)
            svg = page.locator("figure.timeline svg").bounding_box()
            labels = page.locator("figure.timeline text")
            shown = 0
            for index in range(labels.count()):
                label = labels.nth(index)
                if not label.is_visible():
                    continue
                shown += 1
                box = label.bounding_box()
                assert box["x"] >= svg["x"] - 0.5, (url, width, label.text_content())
                assert box["x"] + box["width"] <= svg["x"] + svg["width"] + 0.5, (
                    url,
                    width,
                    label.text_content(),
                )
                assert box["height"] >= 10, f"{label.text_content()} is {box['height']} px high"
            assert shown >= 2, (url, width)
        context.close()
