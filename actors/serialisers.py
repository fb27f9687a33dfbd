"""An actor as the public reads it off its page: its export row and its JSON-LD."""

from rkst.models import public_or_none
from rkst.serialisers import CITATION_FIELDS, Serialiser, citation_rows, key_of

from .models import Actor

# The schema.org type of each kind of actor; any other kind is an Organization.
SCHEMA_TYPES = {
    Actor.Kind.STATE: "GovernmentOrganization",
    Actor.Kind.GOVERNMENT: "GovernmentOrganization",
    Actor.Kind.MINISTRY: "GovernmentOrganization",
    Actor.Kind.ADMINISTRATION: "GovernmentOrganization",
    Actor.Kind.REGION: "Place",
    Actor.Kind.CITY: "Place",
}


class ActorSerialiser(Serialiser):
    model = Actor
    name = "actors"
    columns = [
        "key", "url", "name_ru", "name_en", "short_name_ru", "kind", "country", "parent",
        "located_in", "founded_on", "aliases", "wikidata", "citations",
    ]  # fmt: skip
    related = ("parent", "located_in")
    parts = {"aliases": ()}
    tables = {"citations": CITATION_FIELDS}

    def row(self, actor):
        return {
            "key": actor.key,
            "url": self.url(actor),
            "name_ru": actor.name_ru,
            "name_en": actor.name_en,
            "short_name_ru": actor.short_name_ru,
            "kind": actor.kind,
            "country": actor.country,
            "parent": key_of(public_or_none(actor.parent)),
            "located_in": key_of(public_or_none(actor.located_in)),
            "founded_on": actor.founded.iso() if actor.founded else None,
            "aliases": [alias.name for alias in actor.aliases.all()],
            "wikidata": actor.wikidata,
            "citations": citation_rows(actor),
        }

    def json_ld(self, actor, version=None):
        data = {
            "@type": SCHEMA_TYPES.get(actor.kind, "Organization"),
            "name": actor.name(),
            "alternateName": [alias.name for alias in actor.aliases.all()],
        }
        return self.linked_data(actor, version, data)
