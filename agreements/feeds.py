"""The catalogue's Atom feeds: every kind of record, and the agreements of any filtered list
(the list's GET parameters, through its FilterSet and its notes for dropped values)."""

import heapq
import itertools

from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from actors.models import Actor
from rkst.bibliography import formats
from rkst.exports import visible
from rkst.feeds import FEED_SIZE, RecordFeed, feed_params, latest_changes, with_query
from rkst.models import Source
from rkst.serving import public_page

from .filters import AgreementListing
from .models import Agreement, Project


def agreement_title(agreement):
    date = agreement.signed
    return f"{agreement.title()} ({date.display()})" if date else agreement.title()


# Per kind of record: its title and its summary in the reader's language.
TITLES = {
    Agreement: agreement_title,
    Actor: Actor.name,
    Project: Project.name,
    Source: str,
}
SUMMARIES = {
    Agreement: Agreement.summary,
    Actor: Actor.description,
    Project: Project.description,
    Source: lambda source: formats(source)["gost"],
}


class CatalogueFeed(RecordFeed):
    """Agreements, actors, projects and sources, published or changed, the latest first."""

    def title(self):
        return _("RKST catalogue: changes")

    def subtitle(self):
        return _("Agreements, actors, projects and sources published or changed, latest first.")

    def link(self):
        return reverse("home")

    def items(self):
        changed = (
            latest_changes(Agreement.objects.public()),
            latest_changes(Actor.objects.public().defer("search_text", "curator_note")),
            latest_changes(Project.objects.public()),
            latest_changes(Source.objects.public()),
        )
        newest = heapq.merge(*changed, key=lambda record: record.updated_at, reverse=True)
        return list(itertools.islice(newest, FEED_SIZE))

    def title_of(self, record):
        kind = capfirst(type(record)._meta.verbose_name)
        return f"{kind}: {TITLES[type(record)](record)}"

    def summary_of(self, record):
        return SUMMARIES[type(record)](record)

    def item_categories(self, record):
        return [type(record)._meta.model_name]


class AgreementFeed(RecordFeed):
    """The agreements a filtered list shows, the latest changed first."""

    def get_object(self, request):
        return AgreementListing(request, Agreement.objects.public())

    def title(self, listing):
        active = "; ".join(f"{f.label}: {f.value}" for f in listing.active_filters())
        title = _("RKST catalogue: agreements")
        return visible(f"{title} ({active})") if active else title

    def subtitle(self, listing):
        notes = [_("Agreements published or changed, latest first."), *map(str, listing.notes)]
        return visible(" ".join(notes))

    def link(self, listing):
        return with_query(reverse("agreements:list"), feed_params(listing.params))

    def feed_url(self, listing):
        return with_query(reverse("agreements:feed"), feed_params(listing.params))

    def items(self, listing):
        return latest_changes(listing.filterset.qs)

    def title_of(self, agreement):
        return agreement_title(agreement)

    def summary_of(self, agreement):
        return agreement.summary()


catalogue_feed = public_page(CatalogueFeed())
agreement_feed = public_page(AgreementFeed())
