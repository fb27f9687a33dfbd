"""Sources in the API."""

from rest_framework import serializers

from ..models import Source
from ..serialisers import SourceSerialiser
from ..views import SourceListing
from .base import RecordViewSet
from .fields import OptionalURLField, PageField, RecordSerializer


class AuthorsField(serializers.ListField):
    def to_representation(self, authors):
        return [name.strip() for name in authors.split(";") if name.strip()]


class SourceSerializer(RecordSerializer):
    serialiser = SourceSerialiser

    page_url = PageField("sources:detail")
    url = OptionalURLField(help_text="Where the work is online.")
    authors = AuthorsField(
        child=serializers.CharField(), help_text="Surnames with initials, as on the title page."
    )

    class Meta:
        model = Source
        fields = [
            "key", "version", "version_date",
            "page_url", "kind", "authors", "title", "title_supplied", "container", "year",
            "volume", "issue", "pages", "publisher", "place", "url", "doi", "language",
            "retrieved_on", "reliability", "complete", "notes", "updated_at",
            "editorial_notes", "known_gaps",
        ]  # fmt: skip
        read_only_fields = fields


class SourceViewSet(RecordViewSet):
    queryset = Source.objects.all()
    listing_class = SourceListing
    serializer_class = SourceSerializer
