"""Agreements, their parties and relations, topics, projects, and where each comes from."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actors.models import Actor
from rkst.dates import partial_date
from rkst.models import (
    CitationBase,
    CuratedModel,
    CuratedQuerySet,
    Link,
    PublicQuerySet,
    SearchableModel,
    SearchableQuerySet,
    check_date_order,
    check_partial_date,
    citation_field,
    citation_links,
    key_field,
    key_validator,
    localised,
    precision_field,
    published_q,
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
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, db_index=True)
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

    PARTIAL_DATES = ("signed_on", "in_force_on", "ended_on")
    CITABLE_FIELDS = [
        ("title_ru", _("title")),
        ("kind", _("kind")),
        ("level", _("level")),
        ("organisation", _("framework organisation")),
        ("signed_on", _("date of signing")),
        ("signed_place", _("place of signing")),
        ("in_force_on", _("entry into force")),
        ("ended_on", _("end")),
        ("status", _("status")),
        ("parties", _("parties")),
        ("topics", _("topics")),
        ("summary_ru", _("summary")),
    ]

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
        return localised(self, "short_title") or self.title()

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
        see CuratedModel.public_links(); "parties" are actors."""
        planned = planned or {}
        saved = self.pk is not None
        if "parties" in planned:
            parties = planned["parties"]
        else:
            parties = [p.actor for p in self.party_set.select_related("actor")] if saved else []
        relations = self.relations_from.select_related("target") if saved else []
        relation_citations = (
            AgreementRelationCitation.objects.filter(record__source=self).select_related(
                "source", "found_in"
            )
            if saved
            else []
        )
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
    def in_force(self):
        return partial_date(self, "in_force_on")

    @property
    def ended(self):
        return partial_date(self, "ended_on")

    def clean(self):
        errors = {}
        for name in ("signed_on", "in_force_on", "ended_on"):
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


class AgreementPartyQuerySet(PublicQuerySet):
    def get_by_natural_key(self, agreement, actor):
        return self.get(agreement__key=agreement, actor__key=actor)

    def public_q(self, path=""):
        return published_q(f"{path}agreement__") & published_q(f"{path}actor__")

    def with_region(self):
        """Annotate `region_id`: the party itself when it is a region, else the region it is
        located in or part of (a city, an akimat, a university of the region). Only through
        published actors: a draft party has no region, and a draft region is no region."""
        party = published_q("actor__")

        def region(path):
            return party & models.Q(**{f"{path}kind": Actor.Kind.REGION}) & published_q(path)

        return self.annotate(
            region_id=models.Case(
                models.When(region("actor__"), then=models.F("actor_id")),
                models.When(region("actor__located_in__"), then=models.F("actor__located_in_id")),
                models.When(region("actor__parent__"), then=models.F("actor__parent_id")),
                output_field=models.BigIntegerField(),
            )
        )


class AgreementParty(models.Model):
    class Role(models.TextChoices):
        PARTY = "party", _("party")
        SIGNATORY = "signatory", _("signatory")
        IMPLEMENTING = "implementing", _("implementing body")
        DEPOSITARY = "depositary", _("depositary")

    class Side(models.TextChoices):
        RU = "RU", _("Russian side")
        KZ = "KZ", _("Kazakh side")
        THIRD = "third", _("third party")
        MULTILATERAL = "multilateral", _("multilateral")

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="party_set"
    )
    actor = models.ForeignKey(
        Actor,
        verbose_name=_("actor"),
        # an actor that is party to an agreement cannot be deleted from under it
        on_delete=models.PROTECT,
        related_name="agreement_parties",
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.PARTY)
    side = models.CharField(_("side"), max_length=12, choices=Side.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = AgreementPartyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["agreement", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "actor"],
                name="agreement_party_once",
                violation_error_message=_("This actor is already a party to the agreement."),
            )
        ]

    def __str__(self):
        return f"{self.actor} ({self.get_role_display()})"

    def natural_key(self):
        return (self.agreement.key, self.actor.key)

    natural_key.dependencies = ["agreements.agreement", "actors.actor"]

    def clean(self):
        if not self.actor_id or not self.side:
            return
        country = self.actor.country
        expected = {Actor.Country.RU: self.Side.RU, Actor.Country.KZ: self.Side.KZ}.get(country)
        if expected and self.side not in (expected, self.Side.MULTILATERAL):
            raise ValidationError(
                {
                    "side": _("%(actor)s belongs to %(country)s, not to this side.")
                    % {"actor": self.actor, "country": self.actor.get_country_display()}
                }
            )


class AgreementRelationQuerySet(PublicQuerySet):
    def get_by_natural_key(self, source, target, type):
        return self.get(source__key=source, target__key=target, type=type)

    def public_q(self, path=""):
        """A relation is public when both agreements are, read from either side."""
        return published_q(f"{path}source__") & published_q(f"{path}target__")


class AgreementRelation(models.Model):
    """How one agreement stands to another: it supplements, implements or amends it…"""

    class Type(models.TextChoices):
        SUPPLEMENTS = "supplements", _("supplements")
        IMPLEMENTS = "implements", _("implements")
        APPROVED_BY = "approved_by", _("approved by")
        AMENDS = "amends", _("amends")
        PROLONGS = "prolongs", _("prolongs")
        SUPERSEDES = "supersedes", _("supersedes")
        TERMINATES = "terminates", _("terminates")

    # Read from the related agreement's side: "this agreement is supplemented by X".
    INVERSE_LABELS = {
        Type.SUPPLEMENTS: _("is supplemented by"),
        Type.IMPLEMENTS: _("is implemented by"),
        Type.APPROVED_BY: _("approves"),
        Type.AMENDS: _("is amended by"),
        Type.PROLONGS: _("is prolonged by"),
        Type.SUPERSEDES: _("is superseded by"),
        Type.TERMINATES: _("is terminated by"),
    }

    source = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="relations_from",
    )
    type = models.CharField(_("relation"), max_length=12, choices=Type.choices)
    target = models.ForeignKey(
        Agreement,
        verbose_name=_("related agreement"),
        on_delete=models.CASCADE,
        related_name="relations_to",
    )
    note = models.TextField(_("note"), blank=True)

    objects = AgreementRelationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("relation between agreements")
        verbose_name_plural = _("relations between agreements")
        ordering = ["source", "type", "target"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "type"],
                name="agreement_relation_once",
                violation_error_message=_("This relation is already recorded."),
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")),
                name="agreement_relation_not_to_itself",
                violation_error_message=_("An agreement cannot be related to itself."),
            ),
        ]

    def __str__(self):
        return f"{self.source.key} {self.get_type_display()} {self.target.key}"

    def get_absolute_url(self):
        return self.source.get_absolute_url()

    def inverse_label(self):
        return self.INVERSE_LABELS[self.type]

    def natural_key(self):
        return (self.source.key, self.target.key, self.type)

    natural_key.dependencies = ["agreements.agreement"]

    @property
    def is_published(self):
        return self.source.is_published and self.target.is_published


class AgreementCitation(CitationBase):
    record = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="citations"
    )
    field = citation_field(Agreement.CITABLE_FIELDS)

    class Meta(CitationBase.Meta):
        verbose_name = _("agreement citation")
        verbose_name_plural = _("agreement citations")


class AgreementRelationCitation(CitationBase):
    record = models.ForeignKey(
        AgreementRelation,
        verbose_name=_("relation"),
        on_delete=models.CASCADE,
        related_name="citations",
    )
    field = citation_field([("type", _("relation"))])

    public_select_related = ("record__source", "record__target")

    class Meta(CitationBase.Meta):
        verbose_name = _("relation citation")
        verbose_name_plural = _("relation citations")


class Project(CuratedModel):
    """What cooperation produced: a facility, a satellite, a fund, a railway, a study quota."""

    class Kind(models.TextChoices):
        FACILITY = "facility", _("facility or complex")
        SPACECRAFT = "spacecraft", _("spacecraft or launch vehicle")
        RESEARCH = "research", _("research project")
        PLANT = "plant", _("plant")
        INFRASTRUCTURE = "infrastructure", _("transport or infrastructure")
        FUND = "fund", _("fund or investment")
        EDUCATION = "education", _("education programme")
        EVENT = "event", _("event series")
        OTHER = "other", _("other")

    key = key_field("baiterek")
    name_ru = models.CharField(_("name (Russian)"), max_length=500)
    name_en = models.CharField(_("name (English)"), max_length=500, blank=True)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, db_index=True)
    started_on = models.DateField(_("started"), null=True, blank=True)
    started_on_precision = precision_field(_("precision of the start date"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    ended_on_precision = precision_field(_("precision of the end date"))
    place = models.ForeignKey(
        Actor,
        verbose_name=_("place"),
        null=True,
        blank=True,
        # a place named by projects must be kept
        on_delete=models.PROTECT,
        related_name="projects_here",
    )
    participants = models.ManyToManyField(
        Actor,
        verbose_name=_("participants"),
        through="ProjectParticipant",
        related_name="projects",
    )
    agreements = models.ManyToManyField(
        Agreement,
        verbose_name=_("agreements it rests on"),
        blank=True,
        related_name="projects",
    )
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    objects = CuratedQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[agreements])

    PARTIAL_DATES = ("started_on", "ended_on")
    CITABLE_FIELDS = [
        ("name_ru", _("name")),
        ("kind", _("kind")),
        ("started_on", _("start")),
        ("ended_on", _("end")),
        ("place", _("place")),
        ("participants", _("participants")),
        ("agreements", _("agreements")),
        ("figures", _("figures")),
        ("description_ru", _("description")),
    ]

    class Meta(CuratedModel.Meta):
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name_ru"]

    def __str__(self):
        return self.name_ru

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.key])

    def name(self):
        return localised(self, "name")

    def description(self):
        return localised(self, "description")

    def search_values(self):
        return [
            self.name_ru,
            self.name_en,
            self.key,
            self.description_ru,
            self.description_en,
        ]

    def public_links(self, planned=None):
        """The records the project's page links to, which must be published before it is."""
        saved = self.pk is not None
        participants = self.participant_set.select_related("actor") if saved else []
        agreements = self.agreements.all() if saved else []
        return [
            Link(_("place"), self.planned_link(planned, "place"), "place"),
            *[Link(_("participant"), p.actor, "participants") for p in participants],
            *[Link(_("agreement"), agreement, "agreements") for agreement in agreements],
            *super().public_links(planned),
        ]

    @property
    def started(self):
        return partial_date(self, "started_on")

    @property
    def ended(self):
        return partial_date(self, "ended_on")

    def clean(self):
        errors = {}
        check_partial_date(self, "started_on", errors)
        check_partial_date(self, "ended_on", errors)
        check_date_order(
            self, "started_on", "ended_on", errors, _("A project cannot end before it starts.")
        )
        if errors:
            raise ValidationError(errors)


class ProjectParticipantQuerySet(PublicQuerySet):
    def get_by_natural_key(self, project, actor):
        return self.get(project__key=project, actor__key=actor)

    def public_q(self, path=""):
        return published_q(f"{path}project__") & published_q(f"{path}actor__")


class ProjectParticipant(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        OPERATOR = "operator", _("operator")
        DEVELOPER = "developer", _("developer or builder")
        INVESTOR = "investor", _("investor")
        CUSTOMER = "customer", _("customer")
        PARTNER = "partner", _("partner")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="participant_set"
    )
    actor = models.ForeignKey(
        Actor,
        verbose_name=_("actor"),
        # an actor that takes part in a project cannot be deleted from under it
        on_delete=models.PROTECT,
        related_name="project_participations",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.PARTNER)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ProjectParticipantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["project", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "actor"],
                name="project_participant_once",
                violation_error_message=_("This actor already takes part in the project."),
            )
        ]

    def __str__(self):
        return f"{self.actor} ({self.get_role_display()})"

    def natural_key(self):
        return (self.project.key, self.actor.key)

    natural_key.dependencies = ["agreements.project", "actors.actor"]


class ProjectFigureQuerySet(PublicQuerySet):
    def get_by_natural_key(self, project, measure):
        return self.get(project__key=project, measure=measure)

    def public_q(self, path=""):
        return published_q(f"{path}project__")


class ProjectFigure(models.Model):
    """A number the sources give for a project, with its unit: USD 100 million, 9,447 km."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="figures"
    )
    measure = models.SlugField(
        _("measure"),
        max_length=60,
        validators=[key_validator],
        help_text=_("What is measured, as a code: “capital”, “capacity”, “length-in-russia”."),
    )
    label_ru = models.CharField(_("label (Russian)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=3)
    unit = models.CharField(
        _("unit"),
        max_length=30,
        help_text=_("A currency code or a unit: USD, RUB, km, t/year, persons."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ProjectFigureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        ordering = ["project", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "measure"],
                name="project_figure_once",
                violation_error_message=_("This project already has a figure for this measure."),
            )
        ]

    def __str__(self):
        return f"{self.label_ru}: {self.amount()} {self.unit}"

    def natural_key(self):
        return (self.project.key, self.measure)

    def label(self):
        return localised(self, "label")

    def amount(self):
        """The value in plain digits, without trailing zeros or an exponent: "115000000"."""
        return f"{self.value.normalize():f}"

    natural_key.dependencies = ["agreements.project"]


class ProjectCitation(CitationBase):
    record = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="citations"
    )
    field = citation_field(Project.CITABLE_FIELDS)

    class Meta(CitationBase.Meta):
        verbose_name = _("project citation")
        verbose_name_plural = _("project citations")
