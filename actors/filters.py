import django_filters
from django.db.models import F, Func, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from rkst.listing import Listing
from rkst.search import search_q

from .models import Actor


class ActorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=Actor.Kind.choices)
    country = django_filters.ChoiceFilter(label=_("country"), choices=Actor.Country.choices)
    region = django_filters.ModelChoiceFilter(
        label=_("region"),
        queryset=Actor.objects.public().regions(),
        to_field_name="key",
        method="by_region",
    )

    class Meta:
        model = Actor
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(search_q(value))

    def by_region(self, queryset, name, region):
        return queryset.in_region(region.pk)


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
        # As the region filter counts: the region itself, and what lies in it or is part of it.
        in_region = results.in_region(OuterRef("pk")).annotate(
            n=Func(F("pk"), function="COUNT")
        )
        regions = (
            Actor.objects.public()
            .regions()
            .only("key", "name_ru", "name_en")
            .annotate(n=Subquery(in_region.values("n")))
            .filter(n__gt=0)
            .order_by("-n", "name_ru")
        )
        return [
            *self.choice_facets(results, "kind", "country"),
            self.facet("region", ((r.key, r.name(), r.n) for r in regions)),
        ]
