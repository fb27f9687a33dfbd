import json

import django_filters
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .bibliography import formats
from .exports import FORMATS, export_response
from .listing import Facet, FacetValue, Listing
from .models import CitationBase, PublicationState, Source
from .search import search_q
from .serving import public_page

PUBLISHED = PublicationState.PUBLISHED


def with_csl_text(citation_formats):
    """The formats of a work or record, with its CSL-JSON also as text for the page."""
    text = json.dumps(citation_formats["csl_json"], ensure_ascii=False, indent=2, default=str)
    return {**citation_formats, "csl_json_text": text}


class SourceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("search"), method="search")
    kind = django_filters.ChoiceFilter(label=gettext_lazy("kind"), choices=Source.Kind.choices)
    reliability = django_filters.ChoiceFilter(
        label=gettext_lazy("reliability"), choices=Source.Reliability.choices
    )

    class Meta:
        model = Source
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(search_q(value))


class SourceListing(Listing):
    filterset_class = SourceFilter
    sorts = {
        "key": (gettext_lazy("key"), ("key",)),
        "-year": (gettext_lazy("newest first"), ("-year", "key")),
        "title": (gettext_lazy("title"), ("title", "key")),
    }
    default_sort = "key"

    def facets(self):
        results = self.filterset.qs.order_by()
        facets = []
        for name, choices in (("kind", Source.Kind), ("reliability", Source.Reliability)):
            labels = dict(choices.choices)
            rows = results.values(name).annotate(n=Count("pk")).order_by("-n", name)
            facets.append(
                Facet(
                    name,
                    self.filterset.filters[name].label,
                    [
                        FacetValue(
                            r[name], labels[r[name]], r["n"], self.params.get(name) == r[name]
                        )
                        for r in rows
                    ],
                )
            )
        return [facet for facet in facets if facet.values]


SOURCE_COLUMNS = [
    "key", "kind", "authors", "title", "title_supplied", "container", "year", "volume",
    "issue", "pages", "publisher", "place", "url", "doi", "language", "complete", "gost",
]  # fmt: skip


def source_row(source):
    row = {column: getattr(source, column, None) for column in SOURCE_COLUMNS}
    row["gost"] = formats(source)["gost"]
    return row


@public_page
def source_list(request):
    listing = SourceListing(request, Source.objects.published())
    fmt = listing.export_format()
    if fmt:
        return export_response(fmt, "sources", SOURCE_COLUMNS, map(source_row, listing.rows))
    if request.GET.get("export") and request.GET["export"] not in FORMATS:
        listing.notes.append(
            _("Unknown export format “%(format)s”: choose csv, xlsx or json.")
            % {"format": request.GET["export"]}
        )
    context = {"listing": listing, "page": listing.page(), "facets": listing.cached_facets}
    return render(request, "rkst/source_list.html", context)


def citing_records(source):
    """Every published record that cites `source`, directly or as the work relaying a
    citation, with the citation: one query per citation table, whatever the app."""
    found = []
    for relation in Source._meta.related_objects:
        model = relation.related_model
        if not issubclass(model, CitationBase):
            continue
        citations = (
            model.objects.filter(**{relation.field.name: source})
            .select_related("source", *getattr(model, "public_select_related", ("record",)))
            .order_by("pk")
        )
        for citation in citations:
            if citation.record.is_published and citation.source.is_published:
                found.append((citation.record, citation, relation.field.name == "found_in"))
    return found


@public_page
def source_detail(request, key):
    source = get_object_or_404(Source.objects.published(), key=key)
    context = {
        "source": source,
        "formats": with_csl_text(formats(source)),
        "citing": citing_records(source),
        "json_ld": {
            "@context": "https://schema.org",
            "@type": "ScholarlyArticle" if source.kind == Source.Kind.ARTICLE else "CreativeWork",
            "url": request.build_absolute_uri(),
            "name": source.title,
            "author": [name.strip() for name in source.authors.split(";") if name.strip()],
            "datePublished": source.year,
        },
    }
    return render(request, "rkst/source_detail.html", context)


def robots(request):
    """Crawlers may read everything public; the sitemap lists the published records."""
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /en/admin/", f"Sitemap: {sitemap}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
