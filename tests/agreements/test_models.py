import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agreements.models import (
    Agreement,
    AgreementParty,
    AgreementRelation,
    ProjectFigure,
    ProjectParticipant,
)
from rkst.dates import set_partial_date
from tests.factories import make_actor, make_agreement, make_project

pytestmark = pytest.mark.django_db


def errors_of(record):
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    return error.value.message_dict


def test_a_party_is_listed_once_per_agreement():
    russia = make_actor(kind="state", country="RU")
    agreement = make_agreement(parties=[russia])
    again = AgreementParty(agreement=agreement, actor=russia, side="RU", role="signatory")
    assert errors_of(again)["__all__"] == ["Этот актор уже указан стороной соглашения."]
    with pytest.raises(IntegrityError), transaction.atomic():
        again.save()
    assert agreement.parties.count() == 1


def test_a_party_sits_on_its_country_side():
    kazakhstan = make_actor(kind="state", country="KZ", name_ru="Республика Казахстан")
    party = AgreementParty(agreement=make_agreement(), actor=kazakhstan, side="RU")
    assert errors_of(party)["side"] == [
        "Республика Казахстан относится к стране «Казахстан», а не к этой стороне."
    ]


def test_an_agreement_cannot_be_related_to_itself():
    agreement = make_agreement()
    relation = AgreementRelation(source=agreement, target=agreement, type="supplements")
    assert errors_of(relation)["__all__"] == ["Соглашение не может быть связано с самим собой."]
    with pytest.raises(IntegrityError), transaction.atomic():
        relation.save()
    assert not AgreementRelation.objects.exists()


def test_a_relation_is_recorded_once():
    first, second = make_agreement(), make_agreement()
    AgreementRelation.objects.create(source=first, target=second, type="supplements")
    again = AgreementRelation(source=first, target=second, type="supplements")
    assert errors_of(again)["__all__"] == ["Эта связь уже записана."]


def test_agreement_keys_are_unique():
    make_agreement(key="ru-kz-1996")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_agreement(key="ru-kz-1996")


def test_an_agreement_does_not_enter_into_force_before_signing():
    agreement = make_agreement()
    set_partial_date(agreement, "signed_on", "25.11.1996")
    set_partial_date(agreement, "in_force_on", "1995")
    assert errors_of(agreement)["in_force_on"] == [
        "Соглашение не может вступить в силу раньше, чем подписано."
    ]


def test_an_expired_agreement_has_an_end_date():
    agreement = make_agreement(status="expired")
    assert errors_of(agreement)["ended_on"] == [
        "Для истёкшего или прекращённого соглашения нужна дата окончания."
    ]


def test_the_framework_is_an_international_organisation():
    agreement = make_agreement(organisation=make_actor(kind="ministry"))
    assert errors_of(agreement)["organisation"] == [
        "Рамочной может быть только международная организация."
    ]


def test_the_place_of_signing_is_a_place():
    agreement = make_agreement(signed_place=make_actor(kind="university"))
    assert errors_of(agreement)["signed_place"] == [
        "Место подписания — город, регион или государство."
    ]


def test_signed_between_uses_the_earliest_day_of_a_partial_date():
    in_1998 = make_agreement()
    set_partial_date(in_1998, "signed_on", "1998")
    in_1998.save()
    in_2001 = make_agreement()
    set_partial_date(in_2001, "signed_on", "15.06.2001")
    in_2001.save()
    assert list(Agreement.objects.signed_between(1998, 1998)) == [in_1998]
    assert list(Agreement.objects.signed_between(1999, None)) == [in_2001]
    assert Agreement.objects.get(pk=in_1998.pk).signed.iso() == "1998"


def test_a_project_has_each_participant_once():
    project, actor = make_project(), make_actor()
    ProjectParticipant.objects.create(project=project, actor=actor)
    again = ProjectParticipant(project=project, actor=actor, role="investor")
    assert errors_of(again)["__all__"] == ["Этот актор уже участвует в проекте."]


def test_a_figure_is_a_number_with_a_unit():
    project = make_project()
    figure = ProjectFigure.objects.create(
        project=project,
        measure="length",
        label_ru="Длина",
        label_en="Length",
        value=Decimal("9447"),
        unit="km",
    )
    assert ProjectFigure.objects.get(pk=figure.pk).value == Decimal("9447")
    again = ProjectFigure(
        project=project,
        measure="length",
        label_ru="Длина",
        label_en="Length",
        value=1,
        unit="km",
    )
    assert errors_of(again)["__all__"] == ["У проекта уже есть показатель с этой мерой."]
    assert str(figure) == "Длина: 9447 km"


def test_a_project_does_not_end_before_it_starts():
    project = make_project(
        started_on=datetime.date(2005, 1, 1),
        started_on_precision="year",
        ended_on=datetime.date(2004, 1, 1),
        ended_on_precision="year",
    )
    assert errors_of(project)["ended_on"] == ["Проект не может закончиться раньше, чем начался."]
