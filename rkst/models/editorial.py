"""What the curators tell readers about the catalogue itself: editorial notes (what is
doubtful about a record or one of its facts, and why) and known gaps (what a source says
exists that the catalogue does not hold yet). One table of each serves every kind of record,
through a generic link (content type and id), so that the kernel names no app.

A note has no publication state of its own: like a citation, it is a part of its record and
is public exactly when its record is. A gap is a record of its own, published by an editor
like any other, with its citations; a link of a gap to a record is public when both are.
"""

import functools
import operator
import uuid

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..locking import RecordChanged  # noqa: F401 (the models' API)
from .citations import CitationBase, citation_field
from .records import (
    CuratedModel,
    KeyField,
    Link,
    PublicQuerySet,
    VersionField,
    key_field,
    key_validator,
    localised,
    published_q,
)


def annotated_models():
    """The kinds of record notes and gaps may concern: every curated record but the gap."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, CuratedModel) and not issubclass(model, KnownGap)
    ]


def note_fields(model):
    """(field, label) pairs of the facts of `model` a note or a gap may concern, after the
    whole record: the facts its citations support, and the model's NOTE_FIELDS."""
    fields = [("", _("the record as a whole"))]
    fields += list(getattr(model, "CITABLE_FIELDS", ()))
    fields += [f for f in getattr(model, "NOTE_FIELDS", ()) if f not in fields]
    return fields


def record_public_q(path=""):
    """The record a generic link at `path` points to is public (see PublicQuerySet)."""
    return functools.reduce(
        operator.or_,
        (
            models.Q(
                **{
                    f"{path}content_type__app_label": model._meta.app_label,
                    f"{path}content_type__model": model._meta.model_name,
                    f"{path}object_id__in": model._default_manager.public().values("pk"),
                }
            )
            for model in annotated_models()
        ),
        models.Q(pk__in=[]),
    )


class RecordIdField(models.PositiveBigIntegerField):
    """The id of the record a generic link points to. A fixture may name the record by
    natural key instead, as [app label, model, key…]: loading finds its id, so that the seed,
    which names every record by key, loads into any database."""

    def to_python(self, value):
        if isinstance(value, list | tuple):
            app_label, model_name, *key = value
            model = apps.get_model(app_label, model_name)
            return model._default_manager.get_by_natural_key(*key).pk
        return super().to_python(value)


class RecordPartQuerySet(PublicQuerySet):
    def of(self, record):
        """The rows that concern `record`."""
        return self.filter(
            content_type__app_label=record._meta.app_label,
            content_type__model=record._meta.model_name,
            object_id=record.pk,
        )


class RecordPart(models.Model):
    """A row that concerns one record, or one fact of it, through a generic link."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("kind of record"),
        # a kind of record is never removed while notes and gaps concern it
        on_delete=models.PROTECT,
        related_name="+",
    )
    object_id = RecordIdField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    field = models.CharField(
        _("fact"),
        max_length=40,
        blank=True,
        help_text=_("The fact of the record it concerns; leave empty for the whole record."),
    )

    class Meta:
        abstract = True

    def clean(self):
        model = self.content_type.model_class() if self.content_type_id else None
        if model is not None and self.field not in dict(note_fields(model)):
            raise ValidationError(
                {
                    "field": _("%(kind)s has no fact “%(field)s”.")
                    % {"kind": model._meta.verbose_name, "field": self.field}
                }
            )


class EditorialNoteQuerySet(RecordPartQuerySet):
    def get_by_natural_key(self, key):
        return self.get(key=key)

    def public_q(self, path=""):
        """A note is public when its record is."""
        return record_public_q(path)


class EditorialNote(RecordPart):
    """A note for readers on a record or one of its facts: what is doubtful and why, with its
    own citations. The curators' note of a record stays private; this one is shown beside the
    fact on the record's page and in its exports."""

    key = KeyField(
        _("key"),
        max_length=100,
        unique=True,
        blank=True,
        validators=[key_validator],
        help_text=_("Permanent identifier of the note, made up when left empty."),
    )
    text_ru = models.TextField(
        _("note (Russian)"), help_text=_("What is doubtful and why, for readers.")
    )
    text_en = models.TextField(
        _("note (English)"), help_text=_("What is doubtful and why, for readers.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now, editable=False)
    version = VersionField(
        verbose_name=_("version"),
        help_text=_("Counts the saves of the note; a save from an older version is refused."),
    )

    objects = EditorialNoteQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("editorial note")
        verbose_name_plural = _("editorial notes")
        ordering = ["content_type", "object_id", "order", "id"]
        indexes = [
            # a record's page reads its notes
            models.Index(fields=["content_type", "object_id"], name="rkst_note_record"),
        ]

    def __str__(self):
        return self.key or str(_("editorial note"))

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = f"note-{uuid.uuid4().hex[:12]}"
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.record.get_absolute_url()}#editorial-{self.key}"

    def natural_key(self):
        return (self.key,)

    def text(self):
        return localised(self, "text")

    def title(self):
        """What a list of citing records calls the note: “Editorial note: <its record>”."""
        record = self.record
        name = getattr(record, "title", None) or getattr(record, "name", None)
        name = name() if callable(name) else (name or record)
        return format_lazy("{}: {}", _("Editorial note"), name)


class EditorialNoteCitation(CitationBase):
    record = models.ForeignKey(
        EditorialNote,
        verbose_name=_("editorial note"),
        on_delete=models.CASCADE,
        related_name="citations",
    )
    field = citation_field([("text_ru", _("note"))])
    # A public list of citations names the note by its record's page: read them together.
    public_prefetch_related = ("record__record",)

    class Meta(CitationBase.Meta):
        verbose_name = _("editorial note citation")
        verbose_name_plural = _("editorial note citations")


class KnownGap(CuratedModel):
    """What a source says exists that the catalogue does not hold yet: “more than 20
    agreements on Baikonur”, of which the catalogue names four."""

    class Bound(models.TextChoices):
        EXACTLY = "exactly", _("exactly")
        MORE_THAN = "more_than", _("more than")
        AT_LEAST = "at_least", _("at least")
        OPEN = "open", _("an open list (“and others”)")

    key = key_field("baikonur-agreements")
    description_ru = models.TextField(
        _("description (Russian)"),
        help_text=_("What the source says exists and the catalogue does not hold."),
    )
    description_en = models.TextField(
        _("description (English)"),
        help_text=_("What the source says exists and the catalogue does not hold."),
    )
    expected = models.PositiveIntegerField(
        _("number the source gives"),
        null=True,
        blank=True,
        help_text=_("How many there are by the source; empty when it gives no number."),
    )
    bound = models.CharField(
        _("the number is"),
        max_length=10,
        choices=Bound.choices,
        default=Bound.EXACTLY,
        help_text=_("“More than 20” is 20 and “more than”; a list ending “and others” is open."),
    )

    history = HistoricalRecords()

    CITABLE_FIELDS = [
        ("description_ru", _("description")),
        ("expected", _("number the source gives")),
    ]

    class Meta(CuratedModel.Meta):
        verbose_name = _("known gap")
        verbose_name_plural = _("known gaps")
        ordering = ["key"]

    def __str__(self):
        return self.key

    def get_absolute_url(self):
        return reverse("coverage") + f"#gap-{self.key}"

    def description(self):
        return localised(self, "description")

    def title(self):
        return format_lazy("{}: {}", _("Known gap"), self.description())

    def search_values(self):
        return [self.key, self.description_ru, self.description_en]

    def public_links(self, planned=None):
        """The records the gap concerns, shown beside it, and the sources of its citations."""
        links = []
        if self.pk is not None:
            for link in self.links.select_related("content_type"):
                links.append(Link(link.get_role_display(), link.record, "links"))
        return [*links, *super().public_links(planned)]

    def clean(self):
        if self.bound == self.Bound.OPEN and self.expected is not None:
            raise ValidationError({"expected": _("An open list gives no number.")})
        if self.bound != self.Bound.OPEN and self.expected is None:
            raise ValidationError({"expected": _("Give the number, or say the list is open.")})


class KnownGapCitation(CitationBase):
    record = models.ForeignKey(
        KnownGap, verbose_name=_("known gap"), on_delete=models.CASCADE, related_name="citations"
    )
    field = citation_field(KnownGap.CITABLE_FIELDS)

    class Meta(CitationBase.Meta):
        verbose_name = _("known gap citation")
        verbose_name_plural = _("known gap citations")


class KnownGapLinkQuerySet(RecordPartQuerySet):
    def get_by_natural_key(self, gap, app_label, model, *key):
        record = apps.get_model(app_label, model)._default_manager.get_by_natural_key(*key)
        return self.get(
            gap__key=gap,
            content_type__app_label=app_label,
            content_type__model=model,
            object_id=record.pk,
        )

    def public_q(self, path=""):
        """A link is public when its gap and its record are."""
        return published_q(f"{path}gap__") & record_public_q(path)


class KnownGapLink(RecordPart):
    """A record a gap concerns: the one the missing records belong to, or one of their set
    that the catalogue holds."""

    class Role(models.TextChoices):
        ABOUT = "about", _("what the missing records concern")
        HELD = "held", _("one of them, in the catalogue")

    gap = models.ForeignKey(
        KnownGap, verbose_name=_("known gap"), on_delete=models.CASCADE, related_name="links"
    )
    role = models.CharField(_("role"), max_length=5, choices=Role.choices, default=Role.ABOUT)

    objects = KnownGapLinkQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("record a gap concerns")
        verbose_name_plural = _("records a gap concerns")
        ordering = ["gap", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gap", "content_type", "object_id"],
                name="rkst_knowngaplink_once",
                violation_error_message=_("This gap already concerns this record."),
            )
        ]
        indexes = [
            # a record's page reads the gaps that concern it
            models.Index(fields=["content_type", "object_id"], name="rkst_gaplink_record"),
        ]

    def __str__(self):
        return f"{self.gap} → {self.record}"

    def natural_key(self):
        ct = self.content_type
        return (self.gap.key, ct.app_label, ct.model, *self.record.natural_key())

    natural_key.dependencies = ["rkst.knowngap"]
