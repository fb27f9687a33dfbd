from collections import Counter
from functools import cached_property
from itertools import combinations

import django_filters
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from actors.models import Actor
from rkst.listing import Listing, SearchFilter, YearFilter

from .models import Agreement, AgreementParty, Project, ProjectParticipant, Topic


class AgreementFilter(django_filters.FilterSet):
    q = SearchFilter(label=_("search"))
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=Agreement.Kind.choices)
    level = django_filters.ChoiceFilter(label=_("level"), choices=Agreement.Level.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=Agreement.Status.choices)
    topic = django_filters.ModelChoiceFilter(
        label=_("topic"),
        queryset=Topic.objects.public(),
        to_field_name="code",
        method="by_topic",
    )
    party = django_filters.ModelChoiceFilter(
        label=_("party"),
        queryset=Actor.objects.public(),
        to_field_name="key",
        method="by_party",
    )
    country = django_filters.ChoiceFilter(
        label=_("party's country"), choices=Actor.Country.choices, method="by_country"
    )
    region = django_filters.ModelChoiceFilter(
        label=_("region"),
        queryset=Actor.objects.public().regions(),
        to_field_name="key",
        method="by_region",
    )
    # The second region of a pair of cooperating regions (the map links each pair to it).
    with_region = django_filters.ModelChoiceFilter(
        label=_("and region"),
        queryset=Actor.objects.public().regions(),
        to_field_name="key",
        method="by_region",
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("framework organisation"),
        queryset=Actor.objects.public().filter(kind=Actor.Kind.ORGANISATION),
        to_field_name="key",
        field_name="organisation",
    )
    year_from = YearFilter(
        label=_("signed from (year)"), field_name="signed_on", lookup_expr="year__gte"
    )
    year_to = YearFilter(
        label=_("signed until (year)"), field_name="signed_on", lookup_expr="year__lte"
    )

    class Meta:
        model = Agreement
        fields = []

    def _with_party(self, queryset, parties):
        """Agreements with one of `parties` among their public parties, as the facets count.
        An uncorrelated subquery: the public parts are joined once, not once an agreement."""
        return queryset.filter(pk__in=parties.public().values("agreement_id"))

    def by_topic(self, queryset, name, topic):
        return queryset.filter(
            Exists(Agreement.topics.through.objects.filter(agreement=OuterRef("pk"), topic=topic))
        )

    def by_party(self, queryset, name, actor):
        return self._with_party(queryset, AgreementParty.objects.filter(actor=actor))

    def by_country(self, queryset, name, country):
        return self._with_party(queryset, AgreementParty.objects.filter(actor__country=country))

    def by_region(self, queryset, name, region):
        return self._with_party(
            queryset, AgreementParty.objects.with_region().filter(region_id=region.pk)
        )


class AgreementListing(Listing):
    filterset_class = AgreementFilter
    sorts = {
        "-signed": (_("newest first"), ("-signed_on", "key")),
        "signed": (_("oldest first"), ("signed_on", "key")),
        "title": (_("title"), ("title_ru", "key")),
    }
    default_sort = "-signed"
    PARTY_FACET_SIZE = 15

    def label_of(self, record):
        return record.name()

    def facets(self):
        """Counts of the current results by each facet: one grouped query a facet."""
        results = self.filterset.qs.order_by()
        keys = results.values("pk")
        parties = AgreementParty.objects.public().filter(agreement__in=keys)
        topics = (
            Agreement.topics.through.objects.filter(agreement__in=keys)
            .values("topic__code", "topic__name_ru", "topic__name_en")
            # An agreement has a topic once (the through table's unique pair): no DISTINCT.
            .annotate(n=Count("pk"))
            .order_by("-n", "topic__name_ru")
        )
        countries = dict(Actor.Country.choices)
        by_country = (
            parties.values("actor__country")
            .annotate(n=Count("agreement_id", distinct=True))
            .order_by("-n", "actor__country")
        )
        by_party = (
            parties.values("actor__key", "actor__name_ru", "actor__name_en")
            # An actor is a party to an agreement once (agreement_party_once): no DISTINCT,
            # which would sort every party row.
            .annotate(n=Count("pk"))
            .order_by("-n", "actor__name_ru")[: self.PARTY_FACET_SIZE]
        )
        counts = self.region_counts(parties)
        regions = Actor.objects.public().regions().filter(pk__in=counts)
        organisations = (
            results.filter(Actor.objects.public_q("organisation__"))
            .values("organisation__key", "organisation__name_ru", "organisation__name_en")
            .annotate(n=Count("pk"))
            .order_by("-n", "organisation__name_ru")
        )
        return [
            # Kinds, levels and statuses counted in one pass over the results.
            *self.choice_facets(results, "kind", "level", "status"),
            self.record_facet("topic", topics, "topic", key="code"),
            self.facet(
                "country",
                ((r["actor__country"], countries[r["actor__country"]], r["n"]) for r in by_country),
            ),
            self.record_facet("party", by_party, "actor"),
            self.facet(
                "region",
                sorted(
                    ((r.key, r.name(), counts[r.pk]) for r in regions),
                    key=lambda value: (-value[2], value[1]),
                ),
            ),
            self.record_facet("organisation", organisations, "organisation"),
        ]

    def public_parties(self):
        """The public parties of the current results."""
        keys = self.filterset.qs.order_by().values("pk")
        return AgreementParty.objects.public().filter(agreement__in=keys)

    def region_counts(self, parties=None):
        """{region pk: the results with a party of that region}: what choosing the region
        finds (the region facet, the map)."""
        parties = self.public_parties() if parties is None else parties
        return dict(
            parties.with_region()
            .exclude(region_id=None)
            .values("region_id")
            .annotate(n=Count("agreement_id", distinct=True))
            .values_list("region_id", "n")
        )

    def region_pairs(self):
        """{(region pk, region pk): the interregional results with parties of both}: what
        choosing level, region and with_region finds."""
        rows = (
            self.public_parties()
            .filter(agreement__level=Agreement.Level.INTERREGIONAL)
            .with_region()
            .exclude(region_id=None)
            .values_list("agreement_id", "region_id")
            .distinct()
        )
        regions = {}
        for agreement, region in rows:
            regions.setdefault(agreement, set()).add(region)
        pairs = Counter()
        for found in regions.values():
            pairs.update(combinations(sorted(found), 2))
        return pairs

    @cached_property
    def cached_timeline(self):
        """The compact timeline of a list; the home page draws the taller one."""
        return self.cached("timeline", self.timeline)

    # The timeline's viewBox: labels are centred under their bars, inside a margin.
    TIMELINE_WIDTH, TIMELINE_MARGIN = 640, 18
    # Label sizes (viewBox units) of wide and narrow screens, and the least space a label needs.
    TIMELINE_LABELS = (("wide", 11, 36), ("narrow", 22, 64))

    def timeline(self, height=40):
        """Bars of an SVG chart of agreements by year of signing, drawn on the server: each
        bar a link to that year's list (with the current filters), its count in its title;
        year labels in two sets, the one for narrow screens larger and sparser (the CSS shows
        one set)."""
        years = self.years()
        if not years:
            return None
        first, last = years[0]["year"], years[-1]["year"]
        counts = {row["year"]: row["n"] for row in years}
        highest = max(counts.values())
        span = last - first + 1
        slot = (self.TIMELINE_WIDTH - 2 * self.TIMELINE_MARGIN) / span
        bars = []
        for index, year in enumerate(range(first, last + 1)):
            n = counts.get(year, 0)
            bar = max(2, round(height * n / highest)) if n else 0
            x = self.TIMELINE_MARGIN + index * slot
            bars.append(
                {
                    "x": round(x + slot * 0.1, 1),
                    "middle": round(x + slot / 2, 1),
                    "y": height - bar,
                    "height": bar,
                    "year": year,
                    "n": n,
                    "url": self.list_url(year_from=year, year_to=year) if n else "",
                }
            )
        labels = {}
        for name, size, room in self.TIMELINE_LABELS:
            step = next((s for s in (1, 2, 5, 10, 20, 50) if s * slot >= room), 100)
            labels[name] = {
                "size": size,
                "bars": [
                    b for b in bars if b["year"] % step == 0 or (span < step and b is bars[0])
                ],
            }
        return {
            "bars": bars,
            "labels": labels,
            "width": self.TIMELINE_WIDTH,
            "height": height,
            "bar": round(slot * 0.8, 1),
        }

    def list_url(self, **changes):
        """The agreement list with this listing's filters and `changes` (no page or sort)."""
        query = self.params.copy()
        for key in ("page", "export", "sort", "per_page"):
            query.pop(key, None)
        for key, value in changes.items():
            query[key] = value
        return f"{reverse('agreements:list')}?{query.urlencode()}"

    def years(self):
        """Agreements by year of signing, for the timeline."""
        return list(
            self.filterset.qs.order_by()
            .exclude(signed_on=None)
            .annotate(year=ExtractYear("signed_on"))
            .values("year")
            .annotate(n=Count("pk"))
            .order_by("year")
        )


class ProjectFilter(django_filters.FilterSet):
    q = SearchFilter(label=_("search"))
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=Project.Kind.choices)
    participant = django_filters.ModelChoiceFilter(
        label=_("participant"),
        queryset=Actor.objects.public(),
        to_field_name="key",
        method="by_participant",
    )

    class Meta:
        model = Project
        fields = []

    def by_participant(self, queryset, name, actor):
        participants = ProjectParticipant.objects.public().filter(
            project=OuterRef("pk"), actor=actor
        )
        return queryset.filter(Exists(participants))


class ProjectListing(Listing):
    filterset_class = ProjectFilter
    sorts = {
        "name": (_("name"), ("name_ru", "key")),
        "-started": (_("newest first"), ("-started_on", "key")),
        "started": (_("oldest first"), ("started_on", "key")),
    }
    default_sort = "name"

    def label_of(self, record):
        return record.name()

    def facets(self):
        results = self.filterset.qs.order_by()
        participants = (
            ProjectParticipant.objects.public()
            .filter(project__in=results.values("pk"))
            .values("actor__key", "actor__name_ru", "actor__name_en")
            .annotate(n=Count("pk"))  # once per project (project_participant_once)
            .order_by("-n", "actor__name_ru")[:15]
        )
        return [
            *self.choice_facets(results, "kind"),
            self.record_facet("participant", participants, "actor"),
        ]


class TopicFilter(django_filters.FilterSet):
    """Topics have no list page of their own, nor filters: the API lists them all."""

    class Meta:
        model = Topic
        fields = []


class TopicListing(Listing):
    filterset_class = TopicFilter
    sorts = {
        "order": (_("order"), ("order", "name_ru", "code")),
        "code": (_("code"), ("code",)),
    }
    default_sort = "order"
