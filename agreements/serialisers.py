"""Agreements and projects as the public reads them off their pages: export rows, JSON-LD."""

from django.db.models import Prefetch

from actors.models import Actor
from rkst.models import public_or_none
from rkst.serialisers import CITATION_FIELDS, Serialiser, citation_rows, key_of

from .models import Agreement, AgreementParty, Project


def public_parties():
    """The public parties of each agreement, in their order, as its `public_parties`."""
    return Prefetch(
        "party_set",
        # Grouped by agreement when prefetched: the model's ordering by agreement would join
        # the agreements again. The actors' long texts are not shown beside a party.
        queryset=AgreementParty.objects.public()
        .select_related("actor")
        .defer(*(f"actor__{name}" for name in Actor.LONG_TEXTS))
        .order_by("order", "id"),
        to_attr="public_parties",
    )


class AgreementSerialiser(Serialiser):
    model = Agreement
    name = "agreements"
    columns = [
        "key", "url", "title_ru", "title_en", "title_supplied", "kind", "level", "signed_on",
        "signed_place", "approved_on", "status", "organisation", "parties", "topics", "citations",
    ]  # fmt: skip
    related = ("signed_place", "organisation")
    parts = {"topics": ()}
    tables = {"parties": ("key", "name_ru", "name_en", "role"), "citations": CITATION_FIELDS}

    def prefetches(self, as_lists=False):
        return [public_parties(), *super().prefetches(as_lists)]

    def row(self, agreement):
        place = public_or_none(agreement.signed_place)
        return {
            "key": agreement.key,
            "url": self.url(agreement),
            "title_ru": agreement.title_ru,
            "title_en": agreement.title_en,
            "title_supplied": agreement.title_supplied,
            "kind": agreement.kind,
            "level": agreement.level,
            "signed_on": agreement.signed.iso() if agreement.signed else None,
            "signed_place": place.name_ru if place else None,
            "approved_on": agreement.approved.iso() if agreement.approved else None,
            "status": agreement.status,
            "organisation": key_of(public_or_none(agreement.organisation)),
            "parties": [
                {
                    "key": p.actor.key,
                    "name_ru": p.actor.name_ru,
                    "name_en": p.actor.name_en,
                    "role": p.role,
                }
                for p in agreement.public_parties
            ],  # fmt: skip
            "topics": [topic.code for topic in agreement.topics.all()],
            "citations": citation_rows(agreement),
        }

    def json_ld(self, agreement, version=None):
        data = {
            "@type": "Legislation",
            "name": agreement.title(),
            "alternateName": agreement.title_en
            if self.request.LANGUAGE_CODE[:2] == "ru"
            else agreement.title_ru,
            "legislationDate": agreement.signed.iso() if agreement.signed else None,
            "legislationType": agreement.get_kind_display(),
            "about": [topic.name() for topic in agreement.topics.all()],
        }
        return self.linked_data(agreement, version, data)


class ProjectSerialiser(Serialiser):
    model = Project
    name = "projects"
    columns = [
        "key", "url", "name_ru", "name_en", "kind", "started_on", "ended_on", "place",
        "participants", "figures", "citations",
    ]  # fmt: skip
    related = ("place",)
    parts = {"figures": (), "participant_set": ("actor",)}
    tables = {
        "participants": ("key", "name_ru", "role"),
        "figures": ("measure", "value", "unit"),
        "citations": CITATION_FIELDS,
    }

    def row(self, project):
        return {
            "key": project.key,
            "url": self.url(project),
            "name_ru": project.name_ru,
            "name_en": project.name_en,
            "kind": project.kind,
            "started_on": project.started.iso() if project.started else None,
            "ended_on": project.ended.iso() if project.ended else None,
            "place": key_of(public_or_none(project.place)),
            "participants": [
                {"key": p.actor.key, "name_ru": p.actor.name_ru, "role": p.role}
                for p in project.participant_set.all()
            ],
            "figures": [
                {"measure": f.measure, "value": f.amount(), "unit": f.unit}
                for f in project.figures.all()
            ],
            "citations": citation_rows(project),
        }

    def json_ld(self, project, version=None):
        return self.linked_data(project, version, {"@type": "Project", "name": project.name()})
