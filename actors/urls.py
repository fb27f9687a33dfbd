from django.urls import path

from . import views

app_name = "actors"
urlpatterns = [
    path("", views.actor_list, name="list"),
    path("<slug:key>/", views.actor_detail, name="detail"),
]
