"""The shared kernel: users, sources, the citation base and what every curated record has."""

from typing import NamedTuple

from concurrency.fields import AutoIncVersionField
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .dates import Precision, partial_date
from .locking import RecordChanged  # noqa: F401 (the models' API)
from .search import search_document, search_q

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


def localised(record, name):
    """The value of `name_ru` or `name_en` in the active language, the other as fallback."""
    first, second = ("en", "ru") if (get_language() or "ru").startswith("en") else ("ru", "en")
    return getattr(record, f"{name}_{first}", "") or getattr(record, f"{name}_{second}", "")


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


class Source(CuratedModel):
    """A work the catalogue cites: an article, a book, an official publication, a web page."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("scholarly article")
        BOOK = "book", _("book")
        CHAPTER = "chapter", _("book chapter")
        OFFICIAL = "official", _("official publication")
        LEGAL_DATABASE = "legal_db", _("legal database record")
        WEB_PAGE = "web", _("web page")
        NEWS = "news", _("news")
        OTHER = "other", _("other")

    class Reliability(models.TextChoices):
        OFFICIAL = "official", _("official")
        PRIMARY = "primary", _("primary")
        SECONDARY = "secondary", _("secondary")

    key = key_field("article-2021")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    authors = models.CharField(
        _("authors"),
        max_length=500,
        blank=True,
        help_text=_("Surnames with initials, separated by “;”, as on the title page."),
    )
    title = models.CharField(_("title"), max_length=1000)
    title_supplied = models.BooleanField(
        _("title supplied by curators"),
        default=False,
        help_text=_("The work has no title of its own, or it is unknown: the title is ours."),
    )
    container = models.CharField(
        _("journal or series"),
        max_length=500,
        blank=True,
        help_text=_("The journal, collection or series the work appeared in."),
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    volume = models.CharField(_("volume"), max_length=30, blank=True)
    issue = models.CharField(_("issue"), max_length=30, blank=True)
    pages = models.CharField(
        _("pages"), max_length=30, blank=True, help_text=_("e.g. “155–165” or “320 p.”")
    )
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    place = models.CharField(_("place of publication"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    doi = models.CharField(
        _("DOI"),
        max_length=200,
        blank=True,
        validators=[RegexValidator(r"^10\.\d{4,9}/\S+$", _("A DOI looks like 10.1234/abc."))],
    )
    language = models.CharField(
        _("language"), max_length=8, blank=True, help_text=_("ISO 639-1 code: ru, en, kk.")
    )
    retrieved_on = models.DateField(
        _("retrieved on"), null=True, blank=True, help_text=_("When an online source was read.")
    )
    reliability = models.CharField(
        _("reliability"),
        max_length=10,
        choices=Reliability.choices,
        default=Reliability.SECONDARY,
        help_text=_("Official texts outrank primary accounts, which outrank scholarship."),
    )
    complete = models.BooleanField(
        _("bibliographic record complete"),
        default=True,
        help_text=_("Clear it when authors, title or publication details are not known."),
    )
    notes = models.TextField(
        _("notes"), blank=True, help_text=_("Shown to readers: what is known of the work.")
    )

    history = HistoricalRecords()

    # A source is the evidence itself: it is published with its title and kind, uncited.
    requires_citation = False

    class Meta(CuratedModel.Meta):
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["key"]

    def __str__(self):
        prefix = f"{self.authors.split(';')[0].strip()}. " if self.authors else ""
        return f"{prefix}{self.title}" + (f" ({self.year})" if self.year else "")

    def search_values(self):
        return [self.key, self.authors, self.title, self.container, self.publisher, self.doi]

    def clean(self):
        if self.url == "" and self.kind == self.Kind.WEB_PAGE and self.complete:
            raise ValidationError({"url": _("A web page needs its URL.")})
        if self.retrieved_on and not self.url:
            raise ValidationError({"retrieved_on": _("A retrieval date goes with a URL.")})


class CatalogueVersion(models.Model):
    """One row whose number grows with every change to the catalogue, so that cached facet
    counts and figures are keyed by it and never outlive the data, in every process."""

    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return str(self.number)

    @classmethod
    def current(cls):
        return cls.objects.values_list("number", flat=True).first() or 0

    @classmethod
    def bump(cls):
        """Count a change once its transaction commits, once per transaction: the row is
        locked only for an instant, so a long import does not hold up other writers, and a
        change that is rolled back does not empty the caches."""
        connection = transaction.get_connection()
        pending = getattr(connection, "catalogue_version_pending", False)
        if pending and any(func == cls._increment for _, func, _ in connection.run_on_commit):
            return
        connection.catalogue_version_pending = True
        transaction.on_commit(cls._increment)

    @classmethod
    def _increment(cls):
        transaction.get_connection().catalogue_version_pending = False
        if not cls.objects.filter(pk=1).update(number=models.F("number") + 1):
            cls.objects.get_or_create(pk=1, defaults={"number": 1})


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


def acting_user(record):
    """Who is saving `record`: the user simple-history would record for the change."""
    user = getattr(record, "_history_user", None)
    if user is None:
        request = getattr(HistoricalRecords.context, "request", None)
        user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class Transition(models.Model):
    """One change of a record's publication state: draft → in review → published, or back to
    draft; who made it, when, and why."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("kind of record"),
        # a kind of record is never removed while its transitions are kept
        on_delete=models.PROTECT,
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    from_state = models.CharField(
        _("from"),
        max_length=10,
        choices=PublicationState.choices,
        blank=True,
        help_text=_("Empty for a record created in this state."),
    )
    to_state = models.CharField(_("to"), max_length=10, choices=PublicationState.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        # the record of a transition outlives the account of the user who made it
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("publication transition")
        verbose_name_plural = _("publication transitions")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        indexes = [
            # a record's pages list its transitions
            models.Index(fields=["content_type", "object_id"], name="rkst_transition_record"),
        ]

    def __str__(self):
        return f"{self.get_from_state_display() or '—'} → {self.get_to_state_display()}"

    @classmethod
    def build(cls, record, from_state, to_state, user, comment="", at=None):
        """The row of one transition of `record`, not yet saved (the write path's bulk
        functions write many)."""
        return cls(
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=record.pk,
            from_state=from_state,
            to_state=to_state,
            user=user,
            comment=comment or "",
            at=at or timezone.now(),
        )

    @classmethod
    def log(cls, record, from_state, to_state):
        """Record a transition that a save of `record` made, by the user saving it."""
        transition = cls.build(
            record,
            from_state,
            to_state,
            acting_user(record),
            getattr(record, "_change_reason", ""),
        )
        transition.save()
        return transition


class ImportBatch(models.Model):
    """One spreadsheet import: who ran it, when, which file (kept), what it did. Its rows say
    which records it created or changed, so that it can be undone as a whole."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("previewed, not imported")
        IMPORTED = "imported", _("imported")
        UNDONE = "undone", _("undone")

    sheet = models.CharField(_("sheet"), max_length=20)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=300)
    file_name = models.CharField(_("file name"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        # the record of an import outlives the account of the curator who ran it
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    publish = models.BooleanField(
        _("publish on import"),
        default=False,
        help_text=_("Imported records are published rather than left as drafts."),
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    report = models.JSONField(
        _("preview"), default=dict, blank=True, encoder=DjangoJSONEncoder, editable=False
    )
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        # as for `user`
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at"]
        default_permissions = ("view",)
        permissions = [
            ("import_sheets", "Can import spreadsheets"),
            ("export_sheets", "Can export spreadsheets"),
            ("undo_importbatch", "Can undo a spreadsheet import"),
        ]

    def __str__(self):
        return _("Import #%(number)s: %(file)s") % {"number": self.pk, "file": self.file_name}


class ImportRow(models.Model):
    """A record that an import created or changed, from which row of the file."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")

    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rows"
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("kind of record"),
        # a kind of record is never removed while imports name it
        on_delete=models.PROTECT,
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    row_number = models.PositiveIntegerField(_("row"))
    action = models.CharField(_("action"), max_length=6, choices=Action.choices)
    before = models.JSONField(
        _("values before"), null=True, blank=True, encoder=DjangoJSONEncoder
    )
    history_id = models.PositiveBigIntegerField(
        _("history entry"),
        null=True,
        blank=True,
        help_text=_("The history entry the import wrote; a later one means the record was edited."),
    )

    class Meta:
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        ordering = ["batch", "row_number", "id"]
        default_permissions = ()
        indexes = [
            # a record's admin page asks which imports touched it
            models.Index(fields=["content_type", "object_id"], name="rkst_importrow_record"),
        ]

    def __str__(self):
        return f"{self.batch_id}:{self.row_number}"


class StoredFile(models.Model):
    """A file kept in the database (rkst.storage.DatabaseStorage): an uploaded spreadsheet is
    then reachable from every app server and is part of the catalogue's backups."""

    name = models.CharField(_("name"), max_length=300, unique=True)
    content = models.BinaryField(_("content"))
    size = models.PositiveBigIntegerField(_("size"))
    created_at = models.DateTimeField(_("stored"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        default_permissions = ()

    def __str__(self):
        return self.name
