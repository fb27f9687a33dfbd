import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from actors.models import Actor, ActorAlias, ActorCitation
from tests.factories import make_actor, make_source

pytestmark = pytest.mark.django_db


def errors_of(record):
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    return error.value.message_dict


def test_a_key_is_unique_in_the_database():
    make_actor(key="kaznu")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_actor(key="kaznu")
    assert Actor.objects.filter(key="kaznu").count() == 1


def test_a_duplicate_key_is_refused_with_a_message():
    make_actor(key="kaznu")
    actor = Actor(key="kaznu", name_ru="Другой", kind="university", country="KZ")
    assert errors_of(actor)["key"] == ["Запись с таким ключом уже существует: выберите другой."]


def test_a_key_is_lowercase_latin_with_hyphens():
    actor = Actor(key="КазНУ 1", name_ru="КазНУ", kind="university", country="KZ")
    assert errors_of(actor)["key"] == [
        "Ключ состоит из строчных латинских букв и цифр, соединённых одиночными дефисами."
    ]


def test_an_actor_cannot_be_part_of_its_own_branch():
    academy = make_actor(kind="academy")
    branch = make_actor(kind="branch", parent=academy)
    academy.parent = branch
    assert errors_of(academy)["parent"] == ["Актор оказался бы частью собственного подразделения."]


def test_an_actor_cannot_be_part_of_itself():
    academy = make_actor(kind="academy")
    academy.parent = academy
    assert errors_of(academy)["parent"] == ["Актор не может быть частью самого себя."]


def test_an_actor_is_located_in_a_place():
    university = make_actor(kind="university")
    institute = make_actor(located_in=university)
    assert errors_of(institute)["located_in"] == [
        "Актор может находиться в государстве, регионе или городе."
    ]


def test_a_date_needs_its_precision():
    actor = make_actor(founded_on=datetime.date(2001, 6, 15))
    assert errors_of(actor)["founded_on_precision"] == [
        "Укажите точность даты: день, месяц или год."
    ]


def test_an_actor_cannot_end_before_it_begins():
    actor = make_actor(
        founded_on=datetime.date(2001, 1, 1),
        founded_on_precision="year",
        dissolved_on=datetime.date(2000, 5, 1),
        dissolved_on_precision="month",
    )
    assert errors_of(actor)["dissolved_on"] == [
        "Актор не может прекратить существование раньше, чем возник."
    ]


def test_a_year_and_a_day_in_that_year_are_not_out_of_order():
    actor = make_actor(
        founded_on=datetime.date(2001, 1, 1),
        founded_on_precision="year",
        dissolved_on=datetime.date(2001, 6, 1),
        dissolved_on_precision="day",
    )
    actor.full_clean()


def test_a_wikidata_item_looks_like_one():
    actor = make_actor(wikidata="159")
    assert errors_of(actor)["wikidata"] == ["Элемент Викиданных выглядит так: Q159."]


def test_an_actor_has_each_alias_once():
    actor = make_actor()
    ActorAlias.objects.create(actor=actor, name="МГУ", kind="acronym")
    duplicate = ActorAlias(actor=actor, name="МГУ", kind="acronym")
    assert errors_of(duplicate)["__all__"] == ["У этого актора уже есть такое название."]
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_a_source_is_cited_once_per_place_and_fact():
    actor, source = make_actor(), make_source()
    ActorCitation.objects.create(record=actor, source=source, field="founded_on", locator="с. 5")
    again = ActorCitation(record=actor, source=source, field="founded_on", locator="с. 5")
    assert errors_of(again)["__all__"] == [
        "Этот источник уже процитирован в этом месте для этого факта."
    ]


def test_a_citation_supports_a_known_fact():
    citation = ActorCitation(record=make_actor(), source=make_source(), field="salary")
    assert errors_of(citation)["field"] == ["Значения 'salary' нет среди допустимых вариантов."]


def test_a_deprecated_claim_says_why():
    citation = ActorCitation(
        record=make_actor(), source=make_source(), field="founded_on", rank="deprecated"
    )
    assert errors_of(citation)["note"] == [
        "Объясните, почему цитата отклонена, или укажите, что утверждает источник."
    ]


def test_a_relayed_citation_names_the_relaying_work():
    source = make_source()
    citation = ActorCitation(record=make_actor(), source=source, found_in_locator="с. 3")
    assert errors_of(citation)["found_in"] == ["Укажите работу, к которой относится это место."]
    citation.found_in = source
    assert errors_of(citation)["found_in"] == ["Источник не может цитироваться через самого себя."]


def test_a_cited_source_cannot_be_deleted():
    from django.db.models import ProtectedError

    source = make_source()
    ActorCitation.objects.create(record=make_actor(), source=source)
    with pytest.raises(ProtectedError):
        source.delete()


def test_a_short_name_never_borrows_the_other_language_while_the_actor_has_a_name_in_it():
    from django.utils import translation

    actor = Actor(name_ru="Правительство Республики Казахстан", name_en="Kazakh Government body")
    actor.short_name_en = "Kazakh Government"
    with translation.override("ru"):
        assert actor.short_name() == "Правительство Республики Казахстан"
    with translation.override("en"):
        assert actor.short_name() == "Kazakh Government"
    actor.short_name_ru = "Правительство РК"
    with translation.override("ru"):
        assert actor.short_name() == "Правительство РК"
    # With no name at all in the page's language, the other language's forms are shown.
    actor.name_en = actor.short_name_en = ""
    with translation.override("en"):
        assert actor.short_name() == "Правительство РК"
