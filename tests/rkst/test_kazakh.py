"""The Kazakh interface at /kk/: the language switch, Kazakh dates and numbers, the admin."""

import datetime
from urllib.parse import quote

import pytest
from django import forms
from django.utils import translation
from django.utils.formats import number_format

from rkst.dates import PartialDate
from tests.factories import make_actor, make_agreement, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def kazakh():
    with translation.override("kk"):
        yield


@pytest.fixture
def agreement():
    russia = make_actor(key="russia", name_ru="Российская Федерация", kind="state", country="RU")
    kazakhstan = make_actor(
        key="kazakhstan", name_ru="Республика Казахстан", kind="state", country="KZ"
    )
    for actor in (russia, kazakhstan):
        actor.state = "published"
        actor.save()
    agreement = make_agreement(
        title_ru="Меморандум о сотрудничестве",
        key="memo-1998",
        kind="memorandum",
        parties=[russia, kazakhstan],
        signed="06.07.1998",
        state="published",
    )
    source = make_source(state="published", key="article", title="Статья")
    agreement.citations.create(source=source, field="signed_on", locator="с. 3", quote="06.07.1998")
    return agreement


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1998-07-06", "1998 ж. 6 шілде"), ("1998-07", "1998 ж. шілде"), ("1998", "1998")],
)
def test_partial_dates_read_year_first_in_kazakh(kazakh, value, expected):
    assert PartialDate.parse(value).display() == expected


def test_russian_and_english_dates_keep_their_forms():
    date = PartialDate.parse("1998-07-06")
    assert date.display() == "6 июля 1998"
    with translation.override("en"):
        assert date.display() == "6 July 1998"
        assert PartialDate.parse("1998-07").display() == "July 1998"


def test_kazakh_numbers_use_a_decimal_comma_and_space_thousands(kazakh):
    assert number_format(7512.8, 1, force_grouping=True) == "7\xa0512,8"


def test_kazakh_date_input_is_day_first(kazakh):
    field = forms.DateField()
    assert field.clean("06.07.1998") == datetime.date(1998, 7, 6)
    assert field.clean("1998-07-06") == datetime.date(1998, 7, 6)


def test_the_kazakh_detail_page_shows_kazakh_dates_and_labels(client, agreement):
    page = client.get("/kk/agreements/memo-1998/").content.decode()
    assert '<html lang="kk">' in page
    assert "1998 ж. 6 шілде" in page
    assert "Қол қойылған" in page  # "Signed"
    assert "Signed" not in page and "Подписано" not in page


def test_the_switch_offers_the_two_other_languages_with_the_filters(client, agreement):
    page = client.get("/kk/agreements/", {"kind": "memorandum", "q": "сотрудничество"})
    html = page.content.decode()
    query = "?kind=memorandum&amp;q=" + quote("сотрудничество")
    assert f'href="/agreements/{query}" hreflang="ru"' in html
    assert f'href="/en/agreements/{query}" hreflang="en"' in html
    assert 'hreflang="kk"' not in html.split("<body>")[1]  # no link to the page itself
    assert [a.title_ru for a in page.context["page"].object_list] == ["Меморандум о сотрудничестве"]


def test_russian_and_english_pages_link_to_the_kazakh_one(client, agreement):
    for prefix in ("", "/en"):
        html = client.get(f"{prefix}/agreements/", {"kind": "memorandum"}).content.decode()
        assert 'href="/kk/agreements/?kind=memorandum" hreflang="kk" lang="kk">Қазақша</a>' in html
        assert '<link rel="alternate" hreflang="kk" href="http://testserver/kk/agreements/' in html


def test_the_sitemap_gives_the_kazakh_alternate(client, agreement):
    page = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/kk/agreements/memo-1998/" in page
    assert 'hreflang="kk"' in page


def test_the_admin_speaks_kazakh_at_kk(curator_client):
    page = curator_client.get("/kk/admin/").content.decode()
    assert '<html lang="kk"' in page
    assert "Сайтты ашу" in page  # "View site", missing from Django's own Kazakh
    assert "View site" not in page


def test_cite_this_record_writes_its_notes_in_kazakh(client, agreement):
    page = client.get("/kk/agreements/memo-1998/").content.decode()
    assert "Ресей–Қазақстан ғылыми-техникалық ынтымақтастығының каталогы" in page
    assert "қаралған күні:" in page and "Жаңартылған күні:" in page
    assert "дата обращения" not in page
