"""Actors in the API (/api/v1/actors/): the list takes the actor list's filters."""

from rest_framework import serializers
from rest_framework.routers import SimpleRouter

from rkst.api.base import RecordViewSet
from rkst.api.fields import (
    OptionalURLField,
    PageField,
    PartialDateField,
    PublicRef,
    RecordSerializer,
    citations,
    many,
)
from rkst.serialisers import listed

from .filters import ActorListing
from .models import Actor, ActorAlias
from .serialisers import ActorSerialiser


class ActorRef(PublicRef):
    key = serializers.CharField()
    name_ru = serializers.CharField()
    name_en = serializers.CharField()
    kind = serializers.ChoiceField(choices=Actor.Kind.choices)
    country = serializers.ChoiceField(choices=Actor.Country.choices)


class AliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActorAlias
        fields = ["name", "kind", "language", "note"]
        read_only_fields = fields


class ActorSerializer(RecordSerializer):
    serialiser = ActorSerialiser

    page_url = PageField("actors:detail")
    parent = ActorRef(allow_null=True, help_text="The body this one is part of.")
    located_in = ActorRef(allow_null=True, help_text="The region or city where it sits.")
    founded_on = PartialDateField("founded_on")
    dissolved_on = PartialDateField("dissolved_on")
    website = OptionalURLField()
    aliases = many(AliasSerializer(), source=listed("aliases"))
    citations = citations()

    class Meta:
        model = Actor
        fields = [
            "key", "version", "version_date",
            "page_url", "name_ru", "name_en", "short_name_ru", "short_name_en", "kind",
            "country", "parent", "located_in", "founded_on", "dissolved_on", "iso_3166_2",
            "wikidata", "website", "description_ru", "description_en", "aliases", "citations",
            "updated_at", "editorial_notes", "known_gaps",
        ]  # fmt: skip
        read_only_fields = fields


class ActorViewSet(RecordViewSet):
    queryset = Actor.objects.all()
    listing_class = ActorListing
    serializer_class = ActorSerializer


router = SimpleRouter()
router.register("actors", ActorViewSet, basename="actor")
urlpatterns = router.urls
