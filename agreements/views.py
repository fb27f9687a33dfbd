from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.models import Actor
from rkst.bibliography import record_citation
from rkst.citations import numbered_notes
from rkst.exports import FORMATS, export_response
from rkst.listing import cached
from rkst.models import PublicationState, Source
from rkst.serving import public_page
from rkst.views import with_csl_text

from .filters import AgreementListing, ProjectListing, named
from .models import Agreement, AgreementParty, AgreementRelation, Project, ProjectParticipant

PUBLISHED = PublicationState.PUBLISHED
CATALOGUE_TITLE = {
    "ru": "Каталог российско-казахстанского научно-технического сотрудничества",
    "en": "Catalogue of Russia–Kazakhstan Scientific and Technical Cooperation",
}


def public_parties():
    return Prefetch(
        "party_set",
        # Grouped by agreement when prefetched: the model's ordering by agreement would join
        # the agreements again. The actors' long texts are not shown beside a party.
        queryset=AgreementParty.objects.filter(actor__state=PUBLISHED)
        .select_related("actor")
        .defer(*(f"actor__{name}" for name in Actor.LONG_TEXTS))
        .order_by("order", "id"),
        to_attr="public_parties",
    )


def public_citations_prefetch(prefix="citations"):
    return (f"{prefix}__source", f"{prefix}__found_in")


def export_note(request, notes):
    fmt = request.GET.get("export")
    if fmt and fmt not in FORMATS:
        notes.append(
            _("Unknown export format “%(format)s”: choose csv, xlsx or json.") % {"format": fmt}
        )


def home_figures():
    published = Agreement.objects.published()
    levels = dict(Agreement.Level.choices)
    return {
        "counts": {
            "agreements": published.count(),
            "actors": Actor.objects.published().count(),
            "projects": Project.objects.published().count(),
            "sources": Source.objects.published().count(),
        },
        "levels": [
            (row["level"], levels[row["level"]], row["n"])
            for row in published.order_by().values("level").annotate(n=Count("pk")).order_by("-n")
        ],
        "topics": [
            (row["topic__code"], named(row, "topic__name"), row["n"])
            for row in Agreement.topics.through.objects.filter(agreement__state=PUBLISHED)
            .values("topic__code", "topic__name_ru", "topic__name_en")
            .annotate(n=Count("agreement_id"))
            .order_by("-n")
        ],
    }


@public_page
def home(request):
    listing = AgreementListing(request, Agreement.objects.published())
    context = {
        **cached(request, "home", home_figures),
        "newest": Agreement.objects.published().order_by("-updated_at")[:6],
        "timeline": listing.cached_timeline,
        # The regions with the most agreements, as the list's region facet counts them.
        "regions": next((f for f in listing.cached_facets if f.name == "region"), None),
    }
    return render(request, "agreements/home.html", context)


AGREEMENT_COLUMNS = [
    "key", "url", "title_ru", "title_en", "kind", "level", "signed_on", "signed_place",
    "status", "organisation", "parties", "topics", "citations",
]  # fmt: skip


def agreement_row(request, agreement):
    def parties():
        return [
            {"key": p.actor.key, "name_ru": p.actor.name_ru, "name_en": p.actor.name_en,
             "role": p.role}
            for p in agreement.public_parties
        ]  # fmt: skip

    place = agreement.signed_place
    organisation = agreement.organisation
    return {
        "key": agreement.key,
        "url": request.build_absolute_uri(reverse("agreements:detail", args=[agreement.key])),
        "title_ru": agreement.title_ru,
        "title_en": agreement.title_en,
        "kind": agreement.kind,
        "level": agreement.level,
        "signed_on": agreement.signed.iso() if agreement.signed else None,
        "signed_place": place.name_ru if place and place.is_published else None,
        "status": agreement.status,
        "organisation": organisation.key if organisation and organisation.is_published else None,
        "parties": parties(),
        "topics": [topic.code for topic in agreement.topics.all()],
        "citations": [
            {"source": c.source.key, "field": c.field, "locator": c.locator, "quote": c.quote}
            for c in agreement.citations.all()
            if c.source.state == PUBLISHED
        ],
    }


@public_page
def agreement_list(request):
    listing = AgreementListing(request, Agreement.objects.published())
    rows = listing.rows.select_related("signed_place", "organisation").prefetch_related(
        public_parties(), "topics"
    )
    fmt = listing.export_format()
    if fmt:
        rows = rows.prefetch_related("citations__source")
        return export_response(
            fmt,
            "agreements",
            AGREEMENT_COLUMNS,
            (agreement_row(request, a) for a in rows.iterator(chunk_size=2000)),
        )
    export_note(request, listing.notes)
    listing.rows = rows
    page = listing.page()
    context = {
        "listing": listing,
        "page": page,
        "facets": listing.cached_facets,
        "timeline": listing.cached_timeline,
    }
    return render(request, "agreements/list.html", context)


@public_page
def agreement_detail(request, key):
    agreement = get_object_or_404(
        Agreement.objects.published()
        .select_related("signed_place", "organisation")
        .prefetch_related(public_parties(), "topics", *public_citations_prefetch()),
        key=key,
    )
    relations = [
        (relation.get_type_display(), relation.target, relation)
        for relation in AgreementRelation.objects.filter(
            source=agreement, target__state=PUBLISHED
        ).select_related("target")
    ]
    inverse = [
        (relation.inverse_label(), relation.source, relation)
        for relation in AgreementRelation.objects.filter(
            target=agreement, source__state=PUBLISHED
        ).select_related("source")
    ]
    labels = {"": _("the record as a whole"), **dict(Agreement.CITABLE_FIELDS)}
    facts, notes = numbered_notes(agreement, labels)
    url = request.build_absolute_uri(reverse("agreements:detail", args=[agreement.key]))
    language = request.LANGUAGE_CODE[:2]
    context = {
        "agreement": agreement,
        "relations": relations,
        "inverse_relations": inverse,
        "projects": agreement.projects.published(),
        "facts": facts,
        "notes": notes,
        "cite": with_csl_text(
            record_citation(
                f"{agreement.title()} ({agreement.signed.display()})"
                if agreement.signed
                else agreement.title(),
                url,
                timezone.localdate(),
                catalogue_title=CATALOGUE_TITLE[language],
                updated=timezone.localdate(agreement.updated_at),
                language=language,
            )
        ),
        "json_ld": {
            "@context": "https://schema.org",
            "@type": "Legislation",
            "@id": url,
            "url": url,
            "name": agreement.title(),
            "alternateName": agreement.title_en if language == "ru" else agreement.title_ru,
            "legislationDate": agreement.signed.iso() if agreement.signed else None,
            "legislationType": agreement.get_kind_display(),
            "dateModified": agreement.updated_at.isoformat(),
            "about": [topic.name() for topic in agreement.topics.all()],
        },
    }
    return render(request, "agreements/detail.html", context)


@public_page
def project_list(request):
    listing = ProjectListing(request, Project.objects.published())
    rows = listing.rows.select_related("place")
    fmt = listing.export_format()
    if fmt:
        rows = rows.prefetch_related(
            "figures",
            Prefetch("participant_set", ProjectParticipant.objects.select_related("actor")),
            "citations__source",
        )
        return export_response(
            fmt, "projects", PROJECT_COLUMNS, (project_row(request, p) for p in rows)
        )
    export_note(request, listing.notes)
    listing.rows = rows.prefetch_related("figures")
    context = {"listing": listing, "page": listing.page(), "facets": listing.cached_facets}
    return render(request, "agreements/project_list.html", context)


PROJECT_COLUMNS = [
    "key", "url", "name_ru", "name_en", "kind", "started_on", "ended_on", "place",
    "participants", "figures", "citations",
]  # fmt: skip


def project_row(request, project):
    return {
        "key": project.key,
        "url": request.build_absolute_uri(reverse("projects:detail", args=[project.key])),
        "name_ru": project.name_ru,
        "name_en": project.name_en,
        "kind": project.kind,
        "started_on": project.started.iso() if project.started else None,
        "ended_on": project.ended.iso() if project.ended else None,
        "place": project.place.key if project.place and project.place.is_published else None,
        "participants": [
            {"key": p.actor.key, "name_ru": p.actor.name_ru, "role": p.role}
            for p in project.participant_set.all()
            if p.actor.is_published
        ],
        "figures": [
            {"measure": f.measure, "value": f.amount(), "unit": f.unit}
            for f in project.figures.all()
        ],
        "citations": [
            {"source": c.source.key, "field": c.field, "locator": c.locator, "quote": c.quote}
            for c in project.citations.all()
            if c.source.state == PUBLISHED
        ],
    }


@public_page
def project_detail(request, key):
    project = get_object_or_404(
        Project.objects.published()
        .select_related("place")
        .prefetch_related("figures", *public_citations_prefetch()),
        key=key,
    )
    labels = {"": _("the record as a whole"), **dict(Project.CITABLE_FIELDS)}
    facts, notes = numbered_notes(project, labels)
    context = {
        "project": project,
        "participants": project.participant_set.filter(actor__state=PUBLISHED).select_related(
            "actor"
        ),
        "agreements": project.agreements.published(),
        "facts": facts,
        "notes": notes,
        "json_ld": {
            "@context": "https://schema.org",
            "@type": "Project",
            "url": request.build_absolute_uri(),
            "name": project.name(),
        },
    }
    return render(request, "agreements/project_detail.html", context)
