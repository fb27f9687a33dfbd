"""The catalogue's data release: the tables of every app, through the visibility layer, and
`publish()`, which writes the day's release (`manage.py release_data`)."""

from operator import attrgetter

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from actors.releases import actor_tables
from rkst.models import CatalogueVersion
from rkst.releases import (
    CHUNK,
    CatalogueChanged,
    Column,
    Table,
    citation_table,
    column,
    foreign_key,
    id_column,
    key_column,
    link_column,
    part_column,
    partial_date_column,
    snapshot,
    source_tables,
    url_column,
    write_release,
)

from .models import (
    Agreement,
    AgreementCitation,
    AgreementParty,
    AgreementRelation,
    AgreementRelationCitation,
    Project,
    ProjectCitation,
    ProjectFigure,
    ProjectParticipant,
    Topic,
)

TITLE = "Catalogue of Russia–Kazakhstan Scientific and Technical Cooperation"


def iterate(queryset):
    return lambda: queryset.iterator(chunk_size=CHUNK)


def links_table(name, description, links, *ends):
    """A table of many-to-many `links` (a through model's public rows): one column for each
    of its two `ends`, (name, table, key), each the key of the record at that end."""
    columns = [
        foreign_key(
            Column(end, "string", f"The {end}.", attrgetter(f"{end}.{key}"), required=True),
            table,
            key,
        )
        for end, table, key in ends
    ]
    order = [f"{end}__{key}" for end, _table, key in ends]
    links = links.select_related(*(end for end, _table, _key in ends)).order_by(*order)
    return Table(name, description, iterate(links), columns, [end for end, *_rest in ends])


def topic_tables():
    public = Topic.objects.public()
    codes = None

    def broader(topic):
        # A broader topic is named when the public sees it too.
        nonlocal codes
        if codes is None:
            codes = set(public.values_list("code", flat=True))
        parent = topic.parent
        return parent.code if parent is not None and parent.code in codes else None

    topic_links = Agreement.topics.through.objects.filter(Agreement.objects.public_q("agreement__"))
    return [
        Table(
            "topics",
            _("The priority directions of cooperation that published agreements concern."),
            iterate(public.select_related("parent").order_by("order", "code")),
            [
                key_column(Topic, "code"),
                column(Topic, "name_ru"),
                column(Topic, "name_en"),
                foreign_key(column(Topic, "parent", value=broader), "topics", "code"),
                column(Topic, "order"),
            ],
            ["code"],
        ),
        links_table(
            "agreement_topics",
            _("The topics of each agreement."),
            topic_links,
            ("agreement", "agreements", "key"),
            ("topic", "topics", "code"),
        ),
    ]


def agreement_tables():
    dates = ("signed_on", "in_force_on", "ended_on")
    return [
        Table(
            "agreements",
            _("Treaties, agreements, protocols, memoranda and programmes."),
            iterate(
                Agreement.objects.public()
                .select_related("signed_place", "organisation")
                .defer("search_text", "curator_note")
                .order_by("key")
            ),
            [
                key_column(Agreement),
                url_column("The agreement's page in the catalogue."),
                *(
                    column(Agreement, name)
                    for name in (
                        "title_ru",
                        "title_en",
                        "short_title_ru",
                        "short_title_en",
                        "kind",
                        "binding",
                        "level",
                    )
                ),
                link_column(Agreement, "organisation", "actors"),
                partial_date_column(Agreement, dates[0]),
                link_column(Agreement, "signed_place", "actors"),
                *(partial_date_column(Agreement, name) for name in dates[1:]),
                *(
                    column(Agreement, name)
                    for name in (
                        "status",
                        "status_checked_on",
                        "summary_ru",
                        "summary_en",
                        "updated_at",
                    )
                ),
            ],
        ),
        Table(
            "agreement_parties",
            _("The parties of each agreement, with their roles and sides, in order."),
            iterate(
                AgreementParty.objects.public()
                .select_related("agreement", "actor")
                .order_by("agreement__key", "order", "pk")
            ),
            [
                part_column(AgreementParty, "agreement", "agreements"),
                part_column(AgreementParty, "actor", "actors"),
                *(column(AgreementParty, name) for name in ("role", "side", "order")),
            ],
            ["agreement", "actor"],
        ),
        Table(
            "agreement_relations",
            _("How one agreement stands to another: it supplements, implements, amends it…"),
            iterate(
                AgreementRelation.objects.public().select_related("source", "target").order_by("pk")
            ),
            [
                id_column("The relation's number in the catalogue."),
                part_column(AgreementRelation, "source", "agreements"),
                column(AgreementRelation, "type"),
                part_column(AgreementRelation, "target", "agreements"),
                column(AgreementRelation, "note"),
            ],
            ["id"],
        ),
        citation_table(
            "agreement_citations",
            AgreementCitation,
            "agreements",
            description=_("Where agreements' facts come from."),
        ),
        citation_table(
            "relation_citations",
            AgreementRelationCitation,
            "agreement_relations",
            "id",
            description=_("Where relations between agreements come from."),
        ),
    ]


def project_tables():
    agreements = Project.agreements.through.objects.filter(
        Project.objects.public_q("project__") & Agreement.objects.public_q("agreement__")
    )
    return [
        Table(
            "projects",
            _("What cooperation produced: facilities, spacecraft, plants, funds, programmes."),
            iterate(
                Project.objects.public()
                .select_related("place")
                .defer("search_text", "curator_note")
                .order_by("key")
            ),
            [
                key_column(Project),
                url_column("The project's page in the catalogue."),
                *(column(Project, name) for name in ("name_ru", "name_en", "kind")),
                partial_date_column(Project, "started_on"),
                partial_date_column(Project, "ended_on"),
                link_column(Project, "place", "actors"),
                *(
                    column(Project, name)
                    for name in ("description_ru", "description_en", "updated_at")
                ),
            ],
        ),
        Table(
            "project_participants",
            _("The actors that take part in each project, with their roles."),
            iterate(
                ProjectParticipant.objects.public()
                .select_related("project", "actor")
                .order_by("project__key", "order", "pk")
            ),
            [
                part_column(ProjectParticipant, "project", "projects"),
                part_column(ProjectParticipant, "actor", "actors"),
                column(ProjectParticipant, "role"),
                column(ProjectParticipant, "order"),
            ],
            ["project", "actor"],
        ),
        Table(
            "project_figures",
            _("The numbers the sources give for projects, with their units."),
            iterate(
                ProjectFigure.objects.public()
                .select_related("project")
                .order_by("project__key", "order", "pk")
            ),
            [
                part_column(ProjectFigure, "project", "projects"),
                *(
                    column(ProjectFigure, name, required=name != "label_en")
                    for name in ("measure", "label_ru", "label_en", "value", "unit", "order")
                ),
            ],
            ["project", "measure"],
        ),
        links_table(
            "project_agreements",
            _("The agreements each project rests on."),
            agreements,
            ("project", "projects", "key"),
            ("agreement", "agreements", "key"),
        ),
        citation_table(
            "project_citations",
            ProjectCitation,
            "projects",
            description=_("Where projects' facts come from."),
        ),
    ]


def catalogue_tables():
    return [
        *source_tables(),
        *actor_tables(),
        *topic_tables(),
        *agreement_tables(),
        *project_tables(),
    ]


def publish(directory=None, attempts=3):
    """Write today's release of the public catalogue into `directory` (RELEASES_DIR); return
    (release, written), written False when this day's release of this version was there."""
    directory = directory or settings.RELEASES_DIR
    for attempt in range(attempts):
        try:
            with snapshot():
                return write_release(
                    catalogue_tables(),
                    directory,
                    CatalogueVersion.current(),
                    current_version=CatalogueVersion.current,
                    title=TITLE,
                )
        except CatalogueChanged:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
