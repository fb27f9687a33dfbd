import json

import django_filters
from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy

from . import releases
from .annotations import annotations, gap_records, public_gaps, published_counts, unsourced_facts
from .bibliography import formats
from .listing import Listing, SearchFilter
from .models import CitationBase, Source
from .serialisers import SourceSerialiser
from .serving import get_public, preview_draft, public_page, readable
from .versions import current_version


def with_csl_text(citation_formats):
    """The formats of a work or record, with its CSL-JSON also as text for the page."""
    text = json.dumps(citation_formats["csl_json"], ensure_ascii=False, indent=2, default=str)
    return {**citation_formats, "csl_json_text": text}


class SourceFilter(django_filters.FilterSet):
    q = SearchFilter(label=gettext_lazy("search"))
    kind = django_filters.ChoiceFilter(label=gettext_lazy("kind"), choices=Source.Kind.choices)
    reliability = django_filters.ChoiceFilter(
        label=gettext_lazy("reliability"), choices=Source.Reliability.choices
    )

    class Meta:
        model = Source
        fields = []


class SourceListing(Listing):
    filterset_class = SourceFilter
    sorts = {
        "key": (gettext_lazy("key"), ("key",)),
        "-year": (gettext_lazy("newest first"), ("-year", "key")),
        "title": (gettext_lazy("title"), ("title", "key")),
    }
    default_sort = "key"

    def facets(self):
        return self.choice_facets(self.filterset.qs.order_by(), "kind", "reliability")


@public_page
def source_list(request):
    listing = SourceListing(request, Source.objects.public())
    export = listing.export(SourceSerialiser(request))
    if export is not None:
        return export
    context = {"listing": listing, "page": listing.page(), "facets": listing.cached_facets}
    return render(request, "rkst/source_list.html", context)


def citing_records(source):
    """Every public citation of `source`, direct or relayed by it, with its record: one query
    per citation table (and per kind of record an editorial note is on), whatever the app."""
    found = []
    for relation in Source._meta.related_objects:
        model = relation.related_model
        if not issubclass(model, CitationBase):
            continue
        citations = (
            model.objects.public()
            .filter(**{relation.field.name: source})
            .select_related("source", *getattr(model, "public_select_related", ("record",)))
            .prefetch_related(*getattr(model, "public_prefetch_related", ()))
            .order_by("pk")
        )
        for citation in citations:
            found.append((citation.record, citation, relation.field.name == "found_in"))
    return found


@public_page
def source_detail(request, key):
    source = get_public(readable(request, Source.objects.all()), key)
    preview_draft(request, source)
    version = current_version(source) if source.is_published else None
    context = {
        "source": source,
        "formats": with_csl_text(formats(source)),
        "version": version,
        "citing": citing_records(source),
        "annotations": annotations(source),
        "json_ld": SourceSerialiser(request).json_ld(source, version),
    }
    return render(request, "rkst/source_detail.html", context)


@public_page
def coverage(request):
    """What the catalogue holds and what it knows it lacks: the published gaps with the
    records they concern, the published facts without a source (none, by the publication
    rules and the curators' care: computed, so that one that slips through shows), and how
    many records of each kind are published."""
    gaps = list(public_gaps())
    records = gap_records()
    for gap in gaps:
        gap.public_links = records.get(gap.pk, [])
    context = {
        "gaps": gaps,
        "unsourced": unsourced_facts(),
        "counts": published_counts(),
    }
    return render(request, "rkst/coverage.html", context)


def robots(request):
    """Crawlers may read everything public; the sitemap lists the published records."""
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /en/admin/", f"Sitemap: {sitemap}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def data_releases(request):
    """The dated releases of the catalogue's data. Not in the page cache: a release written
    while the catalogue stays unchanged is listed at once."""
    response = render(
        request, "rkst/data.html", {"releases": releases.releases(settings.RELEASES_DIR)}
    )
    patch_cache_control(response, no_cache=True)
    return response


def data_release_file(request, name):
    """A release's zip or its checksum: only files of RELEASES_DIR that are releases."""
    path = releases.release_path(settings.RELEASES_DIR, name)
    if path is None:
        raise Http404(name)
    zipped = name.endswith(".zip")
    return FileResponse(
        path.open("rb"),
        as_attachment=zipped,
        filename=name,
        content_type="application/zip" if zipped else "text/plain; charset=us-ascii",
    )
