"""Every public page in Kazakh, with the seed catalogue loaded: no English interface word left.

The visible text of each page (and the attributes a reader meets: titles, labels,
placeholders) is collected; the records' own contents, which have no Kazakh form yet (names,
titles, quotes, bibliographic records come from the records), are struck out; what remains
must hold none of the English words of the interface's messages.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models, transaction
from django.utils import translation

FIXTURES = sorted(str(p) for p in (Path(settings.BASE_DIR) / "fixtures").glob("0*.json"))
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "kk" / "LC_MESSAGES" / "django.po"
# Latin words the Kazakh interface keeps: names of formats, standards, services and tools.
KEPT = {
    "atom",
    "csv",
    "xlsx",
    "json",
    "gexf",
    "wikidata",
    "gephi",
    "frictionless",
    "natural",
    "earth",
    "data",
    "package",
    "table",
    "schema",
    "datapackage",
    "readme",
    "zip",
    "doi",
    "url",
    "iso",
    "sha",
    "sha256sums",
    "http",
    "https",
    "html",
    "utf",
    "windows",
    "excel",
    "unit",
    "api",
    "openapi",
    "русский",  # the switch names each language in itself
    "english",  # the switch names each language in itself
}
ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
# Not read as interface: scripts, and the machine formats of "cite this record" (BibTeX, RIS,
# CSL-JSON), whose field names are the formats' own.
HIDDEN = {"script", "style", "template", "pre"}


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.hidden += 1
        attrs = dict(attrs)
        shown = ATTRIBUTES | ({"value"} if attrs.get("type") in ("submit", "button") else set())
        self.parts += [value for name, value in attrs.items() if name in shown and value]

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def interface_words():
    """The English words of the project's messages (their msgids), but for those kept."""
    words = set()
    for entry in polib.pofile(str(CATALOGUE)):
        text = re.sub(r"%\(\w+\)s|\{\w*\}|<[^>]+>", " ", f"{entry.msgid} {entry.msgid_plural}")
        words |= {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}
    return words - KEPT


def russian_words():
    """The Russian words of the interface that Kazakh does not share: a message missing from
    the Kazakh catalogue falls back to Russian, the default language."""

    def words(path):
        found = set()
        for entry in polib.pofile(str(path)):
            for text in [entry.msgstr, *entry.msgstr_plural.values()]:
                text = re.sub(r"%\(\w+\)s|\{\w*\}|<[^>]+>", " ", text)
                found |= {w.lower() for w in re.findall(r"[а-яё]{4,}", text, re.IGNORECASE)}
        return found

    return words(CATALOGUE.parents[2] / "ru" / "LC_MESSAGES" / "django.po") - words(CATALOGUE)


def record_texts():
    """Every text stored in a record of the catalogue, longest first."""
    texts = set()
    for label in ("rkst", "actors", "agreements"):
        for model in apps.get_app_config(label).get_models():
            fields = [
                f.name
                for f in model._meta.concrete_fields
                if isinstance(f, (models.CharField, models.TextField, models.URLField))
            ]
            for row in model.objects.values_list(*fields):
                for value in row:
                    if isinstance(value, str):
                        # A text shown with its line breaks is struck out line by line.
                        texts |= {value, *value.splitlines()} - {""}
    return sorted(texts, key=len, reverse=True)


@pytest.fixture(scope="module")
def seed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        call_command("loaddata", *FIXTURES, verbosity=0)
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def public_pages():
    from actors.models import Actor
    from agreements.models import Agreement, Project
    from rkst.models import Source

    pages = ["/kk/", "/kk/agreements/", "/kk/actors/", "/kk/projects/", "/kk/sources/"]
    pages += ["/kk/coverage/", "/kk/map/", "/kk/network/", "/kk/data/"]
    pages += ["/kk/agreements/?kind=memorandum&level=interregional&sort=signed"]
    for model, prefix in (
        (Agreement, "agreements"),
        (Actor, "actors"),
        (Project, "projects"),
        (Source, "sources"),
    ):
        for key in model.objects.public().order_by("key").values_list("key", flat=True)[:3]:
            pages.append(f"/kk/{prefix}/{key}/")
    first = Agreement.objects.public().order_by("key").values_list("key", flat=True)[0]
    pages.append(f"/kk/agreements/{first}/v1/")  # an agreement's first public version
    return pages


@pytest.mark.django_db
def test_every_public_page_in_kazakh_leaves_no_english_interface_word(client, seed):
    english, russian = interface_words(), russian_words() - KEPT
    stored = record_texts()
    left = {}
    with translation.override("kk"):
        pages = public_pages()
    for url in pages + ["/kk/no-such-page/"]:
        response = client.get(url)
        assert response.status_code == (404 if "no-such" in url else 200), url
        text = visible_text(response.content.decode())
        for value in stored:
            text = text.replace(value, " ")
        text = re.sub(r"(?:\S+ ){0,3}\S*…", " ", text)  # names the drawings shorten
        # Addresses, paths, file names and commands are no words of the interface.
        tokens = [t.strip(".,:;()«»“”\"'") for t in text.split()]
        tokens = [t for t in tokens if not re.search(r"[/@\d_]|\w\.\w", t)]
        words = {w.lower() for t in tokens for w in re.findall(r"[A-Za-z]{3,}", t)} & english
        words |= {w.lower() for w in re.findall(r"[а-яё]{4,}", text, re.IGNORECASE)} & russian
        if words:
            left[url] = sorted(words)
    assert left == {}, "\n".join(f"{u}: {w}" for u, w in left.items())


@pytest.mark.django_db
def test_the_feeds_speak_kazakh(client, seed):
    for url in ("/kk/feed/", "/kk/agreements/feed/"):
        feed = client.get(url).content.decode()
        assert "РҚҒТЫ каталогы" in feed, url
        assert "RKST catalogue" not in feed and "Каталог РКНТС" not in feed, url
