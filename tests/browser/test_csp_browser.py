"""The Content-Security-Policy in a real browser: no page, public or admin, breaks it.

Chromium reports a blocked inline script or style, or a blocked file, both as a console
error ("… violates the following Content Security Policy directive …") and as a
`securitypolicyviolation` event; the test listens to both on every page it opens.
"""

import pytest

from tests.browser.test_admin_browser import log_in
from tests.factories import make_actor, make_agreement, make_project, make_source

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue():
    source = make_source(key="article", title="Статья о сотрудничестве", state="published")
    russia = make_actor(key="russia", name_ru="Россия", kind="state", state="published")
    kazakhstan = make_actor(
        key="kazakhstan", name_ru="Казахстан", kind="state", country="KZ", state="published"
    )
    russia.citations.create(source=source, locator="с. 1")
    kazakhstan.citations.create(source=source, locator="с. 1")
    agreement = make_agreement(
        key="sti-1996",
        title_ru="Соглашение о научно-техническом сотрудничестве <script>alert(1)</script>",
        parties=[russia, kazakhstan],
        state="published",
    )
    agreement.citations.create(source=source, locator="с. 3", quote="<img src=x onerror=alert(1)>")
    project = make_project(key="baiterek", name_ru="Байтерек", state="published")
    project.citations.create(source=source, locator="с. 7")
    return agreement


def visit(page, path):
    response = page.goto(path, wait_until="networkidle")
    assert response.ok, f"{path}: {response.status}"


PUBLIC = [
    "/",
    "/agreements/",
    "/agreements/?q=соглашение&kind=agreement",
    "/agreements/sti-1996/",
    "/actors/",
    "/actors/russia/",
    "/projects/",
    "/projects/baiterek/",
    "/sources/",
    "/sources/article/",
    "/en/agreements/sti-1996/",
    "/data/",
    "/en/data/",
]


def test_public_pages_keep_the_policy(page, violations, catalogue):
    for path in PUBLIC:
        visit(page, path)
    assert violations == []


def test_a_missing_page_keeps_the_policy(page, violations):
    response = page.goto("/agreements/no-such-agreement/", wait_until="networkidle")
    assert response.status == 404
    assert violations == []


def test_the_admin_keeps_the_policy(page, violations, catalogue, curator):
    visit(page, "/admin/login/")
    log_in(page, curator.username)
    for path in (
        "/admin/",
        "/admin/agreements/agreement/",
        "/admin/agreements/agreement/?q=соглашение",
        f"/admin/agreements/agreement/{catalogue.pk}/change/",
        "/admin/agreements/agreement/add/",
        "/admin/actors/actor/",
        "/admin/rkst/source/",
    ):
        visit(page, path)
    # The parties' autocomplete (select2) opens its dropdown and lists actors.
    visit(page, f"/admin/agreements/agreement/{catalogue.pk}/change/")
    page.locator("#id_party_set-0-actor + .select2 .select2-selection").click()
    page.locator(".select2-results__option", has_text="Казахстан").wait_for()
    # A refused page (curators do not manage accounts) is the catalogue's own 403.
    assert page.goto("/admin/rkst/user/", wait_until="networkidle").status == 403
    assert violations == []


def test_the_history_page_keeps_the_policy(page, violations, catalogue, curator):
    log_in(page, curator.username)
    visit(page, f"/admin/agreements/agreement/{catalogue.pk}/history/")
    assert violations == []


def test_the_listener_sees_a_violation(page, violations):
    """A control: an inline script added to a page is blocked, and reported."""
    visit(page, "/")
    page.evaluate(
        """() => { const s = document.createElement("script");
        s.textContent = "window.ran = true"; document.body.append(s); }"""
    )
    for _ in range(20):
        if violations:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("window.ran") is None
    assert any("script-src" in v for v in violations)


def test_the_api_documentation_runs_under_the_policy_alone(
    page, violations, catalogue, live_server
):
    """Swagger UI draws every operation of the schema from our own files: no violation, and
    no request leaves the server."""
    outside = []
    page.on(
        "request",
        lambda request: (
            request.url.startswith(("http://", "https://"))
            and not request.url.startswith(live_server.url)
            and outside.append(request.url)
        ),
    )
    visit(page, "/api/v1/docs/")
    page.locator(
        ".swagger-ui .opblock-summary-path", has_text="/api/v1/agreements/{key}/"
    ).wait_for()
    assert page.locator(".swagger-ui .opblock").count() == 11
    # An operation opens and answers from this server.
    page.locator(".opblock-summary", has_text="/api/v1/topics/{code}/").click()
    page.get_by_role("button", name="Try it out").click()
    page.locator("input[placeholder='code']").fill("nothing")
    page.get_by_role("button", name="Execute").click()
    page.locator(".responses-table .response-col_status", has_text="404").first.wait_for()
    assert violations == []
    assert outside == []
