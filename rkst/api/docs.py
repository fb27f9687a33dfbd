"""The API's index and its documentation page: Swagger UI served from our own static files
(drf-spectacular-sidecar), started by a script file, so that it runs under the site's
Content-Security-Policy and asks nothing of another server."""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from .base import api_language, checked

# The lists of the API, by their route names in the "api" namespace.
LISTS = ("agreements", "actors", "projects", "sources", "topics")


@extend_schema(
    responses=inline_serializer(
        "Index",
        {name: serializers.URLField() for name in (*LISTS, "schema", "docs")},
    ),
    description="The addresses of the lists, the schema and its documentation page.",
)
@checked
@api_view(["GET"])
def api_root(request):
    links = {name: reverse(f"api:{name[:-1]}-list") for name in LISTS}
    links |= {"schema": reverse("api:schema"), "docs": reverse("api:docs")}
    return Response({name: request.build_absolute_uri(url) for name, url in links.items()})


def api_not_found(request):
    with translation.override(api_language(request)):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)


def api_docs(request):
    return render(request, "rkst/api_docs.html", {"schema_url": reverse("api:schema")})


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3.1 schema, YAML or JSON (`?format=json`), its descriptions in the language
    of `?lang=` or of Accept-Language (English unless Russian is preferred)."""

    @classmethod
    def as_view(cls, **initkwargs):
        return checked(super().as_view(**initkwargs))

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        with translation.override(request.GET.get("lang") or api_language(request)):
            return self._get_schema_response(request)
