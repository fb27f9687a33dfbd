"""What every catalogue record has: its key, its search text, its publication state and
version, the records it links to publicly; and the catalogue's users."""

from typing import NamedTuple

from concurrency.fields import AutoIncVersionField
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..dates import Precision, partial_date
from ..locking import RecordChanged  # noqa: F401 (the models' API)
from ..search import search_document, search_q

key_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("A key is lowercase Latin letters and digits joined by single hyphens."),
)


class KeyField(models.SlugField):
    """A slug that reports only our own rule (Django's slug check would say it twice)."""

    default_validators = []

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "django.db.models.SlugField", args, kwargs


def key_field(example, verbose_name=None, max_length=100):
    """The permanent identifier of a record, used in its URL and in spreadsheets."""
    return KeyField(
        verbose_name or _("key"),
        max_length=max_length,
        unique=True,
        validators=[key_validator],
        error_messages={"unique": _("A record with this key already exists: choose another.")},
        help_text=format_lazy(
            _("Permanent identifier used in links and spreadsheets, e.g. “{example}”."),
            example=example,
        ),
    )


class User(AbstractUser):
    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class PublicationState(models.TextChoices):
    DRAFT = "draft", _("draft")
    REVIEW = "review", _("in review")
    PUBLISHED = "published", _("published")


def localised(record, *names):
    """The value of `name_ru` or `name_en` in the active language, the other as fallback.
    Given several names ("short_name", "name"), the first that has a value in the active
    language, and only when none has, in the other: a Russian page shows an actor's Russian
    name rather than its English short name."""
    first, second = ("en", "ru") if (get_language() or "ru").startswith("en") else ("ru", "en")
    for language in (first, second):
        for name in names:
            value = getattr(record, f"{name}_{language}", "")
            if value:
                return value
    return ""


class SearchableQuerySet(models.QuerySet):
    def get_by_natural_key(self, key):
        return self.get(key=key)

    def search(self, query):
        """Records whose names and titles hold every word of `query` (see rkst.search)."""
        return self.filter(search_q(query))


class SearchableModel(models.Model):
    """A record with a normalised search column, kept up to date on every save."""

    search_text = models.TextField(
        _("search text"),
        editable=False,
        blank=True,
        help_text=_("Normalised names and titles with their transliterations, kept by the app."),
    )

    class Meta:
        abstract = True

    def search_values(self):
        """The texts a reader may search this record by."""
        raise NotImplementedError

    def build_search_text(self):
        return search_document(*self.search_values())

    def refresh_search_text(self):
        """Recompute the search column without touching history or timestamps."""
        self.search_text = self.build_search_text()
        type(self)._default_manager.filter(pk=self.pk).update(search_text=self.search_text)


class VersionField(AutoIncVersionField):
    """The record's version (the optimistic lock of rkst.locking), kept by the app: never a
    field a curator edits directly (the change form carries it signed, see rkst.forms)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.editable = False

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        # Where the migrations find it, whichever module of the package defines it.
        return name, "rkst.models.VersionField", args, kwargs


class PublicQuerySet(models.QuerySet):
    """Rows the public may see. Every public channel (pages, facets and counts, exports,
    sitemap) reads through `public()`; `public_q(path)` states the same rule for rows
    reached through `path` ("actor__"), so that a join or a subquery can apply it."""

    def public_q(self, path=""):
        raise NotImplementedError

    def public(self):
        return self.filter(self.public_q())


def published_q(path=""):
    """The record at `path` is published."""
    return models.Q(**{f"{path}state": PublicationState.PUBLISHED})


def none_or_published_q(path):
    """The optional record at `path` is absent or published."""
    return models.Q(**{f"{path}isnull": True}) | published_q(path)


class CuratedQuerySet(SearchableQuerySet, PublicQuerySet):
    def published(self):
        return self.filter(state=PublicationState.PUBLISHED)

    def public_q(self, path=""):
        return published_q(path)


class CuratedModel(SearchableModel):
    """A record curators keep and publish: its state, a curator's note and timestamps.

    Every save of an existing record is an UPDATE … WHERE version = the version that was read,
    which also increments it (rkst.locking): a save from an outdated copy raises RecordChanged
    instead of overwriting the newer edit. Every change of the publication state is recorded as a
    Transition, with the user and the reason simple-history records (`_history_user`,
    `_change_reason`).
    """

    state = models.CharField(
        _("publication state"),
        max_length=10,
        choices=PublicationState.choices,
        default=PublicationState.DRAFT,
        db_index=True,  # every public query filters on it
        help_text=_("Only published records are shown to the public."),
    )
    curator_note = models.TextField(
        _("curator's note"),
        blank=True,
        help_text=_("For curators only: doubts, inconsistencies of the sources, what to check."),
    )
    # Defaults rather than auto_now, so that fixtures may leave them out; see rkst.apps.
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(
        _("last changed"),
        default=timezone.now,
        editable=False,
        db_index=True,  # the home page lists the records changed last
    )

    version = VersionField(
        verbose_name=_("version"),
        help_text=_("Counts the saves of the record; a save from an older version is refused."),
    )

    # What the curators tell readers about the record (rkst.models.editorial); deleted with it.
    editorial_notes = GenericRelation("rkst.EditorialNote")
    gap_links = GenericRelation("rkst.KnownGapLink")

    objects = CuratedQuerySet.as_manager()

    # A record published without citations: sources are the evidence themselves.
    requires_citation = True

    class Meta:
        abstract = True
        default_permissions = ("add", "change", "delete", "view", "publish")

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        adding = self._state.adding or self.pk is None
        if update_fields and not adding:
            # A save of some fields is a change like any other: it counts a version.
            kwargs["update_fields"] = {*update_fields, "version"}
        previous = "" if adding else self.__dict__.get("_loaded_state")
        super().save(*args, **kwargs)
        if previous is not None and previous != self.state:
            if previous or self.state != PublicationState.DRAFT:
                from .transitions import Transition

                Transition.log(self, previous, self.state)
        self._loaded_state = self.state

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The state as read, so that save() knows a transition when it sees one.
        instance._loaded_state = instance.__dict__.get("state")
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._loaded_state = self.__dict__.get("state")

    def natural_key(self):
        return (self.key,)

    @property
    def is_published(self):
        return self.state == PublicationState.PUBLISHED

    def public_links(self, planned=None):
        """The Links to the records this one links to publicly: those must be published
        before it is (rkst.workflow.can_publish). Here the sources of its citations; models
        add their links.

        `planned` maps a part or a link ("citations", "parties", "parent"...) to what a
        writer that checks a record before writing it (an import) is about to give it, in
        place of what the database holds; "citations" are objects with `source` and
        `found_in`."""
        planned = planned or {}
        if "citations" in planned:
            return citation_links(planned["citations"])
        if self.pk is None or not hasattr(self, "citations"):
            return []
        return citation_links(self.citations.select_related("source", "found_in"))

    def planned_link(self, planned, name):
        """The record linked by the foreign key `name`, as `planned` says or as it is."""
        return planned[name] if planned and name in planned else getattr(self, name)


class Link(NamedTuple):
    """A record that another links to publicly, and what the link is."""

    label: str  # for curators: "party", "cited"...
    record: object
    field: str  # the fact it belongs to: a field name, or "citations"


def public_or_none(record):
    """`record` when the public may see it: a draft place, region, parent or organisation
    linked from a published record is neither shown nor exported."""
    return record if record is not None and record.is_published else None


def citation_links(citations, field="citations"):
    """The sources that `citations` cite, and the works that relay them, as public links."""
    links = []
    for citation in citations:
        links.append(Link(_("cited"), citation.source, field))
        if citation.found_in is not None:
            links.append(Link(_("found in"), citation.found_in, field))
    return links


def precision_field(verbose_name):
    """The precision column that goes with a partial date column."""
    return models.CharField(
        verbose_name, max_length=5, choices=Precision.choices, blank=True, default=""
    )


def check_partial_date(instance, name, errors):
    """Model validation shared by every partial date: a precision goes with a date."""
    earliest, precision = getattr(instance, name), getattr(instance, f"{name}_precision")
    if earliest is not None and not precision:
        errors[f"{name}_precision"] = _("Say how precise the date is: day, month or year.")
    if earliest is None and precision:
        errors[name] = _("A precision is given but no date.")


def check_date_order(instance, first, second, errors, message):
    a, b = partial_date(instance, first), partial_date(instance, second)
    if a and b and b.latest() < a.earliest:
        errors[second] = message
