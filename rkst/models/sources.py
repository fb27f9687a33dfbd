"""The works the catalogue cites, and the number that counts the catalogue's changes."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..locking import RecordChanged  # noqa: F401 (the models' API)
from .records import CuratedModel, key_field


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

    # The facts of a work an editorial note may concern.
    NOTE_FIELDS = [
        ("authors", _("authors")),
        ("title", _("title")),
        ("container", _("journal or series")),
        ("year", _("year")),
        ("pages", _("pages")),
    ]

    def get_absolute_url(self):
        return reverse("sources:detail", args=[self.key])

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
