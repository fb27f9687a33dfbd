"""Atom feeds of the records the public may see, the latest change first: each entry links to
the record's page in the feed's language, with the time of its last change (`updated`) and of
its first publication (`published`, when the publication log has it). XML cannot hold
control characters: a text's are shown as Unicode's control pictures, as in XLSX exports.
The apps name the records (agreements/feeds.py); the feeds are public pages, cached under
the catalogue's version (rkst.serving.public_page)."""

from django.contrib.contenttypes.models import ContentType
from django.contrib.syndication.views import Feed
from django.db.models import OuterRef, Subquery
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.text import Truncator

from .exports import visible
from .models import PublicationState, Transition

# Entries of a feed: the records changed last.
FEED_SIZE = 50
# What a feed of a list leaves out of the list's parameters: a feed has no pages or sorting.
NOT_FILTERS = ("page", "per_page", "sort", "export")


def feed_params(params):
    """The filters of a list's GET parameters, as its feed takes them."""
    params = params.copy()
    for name in NOT_FILTERS:
        params.pop(name, None)
    return params


def with_query(url, params):
    return f"{url}?{params.urlencode()}" if params else url


def latest_changes(queryset, size=FEED_SIZE):
    """The `size` records of `queryset` changed last, each with `first_published`: its
    earliest transition to published (None for a record loaded already published)."""
    published = (
        Transition.objects.filter(
            content_type=ContentType.objects.get_for_model(queryset.model),
            object_id=OuterRef("pk"),
            to_state=PublicationState.PUBLISHED,
        )
        .order_by("at")
        .values("at")[:1]
    )
    return queryset.order_by("-updated_at", "-pk").annotate(first_published=Subquery(published))[
        :size
    ]


class RecordFeed(Feed):
    """An Atom feed of records; subclasses give `items()`, `title_of()` and `summary_of()`."""

    feed_type = Atom1Feed

    def title_of(self, record):
        raise NotImplementedError

    def summary_of(self, record):
        return ""

    def item_title(self, record):
        # Atom titles are text: Django's default escapes them once more for RSS readers.
        return visible(self.title_of(record))

    def item_description(self, record):
        # The summary is of type "html": the record's text is escaped, never markup.
        summary = self.summary_of(record)
        return escape(visible(Truncator(summary).chars(300))) if summary else None

    def item_link(self, record):
        return record.get_absolute_url()

    def item_updateddate(self, record):
        return record.updated_at

    def item_pubdate(self, record):
        return record.first_published
