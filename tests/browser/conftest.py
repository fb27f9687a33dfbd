"""Browser tests: Playwright drives Debian's Chromium (Playwright's own builds cannot be
downloaded here) against pytest-django's live server."""

import os
import re
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django must allow ORM calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `apt-get install chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# Chromium reports a blocked inline script or style, or a blocked file, both as a console error
# and as a `securitypolicyviolation` event: the `violations` fixture listens to both.
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} on ${document.location.pathname}`
  );
});
"""


@pytest.fixture
def violations(page):
    found = []
    page.expose_function("reportCspViolation", lambda text: found.append(text))
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text
            and found.append(f"console: {message.text} on {page.url}")
        ),
    )
    # Curated text carries script payloads: a dialog would mean one ran.
    page.on("dialog", lambda dialog: found.append(f"dialog: {dialog.message}") or dialog.dismiss())
    return found


# English interface words that must not show on a page served in Russian. Whole words, matched
# case-sensitively, so "Go" does not match "Google" and "No" does not match "Nord".
ENGLISH_WORDS = (
    "Add", "Save", "Delete", "Import", "Export", "History", "Preview", "Confirm", "Draft",
    "Published", "Search", "Filter", "View on site", "Change", "Select", "Action", "Go", "Yes",
    "No", "Home", "Log out", "Welcome", "Cancel", "Close", "Back", "Sheet", "File", "Rows",
    "Records", "Show all", "Clear", "Run", "Submit", "Undo", "Create", "Update", "Edit",
    "Remove", "Reason", "Comment", "State", "Status", "Title", "Name", "Key", "Date", "User",
    "row", "rows", "column", "columns", "record", "records", "field", "fields", "value",
    "values", "problem", "action", "key", "heading", "example", "unchanged", "created",
    "updated", "draft", "published", "none", "None",
)  # fmt: skip
# innerText applies the admin's text-transform: "View on site" reads "VIEW ON SITE".
_ENGLISH = re.compile(
    "|".join(
        rf"(?<![\w-]){re.escape(word)}(?![\w-])"
        for word in {*ENGLISH_WORDS, *(w.upper() for w in ENGLISH_WORDS if len(w) > 2)}
    )
)

# Addresses, and a column's code in brackets after its Russian heading: "Ключ (key)".
_CODES = re.compile(r"\b(?:https?://|www\.)\S+|(?<=[А-Яа-яЁё)] )\([a-z0-9_]+\)")
# The visible text, less codes (a sheet's column names, keys) shown in <code>.
VISIBLE_TEXT = """() => {
  const codes = [...document.querySelectorAll("code, kbd, samp")];
  codes.forEach((code) => { code.hidden = true; });
  const text = document.body.innerText;
  codes.forEach((code) => { code.hidden = false; });
  return text;
}"""


def untranslated(page, own=()):
    """The English interface words in the visible text of `page`, each with the text around
    it, after the texts in `own` (what the test itself wrote, Latin names and codes) are taken
    out."""
    page.wait_for_load_state()
    text = _CODES.sub(" ", page.evaluate(VISIBLE_TEXT))
    for words in sorted(own, key=len, reverse=True):
        text = text.replace(words, " ")
    return {m.group(): text[max(0, m.start() - 30) : m.end() + 30] for m in _ENGLISH.finditer(text)}


def assert_translated(page, own=()):
    found = untranslated(page, own)
    assert found == {}, f"{page.url} shows untranslated words: {found}"
