"""The API's own addresses: its index, the schema, the documentation page and the sources.
The apps' records are wired beside these by the root URLs (rkst/urls.py)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from .docs import SchemaView, api_docs, api_not_found, api_root
from .sources import SourceViewSet

router = SimpleRouter()
router.register("sources", SourceViewSet, basename="source")

urlpatterns = [
    path("", api_root, name="root"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
    *router.urls,
]
# Any other address under the API answers in JSON too (after the apps' routes, see rkst/urls.py;
# an address without its final slash is still redirected to it).
not_found = [re_path(r"^.*/$", api_not_found)]
