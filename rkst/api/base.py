"""What every list and record of the API shares: the HTML list's filters, search, sorting and
notes (rkst.listing), page-number pagination, weak ETags from the catalogue's version, the
reader's language for the notes, the anonymous throttle and the statement bound of the pages."""

import hashlib

import django_filters
from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.translation import trans_real
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import build_basic_type, build_parameter_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, viewsets
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ..listing import PAGE_SIZES, YearFilter
from ..serving import KeyMoved, bounded, catalogue_version, get_public


def checked(view):
    """`view` under Django's CSRF check, which DRF's views are exempt from: the API answers
    only GET, HEAD and OPTIONS, and a request of another method from another site is refused
    before it reaches the view."""
    view.csrf_exempt = False
    return view


def api_language(request):
    """The language of the notes: Russian when the reader's Accept-Language prefers it to
    English, else English (the field names and codes are English whatever it says)."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in trans_real.parse_accept_lang_header(header):
        code = code.split("-")[0].lower()
        if code in ("ru", "en"):
            return code
    return "en"


def api_etag(request):
    """A weak ETag: the same answer, byte for byte or not, while the catalogue keeps its
    version, for the same address and language."""
    parts = (catalogue_version(request), translation.get_language(), request.get_full_path())
    return f'W/"{hashlib.sha256(repr(parts).encode()).hexdigest()[:32]}"'


class ListingFilterBackend(DjangoFilterBackend):
    """The list's filters, search and sort, read by the HTML list's Listing: the same rows for
    the same parameters, and the same notes for what it drops. The schema names the
    Listing's FilterSet (drf-spectacular reads it as django-filter's)."""

    def get_filterset_class(self, view, queryset=None):
        return view.listing_class.filterset_class

    def filter_queryset(self, request, queryset, view):
        if view.action != "list":
            return queryset
        view.listing = view.listing_class(request, queryset)
        return view.listing.rows


class ListingFilterExtension(DjangoFilterExtension):
    """The Listing's filters in the schema: a record filter takes a key (or a code), a year a
    whole number; a value that names nothing, or a year out of range, is dropped with a note."""

    target_class = ListingFilterBackend
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        kind = None
        if isinstance(filter_field, django_filters.ModelChoiceFilter):
            kind = OpenApiTypes.STR
            with translation.override("en"):
                label = str(filter_field.label)
            to_field = filter_field.extra.get("to_field_name", "key")
            description = f"The {to_field} of a published record: {label}."
        elif isinstance(filter_field, YearFilter):
            kind = OpenApiTypes.INT
            first, last = settings.CATALOGUE_YEARS
            description = f"A year from {first} to {last}."
        if kind is None:
            return super().resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
        parameter = build_parameter_type(
            name=field_name,
            location=OpenApiParameter.QUERY,
            schema=build_basic_type(kind),
            description=description,
        )
        return [parameter]


class ListingPagination(BasePagination):
    """Pages of the Listing: `page` and `per_page` (1 to API_MAX_PAGE_SIZE, 50 by default);
    an out-of-range page shows the nearest one, with a note, as on the pages."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.listing = view.listing
        self.listing.rows = queryset
        self.page = self.listing.page(sizes=range(1, settings.API_MAX_PAGE_SIZE + 1))
        return list(self.page.object_list)

    def link(self, number):
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, "page")
        return replace_query_param(url, "page", number)

    def get_paginated_response(self, data):
        page = self.page
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "per_page": page.paginator.per_page,
                "next": self.link(page.next_page_number()) if page.has_next() else None,
                "previous": self.link(page.previous_page_number()) if page.has_previous() else None,
                "notes": [str(note) for note in self.listing.notes],
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "page", "pages", "per_page", "next", "previous"]
            + ["notes", "results"],
            "properties": {
                "count": {"type": "integer", "description": "Records found, on every page."},
                "page": {"type": "integer", "description": "The number of this page."},
                "pages": {"type": "integer", "description": "The number of pages."},
                "per_page": {"type": "integer", "description": "Records a page."},
                "next": link,
                "previous": link,
                "notes": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "What was dropped or corrected of the parameters, and why, "
                    "in the language of Accept-Language (English or Russian).",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "The page number; past the last page, the last one.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": f"Records a page, 1 to {settings.API_MAX_PAGE_SIZE} "
                f"(default {PAGE_SIZES[1]}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE},
            },
        ]


ERROR = inline_serializer("Error", {"detail": serializers.CharField()})


def sort_parameter(listing_class):
    return OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        enum=[*listing_class.sorts, listing_class.relevance_sort],
        description=f"The order of the results (default {listing_class.default_sort}, or "
        f"{listing_class.relevance_sort} with a search `q`).",
    )


class RecordViewSet(viewsets.ReadOnlyModelViewSet):
    """A list (the HTML list's filters and search) and a record by its key, of the records the
    public may see. Subclasses name the model's public queryset (`public()`), the Listing and
    the serializer, whose prepare() reads the public parts it shows."""

    listing_class = None
    lookup_field = "key"
    filter_backends = [ListingFilterBackend]
    pagination_class = ListingPagination

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.serializer_class is None:
            return
        with translation.override("en"):
            name = str(cls.serializer_class.Meta.model._meta.verbose_name_plural)
        throttled = OpenApiResponse(ERROR, description="Too many requests from this address.")
        extend_schema_view(
            list=extend_schema(
                parameters=[sort_parameter(cls.listing_class)],
                responses={200: cls.serializer_class(many=True), 429: throttled},
                description=f"The published {name}, filtered, searched and sorted as the HTML "
                "list is, a page at a time.",
            ),
            retrieve=extend_schema(
                responses={
                    200: cls.serializer_class,
                    404: OpenApiResponse(ERROR, description="No published record has this key."),
                    429: throttled,
                },
                description="One published record by its key.",
            ),
        )(cls)

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        return checked(bounded(super().as_view(actions, **initkwargs)))

    def get_queryset(self):
        return self.serializer_class.prepare(self.request, self.queryset.public())

    def dispatch(self, request, *args, **kwargs):
        with translation.override(api_language(request)):
            return super().dispatch(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        return self.not_modified(request) or super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        try:
            return self.not_modified(request) or super().retrieve(request, *args, **kwargs)
        except KeyMoved as moved:
            # A renamed or merged record's old key answers with the record's address now.
            address = self.reverse_action("detail", args=[moved.record.key])
            return HttpResponsePermanentRedirect(address)

    def get_object(self):
        """The record by its key, through the pages' lookup (rkst.serving.get_public)."""
        if self.lookup_field != "key":
            return super().get_object()
        return get_public(self.get_queryset(), self.kwargs["key"])

    def not_modified(self, request):
        return get_conditional_response(request, etag=api_etag(request))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code in (200, 304):
            response["ETag"] = api_etag(request)
        response.headers.setdefault("Vary", "Accept-Language")
        response.headers["Content-Language"] = translation.get_language()
        return response
