"""Projects and facilities: their participants, figures and citations."""

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
    check_date_order,
    check_partial_date,
    citation_field,
    key_field,
    key_validator,
    localised,
    precision_field,
    published_q,
)

from .agreements import Agreement


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
