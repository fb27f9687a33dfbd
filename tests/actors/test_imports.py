"""The actors sheet: parents and regions in the same file, other names, dates, countries,
the checks Actor.clean() makes, idempotence, the round trip and undo."""

import pytest
from django.urls import reverse
from django.utils import translation

from actors.models import Actor, ActorAlias
from rkst import imports
from tests.factories import make_actor, make_source
from tests.sheets import check, csv_bytes, load, xlsx

pytestmark = pytest.mark.django_db

ACTORS = ["key", "name_ru", "name_en", "kind", "country", "parent", "region", "founded_on",
          "aliases", "source", "locator", "quote"]  # fmt: skip


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def actor(**values):
    base = {"kind": "university", "country": "KZ"}
    base.update(values)
    return [base.get(column, "") for column in ACTORS]


def problems(report):
    return [(p["row"], p["column"], p["value"], p["message"]) for p in report.problems]


def english_check(content, **kwargs):
    with translation.override("en"):
        return check("actors", content, **kwargs)


def test_it_creates_actors_pointing_at_rows_later_in_the_file(curator):
    make_source(key="article")
    content = xlsx(
        [
            ACTORS,
            actor(key="kaznu-branch", name_ru="Филиал КазНУ", kind="филиал", parent="КазНУ",
                  region="алматы"),
            actor(key="kaznu", name_ru="Казахский национальный университет", name_en="KazNU",
                  aliases="КазНУ; Al-Farabi University", founded_on="15.01.1934",
                  region="Almaty", source="article", locator="с. 3"),
            actor(key="almaty", name_ru="Алматы", kind="city", country="Казахстан"),
        ]
    )  # fmt: skip
    batch, report = load("actors", content, user=curator)
    assert report.counts == {"create": 3}
    branch = Actor.objects.get(key="kaznu-branch")
    assert (branch.kind, branch.parent.key, branch.located_in.key) == ("branch", "kaznu", "almaty")
    kaznu = Actor.objects.get(key="kaznu")
    assert kaznu.founded.iso() == "1934-01-15"
    assert sorted(kaznu.aliases.values_list("name", flat=True)) == ["Al-Farabi University", "КазНУ"]
    assert kaznu.citations.get().locator == "с. 3"
    assert Actor.objects.get(key="almaty").country == "KZ"
    # The other names are searchable at once.
    assert list(Actor.objects.search("al-farabi university")) == [kaznu]
    assert kaznu.history.get().history_user == curator
    assert batch.rows.count() == 4  # three actors and a citation


@pytest.mark.parametrize(
    "written, stored",
    [("RU", "RU"), ("ru", "RU"), ("Россия", "RU"), ("RUSSIA", "RU"), ("intl", "intl"),
     ("международная", "intl"), ("International", "intl")],
)  # fmt: skip
def test_it_reads_a_country_as_code_or_label(written, stored):
    load("actors", xlsx([ACTORS, actor(key="a", name_ru="А", country=written)]))
    assert Actor.objects.get(key="a").country == stored


@pytest.mark.parametrize("written, iso", [("1934", "1934"), ("01.1934", "1934-01"),
                                          ("1934-01-15", "1934-01-15")])  # fmt: skip
def test_it_reads_founding_dates_as_precisely_as_given(written, iso):
    load("actors", xlsx([ACTORS, actor(key="a", name_ru="А", founded_on=written)]))
    assert Actor.objects.get(key="a").founded.iso() == iso


def test_a_missing_key_is_made_from_the_russian_name():
    load("actors", csv_bytes([ACTORS, actor(name_ru="Омская область", kind="region")]), "a.csv")
    assert Actor.objects.get().key == "omskaia-oblast"


def test_a_parent_cycle_in_the_file_is_an_error():
    content = xlsx(
        [ACTORS, actor(key="a", name_ru="А", parent="b"), actor(key="b", name_ru="Б", parent="a")]
    )
    report = english_check(content)
    assert problems(report) == [
        (2, "parent", "b", "This would make the actor a part of its own branch."),
        (3, "parent", "a", "This would make the actor a part of its own branch."),
    ]


def test_an_actor_is_not_part_of_itself_nor_located_in_a_university():
    make_actor(key="kaznu", kind="university", country="KZ", name_ru="КазНУ")
    content = xlsx(
        [
            ACTORS,
            actor(key="a", name_ru="А", parent="a"),
            actor(key="b", name_ru="Б", region="kaznu"),
        ]
    )
    assert problems(english_check(content)) == [
        (2, "parent", "a", "An actor cannot be a part of itself."),
        (3, "region", "kaznu", "An actor is located in a state, a region or a city."),
    ]


def test_an_unknown_parent_names_the_closest_candidates():
    make_actor(key="kaznu", name_ru="Казахский национальный университет", country="KZ")
    content = xlsx([ACTORS, actor(key="a", name_ru="А", parent="Казахский национальный универ")])
    assert problems(english_check(content)) == [
        (2, "parent", "Казахский национальный универ",
         "“Казахский национальный универ” matches no record (actor). Closest: Казахский "
         "национальный университет (kaznu)."),
    ]  # fmt: skip


def test_reimporting_changes_nothing_and_changes_show_their_differences():
    content = xlsx([ACTORS, actor(key="a", name_ru="А", aliases="AA; АА", founded_on="1990")])
    load("actors", content)
    assert check("actors", content).counts == {"unchanged": 1}
    report = english_check(
        xlsx([ACTORS, actor(key="a", name_ru="Б", aliases="AA", founded_on="1991")])
    )
    (row,) = report.rows
    assert row["changes"] == [
        ("name_ru", "А", "Б"),
        ("founded_on", "1990", "1991"),
        ("aliases", "AA; АА", "AA"),
    ]


def test_export_then_import_changes_nothing(editor_client):
    region = make_actor(key="omsk", name_ru="Омская область", kind="region", country="RU")
    university = make_actor(key="omgu", name_ru="=ОмГУ", kind="university", parent=None,
                            located_in=region)  # fmt: skip
    make_actor(key="branch", name_ru="Филиал", kind="branch", parent=university)
    ActorAlias.objects.create(actor=university, name="-Омский университет", kind="other")
    university.citations.create(source=make_source(key="law"), locator="+1", quote="@цитата")
    for fmt in ("xlsx", "csv"):
        response = editor_client.get(
            reverse("admin:rkst_importbatch_export", args=["actors"]), {"format": fmt}
        )
        report = check("actors", response.content, f"actors.{fmt}")
        assert report.counts == {"unchanged": 3}, (fmt, report.lines(), report.rows)


def test_undo_restores_the_other_names(editor):
    kaznu = make_actor(key="kaznu", name_ru="КазНУ")
    ActorAlias.objects.create(actor=kaznu, name="Старое имя", kind="former", note="до 2001")
    batch, _report = load(
        "actors", xlsx([ACTORS, actor(key="kaznu", name_ru="КазНУ", aliases="Новое имя")]),
        user=editor,
    )  # fmt: skip
    assert list(kaznu.aliases.values_list("name", flat=True)) == ["Новое имя"]
    imports.undo(batch, editor)
    alias = kaznu.aliases.get()
    assert (alias.name, alias.kind, alias.note) == ("Старое имя", "former", "до 2001")
    assert list(Actor.objects.search("старое имя")) == [kaznu]


def test_undo_is_refused_when_an_imported_actor_is_now_used(editor):
    from tests.factories import make_agreement

    batch, _report = load("actors", xlsx([ACTORS, actor(key="new", name_ru="Новый")]), user=editor)
    make_agreement(parties=[Actor.objects.get(key="new")])
    with translation.override("en"), pytest.raises(imports.UndoRefused) as refused:
        imports.undo(batch, editor)
    assert refused.value.problems[0].startswith("Row 2: “Новый” is now used by ")
    assert Actor.objects.filter(key="new").exists()


def test_publishing_an_actor_needs_its_parent_published(editor):
    make_source(key="article", state="published")
    parent = make_actor(key="parent", name_ru="Головная организация")
    content = xlsx([ACTORS, actor(key="a", name_ru="А", parent="parent", source="article")])
    assert problems(english_check(content, publish=True, user=editor)) == [
        (2, "parent", "parent",
         "“Головная организация” is not published: publish it first, or import as drafts."),
    ]  # fmt: skip
    parent.state = "published"
    parent.save()
    load("actors", content, publish=True, user=editor)
    assert Actor.objects.get(key="a").state == "published"


def test_undo_deletes_a_branch_before_its_parent(editor):
    content = xlsx(
        [ACTORS, actor(key="child", name_ru="Филиал", parent="parent"),
         actor(key="parent", name_ru="Головной")]
    )  # fmt: skip
    batch, _report = load("actors", content, user=editor)
    assert Actor.objects.get(key="child").parent.key == "parent"
    imports.undo(batch, editor)
    assert not Actor.objects.exists()


def test_a_value_under_no_heading_is_an_error():
    content = xlsx([["key", "name_ru", "", "kind"], ["a", "А", "потерянное", "city"]])
    with translation.override("en"):
        report = check("actors", content)
    assert problems(report) == [
        (2, "", "потерянное", "A value stands in a column without a heading.")
    ]
