"""Actors: states, governments, ministries, regions, cities, academies, universities,
research centres, companies, funds, commissions and international organisations."""

from collections import Counter

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rkst.dates import partial_date
from rkst.models import (
    CitationBase,
    CuratedModel,
    CuratedQuerySet,
    Link,
    PublicQuerySet,
    check_date_order,
    check_partial_date,
    citation_field,
    key_field,
    localised,
    precision_field,
    published_q,
)


class ActorQuerySet(CuratedQuerySet):
    def regions(self):
        return self.filter(kind=Actor.Kind.REGION)

    def places(self):
        """What an actor may be located in, or a project placed: states, regions, cities."""
        return self.filter(kind__in=Actor.PLACE_KINDS)

    def of_country(self, country):
        return self.filter(country=country)

    def in_region(self, region):
        """Actors of `region` (a region's pk, or an OuterRef to one): the region itself and
        what is located in it or part of it: the region filter; its facet counts the same
        actors with region_counts()."""
        return self.filter(
            models.Q(pk=region) | models.Q(located_in=region) | models.Q(parent=region)
        )

    def region_counts(self):
        """{region pk: how many of these actors in_region() finds for it}, in three grouped
        queries rather than one OR-ed subquery a region: each actor is counted once, as the
        region itself, else where it is located, else what it is part of."""
        counts = Counter(self.regions().values_list("pk", flat=True))
        located = self.exclude(located_in=None).exclude(located_in=models.F("pk"))
        part = (
            self.exclude(parent=None)
            .exclude(parent=models.F("pk"))
            .exclude(located_in=models.F("parent"))
        )
        for rows, field in ((located, "located_in"), (part, "parent")):
            grouped = rows.order_by().values(field).annotate(n=models.Count("pk"))
            counts.update({row[field]: row["n"] for row in grouped})
        return counts


class Actor(CuratedModel):
    class Kind(models.TextChoices):
        STATE = "state", _("state")
        GOVERNMENT = "government", _("government")
        MINISTRY = "ministry", _("ministry or agency")
        REGION = "region", _("region")
        ADMINISTRATION = "administration", _("regional administration or akimat")
        CITY = "city", _("city")
        ACADEMY = "academy", _("academy of sciences")
        UNIVERSITY = "university", _("university")
        BRANCH = "branch", _("branch")
        RESEARCH_CENTRE = "research", _("research centre or institute")
        COMPANY = "company", _("company")
        FUND = "fund", _("fund")
        COMMISSION = "commission", _("commission, council or working group")
        FORUM = "forum", _("forum")
        ORGANISATION = "organisation", _("international organisation")
        OTHER = "other", _("other")

    class Country(models.TextChoices):
        RU = "RU", _("Russia")
        KZ = "KZ", _("Kazakhstan")
        OTHER = "other", _("other country")
        INTERNATIONAL = "intl", _("international")

    key = key_field("kaznu")
    name_ru = models.CharField(_("name (Russian)"), max_length=500)
    name_en = models.CharField(_("name (English)"), max_length=500, blank=True)
    short_name_ru = models.CharField(_("short name (Russian)"), max_length=100, blank=True)
    short_name_en = models.CharField(_("short name (English)"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, db_index=True)
    country = models.CharField(
        _("country"),
        max_length=5,
        choices=Country.choices,
        db_index=True,
        help_text=_("The country the actor belongs to; “international” for organisations."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        # a body's branches and departments must be reassigned before it goes
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("The body this one is a branch, department or member of."),
    )
    located_in = models.ForeignKey(
        "self",
        verbose_name=_("located in"),
        null=True,
        blank=True,
        # removing a region must not silently unplace what lies in it
        on_delete=models.PROTECT,
        related_name="located_here",
        help_text=_("The region or city where the actor sits."),
    )
    founded_on = models.DateField(
        _("founded"),
        null=True,
        blank=True,
        help_text=_("The earliest day the founding date can mean; its precision says how much."),
    )
    founded_on_precision = precision_field(_("precision of the founding date"))
    dissolved_on = models.DateField(_("dissolved"), null=True, blank=True)
    dissolved_on_precision = precision_field(_("precision of the dissolution date"))
    iso_3166_2 = models.CharField(
        _("ISO 3166 code"),
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", _("e.g. RU-OMS or KZ-VOS."))],
        help_text=_("For states and regions: RU, KZ, RU-OMS, KZ-VOS."),
    )
    wikidata = models.CharField(
        _("Wikidata item"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^Q[1-9]\d*$", _("A Wikidata item looks like Q159."))],
    )
    website = models.URLField(_("website"), blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    # What an actor is located in, a project placed or an agreement signed in.
    PLACE_KINDS = (Kind.STATE, Kind.REGION, Kind.CITY)

    # What a page that only names an actor need not read.
    LONG_TEXTS = ("search_text", "curator_note", "description_ru", "description_en")

    objects = ActorQuerySet.as_manager()
    history = HistoricalRecords()

    PARTIAL_DATES = ("founded_on", "dissolved_on")
    CITABLE_FIELDS = [
        ("name_ru", _("name")),
        ("kind", _("kind")),
        ("parent", _("part of")),
        ("located_in", _("located in")),
        ("founded_on", _("founded")),
        ("dissolved_on", _("dissolved")),
        ("aliases", _("other names")),
        ("description_ru", _("description")),
    ]

    class Meta(CuratedModel.Meta):
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        ordering = ["name_ru"]

    def __str__(self):
        return self.name_ru

    def get_absolute_url(self):
        return reverse("actors:detail", args=[self.key])

    def name(self):
        return localised(self, "name")

    def short_name(self):
        """The short name in the page's language, else the full name in it; the other
        language's only when neither is written."""
        return localised(self, "short_name", "name")

    def description(self):
        return localised(self, "description")

    def other_names(self):
        """The actor's other names: those a bulk writer that writes the aliases itself says
        the actor is about to have (`planned_aliases`, see actors.imports), else its own."""
        planned = self.__dict__.get("planned_aliases")
        if planned is not None:
            return list(planned)
        return list(self.aliases.values_list("name", flat=True)) if self.pk else []

    def search_values(self):
        return [
            self.name_ru,
            self.name_en,
            self.short_name_ru,
            self.short_name_en,
            *self.other_names(),
            self.key,
            self.description_ru,
            self.description_en,
        ]

    def public_links(self, planned=None):
        """The records the actor's page links to, which must be published before it is."""
        return [
            Link(_("part of"), self.planned_link(planned, "parent"), "parent"),
            Link(_("located in"), self.planned_link(planned, "located_in"), "located_in"),
            *super().public_links(planned),
        ]

    @property
    def founded(self):
        return partial_date(self, "founded_on")

    @property
    def dissolved(self):
        return partial_date(self, "dissolved_on")

    def clean(self):
        errors = {}
        check_partial_date(self, "founded_on", errors)
        check_partial_date(self, "dissolved_on", errors)
        check_date_order(
            self, "founded_on", "dissolved_on", errors, _("An actor cannot end before it begins.")
        )
        if self.pk and self.parent_id == self.pk:
            errors["parent"] = _("An actor cannot be a part of itself.")
        elif self.parent_id and self._ancestors_include_self():
            errors["parent"] = _("This would make the actor a part of its own branch.")
        if self.pk and self.located_in_id == self.pk:
            errors["located_in"] = _("An actor cannot be located in itself.")
        if self.located_in_id and self.located_in.kind not in (
            self.Kind.REGION,
            self.Kind.CITY,
            self.Kind.STATE,
        ):
            errors["located_in"] = _("An actor is located in a state, a region or a city.")
        if errors:
            raise ValidationError(errors)

    def _ancestors_include_self(self):
        seen, current = set(), self.parent
        while current is not None and current.pk not in seen:
            if current.pk == self.pk:
                return True
            seen.add(current.pk)
            current = current.parent
        return False


class ActorAliasQuerySet(PublicQuerySet):
    def get_by_natural_key(self, actor, name):
        return self.get(actor__key=actor, name=name)

    def public_q(self, path=""):
        return published_q(f"{path}actor__")


class ActorAlias(models.Model):
    """Another name of an actor: a former name, an acronym, a transliteration."""

    class Kind(models.TextChoices):
        FORMER = "former", _("former name")
        ACRONYM = "acronym", _("acronym")
        SHORT = "short", _("short name")
        TRANSLITERATION = "translit", _("transliteration")
        TRANSLATION = "translation", _("other language")
        OTHER = "other", _("other")

    actor = models.ForeignKey(
        Actor, verbose_name=_("actor"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("name"), max_length=500)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    language = models.CharField(
        _("language"), max_length=8, blank=True, help_text=_("ISO 639-1 code: ru, en, kk.")
    )
    note = models.CharField(
        _("note"), max_length=300, blank=True, help_text=_("e.g. “until 2001”.")
    )

    objects = ActorAliasQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("other name")
        verbose_name_plural = _("other names")
        ordering = ["actor", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "name"],
                name="actor_alias_unique",
                violation_error_message=_("This actor already has this name."),
            )
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.actor.key, self.name)

    natural_key.dependencies = ["actors.actor"]


class ActorCitation(CitationBase):
    record = models.ForeignKey(
        Actor, verbose_name=_("actor"), on_delete=models.CASCADE, related_name="citations"
    )
    field = citation_field(Actor.CITABLE_FIELDS)

    class Meta(CitationBase.Meta):
        verbose_name = _("actor citation")
        verbose_name_plural = _("actor citations")
