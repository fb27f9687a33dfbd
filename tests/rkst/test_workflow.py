"""The curation workflow: transitions and their records, the publication rules with their
reasons, the optimistic lock (in the admin, on the model, against imports), revert, the
readable history, the dashboard and the public "last changed" line."""

import datetime
import sqlite3
import threading
import time

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actors.models import Actor
from agreements.models import Agreement, AgreementParty, AgreementRelation, Project
from rkst import imports, workflow
from rkst.models import ImportBatch, RecordChanged, Source, Transition
from tests.factories import make_actor, make_agreement, make_project, make_source, make_topic
from tests.forms import form_data, post_form
from tests.sheets import xlsx

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def transition_url(record, name):
    return admin_url(type(record), "transition", record.pk, name)


def transitions(record):
    return Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(client, response):
    page = client.get(response["Location"])
    return [str(m) for m in page.context["messages"]]


@pytest.fixture
def source():
    return make_source(key="article", title="Статья о сотрудничестве", state="published")


@pytest.fixture
def parties(source):
    russia = make_actor(key="russia", name_ru="Россия", kind="state", state="published")
    kazakhstan = make_actor(
        key="kazakhstan", name_ru="Казахстан", kind="state", country="KZ", state="published"
    )
    return russia, kazakhstan


@pytest.fixture
def ready(source, parties):
    """A draft agreement that may be published: cited, linking to published records only."""
    agreement = make_agreement(key="ready", title_ru="Соглашение о науке", parties=parties)
    agreement.citations.create(source=source, locator="с. 161")
    return agreement


# Transitions


def test_a_curator_submits_and_an_editor_publishes_each_step_recorded(
    ready, curator, editor, curator_client, editor_client
):
    response = curator_client.post(transition_url(ready, "submit"), {"comment": "Проверено"})
    assert response.status_code == 302
    assert "Отправлено на проверку: 1." in follow_messages(curator_client, response)
    ready.refresh_from_db()
    assert ready.state == "review"

    response = editor_client.post(transition_url(ready, "publish"), {"comment": "Готово"})
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.state == "published"

    log = list(transitions(ready).order_by("at", "id"))
    assert [(t.from_state, t.to_state, t.user, t.comment) for t in log] == [
        ("draft", "review", curator, "Проверено"),
        ("review", "published", editor, "Готово"),
    ]
    assert all(t.at <= timezone.now() for t in log)
    # The history has the same steps, with who and why.
    latest = ready.history.first()
    assert (latest.state, latest.history_user, latest.history_change_reason) == (
        "published",
        editor,
        "Готово",
    )


def test_an_editor_withdraws_a_published_record_to_draft(ready, editor, editor_client):
    workflow.apply(ready, "publish", editor)
    response = editor_client.post(transition_url(ready, "withdraw"), {"comment": "Ошибка в дате"})
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.state == "draft"
    withdrawal = transitions(ready).first()
    assert (withdrawal.from_state, withdrawal.to_state, withdrawal.comment) == (
        "published",
        "draft",
        "Ошибка в дате",
    )


def test_a_curator_may_not_publish_nor_withdraw_a_published_record(
    ready, editor, curator, curator_client
):
    assert curator_client.post(transition_url(ready, "publish")).status_code == 403
    workflow.apply(ready, "publish", editor)
    assert curator_client.post(transition_url(ready, "withdraw")).status_code == 403
    ready.refresh_from_db()
    assert ready.state == "published"
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.apply(ready, "withdraw", curator)
    assert refused.value.reasons == ["У вас нет права это сделать."]


def test_a_curator_may_take_back_a_record_from_review(ready, curator, curator_client):
    workflow.apply(ready, "submit", curator)
    assert curator_client.post(transition_url(ready, "withdraw")).status_code == 302
    ready.refresh_from_db()
    assert ready.state == "draft"


def test_a_transition_from_the_wrong_state_is_refused_with_its_reason(ready, editor):
    workflow.apply(ready, "publish", editor)
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.apply(ready, "submit", editor)
    assert refused.value.reasons == ["На проверку отправляется только черновик."]


def test_a_transition_is_posted_never_got(ready, editor_client):
    assert editor_client.get(transition_url(ready, "publish")).status_code == 405
    assert editor_client.post(transition_url(ready, "explode")).status_code == 404


def test_the_change_page_shows_the_buttons_each_role_may_use(ready, curator_client, editor_client):
    url = admin_url(Agreement, "change", ready.pk)
    curator_page = curator_client.get(url).content.decode()
    assert "Отправить на проверку" in curator_page
    assert transition_url(ready, "publish") not in curator_page
    editor_page = editor_client.get(url).content.decode()
    assert transition_url(ready, "publish") in editor_page
    assert transition_url(ready, "submit") in editor_page
    assert 'name="version"' in editor_page


def test_the_change_page_says_why_a_record_cannot_be_published(editor_client):
    agreement = make_agreement(title_ru="Без источников")
    page = editor_client.get(admin_url(Agreement, "change", agreement.pk)).content.decode()
    assert "Пока её нельзя опубликовать:" in page
    assert "Нет ни одной ссылки на источник: добавьте хотя бы один источник." in page


def test_admin_actions_publish_what_may_be_published_and_say_why_not_the_rest(
    ready, editor, editor_client
):
    uncited = make_agreement(title_ru="Без источников")
    response = editor_client.post(
        admin_url(Agreement, "changelist"),
        {
            "action": "publish",
            "_selected_action": [ready.pk, uncited.pk],
            "comment": "Публикация партии",
        },
        follow=True,
    )
    shown = messages_of(response)
    assert "Опубликовано: 1." in shown
    assert (
        "«Без источников»: опубликовать — отказано. "
        "Нет ни одной ссылки на источник: добавьте хотя бы один источник."
    ) in shown
    ready.refresh_from_db()
    uncited.refresh_from_db()
    assert (ready.state, uncited.state) == ("published", "draft")
    assert transitions(ready).get().comment == "Публикация партии"


def test_a_curator_has_no_publish_action(ready, curator_client):
    page = curator_client.get(admin_url(Agreement, "changelist")).content.decode()
    assert 'value="submit_for_review"' in page
    assert 'value="publish"' not in page
    response = curator_client.post(
        admin_url(Agreement, "changelist"),
        {"action": "publish", "_selected_action": [ready.pk]},
    )
    assert response.status_code in (200, 302)
    ready.refresh_from_db()
    assert ready.state == "draft"


def test_actions_are_only_on_records_with_a_state(editor_client):
    page = editor_client.get(admin_url(AgreementRelation, "changelist")).content.decode()
    assert 'value="publish"' not in page


# The state field


def test_a_curator_cannot_publish_through_the_form(ready, curator_client):
    url = admin_url(Agreement, "change", ready.pk)
    page = curator_client.get(url).content.decode()
    assert 'name="state"' not in page  # read-only: shown, not an input
    data = form_data(curator_client.get(url), "agreement_form")
    data["state"] = ["published"]
    response = curator_client.post(url, data)
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.state == "draft"


def test_an_editor_publishing_through_the_form_goes_through_the_rules(editor_client, source):
    agreement = make_agreement(title_ru="Без источников")
    url = admin_url(Agreement, "change", agreement.pk)
    response = post_form(
        editor_client, url, {"state": "published", "title_en": "Changed"}, form_id="agreement_form"
    )
    assert response.status_code == 302
    shown = follow_messages(editor_client, response)
    assert any("Нет ни одной ссылки на источник" in message for message in shown)
    agreement.refresh_from_db()
    assert (agreement.state, agreement.title_en) == ("draft", "Changed")

    # A citation added in the same form counts: it is saved before the transition.
    response = post_form(
        editor_client,
        url,
        {
            "state": "published",
            "change_reason": "Источник найден",
            "citations-TOTAL_FORMS": "1",
            "citations-0-source": str(source.pk),
            "citations-0-locator": "с. 5",
            "citations-0-rank": "normal",
        },
        form_id="agreement_form",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement.refresh_from_db()
    assert agreement.state == "published"
    transition = transitions(agreement).get(to_state="published")
    assert transition.comment == "Источник найден"


# Publication rules


def reasons(record):
    return workflow.can_publish(record)


def test_a_record_without_a_citation_cannot_be_published(parties):
    agreement = make_agreement(title_ru="Без источников", parties=parties)
    assert reasons(agreement) == [
        "Нет ни одной ссылки на источник: добавьте хотя бы один источник."
    ]


def test_a_cited_record_linking_to_published_records_may_be_published(ready):
    assert reasons(ready) == []


def test_an_agreement_waits_for_its_parties_place_organisation_and_related_agreements(source):
    draft_party = make_actor(name_ru="Черновой участник")
    place = make_actor(name_ru="Черновой город", kind="city")
    cis = make_actor(name_ru="Черновое СНГ", kind="organisation", country="intl")
    earlier = make_agreement(title_ru="Черновое соглашение")
    agreement = make_agreement(parties=[draft_party], signed_place=place, organisation=cis)
    agreement.citations.create(source=source)
    AgreementRelation.objects.create(source=agreement, target=earlier, type="supplements")
    prefix = "Ссылается на ещё не опубликованную запись: "
    assert sorted(reasons(agreement)) == sorted(
        [
            prefix + "актор «Черновой город» (место подписания).",
            prefix + "актор «Черновое СНГ» (рамочная организация).",
            prefix + "актор «Черновой участник» (сторона).",
            prefix + "соглашение «Черновое соглашение» (дополняет).",
        ]
    )


def test_a_record_waits_for_the_sources_it_cites(parties):
    draft_source = make_source(title="Черновой источник")
    agreement = make_agreement(parties=parties)
    agreement.citations.create(source=draft_source)
    assert reasons(agreement) == [
        "Ссылается на ещё не опубликованную запись: источник «Черновой источник» (цитируется)."
    ]


def test_an_actor_waits_for_its_parent_and_its_region(source):
    region = make_actor(name_ru="Омская область", kind="region")
    parent = make_actor(name_ru="Академия", kind="academy")
    branch = make_actor(name_ru="Филиал", kind="branch", parent=parent, located_in=region)
    branch.citations.create(source=source)
    assert len(reasons(branch)) == 2
    for actor in (region, parent):
        actor.state = "published"
        actor.save()
    assert reasons(branch) == []


def test_a_project_waits_for_its_place_participants_and_agreements(source, parties):
    place = make_actor(name_ru="Байконур", kind="city", country="KZ")
    project = make_project(place=place)
    project.citations.create(source=source)
    project.participant_set.create(actor=make_actor(name_ru="Роскосмос"), role="operator")
    project.agreements.add(make_agreement(title_ru="Договор аренды"))
    assert len(reasons(project)) == 3
    assert reasons(make_project()) == [
        "Нет ни одной ссылки на источник: добавьте хотя бы один источник."
    ]


def test_a_source_is_published_without_being_cited():
    assert reasons(make_source()) == []


def test_publishing_checks_the_record_as_it_is_in_the_database(ready, editor):
    stale = Agreement.objects.get(pk=ready.pk)
    ready.citations.all().delete()
    with pytest.raises(workflow.TransitionRefused):
        workflow.apply(stale, "publish", editor)


# Optimistic lock


def test_the_second_of_two_curators_saving_the_same_record_is_refused(ready, curator, editor):
    first, second = Client(), Client()
    first.force_login(curator)
    second.force_login(editor)
    url = admin_url(Agreement, "change", ready.pk)
    first_form = form_data(first.get(url), "agreement_form")
    second_form = form_data(second.get(url), "agreement_form")
    # The version the forms were opened on, signed by the catalogue.
    assert first_form["version"] == second_form["version"]
    assert first_form["version"][0].startswith("1:")

    first_form["title_en"] = ["First curator's title"]
    assert first.post(url, first_form).status_code == 302

    second_form["title_en"] = ["Second curator's title"]
    response = second.post(url, second_form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "сохранил(а) эту запись" in page
    assert "Ваши изменения не сохранены, чтобы не затереть чужие" in page
    assert "curator" in page
    ready.refresh_from_db()
    assert ready.title_en == "First curator's title"
    assert ready.version == 2
    assert ready.history.count() == 2  # created, then the first edit only


def test_a_stale_copy_of_a_record_is_never_saved(ready):
    first = Agreement.objects.get(pk=ready.pk)
    second = Agreement.objects.get(pk=ready.pk)
    first.title_en = "First"
    first.save()
    second.title_en = "Second"
    with pytest.raises(RecordChanged), transaction.atomic():
        second.save()
    assert second.version == 1  # unchanged by the refused save
    ready.refresh_from_db()
    assert (ready.title_en, ready.version) == ("First", 2)


def test_every_save_counts_a_version_even_of_some_fields(ready):
    ready.title_en = "A"
    ready.save(update_fields=["title_en"])
    ready.refresh_from_db()
    assert ready.version == 2


def test_an_import_refuses_a_row_whose_record_was_edited_after_the_preview(curator):
    make_source(key="article", title="Статья")
    content = xlsx([["key", "kind", "title"], ["article", "article", "Статья (исправлено)"]])
    batch = imports.new_batch("sources", "sources.xlsx", ContentFile(content), user=curator)
    assert imports.preview(batch).ok

    edited = Source.objects.get(key="article")
    edited.notes = "Правка куратора"
    edited.save()

    report = imports.confirm(batch)
    assert not report.ok
    assert [p["message"] for p in report.problems] == [
        "Запись «article» изменили в каталоге после предпросмотра: посмотрите предпросмотр "
        "ещё раз, прежде чем импортировать."
    ]
    edited.refresh_from_db()
    assert (edited.title, edited.notes) == ("Статья", "Правка куратора")
    # The failed confirmation is the new preview: confirming it again imports.
    batch.refresh_from_db()
    assert imports.confirm(batch).ok
    edited.refresh_from_db()
    assert (edited.title, edited.notes, edited.version) == (
        "Статья (исправлено)",
        "Правка куратора",
        3,
    )


def test_an_import_counts_a_version_and_an_older_form_is_then_refused(curator, editor):
    make_source(key="article", title="Статья")
    client = Client()
    client.force_login(editor)
    url = admin_url(Source, "change", Source.objects.get().pk)
    opened = form_data(client.get(url), "source_form")
    content = xlsx([["key", "kind", "title"], ["article", "article", "Новое название"]])
    batch = imports.new_batch("sources", "s.xlsx", ContentFile(content), user=curator)
    assert imports.preview(batch).ok and imports.confirm(batch).ok
    assert Source.objects.get().version == 2
    opened["notes"] = ["Правка по старой форме"]
    assert client.post(url, opened).status_code == 200
    assert Source.objects.get().title == "Новое название"
    assert Source.objects.get().notes == ""


def test_publishing_on_import_is_recorded_as_a_transition(editor):
    content = xlsx([["key", "kind", "title"], ["new-source", "article", "Новая статья"]])
    batch = imports.new_batch("sources", "s.xlsx", ContentFile(content), user=editor, publish=True)
    assert imports.preview(batch).ok and imports.confirm(batch).ok
    source = Source.objects.get(key="new-source")
    assert source.state == "published"
    # Created as a draft, then published: the same transition as an editor's in the admin.
    transition = transitions(source).get()
    assert (transition.from_state, transition.to_state, transition.user) == (
        "draft",
        "published",
        editor,
    )
    assert "импорт" in transition.comment
    # Undoing the import deletes the record; the log keeps the transition.
    batch.refresh_from_db()
    imports.undo(batch, editor)
    assert not Source.objects.filter(key="new-source").exists()
    assert ImportBatch.objects.get().status == "undone"


def test_on_sqlite_a_writer_waits_for_the_other_instead_of_failing(tmp_path):
    """Two connections with the catalogue's settings (IMMEDIATE transactions, a timeout) to
    one database file: the second writer waits for the first and then succeeds."""
    options = settings.SQLITE_OPTIONS
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 5
    path = tmp_path / "catalogue.sqlite3"
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE record (id INTEGER PRIMARY KEY, version INTEGER)")
    setup.execute("INSERT INTO record VALUES (1, 1)")
    setup.commit()
    setup.close()

    def connect():
        return sqlite3.connect(path, timeout=options["timeout"], isolation_level=None)

    holding = threading.Event()
    errors = []

    def first_writer():
        db = connect()
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE record SET version = version + 1")
        holding.set()
        time.sleep(0.5)
        db.execute("COMMIT")

    thread = threading.Thread(target=first_writer)
    thread.start()
    holding.wait()
    second = connect()
    started = time.monotonic()
    try:
        second.execute("BEGIN IMMEDIATE")
        second.execute("UPDATE record SET version = version + 1 WHERE version = 2")
        second.execute("COMMIT")
    except sqlite3.OperationalError as error:  # "database is locked"
        errors.append(error)
    thread.join()
    assert errors == []
    assert time.monotonic() - started >= 0.3
    assert second.execute("SELECT version FROM record").fetchone() == (3,)


# Revert


@pytest.fixture
def edited(ready, curator_client):
    """The agreement after two changes in the admin: a title, then a kind."""
    url = admin_url(Agreement, "change", ready.pk)
    topic = make_topic(name_ru="Космос")
    for changes in (
        {"title_en": "Agreement on science", "topics": str(topic.pk), "signed_on": "07.1998"},
        {"kind": "memorandum", "title_ru": "Меморандум о науке", "topics": []},
    ):
        response = post_form(curator_client, url, changes, form_id="agreement_form")
        assert response.status_code == 302, response.content.decode()[:2000]
    ready.refresh_from_db()
    return ready


def test_an_editor_reverts_a_record_to_an_earlier_version(edited, editor, editor_client):
    # The version after the first edit: its topic was saved after the record, in a row of its own.
    first_edit = edited.history.filter(kind="agreement").first()
    url = admin_url(Agreement, "revert", edited.pk, first_edit.history_id)
    page = editor_client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Вид:" in text and "меморандум" in text and "соглашение" in text
    response = editor_client.post(url, {"version": edited.version, "comment": "Ошибка"})
    assert response.status_code == 302
    edited.refresh_from_db()
    assert (edited.kind, edited.title_ru, edited.title_en) == (
        "agreement",
        "Соглашение о науке",
        "Agreement on science",
    )
    assert [t.name_ru for t in edited.topics.all()] == ["Космос"]
    assert edited.state == "draft"
    latest = edited.history.first()
    assert latest.history_user == editor
    assert latest.history_change_reason.startswith("Возвращена версия от ")
    assert latest.history_change_reason.endswith(". Ошибка")


def test_a_revert_keeps_the_publication_state(edited, editor, editor_client):
    first = edited.history.order_by("history_date", "history_id").first()
    workflow.apply(edited, "publish", editor)
    url = admin_url(Agreement, "revert", edited.pk, first.history_id)
    assert editor_client.post(url, {"version": edited.version}).status_code == 302
    edited.refresh_from_db()
    assert edited.state == "published"
    assert edited.title_en == "Agreement 1" or edited.title_en.startswith("Agreement")


def test_a_revert_from_an_outdated_page_is_refused(edited, editor_client):
    first = edited.history.order_by("history_date", "history_id").first()
    url = admin_url(Agreement, "revert", edited.pk, first.history_id)
    response = editor_client.post(url, {"version": edited.version - 1})
    assert response.status_code == 200
    assert "Ваши изменения не сохранены" in response.content.decode()
    edited.refresh_from_db()
    assert edited.kind == "memorandum"


def test_only_an_editor_may_revert(edited, curator_client, editor_client):
    first = edited.history.order_by("history_date", "history_id").first()
    url = admin_url(Agreement, "revert", edited.pk, first.history_id)
    assert curator_client.get(url).status_code == 403
    assert curator_client.post(url, {"version": edited.version}).status_code == 403
    history = admin_url(Agreement, "history", edited.pk)
    assert url not in curator_client.get(history).content.decode()
    assert url in editor_client.get(history).content.decode()


def test_reverting_to_a_version_of_another_record_is_not_found(edited, editor_client):
    other = make_agreement()
    version = other.history.first()
    url = admin_url(Agreement, "revert", edited.pk, version.history_id)
    assert editor_client.get(url).status_code == 404


# History


def test_the_history_shows_a_readable_difference_of_each_change(edited, curator_client):
    page = curator_client.get(admin_url(Agreement, "history", edited.pk)).content.decode()
    assert 'Вид:</strong> <span class="old">соглашение</span> &rarr; ' in page
    assert '<span class="new">меморандум</span>' in page
    assert 'Подписано:</strong> <span class="old">—</span> &rarr; ' in page
    assert '<span class="new">Июль 1998</span>' in page
    assert '<span class="new">Космос</span>' in page  # a many-to-many change
    assert "Текст для поиска" not in page  # the app's own columns are left out
    assert "Версия" not in page


def test_the_history_shows_the_difference_of_each_part(ready, curator_client):
    party = ready.party_set.first()
    url = admin_url(Agreement, "change", ready.pk)
    data = form_data(curator_client.get(url), "agreement_form")
    data["party_set-0-role"] = ["signatory"]
    assert curator_client.post(url, data).status_code == 302
    assert AgreementParty.objects.get(pk=party.pk).role == "signatory"
    page = curator_client.get(admin_url(Agreement, "history", ready.pk)).content.decode()
    assert 'Роль:</strong> <span class="old">сторона</span>' in page


def test_the_history_lists_the_transitions(ready, editor, curator_client):
    workflow.apply(ready, "publish", editor, "Всё проверено")
    page = curator_client.get(admin_url(Agreement, "history", ready.pk)).content.decode()
    assert "Переходы публикации" in page
    assert "черновик → опубликовано" in page
    assert "Всё проверено" in page


def test_the_history_page_stays_within_the_query_budget(
    edited, editor_client, django_assert_max_num_queries
):
    for n in range(10):
        edited.title_en = f"Title {n}"
        edited.save()
    with django_assert_max_num_queries(30):
        response = editor_client.get(admin_url(Agreement, "history", edited.pk))
    assert response.status_code == 200


# Dashboard


@pytest.fixture
def desk(source, parties, curator, editor):
    """Something for every section of the dashboard."""
    waiting = make_agreement(title_ru="Ждёт проверки", parties=parties)
    waiting.citations.create(source=source, locator="с. 1")
    workflow.apply(waiting, "submit", curator, "Прошу проверить")
    uncited = make_actor(name_ru="Опубликован без источника", state="published")
    bare = make_agreement(title_ru="Цитата без места")
    bare.citations.create(source=source)
    unused = make_source(title="Никем не цитируемый")
    batch = ImportBatch.objects.create(
        sheet="sources", file_name="sources.xlsx", user=curator, status="imported", created=3
    )
    other = make_agreement(title_ru="Правка редактора")
    other._history_user = editor
    other.title_en = "Edited"
    other.save()
    return {"waiting": waiting, "uncited": uncited, "bare": bare, "unused": unused, "batch": batch}


def test_the_dashboard_shows_what_waits_for_the_curators(desk, curator_client):
    response = curator_client.get(reverse("dashboard"))
    assert response.status_code == 200
    sections = {section.key: section for section in response.context["sections"]}
    labels = {key: [row.label for row in s.rows] for key, s in sections.items()}
    assert labels["review"] == [str(desk["waiting"])]
    review = sections["review"].rows[0]
    assert (review.who.username, review.note) == ("curator", "Прошу проверить")
    assert str(desk["uncited"]) in labels["uncited"]
    assert any("Цитата без места" in label for label in labels["bare-citations"])
    assert labels["unused-sources"] == [str(desk["unused"])]
    assert labels["imports"] == [str(desk["batch"])]
    changes = sections["changes"].rows
    edited_by_editor = str(Agreement.objects.get(title_ru="Правка редактора"))
    assert any(row.label == edited_by_editor for row in changes)
    assert all(row.who is None or row.who.username != "curator" for row in changes)
    page = response.content.decode()
    assert "Ждут проверки" in page
    assert "Источники, на которые никто не ссылается" in page


def test_the_dashboard_is_linked_from_the_admin_index(curator_client):
    assert reverse("dashboard") in curator_client.get("/admin/").content.decode()


def test_the_dashboard_lists_are_bounded_and_its_queries_fixed(
    desk, source, curator, curator_client, django_assert_max_num_queries
):
    # A few queries a kind of record and a citation table (gaps and notes among them).
    with django_assert_max_num_queries(60) as few:
        curator_client.get(reverse("dashboard"))
    for n in range(30):
        record = make_agreement(title_ru=f"Ещё одно {n}")
        record.citations.create(source=source, locator=f"с. {n}")
        workflow.apply(record, "submit", curator)
        make_actor(state="published")
        make_source()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = curator_client.get(reverse("dashboard"))
    sections = {section.key: section for section in response.context["sections"]}
    assert sections["review"].count == 31
    assert len(sections["review"].rows) == 20
    assert "Ещё 11." in response.content.decode()


# Public pages


@pytest.mark.parametrize("model", [Agreement, Actor, Project, Source], ids=lambda m: m.__name__)
def test_every_detail_page_says_when_the_record_last_changed(model, client):
    makers = {Agreement: make_agreement, Actor: make_actor, Project: make_project}
    record = makers.get(model, make_source)(state="published")
    model.objects.filter(pk=record.pk).update(
        updated_at=datetime.datetime(2024, 3, 5, 12, tzinfo=datetime.UTC)
    )
    page = client.get(
        record.get_absolute_url()
        if model is not Source
        else reverse("sources:detail", args=[record.key])
    ).content.decode()
    assert "Последнее изменение" in page
    assert "5 марта 2024" in page


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_of_one_record_keep_one_and_refuse_the_other():
    """Two connections read the record, then save at the same moment: the database makes
    the second UPDATE wait for the first, finds the version changed, and it is refused."""
    record = make_agreement(title_ru="Одновременно")
    start = threading.Barrier(2)
    outcomes = []

    def edit(title):
        from django.db import connections

        try:
            copy = Agreement.objects.get(pk=record.pk)
            start.wait()
            with transaction.atomic():
                copy.title_en = title
                copy.save()
                time.sleep(0.2)  # hold the row while the other tries
            outcomes.append(("saved", title))
        except RecordChanged:
            outcomes.append(("refused", title))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=(t,)) for t in ("First", "Second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(kind for kind, _title in outcomes) == ["refused", "saved"]
    saved = next(title for kind, title in outcomes if kind == "saved")
    record.refresh_from_db()
    assert (record.title_en, record.version) == (saved, 2)
    assert record.history.count() == 2


def test_the_history_of_an_agreement_includes_its_relations_and_their_citations(
    ready, source, curator_client
):
    other = make_agreement(title_ru="Другое соглашение")
    relation = AgreementRelation.objects.create(source=ready, target=other, type="amends")
    relation.citations.create(source=source, locator="с. 99")
    page = curator_client.get(admin_url(Agreement, "history", ready.pk)).content.decode()
    assert "Связи между соглашениями" in page
    assert "Цитаты о связи" in page
    assert "с. 99" in page
