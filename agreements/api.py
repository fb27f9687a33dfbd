"""Agreements, projects and topics in the API (/api/v1/…): each list takes its HTML list's
filters; every nested part is read as a public part."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.routers import SimpleRouter

from actors.api import ActorRef
from rkst.api.base import RecordViewSet
from rkst.api.fields import (
    PageField,
    PartialDateField,
    PrefetchedList,
    PublicRef,
    RecordSerializer,
    Ref,
    citations,
    many,
)
from rkst.serialisers import listed, public_citations, public_prefetch

from .filters import AgreementListing, ProjectListing, TopicListing
from .models import (
    Agreement,
    AgreementParty,
    AgreementRelation,
    Project,
    ProjectFigure,
    ProjectParticipant,
    Topic,
)
from .serialisers import AgreementSerialiser, ProjectSerialiser


class AgreementRef(PublicRef):
    key = serializers.CharField()
    title_ru = serializers.CharField()
    title_en = serializers.CharField()


class ProjectRef(PublicRef):
    key = serializers.CharField()
    name_ru = serializers.CharField()
    name_en = serializers.CharField()


class TopicRef(Ref):
    code = serializers.CharField()
    name_ru = serializers.CharField()
    name_en = serializers.CharField()


class PartySerializer(serializers.ModelSerializer):
    actor = ActorRef()

    class Meta:
        model = AgreementParty
        fields = ["actor", "role", "side", "order"]
        read_only_fields = fields

    def to_representation(self, party):
        actor = self.fields["actor"].to_representation(party.actor)
        return {"actor": actor, "role": party.role, "side": party.side, "order": party.order}


class RelationList(PrefetchedList):
    """Both ways: the relations this agreement has to others, then those others have to it."""

    def get_attribute(self, agreement):
        return [
            *getattr(agreement, listed("relations_from")),
            *getattr(agreement, listed("relations_to")),
        ]


class RelationSerializer(serializers.ModelSerializer):
    """“source type target”: the source agreement supplements, implements… the target."""

    source = AgreementRef()
    target = AgreementRef()
    citations = citations()

    class Meta:
        model = AgreementRelation
        fields = ["source", "type", "target", "note", "citations"]
        read_only_fields = fields


# What naming an agreement or a project does not read.
LONG_TEXTS = ("search_text", "curator_note", "summary_ru", "summary_en")
PROJECT_TEXTS = ("search_text", "curator_note", "description_ru", "description_en")


def public_relations(name, other):
    """The agreements' public relations `name` (relations_from or relations_to), with the
    agreement at the `other` end and their public citations."""
    relations = (
        AgreementRelation.objects.public()
        .select_related(other)
        .defer(*(f"{other}__{text}" for text in LONG_TEXTS))
        .prefetch_related(public_citations(AgreementRelation, as_list=True))
        .order_by("type", "pk")
    )
    return Prefetch(name, queryset=relations, to_attr=listed(name))


class AgreementSerializer(RecordSerializer):
    serialiser = AgreementSerialiser

    page_url = PageField("agreements:detail")
    organisation = ActorRef(allow_null=True, help_text="The framework organisation.")
    signed_on = PartialDateField("signed_on")
    signed_place = ActorRef(allow_null=True, help_text="The place of signing.")
    approved_on = PartialDateField("approved_on")
    in_force_on = PartialDateField("in_force_on")
    ended_on = PartialDateField("ended_on")
    parties = many(PartySerializer(), source="public_parties")
    topics = many(TopicRef(), source=listed("topics"))
    relations = RelationList(child=RelationSerializer(), read_only=True)
    projects = many(ProjectRef(), source=listed("projects"))
    citations = citations()

    class Meta:
        model = Agreement
        fields = [
            "key", "version", "version_date",
            "page_url", "title_ru", "title_en", "short_title_ru", "short_title_en",
            "title_supplied", "kind", "binding", "level", "organisation", "signed_on",
            "signed_place", "approved_on",
            "in_force_on", "ended_on", "status", "status_checked_on", "parties", "topics",
            "summary_ru", "summary_en", "relations", "projects", "citations", "updated_at",
            "editorial_notes", "known_gaps",
        ]  # fmt: skip
        read_only_fields = fields

    @classmethod
    def prefetches(cls):
        return [
            public_prefetch(Agreement, "projects", defer=PROJECT_TEXTS, as_list=True),
            public_relations("relations_from", "target"),
            public_relations("relations_to", "source"),
        ]


class ParticipantSerializer(serializers.ModelSerializer):
    actor = ActorRef()

    class Meta:
        model = ProjectParticipant
        fields = ["actor", "role", "order"]
        read_only_fields = fields

    def to_representation(self, participant):
        actor = self.fields["actor"].to_representation(participant.actor)
        return {"actor": actor, "role": participant.role, "order": participant.order}


class FigureSerializer(serializers.ModelSerializer):
    value = serializers.CharField(
        source="amount", help_text="The value in plain digits: “115000000”, “9447.5”."
    )

    class Meta:
        model = ProjectFigure
        fields = ["measure", "label_ru", "label_en", "value", "unit", "order"]
        read_only_fields = fields


class ProjectSerializer(RecordSerializer):
    serialiser = ProjectSerialiser

    page_url = PageField("projects:detail")
    started_on = PartialDateField("started_on")
    ended_on = PartialDateField("ended_on")
    place = ActorRef(allow_null=True)
    participants = many(ParticipantSerializer(), source=listed("participant_set"))
    figures = many(FigureSerializer(), source=listed("figures"))
    agreements = many(
        AgreementRef(), source=listed("agreements"), help_text="The agreements it rests on."
    )
    citations = citations()

    class Meta:
        model = Project
        fields = [
            "key", "version", "version_date",
            "page_url", "name_ru", "name_en", "kind", "started_on", "ended_on", "place",
            "description_ru", "description_en", "participants", "figures", "agreements",
            "citations", "updated_at",
            "editorial_notes", "known_gaps",
        ]  # fmt: skip
        read_only_fields = fields

    @classmethod
    def prefetches(cls):
        return [public_prefetch(Project, "agreements", defer=LONG_TEXTS, as_list=True)]


class TopicSerializer(RecordSerializer):
    parent = serializers.SerializerMethodField(help_text="The broader topic's code.")

    class Meta:
        model = Topic
        fields = ["code", "name_ru", "name_en", "parent", "order"]
        read_only_fields = fields

    @classmethod
    def prepare(cls, request, queryset):
        # A broader topic is named only when the public sees it too (a public agreement
        # carries it).
        return queryset.select_related("parent").annotate(
            parent_public=Topic.objects.public_q("parent__")
        )

    @extend_schema_field({"type": ["string", "null"]})
    def get_parent(self, topic):
        return topic.parent.code if topic.parent_id and topic.parent_public else None


class AgreementViewSet(RecordViewSet):
    queryset = Agreement.objects.all()
    listing_class = AgreementListing
    serializer_class = AgreementSerializer


class ProjectViewSet(RecordViewSet):
    queryset = Project.objects.all()
    listing_class = ProjectListing
    serializer_class = ProjectSerializer


class TopicViewSet(RecordViewSet):
    queryset = Topic.objects.all()
    listing_class = TopicListing
    serializer_class = TopicSerializer
    lookup_field = "code"


router = SimpleRouter()
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("projects", ProjectViewSet, basename="project")
router.register("topics", TopicViewSet, basename="topic")
urlpatterns = router.urls
