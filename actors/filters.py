import django_filters
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from rkst.listing import Facet, FacetValue, Listing
from rkst.models import PublicationState
from rkst.search import search_q

from .models import Actor

PUBLISHED = PublicationState.PUBLISHED


class ActorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=Actor.Kind.choices)
    country = django_filters.ChoiceFilter(label=_("country"), choices=Actor.Country.choices)
    region = django_filters.ModelChoiceFilter(
        label=_("region"),
        queryset=Actor.objects.published().regions(),
        to_field_name="key",
        method="by_region",
    )

    class Meta:
        model = Actor
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(search_q(value))

    def by_region(self, queryset, name, region):
        return queryset.filter(Q(pk=region.pk) | Q(located_in=region) | Q(parent=region))


class ActorListing(Listing):
    filterset_class = ActorFilter
    sorts = {
        "name": (_("name"), ("name_ru", "key")),
        "-founded": (_("newest first"), ("-founded_on", "key")),
        "founded": (_("oldest first"), ("founded_on", "key")),
    }
    default_sort = "name"

    def label_of(self, record):
        return record.name()

    def facets(self):
        results = self.filterset.qs.order_by()
        facets = []
        for name, choices in (("kind", Actor.Kind), ("country", Actor.Country)):
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
        regions = (
            Actor.objects.published()
            .regions()
            .annotate(n=Count("located_here", filter=Q(located_here__in=results.values("pk"))))
            .filter(n__gt=0)
            .order_by("-n", "name_ru")
        )
        facets.append(
            Facet(
                "region",
                _("region"),
                [
                    FacetValue(r.key, r.name(), r.n, self.params.get("region") == r.key)
                    for r in regions
                ],
            )
        )
        return [facet for facet in facets if facet.values]
