"""The agreements and citations sheets: every accepted form of every value, every error by its
text, all or nothing, idempotence, the round trip through the export, undo, the admin flow."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from actors.models import ActorAlias, ActorCitation
from agreements.models import Agreement, AgreementCitation, AgreementParty
from rkst import imports
from rkst.dates import PartialDate
from rkst.models import ImportBatch, ImportRow
from tests.factories import (
    connection_lost,
    make_actor,
    make_agreement,
    make_source,
    make_topic,
)
from tests.sheets import check, csv_bytes, load, ods, xlsx

pytestmark = pytest.mark.django_db

HEADER = [
    "key", "title_ru", "title_en", "kind", "level", "signed_on", "signed_place", "parties",
    "organisation", "topics", "status", "summary_ru", "summary_en", "source", "locator", "quote",
]  # fmt: skip


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    russia = make_actor(key="russia", kind="state", country="RU", name_ru="Россия",
                        name_en="Russia")  # fmt: skip
    kazakhstan = make_actor(key="kazakhstan", kind="state", country="KZ", name_ru="Казахстан",
                            name_en="Kazakhstan")  # fmt: skip
    kaznu = make_actor(key="kaznu", kind="university", country="KZ",
                       name_ru="Казахский национальный университет", name_en="KazNU")  # fmt: skip
    ActorAlias.objects.create(actor=kaznu, name="КазНУ им. аль-Фараби", kind="short")
    make_actor(key="orel", kind="city", country="RU", name_ru="Орёл", name_en="Oryol")
    make_actor(key="moscow", kind="city", country="RU", name_ru="Москва", name_en="Moscow")
    make_actor(key="cis", kind="organisation", country="intl", name_ru="Содружество "
               "Независимых Государств", short_name_ru="СНГ", name_en="CIS")  # fmt: skip
    make_source(key="article", title="Статья о сотрудничестве", state="published")
    make_topic(code="space", name_ru="Космос", name_en="Space")
    make_topic(code="energy", name_ru="Энергетика", name_en="Energy")
    return {"russia": russia, "kazakhstan": kazakhstan, "kaznu": kaznu}


def row(**values):
    base = {
        "key": "",
        "title_ru": "Соглашение о науке",
        "kind": "agreement",
        "level": "intergovernmental",
        "parties": "russia; kazakhstan",
    }
    base.update(values)
    return [base.get(column, "") for column in HEADER]


def sheet(*rows):
    return xlsx([HEADER, *rows])


def problems(report):
    return [(p["row"], p["column"], p["value"], p["message"]) for p in report.problems]


def english(function, *args, **kwargs):
    with translation.override("en"):
        return function(*args, **kwargs)


# Accepted values ---------------------------------------------------------------------------


def test_it_creates_an_agreement_with_its_parties_topics_and_citation(world, curator):
    content = sheet(
        row(
            key="ru-kz-1996",
            title_en="Agreement on science",
            signed_on="25.11.1996",
            signed_place="Москва",
            topics="space; Энергетика",
            status="in force",
            summary_ru="Кратко",
            source="article",
            locator="с. 161",
            quote="«Соглашение подписано…»",
        )
    )
    batch, report = load("agreements", content, user=curator)
    assert report.counts == {"create": 1}
    agreement = Agreement.objects.get(key="ru-kz-1996")
    assert agreement.title_en == "Agreement on science"
    assert agreement.signed == PartialDate(datetime.date(1996, 11, 25), "day")
    assert agreement.signed_place.key == "moscow"
    assert agreement.status == "in_force"
    assert agreement.state == "draft"
    assert list(agreement.party_set.values_list("actor__key", "side", "order")) == [
        ("russia", "RU", 0),
        ("kazakhstan", "KZ", 1),
    ]
    assert sorted(agreement.topics.values_list("code", flat=True)) == ["energy", "space"]
    citation = agreement.citations.get()
    assert (citation.source.key, citation.locator, citation.quote) == (
        "article",
        "с. 161",
        "«Соглашение подписано…»",
    )
    assert citation.added_by == curator
    history = agreement.history.get()
    assert history.history_user == curator
    with translation.override("en"):
        assert imports.Sheet().reason(batch, 2) == (
            f"Imported from “sheet.xlsx”, row 2 (import #{batch.pk})"
        )
    assert str(batch.pk) in history.history_change_reason
    assert list(history.topics.values_list("topic__code", flat=True).order_by("topic__code")) == [
        "energy",
        "space",
    ]
    assert batch.created == 1 and batch.status == "imported"
    assert ImportRow.objects.filter(batch=batch, row_number=2, action="create").exists()


@pytest.mark.parametrize(
    "column, written, stored",
    [
        ("kind", "memorandum", "memorandum"),
        ("kind", "MEMORANDUM", "memorandum"),
        ("kind", "Меморандум", "memorandum"),
        ("kind", "  меморандум ", "memorandum"),
        ("level", "Межправительственный", "intergovernmental"),
        ("level", "INTERGOVERNMENTAL", "intergovernmental"),
        ("level", "inter-academy and inter-university", "interacademy"),
        ("level", "национальный", "national"),
        ("level", "National", "national"),
        ("kind", "контракт", "contract"),
        ("kind", "Контракт (договор)", "contract"),
        ("kind", "договор", "treaty"),
        ("status", "действует", "in_force"),
        ("status", "In Force", "in_force"),
        ("status", "in_force", "in_force"),
        ("status", "", "unknown"),
    ],
)
def test_it_reads_a_choice_as_code_or_label_in_any_case(world, column, written, stored):
    load("agreements", sheet(row(key="a", **{column: written})))
    assert getattr(Agreement.objects.get(key="a"), column) == stored


@pytest.mark.parametrize(
    "written, iso",
    [
        ("25.11.1996", "1996-11-25"),
        ("1996-11-25", "1996-11-25"),
        ("11.1996", "1996-11"),
        ("1996-11", "1996-11"),
        ("1996", "1996"),
        (1996, "1996"),
        (datetime.datetime(1996, 11, 25), "1996-11-25"),
    ],
)
def test_it_reads_each_form_of_a_date(world, written, iso):
    load("agreements", sheet(row(key="a", signed_on=written)))
    assert Agreement.objects.get(key="a").signed.iso() == iso


@pytest.mark.parametrize(
    "number_format, iso",
    [
        ("dd.mm.yyyy", "1996-11-25"),
        ("mm.yyyy", "1996-11"),
        ("yyyy", "1996"),
        ("mmmm yyyy", "1996-11"),
    ],
)
def test_a_date_cell_keeps_the_precision_of_its_format(world, number_format, iso):
    content = xlsx(
        [HEADER, row(key="a", signed_on=datetime.datetime(1996, 11, 25))],
        number_formats={(2, HEADER.index("signed_on") + 1): number_format},
    )
    load("agreements", content)
    assert Agreement.objects.get(key="a").signed.iso() == iso


@pytest.mark.parametrize(
    "parties",
    [
        "russia; kaznu",
        "Россия;Казахский национальный университет",
        "RUSSIA ; kazNU",
        "  россия  ;  казахский   национальный университет ",
        "Russia; КазНУ им. аль-Фараби",
        "Russia; казну им аль фараби",
    ],
)
def test_it_finds_parties_by_key_name_or_alias_ignoring_case_and_spaces(world, parties):
    load("agreements", sheet(row(key="a", parties=parties)))
    agreement = Agreement.objects.get(key="a")
    assert list(agreement.party_set.values_list("actor__key", flat=True)) == ["russia", "kaznu"]


def test_it_reads_yo_as_ye_in_names(world):
    load("agreements", sheet(row(key="a", signed_place="Орел"), row(key="b", signed_place="ОРЁЛ")))
    assert set(Agreement.objects.values_list("signed_place__key", flat=True)) == {"orel"}


def test_it_finds_the_organisation_by_its_short_name(world):
    load("agreements", sheet(row(key="a", organisation="снг", level="multilateral")))
    agreement = Agreement.objects.get(key="a")
    assert agreement.organisation.key == "cis"


def test_a_missing_key_is_made_from_the_title_and_the_date(world):
    load("agreements", sheet(row(title_ru="Меморандум о космосе", signed_on="07.2001")))
    assert Agreement.objects.get().key == "memorandum-o-kosmose-2001-07"


# Errors, each asserted by its text ----------------------------------------------------------


def assert_problem(content, expected, sheet_name="agreements"):
    report = english(check, sheet_name, content)
    assert not report.ok
    assert expected in problems(report), problems(report)


def test_an_unknown_party_is_an_error_naming_the_closest_candidates(world):
    assert_problem(
        sheet(row(parties="Росия; Kazakhstan")),
        (2, "parties", "Росия; Kazakhstan",
         "“Росия” matches no record (actor). Closest: Россия (russia)."),
    )  # fmt: skip


def test_an_unknown_name_is_never_dropped_silently(world):
    # django-import-export's ManyToManyWidget would import one party here and say nothing.
    report = english(
        check, "agreements", sheet(row(parties="КазНУ им. аль-Фараби; НЕСУЩЕСТВУЮЩИЙ"))
    )
    assert problems(report) == [
        (2, "parties", "КазНУ им. аль-Фараби; НЕСУЩЕСТВУЮЩИЙ",
         "“НЕСУЩЕСТВУЮЩИЙ” matches no record (actor), nor anything close."),
    ]  # fmt: skip


def test_a_name_of_two_records_is_an_error_asking_for_the_key(world):
    make_actor(key="other-kaznu", name_ru="КазНУ", country="KZ")
    ActorAlias.objects.create(actor=world["kaznu"], name="КазНУ", kind="acronym")
    assert_problem(
        sheet(row(parties="russia; казну")),
        (2, "parties", "russia; казну",
         "“казну” matches several records (actor): Казахский национальный университет (kaznu); "
         "КазНУ (other-kaznu). Write the key."),
    )  # fmt: skip


def test_a_party_named_twice_is_an_error(world):
    assert_problem(
        sheet(row(parties="russia; Россия")),
        (2, "parties", "russia; Россия", "“Россия” is named twice."),
    )


def test_an_unknown_kind_is_an_error_listing_the_choices(world):
    report = english(check, "agreements", sheet(row(kind="договорчик")))
    ((number, column, value, message),) = problems(report)
    assert (number, column, value) == (2, "kind", "договорчик")
    assert message.startswith("“договорчик” is not one of: treaty (treaty), agreement (agreement)")


def test_a_bad_date_is_an_error(world):
    assert_problem(
        sheet(row(signed_on="31.02.2001")),
        (2, "signed_on", "31.02.2001", "“31.02.2001”: this month has no day 31."),
    )
    assert_problem(
        sheet(row(signed_on="весной 2001")),
        (2, "signed_on", "весной 2001",
         "“весной 2001” is not a date: write 1996, 11.1996 or 25.11.1996."),
    )  # fmt: skip


def test_a_key_used_twice_is_an_error(world):
    assert_problem(
        sheet(row(key="a"), row(key="A")),
        (3, "key", "a", "The key “a” is already used by row 2."),
    )


def test_two_rows_with_the_same_title_and_date_need_keys(world):
    assert_problem(
        sheet(row(signed_on="1996"), row(signed_on="1996")),
        (3, "key", "soglashenie-o-nauke-1996",
         "The key “soglashenie-o-nauke-1996” is already used by row 2."),
    )  # fmt: skip


def test_a_bad_key_is_an_error(world):
    assert_problem(
        sheet(row(key="ключ с пробелами")),
        (2, "key", "ключ с пробелами",
         "A key is lowercase Latin letters and digits joined by single hyphens."),
    )  # fmt: skip


def test_a_row_without_title_is_an_error(world):
    assert_problem(
        sheet(row(key="a", title_ru="")), (2, "title_ru", "", "This field cannot be blank.")
    )
    assert_problem(
        sheet(row(title_ru="")), (2, "key", "", "Give a key, or the title a key is made from.")
    )


def test_a_locator_without_a_source_is_an_error(world):
    assert_problem(
        sheet(row(locator="с. 5")),
        (2, "source", "", "Name the source of the locator and the quote."),
    )


def test_an_unknown_source_is_an_error(world):
    assert_problem(
        sheet(row(source="artikle")),
        (2, "source", "artikle",
         "“artikle” matches no record (source). Closest: Статья о сотрудничестве (article)."),
    )  # fmt: skip


def test_the_model_rules_are_errors_of_their_column(world):
    assert_problem(
        sheet(row(signed_place="kaznu")),
        (2, "signed_place", "kaznu", "The place of signing is a city, a region or a state."),
    )
    assert_problem(
        sheet(row(organisation="russia")),
        (2, "organisation", "russia", "The framework must be an international organisation."),
    )
    assert_problem(
        sheet(row(status="expired")),
        (2, "status", "expired", "An expired or terminated agreement needs its end date."),
    )


def test_a_formula_is_an_error(world):
    content = sheet(row(title_en="=CONCAT(A1, B1)"))
    assert_problem(
        content,
        (2, "title_en", "=CONCAT(A1, B1)",
         "The cell holds a formula (=CONCAT(A1, B1)): put its value instead."),
    )  # fmt: skip


def test_the_errors_are_in_russian_for_a_russian_curator(world):
    report = check("agreements", sheet(row(key="a", title_ru="")))
    assert problems(report) == [(2, "title_ru", "", "Это поле не может быть пустым.")]


# All or nothing ------------------------------------------------------------------------------


def test_a_bad_row_at_the_end_of_a_long_file_writes_nothing(world):
    rows = [row(key=f"a-{n}", signed_on="2001") for n in range(4500)]
    rows.append(row(key="last", parties="russia; nobody-at-all"))
    batch = imports.new_batch("agreements", "long.xlsx", io.BytesIO(sheet(*rows)))
    report = imports.confirm(batch)
    assert not report.ok
    assert report.rows_total == 4501
    assert [p["row"] for p in report.problems] == [4502]
    assert Agreement.objects.count() == 0
    assert AgreementParty.objects.count() == 0
    assert Agreement.history.count() == 0
    batch.refresh_from_db()
    assert batch.status == "preview" and not batch.rows.exists()


def test_a_row_made_bad_between_preview_and_confirm_writes_nothing(world, curator_client, curator):
    content = sheet(row(key="a"), row(key="b", parties="russia; kaznu"))
    url = reverse("admin:rkst_importbatch_upload")
    response = curator_client.post(
        url, {"sheet": "agreements", "file": named(content, "list.xlsx")}, follow=True
    )
    assert response.status_code == 200
    assert 'id="confirm_form"' in response.content.decode()
    # Someone renames the university's key and removes its other name meanwhile.
    kaznu = world["kaznu"]
    kaznu.key, kaznu.name_ru, kaznu.name_en = "al-farabi", "Университет аль-Фараби", ""
    kaznu.save()
    kaznu.aliases.all().delete()
    batch = ImportBatch.objects.get()
    response = curator_client.post(
        reverse("admin:rkst_importbatch_preview", args=[batch.pk]), follow=True
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ничего не записано: в файле теперь есть ошибки (они перечислены ниже)." in page
    assert "kaznu" in page and 'id="problems"' in page
    assert Agreement.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == "preview"
    assert batch.report["problems"][0]["row"] == 3


def admin_shutdown_in_copy():
    """What psycopg's COPY raises, unwrapped, when the session is terminated."""
    import psycopg

    return psycopg.errors.lookup("57P01")("terminating connection due to administrator command")


@pytest.mark.parametrize(
    "error",
    [
        lambda: connection_lost("terminating connection due to administrator command", "57P01"),
        admin_shutdown_in_copy,
    ],
    ids=["in a query", "in COPY"],
)
def test_a_connection_lost_during_the_confirmation_writes_nothing_and_says_so(
    world, curator_client, monkeypatch, error
):
    content = sheet(row(key="a", parties="russia"), row(key="b"))
    curator_client.post(
        reverse("admin:rkst_importbatch_upload"),
        {"sheet": "agreements", "file": named(content, "list.xlsx")},
    )
    batch = ImportBatch.objects.get()

    def lost(*args, **kwargs):
        # After the agreements and their parties are written, before the batch's rows.
        assert Agreement.objects.filter(key__in=["a", "b"]).count() == 2
        raise error()

    monkeypatch.setattr(imports.writing, "note_rows", lost)
    confirm = reverse("admin:rkst_importbatch_preview", args=[batch.pk])
    response = curator_client.post(confirm, follow=True)
    message = (
        "Соединение с базой данных прервалось во время импорта, поэтому ничего не записано. "
        "Подтвердите импорт ещё раз."
    )
    assert response.redirect_chain == [
        (reverse("admin:rkst_importbatch_change", args=[batch.pk]), 302)
    ]
    assert message in response.content.decode()
    page = curator_client.get(confirm).content.decode()
    assert message in page and 'id="confirm_form"' in page
    assert Agreement.objects.count() == 0 and AgreementParty.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == "preview"


@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_after_the_commit_keeps_the_import_and_renews_the_caches(
    world, editor, editor_client, monkeypatch
):
    from rkst.models import CatalogueVersion

    for actor in world.values():
        actor.state = "published"
        actor.save()
    before = CatalogueVersion.current()
    content = sheet(row(key="a", parties="russia", source="article"))
    editor_client.post(
        reverse("admin:rkst_importbatch_upload"),
        {"sheet": "agreements", "file": named(content, "list.xlsx"), "publish": "on"},
    )
    batch = ImportBatch.objects.get()
    increment = CatalogueVersion._increment.__func__
    failures = []

    def answer_lost(cls):
        # The first renewal, run once the batch has committed, finds the connection gone.
        if not failures:
            failures.append(1)
            raise connection_lost()
        increment(cls)

    monkeypatch.setattr(CatalogueVersion, "_increment", classmethod(answer_lost))
    confirm = reverse("admin:rkst_importbatch_preview", args=[batch.pk])
    response = editor_client.post(confirm, follow=True)
    assert failures == [1]
    assert "Файл «list.xlsx» импортирован: создано — 1" in response.content.decode()
    assert Agreement.objects.get(key="a").state == "published"
    assert CatalogueVersion.current() > before


def named(content, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


# Idempotence, changes, round trip -------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(world):
    content = sheet(
        row(key="a", signed_on="1996", topics="space", source="article", locator="с. 5", quote="…"),
        row(title_ru="Протокол", signed_on="11.2001", parties="Казахстан; Россия"),
    )
    load("agreements", content)
    histories = Agreement.history.count(), AgreementParty.history.count()
    batch, report = load("agreements", content)
    assert report.counts == {"unchanged": 2}
    assert (Agreement.history.count(), AgreementParty.history.count()) == histories
    assert AgreementCitation.objects.count() == 1
    assert batch.created == batch.updated == 0 and batch.unchanged == 2


def test_the_preview_shows_each_change_of_an_updated_record(world):
    agreement = make_agreement(key="a", title_ru="Старое название", parties=[world["russia"]])
    report = english(
        check, "agreements", sheet(row(key="a", title_ru="Новое название", signed_on="1996"))
    )
    assert report.counts == {"update": 1}
    (shown,) = report.rows
    assert shown["action"] == "update"
    assert ("title_ru", "Старое название", "Новое название") in shown["changes"]
    assert ("signed_on", "", "1996") in shown["changes"]
    assert ("parties", "Россия (russia)", "Россия (russia); Казахстан (kazakhstan)") in shown[
        "changes"
    ]
    agreement.refresh_from_db()
    assert agreement.title_ru == "Старое название"


def test_an_update_keeps_the_role_and_side_of_the_parties_that_stay(world):
    agreement = make_agreement(key="a", parties=[world["russia"], world["kazakhstan"]])
    AgreementParty.objects.filter(actor=world["russia"]).update(role="signatory")
    load("agreements", sheet(row(key="a", parties="kazakhstan; russia; kaznu")))
    assert list(agreement.party_set.values_list("actor__key", "role", "order")) == [
        ("kazakhstan", "party", 0),
        ("russia", "signatory", 1),
        ("kaznu", "party", 2),
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(world, fmt, editor_client):
    make_agreement(
        key="formulae",
        title_ru="=1+1 не формула",
        title_en="-minus, +plus, @at",
        summary_ru="\tс табуляцией",
        parties=[world["russia"], world["kaznu"]],
        signed_on=datetime.date(2001, 7, 1),
        signed_on_precision="month",
    ).citations.create(source_id=make_source(key="law").pk, locator="ст. 5", quote="=цитата")
    make_agreement(key="plain", summary_en="Line one\nline two")
    Agreement.objects.get(key="plain").topics.add(*world_topics())
    response = editor_client.get(
        reverse("admin:rkst_importbatch_export", args=["agreements"]), {"format": fmt}
    )
    assert response.status_code == 200
    content = response.content
    if fmt == "xlsx":
        cells = [
            c.value for c in next(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2))
        ]
        assert "'=1+1 не формула" in cells  # no cell of ours runs as a formula
    report = check("agreements", content, f"export.{fmt}")
    assert report.ok, report.lines()
    assert report.counts == {"unchanged": 2}, report.rows


def world_topics():
    from agreements.models import Topic

    return list(Topic.objects.all())


# Undo ------------------------------------------------------------------------------------------


def test_an_editor_undoes_a_batch_as_a_whole(world, editor, editor_client):
    old = make_agreement(key="old", title_ru="Было", parties=[world["russia"]])
    old.topics.add(*world_topics()[:1])
    batch, report = load(
        "agreements",
        sheet(
            row(key="old", title_ru="Стало", parties="kazakhstan", topics="energy",
                source="article"),
            row(key="new"),
        ),
        user=editor,
    )  # fmt: skip
    assert report.counts == {"create": 1, "update": 1}
    response = editor_client.post(reverse("admin:rkst_importbatch_undo", args=[batch.pk]))
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.title_ru == "Было"
    assert list(old.party_set.values_list("actor__key", flat=True)) == ["russia"]
    assert list(old.topics.values_list("code", flat=True)) == ["space"]
    assert not old.citations.exists()
    assert not Agreement.objects.filter(key="new").exists()
    batch.refresh_from_db()
    assert batch.status == "undone" and batch.undone_by == editor
    assert old.history.latest().history_user == editor


def test_a_batch_whose_records_were_edited_since_cannot_be_undone(world, editor):
    batch, _report = load("agreements", sheet(row(key="a"), row(key="b")), user=editor)
    agreement = Agreement.objects.get(key="b")
    agreement.title_en = "Edited by hand"
    agreement.save()
    with translation.override("en"):
        assert imports.undo_problems(batch) == [
            "Row 3: “Соглашение о науке” was edited since the import."
        ]
        with pytest.raises(imports.UndoRefused):
            imports.undo(batch, editor)
    assert Agreement.objects.count() == 2


def test_a_curator_may_not_undo(world, curator, curator_client):
    batch, _report = load("agreements", sheet(row(key="a")), user=curator)
    response = curator_client.post(reverse("admin:rkst_importbatch_undo", args=[batch.pk]))
    assert response.status_code == 403
    assert Agreement.objects.exists()


# Publishing and provenance --------------------------------------------------------------------


def test_an_editor_may_publish_on_import_what_is_cited_and_links_to_published_records(
    world, editor
):
    for actor in world.values():
        actor.state = "published"
        actor.save()
    content = sheet(row(key="a", parties="russia; kazakhstan", source="article"))
    report = english(check, "agreements", content, publish=True, user=editor)
    assert report.ok
    load("agreements", content, user=editor, publish=True)
    assert Agreement.objects.get(key="a").state == "published"


def test_new_drafts_keep_the_readers_caches_and_a_publication_renews_them(
    world, editor, monkeypatch
):
    from rkst.models import CatalogueVersion

    for actor in world.values():
        actor.state = "published"
        actor.save()
    renewals = []
    monkeypatch.setattr(CatalogueVersion, "bump", classmethod(lambda cls: renewals.append(cls)))
    load("agreements", sheet(row(key="a", parties="russia")), user=editor)
    # Readers see no draft: the facet counts and pages cached for them stay valid.
    assert renewals == []
    load("agreements", sheet(row(key="b", parties="russia", source="article")), user=editor,
         publish=True)  # fmt: skip
    assert renewals == [CatalogueVersion]


def test_publishing_on_import_needs_a_citation_and_published_links(world, editor):
    report = english(
        check,
        "agreements",
        sheet(row(key="a", parties="russia; kaznu")),
        publish=True,
        user=editor,
    )
    assert (2, "source", "", "A record is published only with a citation: name its source.") in (
        problems(report)
    )
    assert (
        2, "parties", "russia; kaznu",
        "“Россия” is not published: publish it first, or import as drafts.",
    ) in problems(report)  # fmt: skip


def test_a_curator_cannot_publish_on_import(world, curator_client):
    page = curator_client.get(reverse("admin:rkst_importbatch_upload")).content.decode()
    assert 'name="publish"' not in page
    response = curator_client.post(
        reverse("admin:rkst_importbatch_upload"),
        {"sheet": "agreements", "file": named(sheet(row(key="a")), "a.xlsx"), "publish": "on"},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and not batch.publish


def test_the_record_says_which_file_and_row_it_was_imported_from(world, curator, curator_client):
    batch, _report = load("agreements", sheet(row(key="x"), row(key="a")), name="list.xlsx",
                          user=curator)  # fmt: skip
    agreement = Agreement.objects.get(key="a")
    with translation.override("en"):
        url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    page = curator_client.get(url).content.decode()
    assert f"file “list.xlsx”, row 3 (import #{batch.pk}" in page


# The admin flow ------------------------------------------------------------------------------


def test_a_curator_uploads_previews_and_confirms(world, curator, curator_client):
    make_agreement(key="old", title_ru="Старое")
    content = sheet(row(key="old", title_ru="Новое"), row(key="new", signed_on="2001"))
    with translation.override("en"):
        upload = reverse("admin:rkst_importbatch_upload")
    response = curator_client.post(
        upload, {"sheet": "agreements", "file": named(content, "list.xlsx")}, follow=True
    )
    page = response.content.decode()
    assert "Rows: 2. To create: 1, to update: 1, unchanged: 0." in page
    assert "Старое" in page and "Новое" in page
    assert Agreement.objects.get(key="old").title_ru == "Старое"
    batch = ImportBatch.objects.get()
    with translation.override("en"):
        confirm = reverse("admin:rkst_importbatch_preview", args=[batch.pk])
    response = curator_client.post(confirm, follow=True)
    assert "Imported “list.xlsx”: 1 created, 1 updated, 0 unchanged." in response.content.decode()
    assert Agreement.objects.get(key="old").title_ru == "Новое"
    batch.refresh_from_db()
    assert (batch.user, batch.status, batch.created, batch.updated) == (curator, "imported", 1, 1)
    assert batch.file.read() == content
    # Confirming twice imports once.
    curator_client.post(confirm)
    assert ImportBatch.objects.get().rows.count() == 2


def test_the_preview_lists_every_error_by_row_column_and_value(world, curator_client):
    content = sheet(row(key="a", parties="Росия"), row(key="b", signed_on="32.01.2001"))
    with translation.override("en"):
        upload = reverse("admin:rkst_importbatch_upload")
    page = curator_client.post(
        upload, {"sheet": "agreements", "file": named(content, "bad.xlsx")}, follow=True
    ).content.decode()
    assert "2 problems: fix the file and upload it again." in page
    assert "“Росия” matches no record (actor). Closest: Россия (russia)." in page
    assert "“32.01.2001”: this month has no day 32." in page
    assert 'id="confirm_form"' not in page


def test_the_upload_page_documents_the_columns_and_offers_templates(curator_client):
    page = curator_client.get(reverse("admin:rkst_importbatch_upload")).content.decode()
    for code in HEADER:
        assert f"<code>{code}</code>" in page
    response = curator_client.get(reverse("admin:rkst_importbatch_template", args=["agreements"]))
    header = [c.value for c in next(load_workbook(io.BytesIO(response.content)).active.iter_rows())]
    assert header == HEADER


def test_a_staff_member_without_the_permission_cannot_import_or_export(django_user_model, client):
    user = django_user_model.objects.create_user("staff", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:rkst_importbatch_upload")).status_code == 403
    export = reverse("admin:rkst_importbatch_export", args=["agreements"])
    assert client.get(export).status_code == 403


def test_the_changelist_exports_its_filtered_rows(world, curator_client):
    make_agreement(key="memo", kind="memorandum")
    make_agreement(key="treaty", kind="treaty")
    url = reverse("admin:agreements_agreement_export_sheet")
    response = curator_client.get(url, {"kind__exact": "memorandum", "format": "csv"})
    text = response.content.decode("utf-8-sig")
    assert "memo" in text and "treaty" not in text
    page = curator_client.get(
        reverse("admin:agreements_agreement_changelist"), {"kind__exact": "memorandum"}
    ).content.decode()
    # The list links to the export page, which keeps its filters.
    assert reverse("admin:agreements_agreement_export") + "?kind__exact=memorandum" in page


def test_reconciling_costs_the_same_queries_for_ten_rows_as_for_five_hundred(
    world, django_assert_max_num_queries
):
    few = sheet(*[row(key=f"a-{n}", topics="space", source="article") for n in range(10)])
    many = sheet(*[row(key=f"a-{n}", topics="space", source="article") for n in range(500)])
    with django_assert_max_num_queries(12):
        assert check("agreements", few).ok
    with django_assert_max_num_queries(12):
        assert check("agreements", many).ok


# Other formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_it_reads_csv_in_each_encoding_and_delimiter(world, encoding, delimiter):
    content = csv_bytes(
        [HEADER, row(key="a", title_ru="Соглашение, «о науке»", parties="Россия; Казахстан")],
        encoding,
        delimiter,
    )
    load("agreements", content, name="list.csv")
    agreement = Agreement.objects.get(key="a")
    assert agreement.title_ru == "Соглашение, «о науке»"
    assert agreement.parties.count() == 2


def test_it_reads_ods(world):
    content = ods(
        [HEADER, row(key="a", signed_on="11.1996", parties="Россия; КазНУ им. аль-Фараби")]
    )
    load("agreements", content, name="list.ods")
    agreement = Agreement.objects.get(key="a")
    assert agreement.signed.iso() == "1996-11"
    assert agreement.parties.count() == 2


def test_russian_headings_are_accepted(world):
    with translation.override("ru"):
        headings = [str(imports.get_sheet("agreements").column(c).heading) for c in HEADER]
    content = xlsx([headings, row(key="a")])
    load("agreements", content)
    assert Agreement.objects.filter(key="a").exists()


# Citations ------------------------------------------------------------------------------------

CITATIONS = ["record_type", "record", "field", "source", "locator", "quote", "note"]


def test_the_citations_sheet_adds_and_updates_citations(world, curator):
    agreement = make_agreement(key="a", title_ru="Соглашение о космосе")
    agreement.citations.create(source=make_source(key="law"), field="signed_on", locator="ст. 1")
    content = xlsx(
        [
            CITATIONS,
            ["agreement", "Соглашение о космосе", "signed_on", "law", "ст. 1", "Подписано", ""],
            ["соглашение", "a", "Дата подписания", "article", "с. 5", "", "примечание"],
            ["actor", "KazNU", "", "article", "", "", ""],
        ]
    )
    batch, report = load("citations", content, user=curator)
    assert report.counts == {"update": 1, "create": 2}
    assert agreement.citations.get(source__key="law").quote == "Подписано"
    created = agreement.citations.get(source__key="article")
    assert (created.field, created.locator, created.note) == ("signed_on", "с. 5", "примечание")
    assert ActorCitation.objects.get().record == world["kaznu"]
    _batch, report = load("citations", content)
    assert report.counts == {"unchanged": 3}
    imports.undo(batch, curator)
    assert agreement.citations.get().quote == ""
    assert not ActorCitation.objects.exists()


def test_the_citations_sheet_names_what_it_cannot_find(world):
    content = xlsx([CITATIONS, ["treaty-thing", "x", "", "article", "", "", ""],
                    ["agreement", "nothing-like-it", "", "article", "", "", ""]])  # fmt: skip
    report = english(check, "citations", content)
    assert problems(report) == [
        (2, "record_type", "treaty-thing",
         "“treaty-thing” is not one of: agreement, actor, project."),
        (3, "record", "nothing-like-it",
         "“nothing-like-it” matches no record (agreement), nor anything close."),
    ]  # fmt: skip


def test_the_citations_sheet_round_trips(world, editor_client):
    agreement = make_agreement(key="a")
    agreement.citations.create(source=make_source(key="law"), field="parties", locator="-1-",
                               quote="+quote", note="@note")  # fmt: skip
    ActorCitation.objects.create(record=world["kaznu"], source=make_source(key="book"))
    response = editor_client.get(
        reverse("admin:rkst_importbatch_export", args=["citations"]), {"format": "csv"}
    )
    report = check("citations", response.content, "citations.csv")
    assert report.counts == {"unchanged": 2}, report.lines()


def test_the_citations_sheet_reports_missing_parts_and_repeated_citations(world):
    content = xlsx(
        [
            CITATIONS,
            ["agreement", "", "", "article", "", "", ""],
            ["actor", "kaznu", "", "", "", "", ""],
            ["actor", "kaznu", "", "article", "с. 1", "", ""],
            ["actor", "KazNU", "", "article", "с. 1", "", ""],
        ]
    )
    report = english(check, "citations", content)
    assert problems(report) == [
        (2, "record", "", "Name the record the citation supports."),
        (3, "source", "", "Name the source."),
        (5, "", "", "The same citation is in row 4."),
    ]
    with translation.override("en"):
        assert report.lines()[-1] == "Row 5: The same citation is in row 4."


def test_a_locator_longer_than_a_hundred_characters_is_an_error(world):
    assert_problem(
        sheet(row(source="article", locator="с. " + "1" * 100)),
        (2, "locator", "с. " + "1" * 100, "At most 100 characters."),
    )


def test_an_import_counts_as_a_save_and_logs_publication(world, editor):
    from rkst import models as kernel

    agreement = make_agreement(key="a", title_ru="Старое")
    for actor in world.values():
        actor.state = "published"
        actor.save()
    before = getattr(agreement, "version", None)
    load("agreements", sheet(row(key="a", title_ru="Новое", source="article")), user=editor,
         publish=True)  # fmt: skip
    agreement.refresh_from_db()
    if before is not None:
        # As in the admin: the change is saved, then published, each a version of its own.
        assert agreement.version == before + 2
        assert [h.state for h in agreement.history.all()[:2]] == ["published", "draft"]
    transition = getattr(kernel, "Transition", None)
    if transition is not None:
        logged = transition.objects.get(object_id=agreement.pk, content_type__model="agreement")
        assert (logged.from_state, logged.to_state, logged.user) == ("draft", "published", editor)
