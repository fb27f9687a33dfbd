"""Bulk edit in the admin: select records on a list, choose a field, an operation, a value
and a reason, read the preview of each record's old and new values, confirm; written through
the write path (history with the reason, versions, the catalogue's version once), refused as
a whole when a record changed since the preview or the change does not fit one of them."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from actors.models import Actor
from agreements.models import Agreement, Project
from rkst.models import CatalogueVersion
from tests.factories import make_actor, make_agreement, make_project, make_source, make_topic
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def bulk_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_bulk_edit")


def open_form(client, records):
    model = type(records[0])
    response = client.post(
        changelist(model), {"action": "bulk_edit", "_selected_action": [r.pk for r in records]}
    )
    assert response.status_code == 200, response.content[:500]
    return response


def preview(client, records, **values):
    data = form_data(open_form(client, records), "bulk-form")
    for name, value in values.items():
        data[name] = value if isinstance(value, list) else [value]
    return client.post(bulk_url(type(records[0])), data)


def confirm(client, model, preview_response):
    data = form_data(preview_response, "bulk-confirm")
    assert data.get("token"), preview_response.content.decode()[:3000]
    return client.post(bulk_url(model), data)


def page(response):
    return response.content.decode()


def test_the_preview_shows_each_records_old_and_new_value(curator_client):
    first = make_agreement(title_ru="Первое соглашение", level="interstate")
    second = make_agreement(title_ru="Второе соглашение", level="interagency")
    third = make_agreement(title_ru="Третье соглашение", level="interregional")
    response = preview(
        curator_client,
        [first, second, third],
        field="level",
        operation="set",
        value_level="interregional",
        reason="Уровень по тексту",
    )
    text = page(response)
    assert response.status_code == 200
    assert 'межгосударственный</span> &rarr; <span class="new">межрегиональный' in text
    assert 'межведомственный</span> &rarr; <span class="new">межрегиональный' in text
    assert "не изменится" in text  # the third already has it
    assert "Выбрано записей: 3; изменится: 2." in text
    # Nothing is written by a preview.
    assert set(Agreement.objects.values_list("level", flat=True)) == {
        "interstate",
        "interagency",
        "interregional",
    }


@pytest.mark.django_db(transaction=True)
def test_a_confirmed_edit_writes_history_with_the_reason_and_bumps_the_catalogue_once(
    curator_client, curator
):
    agreements = [make_agreement(level="interstate") for _ in range(3)]
    response = preview(
        curator_client,
        agreements,
        field="level",
        operation="set",
        value_level="multilateral",
        reason="Сверено с текстом",
    )
    before = CatalogueVersion.current()
    versions = {a.pk: Agreement.objects.get(pk=a.pk).version for a in agreements}
    done = confirm(curator_client, Agreement, response)
    assert done.status_code == 302
    assert CatalogueVersion.current() == before + 1
    for agreement in agreements:
        agreement.refresh_from_db()
        assert agreement.level == "multilateral"
        assert agreement.version == versions[agreement.pk] + 1
        latest = agreement.history.first()
        assert latest.history_user == curator
        assert "Сверено с текстом" in latest.history_change_reason
        assert latest.history_change_reason.startswith("Массовое изменение")
    messages = [str(m) for m in done.wsgi_request._messages]
    assert "Изменено: 3; без изменений: 0." in messages


def test_topics_are_added_and_removed_with_their_history(curator_client):
    space, energy = make_topic(name_ru="Космос"), make_topic(name_ru="Энергетика")
    one, two = make_agreement(), make_agreement()
    one.topics.add(space)
    response = preview(
        curator_client,
        [one, two],
        field="topics",
        operation="add",
        value_topics=[str(space.pk), str(energy.pk)],
        reason="Направления по статье",
    )
    assert "Космос, Энергетика" in page(response)
    confirm(curator_client, Agreement, response)
    assert set(one.topics.all()) == set(two.topics.all()) == {space, energy}
    # The history row of the change holds the topics as they are now.
    assert two.history.first().topics.count() == 2

    response = preview(
        curator_client,
        [one, two],
        field="topics",
        operation="remove",
        value_topics=[str(space.pk)],
        reason="Не о космосе",
    )
    confirm(curator_client, Agreement, response)
    assert list(one.topics.all()) == list(two.topics.all()) == [energy]


def test_status_is_set_with_the_day_it_was_checked(curator_client):
    agreements = [make_agreement(), make_agreement()]
    response = preview(
        curator_client,
        agreements,
        field="status",
        operation="set",
        value_status="in_force",
        date_status="2026-11-30",
        reason="Проверено по реестру",
    )
    assert "30 ноября 2026" in page(response)
    confirm(curator_client, Agreement, response)
    for agreement in agreements:
        agreement.refresh_from_db()
        assert agreement.status == "in_force"
        assert str(agreement.status_checked_on) == "2026-11-30"


def test_a_record_edited_between_preview_and_confirm_refuses_the_whole_edit(curator_client, editor):
    first = make_agreement(title_ru="Соглашение А", kind="agreement")
    second = make_agreement(title_ru="Соглашение Б", kind="agreement")
    response = preview(
        curator_client,
        [first, second],
        field="kind",
        operation="set",
        value_kind="memorandum",
        reason="Это меморандумы",
    )
    # Someone else saves the second record in between.
    second.refresh_from_db()
    second.title_en = "Edited meanwhile"
    second.save()
    done = confirm(curator_client, Agreement, response)
    assert done.status_code == 200
    text = page(done)
    assert "Ничего не записано" in text
    assert "Соглашение Б" in text
    assert "Соглашение А" not in text.split("Ничего не записано")[1].split("</p>")[0]
    assert set(Agreement.objects.values_list("kind", flat=True)) == {"agreement"}
    first.refresh_from_db()
    assert first.history.count() == 1


def test_a_change_that_breaks_a_records_rule_is_refused_naming_it(curator_client):
    ended = make_agreement(title_ru="Истёкшее с датой")
    ended.ended_on, ended.ended_on_precision = "2000-01-01", "year"
    ended.save()
    open_ended = make_agreement(title_ru="Без даты окончания")
    response = preview(
        curator_client,
        [ended, open_ended],
        field="status",
        operation="set",
        value_status="expired",
        reason="Истекли",
    )
    text = page(response)
    assert "Истекшему или прекращённому соглашению нужна дата окончания" in text or (
        "дата окончания" in text
    )
    assert 'id="bulk-confirm"' not in text
    assert set(Agreement.objects.values_list("status", flat=True)) == {"unknown"}


def test_a_published_record_must_stay_publishable(curator_client):
    source = make_source(state="published")
    published = make_agreement(title_ru="Опубликованное", state="published")
    published.citations.create(source=source, locator="с. 1")
    draft_organisation = make_actor(name_ru="Черновая организация", kind="organisation")
    response = preview(
        curator_client,
        [published],
        field="organisation",
        operation="set",
        value_organisation=str(draft_organisation.pk),
        reason="В рамках организации",
    )
    text = page(response)
    assert "Черновая организация" in text
    assert "ещё не опубликованную запись" in text
    assert 'id="bulk-confirm"' not in text
    published.refresh_from_db()
    assert published.organisation is None


def test_actors_and_projects_take_bulk_edits_too(curator_client):
    region = make_actor(name_ru="Омская область", kind="region")
    actors = [make_actor(), make_actor()]
    response = preview(
        curator_client,
        actors,
        field="located_in",
        operation="set",
        value_located_in=str(region.pk),
        reason="Адрес",
    )
    confirm(curator_client, Actor, response)
    assert {a.located_in_id for a in Actor.objects.filter(pk__in=[a.pk for a in actors])} == {
        region.pk
    }
    projects = [make_project(kind="research"), make_project(kind="research")]
    response = preview(
        curator_client, projects, field="kind", operation="set", value_kind="plant", reason="Заводы"
    )
    confirm(curator_client, Project, response)
    assert set(Project.objects.values_list("kind", flat=True)) == {"plant"}


def test_the_reason_and_the_value_are_required(curator_client):
    agreement = make_agreement()
    response = preview(curator_client, [agreement], field="level", operation="set", reason="")
    text = page(response)
    assert "Обязательное поле." in text
    assert "Укажите значение." in text
    assert 'id="bulk-confirm"' not in text


def test_an_operation_the_field_does_not_take_is_refused(curator_client):
    agreement = make_agreement()
    response = preview(
        curator_client, [agreement], field="level", operation="clear", reason="Очистить"
    )
    assert "нельзя изменить так" in page(response)


def test_a_user_without_the_change_permission_cannot_bulk_edit(db, django_user_model):
    agreement = make_agreement(level="interstate")
    reader = django_user_model.objects.create_user(username="reader", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_agreement"))
    client = Client()
    client.force_login(reader)
    listing = client.get(changelist(Agreement))
    assert listing.status_code == 200
    assert 'value="bulk_edit"' not in page(listing)
    response = client.post(
        bulk_url(Agreement),
        {
            "stage": "preview",
            "ids": str(agreement.pk),
            "field": "level",
            "operation": "set",
            "value_level": "multilateral",
            "reason": "Попытка",
        },
    )
    assert response.status_code == 403
    agreement.refresh_from_db()
    assert agreement.level == "interstate"


def test_a_forged_confirmation_writes_nothing(curator_client):
    agreement = make_agreement(level="interstate")
    response = curator_client.post(
        bulk_url(Agreement), {"stage": "confirm", "token": "forged:token"}
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.level == "interstate"
