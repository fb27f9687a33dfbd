from django.urls import path

from rkst.versions import version_page

from . import views
from .models import Actor

app_name = "actors"
urlpatterns = [
    path("", views.actor_list, name="list"),
    path("<slug:key>/", views.actor_detail, name="detail"),
    path("<slug:key>/v<int:number>/", version_page, {"model": Actor}, name="version"),
]
