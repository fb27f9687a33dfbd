from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from . import dashboard, serving, views
from .api import urls as api_urls
from .models import Source
from .versions import version_page

source_patterns = (
    [
        path("", views.source_list, name="list"),
        path("<slug:key>/", views.source_detail, name="detail"),
        path("<slug:key>/v<int:number>/", version_page, {"model": Source}, name="version"),
    ],
    "sources",
)

data_patterns = (
    [
        path("", views.data_releases, name="list"),
        path("<str:name>", views.data_release_file, name="file"),
    ],
    "data",
)

# The read-only API: the kernel's addresses and sources, and each app's records.
api_patterns = (
    [
        path("", include("rkst.api.urls")),
        path("", include("actors.api")),
        path("", include("agreements.api")),
        path("", include(api_urls.not_found)),
    ],
    "api",
)

urlpatterns = [
    path("robots.txt", views.robots, name="robots"),
    path("healthz", serving.healthz, name="healthz"),
    path("api/v1/", include(api_patterns)),
] + i18n_patterns(
    # The curators' dashboard, linked from the admin's index.
    path("admin/dashboard/", admin.site.admin_view(dashboard.dashboard), name="dashboard"),
    path("admin/", admin.site.urls),
    path("sources/", include(source_patterns)),
    path("coverage/", views.coverage, name="coverage"),
    path("actors/", include("actors.urls")),
    path("data/", include(data_patterns)),
    path("", include("agreements.urls")),
    prefix_default_language=False,
)
