from collections import Counter
from functools import cached_property
from types import SimpleNamespace

import django_filters
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from actors.models import Actor
from rkst.listing import Facet, FacetValue, Listing, cached
from rkst.models import PublicationState, localised
from rkst.search import search_q

from .models import Agreement, AgreementParty, Project, ProjectParticipant, Topic

PUBLISHED = PublicationState.PUBLISHED


class AgreementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=Agreement.Kind.choices)
    level = django_filters.ChoiceFilter(label=_("level"), choices=Agreement.Level.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=Agreement.Status.choices)
    topic = django_filters.ModelChoiceFilter(
        label=_("topic"), queryset=Topic.objects.all(), to_field_name="code", method="by_topic"
    )
    party = django_filters.ModelChoiceFilter(
        label=_("party"),
        queryset=Actor.objects.published(),
        to_field_name="key",
        method="by_party",
    )
    country = django_filters.ChoiceFilter(
        label=_("party's country"), choices=Actor.Country.choices, method="by_country"
    )
    region = django_filters.ModelChoiceFilter(
        label=_("region"),
        queryset=Actor.objects.published().regions(),
        to_field_name="key",
        method="by_region",
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("framework organisation"),
        queryset=Actor.objects.published().filter(kind=Actor.Kind.ORGANISATION),
        to_field_name="key",
        field_name="organisation",
    )
    year_from = django_filters.NumberFilter(
        label=_("signed from (year)"), field_name="signed_on", lookup_expr="year__gte"
    )
    year_to = django_filters.NumberFilter(
        label=_("signed until (year)"), field_name="signed_on", lookup_expr="year__lte"
    )

    class Meta:
        model = Agreement
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(search_q(value))

    def _with_party(self, queryset, **conditions):
        parties = AgreementParty.objects.filter(agreement=OuterRef("pk"), **conditions)
        return queryset.filter(Exists(parties))

    def by_topic(self, queryset, name, topic):
        return queryset.filter(
            Exists(Agreement.topics.through.objects.filter(agreement=OuterRef("pk"), topic=topic))
        )

    def by_party(self, queryset, name, actor):
        return self._with_party(queryset, actor=actor)

    def by_country(self, queryset, name, country):
        return self._with_party(queryset, actor__country=country)

    def by_region(self, queryset, name, region):
        parties = AgreementParty.objects.filter(agreement=OuterRef("pk")).with_region()
        return queryset.filter(Exists(parties.filter(region_id=region.pk)))


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
        active = {name: self.params.get(name) for name in self.filterset.filters}
        # Kinds, levels and statuses counted in one pass over the results.
        combinations = list(results.values("kind", "level", "status").annotate(n=Count("pk")))
        facets = [
            self._choice_facet(combinations, "kind", Agreement.Kind, active),
            self._choice_facet(combinations, "level", Agreement.Level, active),
            self._choice_facet(combinations, "status", Agreement.Status, active),
        ]
        parties = AgreementParty.objects.filter(
            agreement__in=results.values("pk"), actor__state=PUBLISHED
        )
        topics = (
            Agreement.topics.through.objects.filter(agreement__in=results.values("pk"))
            .values("topic__code", "topic__name_ru", "topic__name_en")
            # An agreement has a topic once (the through table's unique pair): no DISTINCT.
            .annotate(n=Count("pk"))
            .order_by("-n", "topic__name_ru")
        )
        facets.append(
            Facet(
                "topic",
                _("topic"),
                [
                    self._value(
                        "topic", row["topic__code"], named(row, "topic__name"), row["n"], active
                    )
                    for row in topics
                ],
            )
        )
        countries = dict(Actor.Country.choices)
        by_country = (
            parties.values("actor__country")
            .annotate(n=Count("agreement_id", distinct=True))
            .order_by("-n")
        )
        facets.append(
            Facet(
                "country",
                _("party's country"),
                [
                    self._value(
                        "country",
                        row["actor__country"],
                        countries[row["actor__country"]],
                        row["n"],
                        active,
                    )
                    for row in by_country
                ],
            )
        )
        facets.append(self._actor_facet("party", _("party"), parties, "actor", active))
        counts = dict(
            AgreementParty.objects.filter(agreement__in=results.values("pk"))
            .with_region()
            .exclude(region_id=None)
            .values("region_id")
            .annotate(n=Count("agreement_id", distinct=True))
            .values_list("region_id", "n")
        )
        regions = Actor.objects.published().regions().filter(pk__in=counts)
        facets.append(
            Facet(
                "region",
                _("region"),
                sorted(
                    (self._value("region", r.key, r.name(), counts[r.pk], active) for r in regions),
                    key=lambda value: (-value.count, value.label),
                ),
            )
        )
        organisations = (
            results.filter(organisation__state=PUBLISHED)
            .values("organisation__key", "organisation__name_ru", "organisation__name_en")
            .annotate(n=Count("pk"))
            .order_by("-n")
        )
        facets.append(
            Facet(
                "organisation",
                _("framework organisation"),
                [
                    self._value(
                        "organisation",
                        row["organisation__key"],
                        named(row, "organisation__name"),
                        row["n"],
                        active,
                    )
                    for row in organisations
                ],
            )
        )
        return [facet for facet in facets if facet.values]

    def _value(self, name, value, label, count, active):
        return FacetValue(str(value), label, count, active.get(name) == str(value))

    def _choice_facet(self, combinations, name, choices, active):
        labels = dict(choices.choices)
        counts = Counter()
        for row in combinations:
            counts[row[name]] += row["n"]
        return Facet(
            name,
            self.filterset.filters[name].label,
            [
                self._value(name, value, labels.get(value, value), n, active)
                for value, n in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
            ],
        )

    def _actor_facet(self, name, label, parties, actor, active):
        rows = (
            parties.values(f"{actor}__key", f"{actor}__name_ru", f"{actor}__name_en")
            # An actor is a party to an agreement once (agreement_party_once): no DISTINCT,
            # which would sort every party row.
            .annotate(n=Count("pk"))
            .order_by("-n", f"{actor}__name_ru")[: self.PARTY_FACET_SIZE]
        )
        return Facet(
            name,
            label,
            [
                self._value(
                    name, row[f"{actor}__key"], named(row, f"{actor}__name"), row["n"], active
                )
                for row in rows
            ],
        )

    @cached_property
    def cached_timeline(self):
        return cached(
            self.request, f"AgreementListing:timeline:{self._filter_key()}", self.timeline
        )

    def timeline(self):
        """Bars of an SVG chart of agreements by year of signing, drawn on the server."""
        years = self.years()
        if not years:
            return None
        first, last = years[0]["year"], years[-1]["year"]
        counts = {row["year"]: row["n"] for row in years}
        highest = max(counts.values())
        width, height = 10, 80
        bars = []
        for index, year in enumerate(range(first, last + 1)):
            n = counts.get(year, 0)
            bar = round(height * n / highest) if n else 0
            bars.append(
                {"x": index * (width + 2), "y": height - bar, "height": bar, "year": year, "n": n}
            )
        return {"bars": bars, "width": len(bars) * (width + 2), "height": height, "bar": width}

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


def named(row, prefix):
    """The name in the active language from a values() row with *_ru and *_en keys."""
    return localised(
        SimpleNamespace(name_ru=row[f"{prefix}_ru"], name_en=row[f"{prefix}_en"]), "name"
    )


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=Project.Kind.choices)
    participant = django_filters.ModelChoiceFilter(
        label=_("participant"),
        queryset=Actor.objects.published(),
        to_field_name="key",
        method="by_participant",
    )

    class Meta:
        model = Project
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(search_q(value))

    def by_participant(self, queryset, name, actor):
        participants = ProjectParticipant.objects.filter(project=OuterRef("pk"), actor=actor)
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
        active = {name: self.params.get(name) for name in self.filterset.filters}
        labels = dict(Project.Kind.choices)
        kinds = results.values("kind").annotate(n=Count("pk")).order_by("-n", "kind")
        participants = (
            ProjectParticipant.objects.filter(
                project__in=results.values("pk"), actor__state=PUBLISHED
            )
            .values("actor__key", "actor__name_ru", "actor__name_en")
            .annotate(n=Count("pk"))  # once per project (project_participant_once)
            .order_by("-n", "actor__name_ru")[:15]
        )
        facets = [
            Facet(
                "kind",
                _("kind"),
                [
                    FacetValue(
                        r["kind"], labels[r["kind"]], r["n"], active.get("kind") == r["kind"]
                    )
                    for r in kinds
                ],
            ),
            Facet(
                "participant",
                _("participant"),
                [
                    FacetValue(
                        r["actor__key"],
                        named(r, "actor__name"),
                        r["n"],
                        active.get("participant") == r["actor__key"],
                    )
                    for r in participants
                ],
            ),
        ]
        return [facet for facet in facets if facet.values]
