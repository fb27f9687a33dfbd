"""What every public list shares: filters from GET parameters (a bad one is dropped with a
note, never a server error or a silent empty page), facets with counts, sorting, pagination
that keeps the filters, and `?export=` of exactly the filtered rows."""

import hashlib
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from types import SimpleNamespace

import django_filters
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .exports import FORMATS
from .models import localised
from .search import rank, search_q, shortened
from .serving import catalogue_version

CACHE_SECONDS = 24 * 3600
MISSING = object()


# How long the readers of a value wait for the one reader who computes it.
COMPUTING_SECONDS = 30


def cached(request, name, compute):
    """`compute()` cached until the catalogue changes (its version, read once per request, is
    part of the key).

    After a change, the many readers who ask for the same value at once do not each compute
    it (the facet counts of the whole list take a second): the first one computes, and the
    others, on any app server sharing the cache, wait for its result."""
    key = f"rkst:{catalogue_version(request)}:{get_language()}:{name}"
    value = cache.get(key, MISSING)
    if value is not MISSING:
        return value
    computing = f"{key}:computing"
    token = uuid.uuid4().hex
    first = cache.add(computing, token, COMPUTING_SECONDS)
    if not first:
        deadline = time.monotonic() + COMPUTING_SECONDS
        pause = 0.01
        while time.monotonic() < deadline:
            time.sleep(pause)
            pause = min(pause * 2, 0.2)
            value = cache.get(key, MISSING)
            if value is not MISSING:
                return value
            if not cache.get(computing):
                break  # the one computing failed: compute it here
    try:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    finally:
        # Not a mark another reader set after this one's had expired.
        if first and cache.get(computing) == token:
            cache.delete(computing)
    return value


PAGE_SIZES = (20, 50, 100)


class YearField(forms.IntegerField):
    """A whole year within CATALOGUE_YEARS: a year lookup turns its value into a date, and
    Python's dates end at 1 and 9999 (a 500 before the query is even sent)."""

    def __init__(self, **kwargs):
        first, last = settings.CATALOGUE_YEARS
        super().__init__(min_value=first, max_value=last, **kwargs)
        # Built once a request, in the reader's language.
        message = _("a year is a whole number from %(first)s to %(last)s") % {
            "first": first,
            "last": last,
        }
        self.error_messages.update(invalid=message, min_value=message, max_value=message)


class YearFilter(django_filters.NumberFilter):
    field_class = YearField


class SearchFilter(django_filters.CharFilter):
    """`q`: every word must occur in the record's search text (rkst.search). The listing has
    already cut it to the search limits, with a note."""

    def filter(self, qs, value):
        return qs.filter(search_q(value)) if value else qs


def shown(value, length=40):
    """A reader's value as a note repeats it: short, without control characters."""
    printable = "".join(char if char.isprintable() else " " for char in str(value))
    return Truncator(printable).chars(length)


def undated_last(field):
    """An ordering that puts empty values last on every database (PostgreSQL would put
    them first when descending, SQLite first when ascending)."""
    if field.startswith("-"):
        return F(field[1:]).desc(nulls_last=True)
    return F(field).asc(nulls_last=True)


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    active: bool = False


FACET_SIZE = 15


@dataclass
class Facet:
    name: str
    label: str
    values: list = field(default_factory=list)
    hidden: int = 0

    def shortened(self, size=FACET_SIZE):
        """The `size` largest values and the active one; the rest are counted as hidden."""
        kept = self.values[:size] + [v for v in self.values[size:] if v.active]
        # Plain strings: a cached facet is read back for every reader, and a lazy
        # translation is costly to unpickle. The cache key holds the language.
        for value in kept:
            value.label = str(value.label)
        return Facet(self.name, str(self.label), kept, len(self.values) - len(kept))


def named(row, prefix):
    """The name in the active language from a values() row with *_ru and *_en keys."""
    return localised(
        SimpleNamespace(name_ru=row[f"{prefix}_ru"], name_en=row[f"{prefix}_en"]), "name"
    )


@dataclass
class ActiveFilter:
    name: str
    label: str
    value: str


class Listing:
    """Subclasses name a django-filter FilterSet, their sorts and facets."""

    filterset_class = None
    sorts = {}  # name -> (label, ordering)
    default_sort = None
    relevance_sort = "relevance"

    def __init__(self, request, queryset, params=None):
        self.request = request
        self.notes = []
        params = (request.GET if params is None else params).copy()
        self._shorten_search(params)
        filterset = self.filterset_class(params, queryset=queryset, request=request)
        if not filterset.is_valid():
            for name, errors in filterset.errors.items():
                label = filterset.filters[name].label if name in filterset.filters else name
                values = ", ".join(params.getlist(name))
                self.notes.append(
                    _("“%(value)s” is not a value of “%(filter)s” and was ignored: %(error)s")
                    % {"value": shown(values), "filter": label, "error": " ".join(errors)}
                )
                params.pop(name, None)
            filterset = self.filterset_class(params, queryset=queryset, request=request)
            filterset.is_valid()
        self.params = params
        self.filterset = filterset
        self.query = (filterset.form.cleaned_data.get("q") or "").strip()
        self.sort = self._sort(params.get("sort"))
        self.rows = self.order(filterset.qs, self.sort)

    def _shorten_search(self, params):
        query, cut = shortened(params.get("q", ""))
        if cut:
            params["q"] = query
            self.notes.append(
                _(
                    "A search takes at most %(words)s words and %(chars)s characters: "
                    "“%(query)s” was searched."
                )
                % {
                    "words": settings.SEARCH_MAX_WORDS,
                    "chars": settings.SEARCH_MAX_CHARS,
                    "query": query,
                }
            )

    def _sort(self, requested):
        default = self.relevance_sort if self.query else self.default_sort
        if requested in (None, ""):
            return default
        if requested == self.relevance_sort and self.query:
            return requested
        if requested not in self.sorts:
            self.notes.append(
                _("Unknown sort order “%(sort)s” was ignored.") % {"sort": shown(requested)}
            )
            return default
        return requested

    def order(self, queryset, sort):
        if sort == self.relevance_sort:
            return self.rank(queryset, self.query)
        return queryset.order_by(*(undated_last(field) for field in self.sorts[sort][1]))

    def rank(self, queryset, query):
        return rank(queryset, query)

    def sort_options(self):
        options = [(name, label) for name, (label, _ordering) in self.sorts.items()]
        if self.query:
            options.insert(0, (self.relevance_sort, _("relevance")))
        return options

    def active_filters(self):
        data = self.filterset.form.cleaned_data
        active = []
        for name, filter_ in self.filterset.filters.items():
            value = data.get(name)
            if value in (None, "", [], ()):
                continue
            active.append(ActiveFilter(name, filter_.label, self.describe(name, value)))
        return active

    def describe(self, name, value):
        if hasattr(value, "pk"):
            return self.label_of(value)
        # A model choice field would read its whole table here: records are handled above.
        choices = dict(self.filterset.filters[name].extra.get("choices", ()))
        return str(choices.get(value, value))

    def label_of(self, record):
        return str(record)

    def cached(self, name, compute):
        """`compute()` once per filter combination and catalogue version."""
        return cached(self.request, f"{type(self).__name__}:{name}:{self._filter_key()}", compute)

    @cached_property
    def cached_facets(self):
        """Facets, counted once per filter combination and catalogue version."""
        return self.cached(
            "facets", lambda: [facet.shortened() for facet in self.facets() if facet.values]
        )

    def _filter_key(self):
        filters = sorted(
            (name, value) for name in self.filterset.filters for value in self.params.getlist(name)
        )
        return hashlib.sha256(repr(filters).encode()).hexdigest()[:32]

    def facets(self):
        """The facets of the current results. Each counts exactly the rows that choosing one
        of its values finds: it reads the same filter, through the same public parts."""
        return []

    def facet(self, name, values):
        """The facet of filter `name` from (value, label, count) triples, in their order."""
        chosen = self.params.get(name)
        return Facet(
            name,
            self.filterset.filters[name].label,
            [FacetValue(str(v), label, n, chosen == str(v)) for v, label, n in values],
        )

    def choice_facets(self, results, *names):
        """The facets of choice fields `names`, counted in one grouped query, largest first."""
        combinations = list(results.values(*names).annotate(n=Count("pk")))
        facets = []
        for name in names:
            labels = dict(self.filterset.filters[name].extra["choices"])
            counts = Counter()
            for row in combinations:
                counts[row[name]] += row["n"]
            ordered = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
            facets.append(self.facet(name, ((v, labels.get(v, v), n) for v, n in ordered)))
        return facets

    def record_facet(self, name, rows, prefix, key="key"):
        """The facet of filter `name` from values() rows of a related record: its key, its
        names (`prefix`__key, `prefix`__name_ru, `prefix`__name_en) and a count "n"."""
        return self.facet(
            name, ((r[f"{prefix}__{key}"], named(r, f"{prefix}__name"), r["n"]) for r in rows)
        )

    def page(self, sizes=PAGE_SIZES):
        """The page the parameters ask for, of one of `sizes` rows (the pages offer three, the
        API any number up to its cap); the default is 50."""
        try:
            size = int(self.params.get("per_page", ""))
        except ValueError:
            size = 0
        if size not in sizes:
            if self.params.get("per_page"):
                self.notes.append(
                    _("Page size “%(size)s” was ignored.")
                    % {"size": shown(self.params["per_page"])}
                )
            size = PAGE_SIZES[1]
        paginator = Paginator(self.rows.prefetch_related(None).values_list("pk", flat=True), size)
        # The number of results is counted once per filter combination, as the facets are.
        paginator.count = self.cached("count", paginator.object_list.count)
        requested = self.params.get("page") or "1"
        page = paginator.get_page(requested)
        if str(page.number) != requested:
            self.notes.append(
                _("There is no page “%(page)s”; page %(number)s is shown.")
                % {"page": shown(requested), "number": page.number}
            )
        page.object_list = self.page_rows(list(page.object_list))
        return page

    def page_rows(self, keys):
        """The records of one page, in the order of `keys`. The sort and the offset run over
        the listed table alone; the joined and prefetched rows are read for this page only."""
        position = {pk: index for index, pk in enumerate(keys)}
        rows = self.rows.order_by().filter(pk__in=keys) if keys else []
        return sorted(rows, key=lambda row: position[row.pk])

    def export(self, serialiser):
        """The filtered rows as a file when `?export=` names a format, else None; an unknown
        format is noted on the page."""
        fmt = self.request.GET.get("export")
        if not fmt:
            return None
        if fmt not in FORMATS:
            self.notes.append(
                _("Unknown export format “%(format)s”: choose csv, xlsx or json.")
                % {"format": shown(fmt)}
            )
            return None
        return serialiser.export(fmt, self.rows)
