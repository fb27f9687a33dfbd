from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from actors.models import Actor
from rkst.models import Source

from .models import Agreement, Project


class PublishedSitemap(Sitemap):
    """Published records only, in both languages (i18n with alternates)."""

    i18n = True
    alternates = True
    x_default = True

    def __init__(self, model, namespace):
        self.model, self.namespace = model, namespace

    def items(self):
        return self.model.objects.public().order_by("key").only("key", "updated_at")

    def location(self, record):
        return reverse(f"{self.namespace}:detail", args=[record.key])

    def lastmod(self, record):
        return record.updated_at


SITEMAPS = {
    "agreements": PublishedSitemap(Agreement, "agreements"),
    "actors": PublishedSitemap(Actor, "actors"),
    "projects": PublishedSitemap(Project, "projects"),
    "sources": PublishedSitemap(Source, "sources"),
}
