"""Records for tests: each call makes a new, valid record; keyword arguments override."""

import itertools

from actors.models import Actor
from agreements.models import Agreement, AgreementParty, AgreementRelation, Project, Topic
from rkst.dates import set_partial_date
from rkst.models import EditorialNote, KnownGap, Source

_keys = itertools.count(1)


def make_source(**kwargs):
    n = next(_keys)
    fields = {"key": f"source-{n}", "kind": Source.Kind.ARTICLE, "title": f"Статья {n}"}
    return Source.objects.create(**fields | kwargs)


def make_actor(**kwargs):
    n = next(_keys)
    fields = {
        "key": f"actor-{n}",
        "name_ru": f"Организация {n}",
        "name_en": f"Organisation {n}",
        "kind": Actor.Kind.RESEARCH_CENTRE,
        "country": Actor.Country.RU,
    }
    return Actor.objects.create(**fields | kwargs)


def make_agreement(parties=(), signed=None, **kwargs):
    n = next(_keys)
    fields = {
        "key": f"agreement-{n}",
        "title_ru": f"Соглашение {n}",
        "title_en": f"Agreement {n}",
        "kind": Agreement.Kind.AGREEMENT,
        "level": Agreement.Level.INTERGOVERNMENTAL,
    }
    agreement = Agreement.objects.create(**fields | kwargs)
    if signed:
        set_partial_date(agreement, "signed_on", signed)
        agreement.save()
    for order, actor in enumerate(parties):
        side = actor.country if actor.country in ("RU", "KZ") else AgreementParty.Side.THIRD
        AgreementParty.objects.create(agreement=agreement, actor=actor, side=side, order=order)
    return agreement


def make_relation(source, target, type=AgreementRelation.Type.SUPPLEMENTS, **kwargs):
    return AgreementRelation.objects.create(source=source, target=target, type=type, **kwargs)


def make_project(**kwargs):
    n = next(_keys)
    fields = {"key": f"project-{n}", "name_ru": f"Проект {n}", "kind": Project.Kind.RESEARCH}
    return Project.objects.create(**fields | kwargs)


def make_topic(**kwargs):
    n = next(_keys)
    fields = {"code": f"topic-{n}", "name_ru": f"Направление {n}", "name_en": f"Topic {n}"}
    return Topic.objects.create(**fields | kwargs)


def connection_lost(message="server closed the connection unexpectedly", sqlstate=None):
    """The error Django raises when PostgreSQL goes away mid-request: its OperationalError
    wrapping psycopg's, whose SQLSTATE is None when the client lost the server."""
    import psycopg
    from django.db import OperationalError

    cause = psycopg.OperationalError(message)
    if sqlstate:
        cause = psycopg.errors.lookup(sqlstate)(message)
    error = OperationalError(message)
    error.__cause__ = cause
    return error


def make_note(record, field="", **kwargs):
    """An editorial note on `record` (or on its fact `field`)."""
    n = next(_keys)
    fields = {"text_ru": f"Заметка {n}", "text_en": f"Note {n}"}
    return EditorialNote.objects.create(record=record, field=field, **fields | kwargs)


def make_gap(**kwargs):
    n = next(_keys)
    fields = {
        "key": f"gap-{n}",
        "description_ru": f"Пробел {n}",
        "description_en": f"Gap {n}",
        "expected": 3,
        "bound": KnownGap.Bound.MORE_THAN,
    }
    return KnownGap.objects.create(**fields | kwargs)
