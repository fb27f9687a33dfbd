import json

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from .bibliography import formats
from .listing import Listing, SearchFilter
from .models import CitationBase, Source
from .serialisers import SourceSerialiser
from .serving import preview_draft, public_page, readable


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
    per citation table, whatever the app."""
    found = []
    for relation in Source._meta.related_objects:
        model = relation.related_model
        if not issubclass(model, CitationBase):
            continue
        citations = (
            model.objects.public()
            .filter(**{relation.field.name: source})
            .select_related("source", *getattr(model, "public_select_related", ("record",)))
            .order_by("pk")
        )
        for citation in citations:
            found.append((citation.record, citation, relation.field.name == "found_in"))
    return found


@public_page
def source_detail(request, key):
    source = get_object_or_404(readable(request, Source.objects.all()), key=key)
    preview_draft(request, source)
    context = {
        "source": source,
        "formats": with_csl_text(formats(source)),
        "citing": citing_records(source),
        "json_ld": SourceSerialiser(request).json_ld(source),
    }
    return render(request, "rkst/source_detail.html", context)


def robots(request):
    """Crawlers may read everything public; the sitemap lists the published records."""
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /en/admin/", f"Sitemap: {sitemap}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
