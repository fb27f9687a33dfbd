"""The optimistic lock fails closed: a save from a form opened on an older version of a record,
or from a form that does not say which version it was opened on, is refused with a message,
the curator's input is kept, and the newer edit stays."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from actors.models import Actor
from agreements.models import Agreement, Project
from rkst.dates import PartialDate
from rkst.models import RecordChanged
from tests.factories import make_actor, make_agreement, make_project
from tests.forms import form_data

pytestmark = pytest.mark.django_db

STALE = "Ваши изменения не сохранены, чтобы не затереть чужие"
UNVERSIONED = "Форма не сообщила, какую версию записи вы открыли"


def dated(name):
    """The fields of a partial date known to the year."""
    date = PartialDate.parse("1998")
    return {name: date.earliest, f"{name}_precision": date.precision}


RECORDS = {
    "agreement": (Agreement, lambda: make_agreement(**dated("signed_on")), "title_en"),
    "actor": (Actor, lambda: make_actor(**dated("founded_on")), "name_en"),
    "project": (Project, lambda: make_project(**dated("started_on")), "name_en"),
}


def change_url(record):
    meta = record._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("kind", RECORDS)
def test_the_second_of_two_saves_of_a_dated_record_is_refused_naming_the_first(
    kind, curator, editor
):
    model, make, text_field = RECORDS[kind]
    record = make()
    first, second = logged_in(curator), logged_in(editor)
    url = change_url(record)
    form_id = f"{model._meta.model_name}_form"
    first_form = form_data(first.get(url), form_id)
    second_form = form_data(second.get(url), form_id)

    first_form[text_field] = ["Saved first"]
    assert first.post(url, first_form).status_code == 302
    second_form[text_field] = ["Saved second"]
    response = second.post(url, second_form)

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page
    assert "curator сохранил(а) эту запись" in page
    assert 'value="Saved second"' in page  # the input is kept to be typed again
    assert 'value="1998"' in page  # the date as the curator typed it
    record.refresh_from_db()
    assert getattr(record, text_field) == "Saved first"
    assert record.version == 2
    assert record.history.count() == 2


@pytest.mark.parametrize(
    "version",
    [None, "", "1", "2", "1:forged-signature", "0"],
    ids=["missing", "empty", "unsigned", "unsigned-newer", "forged", "zero"],
)
def test_a_change_form_without_a_signed_version_is_refused(version, curator, editor):
    record = make_agreement(**dated("signed_on"), title_en="Original")
    client = logged_in(curator)
    url = change_url(record)
    data = form_data(client.get(url), "agreement_form")
    if version is None:
        del data["version"]
    else:
        data["version"] = [version]
    data["title_en"] = ["Overwritten"]

    response = client.post(url, data)

    assert response.status_code == 200
    assert UNVERSIONED in response.content.decode()
    record.refresh_from_db()
    assert (record.title_en, record.version) == ("Original", 1)


def test_a_record_saved_between_the_form_check_and_the_save_is_refused_keeping_the_input(
    curator, editor, monkeypatch
):
    """The race the form's check cannot see (PostgreSQL: SQLite serialises whole requests):
    the save finds a newer version, everything is rolled back, and the form is checked
    again against that version. Simulated: the first save is refused by the lock, and the
    other curator's edit is in the database when the form is checked again."""
    from django.contrib.admin import ModelAdmin

    from agreements.admin import AgreementAdmin

    record = make_agreement(**dated("signed_on"), title_en="Original")
    client = logged_in(curator)
    url = change_url(record)
    data = form_data(client.get(url), "agreement_form")
    data["title_en"] = ["Mine"]
    passes = []
    view = ModelAdmin.changeform_view

    def changeform_view(self, request, *args, **kwargs):
        passes.append(request.method)
        if len(passes) == 2:
            other = Agreement.objects.get(pk=record.pk)
            other.title_en = "Theirs"
            other._history_user = editor
            other.save()
        return view(self, request, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        raise RecordChanged(obj)

    monkeypatch.setattr(ModelAdmin, "changeform_view", changeform_view)
    monkeypatch.setattr(AgreementAdmin, "save_model", save_model)
    response = client.post(url, data)

    assert passes == ["POST", "POST"]
    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page
    assert "editor сохранил(а) эту запись" in page
    assert 'value="Mine"' in page
    record.refresh_from_db()
    assert (record.title_en, record.version) == ("Theirs", 2)


def test_a_stale_copy_saved_in_code_raises_and_keeps_its_version():
    record = make_agreement(**dated("signed_on"))
    first, second = Agreement.objects.get(pk=record.pk), Agreement.objects.get(pk=record.pk)
    first.title_en = "First"
    first.save()
    second.title_en = "Second"
    with pytest.raises(RecordChanged), transaction.atomic():
        second.save()
    assert second.version == 1
    record.refresh_from_db()
    assert (record.title_en, record.version) == ("First", 2)


def test_loading_a_dump_over_edited_records_takes_the_dump_as_it_is():
    """`make run` loads the seed over the rows it loaded before: a raw load has no form whose
    version could be stale, so it is not refused."""
    from django.core import serializers

    actor = make_actor(name_en="As dumped")
    dump = serializers.serialize("json", [actor])
    actor.name_en = "Edited since"
    actor.save()
    for obj in serializers.deserialize("json", dump):
        obj.save()
    actor.refresh_from_db()
    assert actor.name_en == "As dumped"


def test_a_stale_save_writes_none_of_the_form_s_inlines(curator, editor):
    from tests.factories import make_source

    source = make_source(key="law", title="Закон")
    record = make_agreement(**dated("signed_on"), title_en="Original")
    first, second = logged_in(curator), logged_in(editor)
    url = change_url(record)
    first_form = form_data(first.get(url), "agreement_form")
    second_form = form_data(second.get(url), "agreement_form")
    first_form["title_en"] = ["Saved first"]
    assert first.post(url, first_form).status_code == 302

    second_form.update(
        {
            "citations-TOTAL_FORMS": ["1"],
            "citations-0-source": [str(source.pk)],
            "citations-0-locator": ["ст. 5"],
            "citations-0-rank": ["normal"],
        }
    )
    response = second.post(url, second_form)

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page
    assert 'value="ст. 5"' in page  # the inline's input is kept too
    assert not record.citations.exists()
