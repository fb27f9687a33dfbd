from django.db.models import Count
from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.models import Actor
from rkst import graphs
from rkst.annotations import annotations
from rkst.bibliography import record_citation
from rkst.citations import numbered_notes
from rkst.listing import cached, named, shown
from rkst.models import Source
from rkst.serialisers import public_prefetch
from rkst.serving import get_public, preview_draft, public_page, readable, version_url
from rkst.versions import current_version
from rkst.views import with_csl_text

from . import maps, networks
from .filters import AgreementListing, ProjectListing
from .models import Agreement, AgreementRelation, Project
from .serialisers import AgreementSerialiser, ProjectSerialiser, public_parties

CATALOGUE_TITLE = {
    "ru": "Каталог российско-казахстанского научно-технического сотрудничества",
    "en": "Catalogue of Russia–Kazakhstan Scientific and Technical Cooperation",
    "kk": "Ресей–Қазақстан ғылыми-техникалық ынтымақтастығының каталогы",
}


def home_figures():
    public = Agreement.objects.public()
    levels = dict(Agreement.Level.choices)
    return {
        "counts": {
            "agreements": public.count(),
            "actors": Actor.objects.public().count(),
            "projects": Project.objects.public().count(),
            "sources": Source.objects.public().count(),
        },
        "levels": [
            (row["level"], levels[row["level"]], row["n"])
            for row in public.order_by().values("level").annotate(n=Count("pk")).order_by("-n")
        ],
        # As the list's topic facet counts them: the public agreements of each topic.
        "topics": [
            (row["topic__code"], named(row, "topic__name"), row["n"])
            for row in Agreement.topics.through.objects.filter(
                Agreement.objects.public_q("agreement__")
            )
            .values("topic__code", "topic__name_ru", "topic__name_en")
            .annotate(n=Count("agreement_id"))
            .order_by("-n")
        ],
    }


@public_page
def home(request):
    # The home page takes no parameters: its timeline and regions are the whole catalogue's,
    # whatever the address carries.
    listing = AgreementListing(request, Agreement.objects.public(), params=QueryDict())
    context = {
        **cached(request, "home", home_figures),
        "newest": Agreement.objects.public().order_by("-updated_at")[:6],
        "timeline": listing.cached("timeline-home", lambda: listing.timeline(height=80)),
        # The regions with the most agreements, as the list's region facet counts them.
        "regions": next((f for f in listing.cached_facets if f.name == "region"), None),
        "region_map": listing.cached("home-map", lambda: maps.region_map(listing, small=True)),
    }
    return render(request, "agreements/home.html", context)


@public_page
def agreement_list(request):
    listing = AgreementListing(request, Agreement.objects.public())
    export = listing.export(AgreementSerialiser(request))
    if export is not None:
        return export
    listing.rows = listing.rows.select_related("signed_place", "organisation").prefetch_related(
        public_parties(), "topics"
    )
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
    agreement = get_public(
        readable(request, Agreement.objects.all())
        .select_related("signed_place", "organisation")
        .prefetch_related(public_parties(), "topics"),
        key,
    )
    preview_draft(request, agreement)
    version = current_version(agreement) if agreement.is_published else None
    relations = AgreementRelation.objects.public()
    relations_from = [
        (relation.get_type_display(), relation.target, relation)
        for relation in relations.filter(source=agreement).select_related("target")
    ]
    inverse = [
        (relation.inverse_label(), relation.source, relation)
        for relation in relations.filter(target=agreement).select_related("source")
    ]
    labels = {"": _("the record as a whole"), **dict(Agreement.CITABLE_FIELDS)}
    facts, notes = numbered_notes(agreement, labels)
    serialiser = AgreementSerialiser(request)
    # A version is cited by its permanent address, which keeps showing what it said.
    url = request.build_absolute_uri(
        version_url(agreement, version.number) if version else agreement.get_absolute_url()
    )
    language = request.LANGUAGE_CODE[:2]
    context = {
        "agreement": agreement,
        "relations": relations_from,
        "inverse_relations": inverse,
        "projects": agreement.projects.public(),
        "facts": facts,
        "notes": notes,
        "annotations": annotations(agreement),
        "cite": with_csl_text(
            record_citation(
                f"{agreement.title()} ({agreement.signed.display()})"
                if agreement.signed
                else agreement.title(),
                url,
                timezone.localdate(),
                catalogue_title=CATALOGUE_TITLE[language],
                updated=timezone.localdate(version.date if version else agreement.updated_at),
                language=language,
                version=version.number if version else None,
            )
        ),
        "version": version,
        "json_ld": serialiser.json_ld(agreement, version),
    }
    return render(request, "agreements/detail.html", context)


@public_page
def project_list(request):
    listing = ProjectListing(request, Project.objects.public())
    export = listing.export(ProjectSerialiser(request))
    if export is not None:
        return export
    listing.rows = listing.rows.select_related("place").prefetch_related(
        public_prefetch(Project, "figures")
    )
    context = {"listing": listing, "page": listing.page(), "facets": listing.cached_facets}
    return render(request, "agreements/project_list.html", context)


@public_page
def project_detail(request, key):
    project = get_public(
        readable(request, Project.objects.all())
        .select_related("place")
        .prefetch_related(
            public_prefetch(Project, "figures"),
            public_prefetch(Project, "participant_set", "actor"),
        ),
        key,
    )
    preview_draft(request, project)
    version = current_version(project) if project.is_published else None
    labels = {"": _("the record as a whole"), **dict(Project.CITABLE_FIELDS)}
    facts, notes = numbered_notes(project, labels)
    context = {
        "project": project,
        "participants": project.participant_set.all(),
        "agreements": project.agreements.public(),
        "facts": facts,
        "notes": notes,
        "annotations": annotations(project),
        "version": version,
        "json_ld": ProjectSerialiser(request).json_ld(project, version),
    }
    return render(request, "agreements/project_detail.html", context)


# The map and the network take the agreement list's parameters; the map shows every region,
# so it sets the region filters aside.
MAP_IGNORES = ("region", "with_region")


@public_page
def region_map(request):
    params = request.GET.copy()
    ignored = [name for name in MAP_IGNORES if params.pop(name, None)]
    listing = AgreementListing(request, Agreement.objects.public(), params=params)
    if ignored:
        listing.notes.append(_("The map shows every region: the region filter was ignored."))
    context = {
        "listing": listing,
        "region_map": listing.cached("map", lambda: maps.region_map(listing)),
    }
    return render(request, "agreements/map.html", context)


@public_page
def network(request):
    listing = AgreementListing(request, Agreement.objects.public())
    fmt = request.GET.get("export")
    if fmt in graphs.FORMATS:
        nodes, edges = networks.catalogue_graph(listing)
        return graphs.export(fmt, "network", nodes, edges, request.build_absolute_uri())
    if fmt:
        listing.notes.append(
            _("Unknown export format “%(format)s”: choose csv or gexf.") % {"format": shown(fmt)}
        )
    context = {
        "listing": listing,
        "network": listing.cached("network", lambda: networks.network_drawing(listing)),
    }
    return render(request, "agreements/network.html", context)
