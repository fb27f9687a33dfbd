"""One write path: the admin and the spreadsheet import write a record the same way (fields,
search text, version, history, transitions), and publishing on import, from the admin or the
command line is held to the same rules and rights."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from actors.models import Actor
from agreements.models import Agreement, AgreementRelation
from rkst.models import ImportBatch, Source, Transition
from tests.factories import make_actor, make_agreement, make_source, make_topic
from tests.forms import form_data
from tests.sheets import check, load, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["key", "title_ru", "title_en", "kind", "level", "signed_on", "parties", "topics",
          "source", "locator", "quote"]  # fmt: skip
ROW = {
    "key": "science-1998",
    "title_ru": "Соглашение о сотрудничестве в области науки",
    "title_en": "Agreement on cooperation in science",
    "kind": "agreement",
    "level": "intergovernmental",
    "signed_on": "07.1998",
    "parties": "russia; kazakhstan",
    "topics": "space",
    "source": "article",
    "locator": "с. 161",
    "quote": "подписано соглашение",
}


@pytest.fixture
def world():
    russia = make_actor(key="russia", kind="state", country="RU", name_ru="Россия",
                        name_en="Russia", state="published")  # fmt: skip
    kazakhstan = make_actor(key="kazakhstan", kind="state", country="KZ", name_ru="Казахстан",
                            name_en="Kazakhstan", state="published")  # fmt: skip
    source = make_source(key="article", title="Статья", state="published")
    topic = make_topic(code="space", name_ru="Космос", name_en="Space")
    return {"russia": russia, "kazakhstan": kazakhstan, "source": source, "topic": topic}


def sheet(**changes):
    row = {**ROW, **changes}
    return xlsx([HEADER, [row[code] for code in HEADER]])


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def admin_add(client, world, **changes):
    """The same agreement as ROW, typed into the admin's add form."""
    data = form_data(client.get(admin_url(Agreement, "add")), "agreement_form")
    values = {**ROW, **changes}
    data.update(
        {
            "key": [values["key"]],
            "title_ru": [values["title_ru"]],
            "title_en": [values["title_en"]],
            "kind": [values["kind"]],
            "level": [values["level"]],
            "signed_on": [values["signed_on"]],
            "topics": [str(world["topic"].pk)],
            "party_set-TOTAL_FORMS": ["2"],
            "party_set-0-actor": [str(world["russia"].pk)],
            "party_set-0-role": ["party"],
            "party_set-0-side": ["RU"],
            "party_set-0-order": ["0"],
            "party_set-1-actor": [str(world["kazakhstan"].pk)],
            "party_set-1-role": ["party"],
            "party_set-1-side": ["KZ"],
            "party_set-1-order": ["1"],
            "citations-TOTAL_FORMS": ["1"],
            "citations-0-source": [str(world["source"].pk)],
            "citations-0-locator": [values["locator"]],
            "citations-0-quote": [values["quote"]],
            "citations-0-rank": ["normal"],
        }
    )
    if "state" in changes:
        data["state"] = [changes["state"]]
    response = client.post(admin_url(Agreement, "add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Agreement.objects.get(key=values["key"])


FIELDS = ("key", "title_ru", "title_en", "kind", "level", "signed_on", "signed_on_precision",
          "status", "state", "search_text", "version")  # fmt: skip


def written(agreement):
    """What a write leaves of an agreement, but for the times and the reasons."""
    agreement.refresh_from_db()
    content_type = ContentType.objects.get_for_model(Agreement)
    return {
        "fields": {name: getattr(agreement, name) for name in FIELDS},
        "parties": [
            (p.actor.key, p.role, p.side, p.order) for p in agreement.party_set.order_by("order")
        ],
        "topics": sorted(agreement.topics.values_list("code", flat=True)),
        "citations": [
            (c.source.key, c.field, c.locator, c.quote, c.rank, c.added_by.username)
            for c in agreement.citations.all()
        ],
        "history": [
            (
                h.history_type,
                h.state,
                h.version,
                h.history_user.username,
                sorted(t.topic.code for t in h.topics.all()),
            )
            for h in agreement.history.order_by("history_id")
        ],  # fmt: skip
        "transitions": [
            (t.from_state, t.to_state, t.user.username)
            for t in Transition.objects.filter(content_type=content_type, object_id=agreement.pk)
        ],
    }


@pytest.mark.parametrize("state", ["draft", "published"])
def test_the_admin_and_an_import_write_the_same_new_agreement(world, editor, editor_client, state):
    publish = state == "published"
    through_admin = written(admin_add(editor_client, world, state=state))
    Agreement.objects.all().delete()
    load("agreements", sheet(), user=editor, publish=publish)
    through_import = written(Agreement.objects.get(key=ROW["key"]))

    assert through_import == through_admin
    assert through_admin["fields"]["state"] == state
    assert through_admin["fields"]["version"] == (2 if publish else 1)
    assert [h[:3] for h in through_admin["history"]] == (
        [("+", "draft", 1), ("~", "published", 2)] if publish else [("+", "draft", 1)]
    )
    assert through_admin["transitions"] == ([("draft", "published", "editor")] if publish else [])


def test_the_admin_and_an_import_write_the_same_change(world, editor, editor_client):
    def change_through_admin(agreement):
        url = admin_url(Agreement, "change", agreement.pk)
        data = form_data(editor_client.get(url), "agreement_form")
        data["title_en"] = ["Agreement on science, corrected"]
        data["signed_on"] = ["06.07.1998"]
        assert editor_client.post(url, data).status_code == 302
        return agreement

    changes = {"title_en": "Agreement on science, corrected", "signed_on": "06.07.1998"}
    through_admin = written(change_through_admin(admin_add(editor_client, world)))
    Agreement.objects.all().delete()
    load("agreements", sheet(), user=editor)
    load("agreements", sheet(**changes), user=editor)
    through_import = written(Agreement.objects.get(key=ROW["key"]))

    assert through_import == through_admin
    assert through_admin["fields"]["version"] == 2
    assert "corrected" in through_admin["fields"]["search_text"]
    assert [h[:3] for h in through_admin["history"]] == [("+", "draft", 1), ("~", "draft", 2)]


# Publishing on import follows the admin's rules ---------------------------------------------


def english(*args, **kwargs):
    with translation.override("en"):
        report = check(*args, **kwargs)
    return [(p["row"], p["column"], p["message"]) for p in report.problems]


def test_publishing_on_import_refuses_a_citation_of_a_draft_source(world, editor):
    make_source(key="draft-source", title="Неопубликованный источник")
    problems = english("agreements", sheet(source="draft-source"), user=editor, publish=True)
    assert problems == [
        (2, "source", "“Неопубликованный источник” is not published: publish it first, or "
         "import as drafts."),
    ]  # fmt: skip
    assert not Agreement.objects.exists()


def test_publishing_on_import_refuses_a_record_relayed_through_a_draft_source(world, editor):
    agreement = make_agreement(key=ROW["key"], parties=[world["russia"], world["kazakhstan"]])
    relay = make_source(key="relay", title="Пересказ")
    agreement.citations.create(source=world["source"], locator="с. 1", found_in=relay)
    problems = english("agreements", sheet(), user=editor, publish=True)
    assert (2, "source", "“Пересказ” is not published: publish it first, or import as "
            "drafts.") in problems  # fmt: skip


def test_publishing_on_import_refuses_an_agreement_related_to_a_draft(world, editor):
    agreement = make_agreement(key=ROW["key"], parties=[world["russia"], world["kazakhstan"]])
    draft = make_agreement(key="draft-protocol", title_ru="Протокол (черновик)")
    AgreementRelation.objects.create(source=agreement, target=draft, type="supplements")
    problems = english("agreements", sheet(), user=editor, publish=True)
    assert problems == [
        (2, "", "“Протокол (черновик)” is not published: publish it first, or import as "
         "drafts."),
    ]  # fmt: skip
    agreement.refresh_from_db()
    assert agreement.state == "draft"


def test_an_import_and_the_workflow_refuse_the_same_records(world, editor):
    """The same rule in both: what the workflow refuses to publish, the import refuses."""
    from rkst import workflow

    agreement = make_agreement(key=ROW["key"], parties=[world["russia"], world["kazakhstan"]])
    agreement.citations.create(source=world["source"], locator="с. 1")
    draft_party = make_actor(key="draft-party", name_ru="Черновой участник")
    agreement.party_set.create(actor=draft_party, side="RU", order=2)
    assert len(workflow.can_publish(agreement)) == 1
    problems = english("agreements", sheet(parties="russia; kazakhstan; draft-party"),
                       user=editor, publish=True)  # fmt: skip
    assert [column for _row, column, _message in problems] == ["parties"]


# Who may publish --------------------------------------------------------------------------


def write_sheet(tmp_path, content):
    path = tmp_path / "agreements.xlsx"
    path.write_bytes(content)
    return str(path)


@pytest.mark.parametrize("account", [None, "curator"])
def test_the_command_publishes_only_for_an_account_that_may_publish(
    world, curator, tmp_path, capsys, account
):
    arguments = ["import_sheet", "agreements", write_sheet(tmp_path, sheet()), "--publish"]
    if account:
        arguments += ["--user", account]
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command(*arguments)
    assert "nothing was written" in str(raised.value)
    assert {
        None: "Publishing on import needs the account of an editor who may publish agreements "
        "(the command's --user): nothing was written.",
        "curator": "curator may not publish agreements, so nothing was written: import them as "
        "drafts, or as an editor.",
    }[account] in capsys.readouterr().err
    assert not Agreement.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not Transition.objects.filter(content_type__model="agreement").exists()


def test_the_command_publishes_for_an_editor_and_credits_them(world, editor, tmp_path):
    call_command(
        "import_sheet", "agreements", write_sheet(tmp_path, sheet()), "--publish", "--user",
        "editor",
    )  # fmt: skip
    agreement = Agreement.objects.get(key=ROW["key"])
    assert agreement.state == "published"
    transition = Transition.objects.get(
        content_type__model="agreement", object_id=agreement.pk, to_state="published"
    )
    assert transition.user == editor


def test_publishing_refused_in_the_preview_of_the_admin_too(world, curator):
    """The service refuses whoever calls it: an import for a curator never publishes."""
    report = check("agreements", sheet(), user=curator, publish=True)
    assert not report.ok
    assert "curator" in report.refused
    assert not Agreement.objects.exists() and not Source.objects.filter(key="x").exists()
    assert Actor.objects.filter(state="published").count() == 2
