import django_filters
from django.utils.translation import gettext_lazy as _

from rkst.listing import Listing, SearchFilter

from .models import Actor


class ActorFilter(django_filters.FilterSet):
    q = SearchFilter(label=_("search"))
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
        counts = results.region_counts()
        regions = Actor.objects.public().regions().only("key", "name_ru", "name_en")
        found = [(r.key, r.name(), counts[r.pk]) for r in regions if counts[r.pk]]
        return [
            *self.choice_facets(results, "kind", "country"),
            self.facet("region", sorted(found, key=lambda value: (-value[2], value[1]))),
        ]
