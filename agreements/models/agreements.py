"""Agreements and the topics they concern."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actors.models import Actor
from rkst.dates import partial_date
from rkst.models import (
    CuratedModel,
    CuratedQuerySet,
    Link,
    PublicQuerySet,
    SearchableModel,
    SearchableQuerySet,
    check_date_order,
    check_partial_date,
    citation_links,
    key_field,
    localised,
    precision_field,
)


class TopicQuerySet(SearchableQuerySet, PublicQuerySet):
    def get_by_natural_key(self, code):
        return self.get(code=code)

    def public_q(self, path=""):
        """A topic is public when a public agreement carries it: a topic that only drafts
        carry is neither named nor offered as a filter."""
        carried = Agreement.topics.through.objects.filter(
            Agreement.objects.public_q("agreement__"), topic=models.OuterRef(f"{path}pk")
        )
        return models.Exists(carried)


class Topic(SearchableModel):
    """A priority direction of cooperation, as the sources list them."""

    code = key_field("space", _("code"), max_length=60)
    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("broader topic"),
        null=True,
        blank=True,
        # narrower topics must be moved before their broader topic goes
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = TopicQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["order", "name_ru"]

    def __str__(self):
        return self.name_ru

    def natural_key(self):
        return (self.code,)

    def name(self):
        return localised(self, "name")

    def search_values(self):
        return [self.name_ru, self.name_en, self.code]

    def clean(self):
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A topic cannot be broader than itself.")})


class AgreementQuerySet(CuratedQuerySet):
    def signed_between(self, first_year=None, last_year=None):
        qs = self
        if first_year is not None:
            qs = qs.filter(signed_on__year__gte=first_year)
        if last_year is not None:
            qs = qs.filter(signed_on__year__lte=last_year)
        return qs


class Agreement(CuratedModel):
    class Kind(models.TextChoices):
        TREATY = "treaty", _("treaty")
        AGREEMENT = "agreement", _("agreement")
        PROTOCOL = "protocol", _("protocol")
        MEMORANDUM = "memorandum", _("memorandum")
        DECLARATION = "declaration", _("declaration")
        PROGRAMME = "programme", _("programme")
        CONCEPT = "concept", _("concept")
        CONTRACT = "contract", _("contract")
        LEASE = "lease", _("lease")
        OTHER = "other", _("other")

    class Binding(models.TextChoices):
        YES = "yes", _("binding")
        NO = "no", _("not binding")
        UNKNOWN = "unknown", _("unknown")

    class Level(models.TextChoices):
        INTERSTATE = "interstate", _("interstate")
        INTERGOVERNMENTAL = "intergovernmental", _("intergovernmental")
        INTERAGENCY = "interagency", _("interagency")
        INTERREGIONAL = "interregional", _("interregional")
        INTERACADEMY = "interacademy", _("inter-academy and inter-university")
        CORPORATE = "corporate", _("corporate")
        NATIONAL = "national", _("national")
        MULTILATERAL = "multilateral", _("multilateral")

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("in force")
        NOT_IN_FORCE = "not_in_force", _("signed, not in force")
        EXPIRED = "expired", _("expired")
        TERMINATED = "terminated", _("terminated")
        UNKNOWN = "unknown", _("unknown")

    key = key_field("ru-kz-1996-sti")
    title_ru = models.CharField(_("title (Russian)"), max_length=1000)
    title_en = models.CharField(_("title (English)"), max_length=1000, blank=True)
    title_supplied = models.BooleanField(
        _("title supplied by curators"),
        default=False,
        help_text=_(
            "The sources give no title of their own: the curators put it together from their "
            "words. Shown in square brackets."
        ),
    )
    short_title_ru = models.CharField(_("short title (Russian)"), max_length=200, blank=True)
    short_title_en = models.CharField(_("short title (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, db_index=True)
    binding = models.CharField(
        _("legally binding"),
        max_length=7,
        choices=Binding.choices,
        default=Binding.UNKNOWN,
        help_text=_("Whether the document creates obligations under international law."),
    )
    level = models.CharField(
        _("level"),
        max_length=20,
        choices=Level.choices,
        db_index=True,
        help_text=_(
            "Who made it: states, governments, agencies, regions, academies or universities, "
            "companies; national: a policy document of one country; multilateral: more than "
            "two states."
        ),
    )
    organisation = models.ForeignKey(
        Actor,
        verbose_name=_("framework organisation"),
        null=True,
        blank=True,
        # an organisation with agreements under it must not vanish from them
        on_delete=models.PROTECT,
        related_name="framework_agreements",
        help_text=_("The CIS, the SCO, the EAEU… within which the agreement was made."),
    )
    signed_on = models.DateField(
        _("signed"),
        null=True,
        blank=True,
        db_index=True,  # lists sort and filter by the date of signing
        help_text=_("The earliest day the date of signing can mean; its precision says how much."),
    )
    signed_on_precision = precision_field(_("precision of the date of signing"))
    approved_on = models.DateField(
        _("approved"),
        null=True,
        blank=True,
        help_text=_(
            "For a document adopted or approved rather than signed (a programme, a concept): "
            "the earliest day the date of approval can mean."
        ),
    )
    approved_on_precision = precision_field(_("precision of the date of approval"))
    signed_place = models.ForeignKey(
        Actor,
        verbose_name=_("place of signing"),
        null=True,
        blank=True,
        # a place named by agreements must be kept
        on_delete=models.PROTECT,
        related_name="agreements_signed_here",
    )
    in_force_on = models.DateField(_("entered into force"), null=True, blank=True)
    in_force_on_precision = precision_field(_("precision of the date of entry into force"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    ended_on_precision = precision_field(_("precision of the end date"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UNKNOWN, db_index=True
    )
    status_checked_on = models.DateField(
        _("status checked on"),
        null=True,
        blank=True,
        help_text=_("When a curator last confirmed the status against an official record."),
    )
    parties = models.ManyToManyField(
        Actor,
        verbose_name=_("parties"),
        through="AgreementParty",
        related_name="agreements",
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="agreements"
    )
    summary_ru = models.TextField(_("summary (Russian)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)

    objects = AgreementQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[topics])

    PARTIAL_DATES = ("signed_on", "approved_on", "in_force_on", "ended_on")
    CITABLE_FIELDS = [
        ("title_ru", _("title")),
        ("kind", _("kind")),
        ("level", _("level")),
        ("organisation", _("framework organisation")),
        ("signed_on", _("date of signing")),
        ("signed_place", _("place of signing")),
        ("approved_on", _("date of approval")),
        ("in_force_on", _("entry into force")),
        ("ended_on", _("end")),
        ("status", _("status")),
        ("parties", _("parties")),
        ("topics", _("topics")),
        ("summary_ru", _("summary")),
    ]

    # Facts an editorial note may concern beside the citable ones.
    NOTE_FIELDS = [("relations", _("related agreements"))]

    class Meta(CuratedModel.Meta):
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["signed_on", "key"]

    def __str__(self):
        date = self.signed
        return f"{self.title_ru} ({date})" if date else self.title_ru

    def get_absolute_url(self):
        return reverse("agreements:detail", args=[self.key])

    def title(self):
        return localised(self, "title")

    def short_title(self):
        return localised(self, "short_title", "title")

    def summary(self):
        return localised(self, "summary")

    def search_values(self):
        return [
            self.title_ru,
            self.title_en,
            self.short_title_ru,
            self.short_title_en,
            self.key,
            self.summary_ru,
            self.summary_en,
        ]

    def public_links(self, planned=None):
        """The records the agreement's page links to, which must be published before it is:
        its parties, place of signing, framework organisation, the agreements it relates to
        (not those relating to it, which would make two related agreements wait for each
        other), and the sources of its citations and of its relations' citations. `planned`:
        see CuratedModel.public_links(); "parties" are actors, "relations" relations with
        their targets, "relation_citations" their citations."""
        from .parts import AgreementRelationCitation

        planned = planned or {}
        saved = self.pk is not None
        if "parties" in planned:
            parties = planned["parties"]
        else:
            parties = [p.actor for p in self.party_set.select_related("actor")] if saved else []
        if "relations" in planned:
            relations = planned["relations"]
        else:
            relations = self.relations_from.select_related("target") if saved else []
        if "relation_citations" in planned:
            relation_citations = planned["relation_citations"]
        elif saved:
            relation_citations = AgreementRelationCitation.objects.filter(
                record__source=self
            ).select_related("source", "found_in")
        else:
            relation_citations = []
        return [
            Link(_("place of signing"), self.planned_link(planned, "signed_place"), "signed_place"),
            Link(
                _("framework organisation"),
                self.planned_link(planned, "organisation"),
                "organisation",
            ),
            *[Link(_("party"), actor, "parties") for actor in parties],
            *[Link(r.get_type_display(), r.target, "relations") for r in relations],
            *super().public_links(planned),
            *citation_links(relation_citations, "relations"),
        ]

    @property
    def signed(self):
        return partial_date(self, "signed_on")

    @property
    def approved(self):
        return partial_date(self, "approved_on")

    @property
    def in_force(self):
        return partial_date(self, "in_force_on")

    @property
    def ended(self):
        return partial_date(self, "ended_on")

    def clean(self):
        errors = {}
        for name in self.PARTIAL_DATES:
            check_partial_date(self, name, errors)
        check_date_order(
            self,
            "signed_on",
            "in_force_on",
            errors,
            _("An agreement cannot enter into force before it is signed."),
        )
        check_date_order(
            self, "signed_on", "ended_on", errors, _("An agreement cannot end before it is signed.")
        )
        if self.status in (self.Status.EXPIRED, self.Status.TERMINATED) and not self.ended_on:
            errors["ended_on"] = _("An expired or terminated agreement needs its end date.")
        if self.organisation_id and self.organisation.kind != Actor.Kind.ORGANISATION:
            errors["organisation"] = _("The framework must be an international organisation.")
        if self.signed_place_id and self.signed_place.kind not in (
            Actor.Kind.CITY,
            Actor.Kind.REGION,
            Actor.Kind.STATE,
        ):
            errors["signed_place"] = _("The place of signing is a city, a region or a state.")
        if errors:
            raise ValidationError(errors)
