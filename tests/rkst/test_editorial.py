"""Editorial notes and known gaps: beside their fact on the record pages, in both languages,
in the exports, on the coverage page; never a draft's; written through the admin with their
history. And the values pages show in their language: locators, units, counts, short names."""

import io
import json
import re
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import translation

from actors.models import Actor
from rkst import display
from rkst.models import EditorialNote, KnownGapLink, RecordChanged, Source
from tests.factories import (
    make_actor,
    make_agreement,
    make_gap,
    make_note,
    make_project,
    make_source,
)
from tests.forms import post_form

pytestmark = pytest.mark.django_db

PUBLIC = {"state": "published"}


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def article():
    return make_source(key="article", title="Статья", **PUBLIC)


@pytest.fixture
def agreement(article):
    moscow = make_actor(key="moscow", name_ru="Москва", kind="city", **PUBLIC)
    record = make_agreement(
        key="framework", signed="25.11.1996", signed_place=moscow, title_ru="Рамочное", **PUBLIC
    )
    for field in ("", "title_ru", "kind", "level", "signed_on", "signed_place"):
        record.citations.create(source=article, field=field, locator=f"строка {len(field)}")
    for field in ("name_ru", "kind"):
        moscow.citations.create(source=article, field=field, locator="строка 1")
    return record


@pytest.fixture
def note(agreement, article):
    note = make_note(
        agreement,
        "signed_on",
        key="signed-doubt",
        text_ru="Дата сомнительна: статья называет её дважды.",
        text_en="The date is doubtful: the article gives it twice.",
    )
    note.citations.create(source=article, locator="строки 52–54", quote="подписание 25 ноября")
    return note


def text(response):
    assert response.status_code == 200
    return re.sub(r"[ \t\r\n]+", " ", response.content.decode("utf-8-sig"))


def fact(page, label):
    """The <dd> of the fact labelled `label` on a record page."""
    match = re.search(rf"<dt>{label}</dt><dd>(.*?)</dd>", page)
    assert match, label
    return match.group(1)


def test_a_note_is_shown_beside_its_fact_in_the_pages_language(client, note):
    russian = text(client.get("/agreements/framework/"))
    signed = fact(russian, "Подписано")
    assert "Редакционная заметка" in signed
    assert "Дата сомнительна: статья называет её дважды." in signed
    assert "строки 52–54" in signed and "подписание 25 ноября" in signed
    assert "The date is doubtful" not in russian
    assert "Дата сомнительна" not in fact(russian, "Вид")

    english = text(client.get("/en/agreements/framework/"))
    signed = fact(english, "Signed")
    assert "Editorial note" in signed and "The date is doubtful" in signed
    assert "lines 52–54" in signed and "строки" not in signed
    assert "Дата сомнительна" not in english


def test_a_note_on_a_relation_is_shown_with_the_related_agreements(client, agreement, article):
    older = make_agreement(key="older", title_ru="Старое", **PUBLIC)
    older.citations.create(source=article, locator="строка 9")
    older.relations_from.create(target=agreement, type="supplements")
    make_note(older, "relations", text_ru="Оно старше рамочного.", text_en="It is older.")
    page = text(client.get("/agreements/older/"))
    related = page[page.index("Связанные соглашения") :]
    assert related.index("Рамочное") < related.index("Оно старше рамочного.")


def test_a_drafts_notes_never_appear(client, agreement, article):
    draft = make_agreement(key="draft-one", title_ru="Черновик")
    draft.citations.create(source=article, locator="строка 3")
    hidden = make_note(draft, text_ru="zzhidden note", text_en="zzhidden note")
    hidden.citations.create(source=article, locator="строка 4", quote="zzhidden quote")
    draft_source = make_source(key="draft-source", title="zzhidden source")
    make_note(draft_source, text_ru="zzhidden on source", text_en="zzhidden on source")
    # A published record's note citing a draft source shows without that citation.
    shown = make_note(agreement, text_ru="показанная заметка", text_en="shown note")
    shown.citations.create(source=draft_source, locator="zzhidden locator")
    pages = ["/agreements/", "/agreements/framework/", "/sources/article/", "/coverage/"]
    exports = [f"{u}?export={f}" for u in ("/agreements/", "/sources/") for f in ("csv", "json")]
    for url in pages + exports:
        page = text(client.get(url))
        assert "zzhidden" not in page, url
    assert "показанная заметка" in text(client.get("/agreements/framework/"))
    assert client.get("/agreements/draft-one/").status_code == 404


def test_the_exports_carry_the_public_notes_and_gaps(client, note, agreement):
    gap = make_gap(key="more-docs", description_ru="Ещё документы", description_en="More", **PUBLIC)
    gap.links.create(record=agreement, role="held")
    rows = json.loads(client.get("/agreements/", {"export": "json"}).content)
    (row,) = rows
    assert row["editorial_notes"] == [
        {
            "key": "signed-doubt",
            "field": "signed_on",
            "text_ru": "Дата сомнительна: статья называет её дважды.",
            "text_en": "The date is doubtful: the article gives it twice.",
            "citations": [
                {
                    "source": "article",
                    "locator": "строки 52–54",
                    "quote": "подписание 25 ноября",
                    "rank": "normal",
                }
            ],
        }
    ]
    assert [g["key"] for g in row["known_gaps"]] == ["more-docs"]
    english = json.loads(client.get("/en/agreements/", {"export": "json"}).content)
    assert english[0]["editorial_notes"][0]["citations"][0]["locator"] == "lines 52–54"
    assert "строка 0" in json.dumps(rows, ensure_ascii=False)
    assert "line 0" in json.dumps(english)

    csv_text = client.get("/agreements/", {"export": "csv"}).content.decode("utf-8-sig")
    header = csv_text.splitlines()[0]
    assert header.endswith("citations,editorial_notes,known_gaps")
    assert "Дата сомнительна: статья называет её дважды." in csv_text
    assert "Ещё документы" in csv_text

    from openpyxl import load_workbook

    response = client.get("/agreements/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "editorial_notes" in cells
    assert any("Дата сомнительна" in c and "строки 52–54" in c for c in cells)


def test_a_gap_is_shown_on_the_records_it_concerns_and_on_the_coverage_page(
    client, agreement, article
):
    project = make_project(key="cosmodrome", name_ru="Космодром", name_en="Cosmodrome", **PUBLIC)
    project.citations.create(source=article, field="name_ru", locator="строка 5")
    project.citations.create(source=article, field="kind", locator="строка 5")
    project.agreements.add(agreement)
    project.citations.create(source=article, field="agreements", locator="строка 6")
    draft = make_agreement(key="draft-held", title_ru="zzhidden held")
    gap = make_gap(
        key="cosmodrome-agreements",
        description_ru="По космодрому подписано более 20 соглашений.",
        description_en="More than 20 agreements were signed on the cosmodrome.",
        expected=20,
        bound="more_than",
        **PUBLIC,
    )
    gap.citations.create(source=article, field="expected", locator="строки 243–244", quote="20")
    gap.links.create(record=project, role="about", field="agreements")
    gap.links.create(record=agreement, role="held")
    gap.links.create(record=draft, role="held")

    page = text(client.get("/projects/cosmodrome/"))
    rests_on = fact(page, "Основан на соглашениях")
    assert "Известный пробел" in rests_on
    assert "По космодрому подписано более 20 соглашений." in rests_on
    assert "По источнику: более 20. В каталоге: 1." in rests_on
    assert "Известный пробел" in text(client.get("/agreements/framework/"))

    coverage = text(client.get("/coverage/"))
    entry = coverage[coverage.index('id="gap-cosmodrome-agreements"') :]
    assert "По космодрому подписано более 20 соглашений." in entry
    assert "В каталоге: 1." in entry and "строки 243–244" in entry
    assert "/projects/cosmodrome/" in entry and "/agreements/framework/" in entry
    assert "zzhidden" not in coverage
    english = text(client.get("/en/coverage/"))
    assert "More than 20 agreements were signed on the cosmodrome." in english
    assert "By the source: more than 20. In the catalogue: 1." in english
    assert "lines 243–244" in english
    gap.state = "draft"
    gap.save()
    assert "По космодрому" not in text(client.get("/coverage/"))
    assert "Известный пробел" not in text(client.get("/projects/cosmodrome/"))


def test_an_open_list_says_so(client, agreement):
    gap = make_gap(key="and-others", expected=None, bound="open", **PUBLIC)
    gap.links.create(record=agreement, role="about")
    assert "По источнику: открытый перечень («и другие»)." in text(client.get("/coverage/"))


def test_the_coverage_page_lists_an_uncited_published_fact(client, agreement, article):
    page = text(client.get("/coverage/"))
    unsourced = page[page.index("Опубликованные факты без источника") :]
    assert "Таких нет" in unsourced
    actor = make_actor(key="institute", name_ru="Институт", kind="research", **PUBLIC)
    actor.citations.create(source=article, field="name_ru", locator="строка 2")
    actor.citations.create(source=article, field="kind", locator="строка 2")
    actor.founded_on, actor.founded_on_precision = "1957-01-01", "year"
    actor.save()
    page = text(client.get("/coverage/"))
    unsourced = page[page.index("Опубликованные факты без источника") :]
    assert "Таких нет" not in unsourced
    assert re.search(r'<li><a href="/actors/institute/">Институт</a> — основан</li>', unsourced)
    assert "Рамочное" not in unsourced
    english = text(client.get("/en/coverage/"))
    assert "Organisation" in english[english.index("Published facts without a source") :]
    actor.citations.create(source=article, field="founded_on", locator="строка 2")
    assert "Таких нет" in text(client.get("/coverage/"))


def test_the_coverage_page_counts_published_records_by_kind(client, agreement, article):
    make_agreement(key="memo", kind="memorandum", **PUBLIC)
    make_agreement(key="draft-memo", kind="memorandum")
    page = text(client.get("/coverage/"))
    row = re.search(r"<th scope=\"row\">Соглашения</th><td>(\d+)</td><td>(.*?)</td>", page)
    assert row.group(1) == "2"
    assert "соглашение: 1" in row.group(2) and "меморандум: 1" in row.group(2)
    assert "Известные пробелы" in page
    assert 'href="/coverage/"' in text(client.get("/"))


def test_a_note_cannot_name_a_fact_its_record_does_not_have(agreement):
    note = EditorialNote(record=agreement, field="founded_on", text_ru="x", text_en="x")
    with pytest.raises(Exception, match="founded_on"):
        note.full_clean()
    EditorialNote(record=agreement, field="relations", text_ru="x", text_en="x").full_clean()
    source = Source.objects.get(key="article")
    EditorialNote(record=source, field="year", text_ru="x", text_en="x").full_clean()


def test_a_curator_adds_a_note_on_the_records_page_with_its_history(curator_client, agreement):
    url = f"/admin/agreements/agreement/{agreement.pk}/change/"
    page = curator_client.get(url)
    assert page.status_code == 200
    prefix = next(
        f.formset.prefix
        for f in page.context["inline_admin_formsets"]
        if f.formset.model is EditorialNote
    )
    changes = {
        "change_reason": "заметка для читателей",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-0-field": "signed_on",
        f"{prefix}-0-order": "0",
        f"{prefix}-0-text_ru": "Сомнительная дата",
        f"{prefix}-0-text_en": "A doubtful date",
    }
    response = post_form(curator_client, url, changes, form_id="agreement_form")
    assert response.status_code == 302, response.context["adminform"].form.errors
    note = EditorialNote.objects.get()
    assert (note.record, note.field, note.text_ru) == (agreement, "signed_on", "Сомнительная дата")
    history = note.history.get()
    assert history.history_user.username == "curator"
    assert history.history_change_reason == "заметка для читателей"
    # The note's own page edits its citations; notes are added on their record's page.
    own = curator_client.get(f"/admin/rkst/editorialnote/{note.pk}/change/")
    assert own.status_code == 200 and "Источники редакционных заметок" in own.content.decode()
    assert curator_client.get("/admin/rkst/editorialnote/add/").status_code == 403
    record_history = curator_client.get(f"/admin/agreements/agreement/{agreement.pk}/history/")
    record_history = record_history.content.decode()
    assert "Редакционные заметки" in record_history and note.key in record_history


def test_the_gap_admin_lists_the_records_it_concerns(curator_client, agreement):
    gap = make_gap(key="docs")
    KnownGapLink.objects.create(gap=gap, record=agreement, role="held")
    page = curator_client.get(f"/admin/rkst/knowngap/{gap.pk}/change/").content.decode()
    assert f"/admin/agreements/agreement/{agreement.pk}/change/" in page
    assert "одна из них, есть в каталоге" in page


# --- values in the page's language ----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "stored", "shown"),
    [
        ("ru", "строки 52–54", "строки 52–54"),
        ("en", "строки 52–54", "lines 52–54"),
        ("en", "строка 7", "line 7"),
        ("en", "с. 161–162", "pp. 161–162"),
        ("en", "с. 31", "p. 31"),
        ("en", "заглавие", "title"),
        ("en", "ст. 5, п. 3", "art. 5, para. 3"),
        ("en", "раздел II", "раздел II"),
    ],
)
def test_a_locator_is_shown_in_the_language_of_the_page(language, stored, shown):
    assert display.locator(stored, language) == shown


@pytest.mark.parametrize(
    ("language", "value", "unit", "shown"),
    [
        ("ru", "9447.000", "km", "9\xa0447\xa0км"),
        ("en", "9447.000", "km", "9,447\xa0km"),
        ("ru", "1000000", "t/year", "1\xa0000\xa0000\xa0т/год"),
        ("en", "1000000", "t/year", "1,000,000\xa0t/year"),
        ("ru", "20", "documents", "20\xa0документов"),
        ("ru", "21", "documents", "21\xa0документ"),
        ("ru", "3", "documents", "3\xa0документа"),
        ("en", "20", "documents", "20\xa0documents"),
        ("en", "1", "documents", "1\xa0document"),
        ("ru", "115000000", "USD", "115\xa0000\xa0000\xa0USD"),
    ],
)
def test_a_figure_is_shown_in_the_language_of_the_page(language, value, unit, shown):
    with translation.override(language):
        assert display.figure(Decimal(value), unit) == shown


def test_project_pages_show_figures_in_their_language(client, article):
    railway = make_project(key="railway", name_ru="Дорога", name_en="Railway", **PUBLIC)
    railway.citations.create(source=article, locator="строка 8")
    railway.figures.create(measure="length", label_ru="Длина", label_en="Length",
                           value=Decimal("9447"), unit="km")  # fmt: skip
    for url in ("/projects/railway/", "/projects/"):
        russian = text(client.get(url))
        assert "9\xa0447\xa0км" in russian and " km" not in russian
        english = text(client.get(f"/en{url}"))
        assert "9,447\xa0km" in english and "км" not in english


def test_a_list_row_names_an_actor_in_the_pages_language(client, article):
    government = make_actor(
        key="government-kz",
        name_ru="Правительство Республики Казахстан",
        name_en="Government of the Republic of Kazakhstan",
        short_name_ru="",
        short_name_en="Kazakh Government",
        kind="government",
        country=Actor.Country.KZ,
        **PUBLIC,
    )
    agreement = make_agreement([government], key="pact", **PUBLIC)
    agreement.citations.create(source=article, locator="строка 1")
    russian = text(client.get("/agreements/"))
    assert "Правительство Республики Казахстан" in russian
    assert "Kazakh Government" not in russian
    assert "Kazakh Government" in text(client.get("/en/agreements/"))
    government.name_ru = ""
    with translation.override("ru"):
        assert government.short_name() == "Kazakh Government"


def test_a_note_saved_from_an_outdated_copy_is_refused(note):
    first, second = (EditorialNote.objects.get(pk=note.pk) for _ in range(2))
    first.text_en = "Checked again."
    first.save()
    second.text_en = "An older edit."
    with pytest.raises(RecordChanged), transaction.atomic():
        second.save()
    note.refresh_from_db()
    assert note.text_en == "Checked again." and note.history.count() == 2


def test_the_api_gives_a_records_notes_and_gaps(client, note, agreement):
    gap = make_gap(key="more-docs", description_ru="Ещё документы", description_en="More", **PUBLIC)
    gap.links.create(record=agreement, role="held")
    make_gap(key="draft-gap", description_ru="zzhidden").links.create(record=agreement)
    detail = client.get("/api/v1/agreements/framework/").json()
    (listed,) = client.get("/api/v1/agreements/").json()["results"]
    for data in (detail, listed):
        (given,) = data["editorial_notes"]
        assert (given["key"], given["field"]) == ("signed-doubt", "signed_on")
        assert given["text_en"] == "The date is doubtful: the article gives it twice."
        assert given["citations"][0]["quote"] == "подписание 25 ноября"
        assert [(g["key"], g["role"], g["bound"]) for g in data["known_gaps"]] == [
            ("more-docs", "held", "more_than")
        ]
    assert client.get("/api/v1/actors/moscow/").json()["editorial_notes"] == []
