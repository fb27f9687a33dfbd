from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from rkst.versions import version_page

from . import feeds, views
from .models import Agreement, Project
from .sitemaps import SITEMAPS

agreement_patterns = (
    [
        path("", views.agreement_list, name="list"),
        # Before the records: "feed" is no agreement's key.
        path("feed/", feeds.agreement_feed, name="feed"),
        path("<slug:key>/", views.agreement_detail, name="detail"),
        path("<slug:key>/v<int:number>/", version_page, {"model": Agreement}, name="version"),
    ],
    "agreements",
)
project_patterns = (
    [
        path("", views.project_list, name="list"),
        path("<slug:key>/", views.project_detail, name="detail"),
        path("<slug:key>/v<int:number>/", version_page, {"model": Project}, name="version"),
    ],
    "projects",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("feed/", feeds.catalogue_feed, name="feed"),
    path("agreements/", include(agreement_patterns)),
    path("projects/", include(project_patterns)),
    path("map/", views.region_map, name="map"),
    path("network/", views.network, name="network"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]
