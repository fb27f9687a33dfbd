"""Where a fact comes from: the abstract citation every cited model has a table of."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..locking import RecordChanged  # noqa: F401 (the models' API)
from .records import PublicQuerySet, none_or_published_q, published_q
from .sources import Source


class CitationRank(models.TextChoices):
    PREFERRED = "preferred", _("preferred")
    NORMAL = "normal", _("normal")
    DEPRECATED = "deprecated", _("deprecated")


def citation_field(choices):
    """The `field` column of a concrete citation table: which fact of the record it supports."""
    return models.CharField(
        _("fact"),
        max_length=40,
        blank=True,
        choices=choices,
        help_text=_("The fact this citation supports; leave empty for the whole record."),
    )


class CitationQuerySet(PublicQuerySet):
    def get_by_natural_key(self, *key):
        *record_key, source, field, locator = key
        record_model = self.model._meta.get_field("record").related_model
        return self.get(
            record=record_model._default_manager.get_by_natural_key(*record_key),
            source__key=source,
            field=field,
            locator=locator,
        )

    def public_q(self, path=""):
        """A citation is public when its source, the work relaying it (if any) and the record
        it supports are."""
        record_model = self.model._meta.get_field("record").related_model
        return (
            published_q(f"{path}source__")
            & none_or_published_q(f"{path}found_in__")
            & record_model._default_manager.public_q(f"{path}record__")
        )


class CitationBase(models.Model):
    """Where one fact of a record comes from, as Open Civic Data's *Source rows and Wikidata's
    references do it. Each cited model has a concrete table with a `record` foreign key
    (related name "citations") and a `field` made by citation_field()."""

    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        # a cited source cannot disappear from under its citations
        on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)s_set",
    )
    locator = models.CharField(
        _("locator"),
        max_length=100,
        blank=True,
        help_text=_("Where in the source: “с. 161–162”, “ст. 5”, “п. 3”."),
    )
    quote = models.TextField(
        _("quote"), blank=True, help_text=_("The words of the source, verbatim, in its language.")
    )
    claim = models.CharField(
        _("value claimed"),
        max_length=300,
        blank=True,
        help_text=_("What this source states for the fact, when sources disagree: “14.06.2001”."),
    )
    found_in = models.ForeignKey(
        Source,
        verbose_name=_("found in"),
        null=True,
        blank=True,
        # the work that relays the citation is part of its provenance
        on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)s_relayed",
        help_text=_("The work in which this source is cited, when it was not read directly."),
    )
    found_in_locator = models.CharField(
        _("locator in the relaying work"), max_length=100, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    rank = models.CharField(
        _("rank"),
        max_length=10,
        choices=CitationRank.choices,
        default=CitationRank.NORMAL,
        help_text=_(
            "Conflicting claims coexist: the preferred one is shown first, a deprecated one "
            "is kept with its source."
        ),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        editable=False,
        # a citation outlives the account of the curator who added it
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)

    objects = CitationQuerySet.as_manager()
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "source", "field", "locator"],
                name="%(app_label)s_%(class)s_unique",
                violation_error_message=_(
                    "This source is already cited at this place for this fact."
                ),
            )
        ]

    def __str__(self):
        where = f", {self.locator}" if self.locator else ""
        return f"{self.source}{where}"

    def natural_key(self):
        return (*self.record.natural_key(), self.source.key, self.field, self.locator)

    def clean(self):
        errors = {}
        if self.found_in_locator and not self.found_in_id:
            errors["found_in"] = _("Name the work the locator refers to.")
        if self.found_in_id and self.found_in_id == self.source_id:
            errors["found_in"] = _("A source is not relayed by itself.")
        if self.rank == CitationRank.DEPRECATED and not (self.claim or self.note):
            errors["note"] = _("Say why this citation is deprecated, or what it claims.")
        if errors:
            raise ValidationError(errors)
