"""The actors' tables of a data release (rkst.releases): actors, their other names and their
citations, read through the visibility layer."""

from django.utils.translation import gettext_lazy as _

from rkst.releases import (
    CHUNK,
    Table,
    citation_table,
    column,
    key_column,
    link_column,
    part_column,
    partial_date_column,
    url_column,
)

from .models import Actor, ActorAlias, ActorCitation


def actor_tables():
    return [
        Table(
            "actors",
            _(
                "States, governments, ministries, regions, cities, academies, universities, "
                "research centres, companies, funds, commissions and international organisations."
            ),
            lambda: (
                Actor.objects.public()
                .select_related("parent", "located_in")
                .defer("search_text", "curator_note")
                .order_by("key")
                .iterator(chunk_size=CHUNK)
            ),
            [
                key_column(Actor),
                url_column("The actor's page in the catalogue."),
                *(
                    column(Actor, name)
                    for name in (
                        "name_ru",
                        "name_en",
                        "short_name_ru",
                        "short_name_en",
                        "kind",
                        "country",
                    )
                ),
                link_column(Actor, "parent", "actors"),
                link_column(Actor, "located_in", "actors"),
                partial_date_column(Actor, "founded_on"),
                partial_date_column(Actor, "dissolved_on"),
                *(
                    column(Actor, name)
                    for name in (
                        "iso_3166_2",
                        "wikidata",
                        "website",
                        "description_ru",
                        "description_en",
                        "updated_at",
                    )
                ),
            ],
        ),
        Table(
            "actor_names",
            _("Other names of actors: former names, acronyms, transliterations."),
            lambda: (
                ActorAlias.objects.public()
                .select_related("actor")
                .order_by("actor__key", "pk")
                .iterator(chunk_size=CHUNK)
            ),
            [
                part_column(ActorAlias, "actor", "actors"),
                column(ActorAlias, "name", required=True),
                *(column(ActorAlias, name) for name in ("kind", "language", "note")),
            ],
            ["actor", "name"],
        ),
        citation_table(
            "actor_citations",
            ActorCitation,
            "actors",
            description=_("Where actors' facts come from."),
        ),
    ]
