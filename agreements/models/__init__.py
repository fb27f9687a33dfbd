"""Agreements, their parties and relations, topics, projects, and where each comes from."""

from .agreements import Agreement, AgreementQuerySet, Topic, TopicQuerySet
from .parts import (
    AgreementCitation,
    AgreementParty,
    AgreementPartyQuerySet,
    AgreementRelation,
    AgreementRelationCitation,
    AgreementRelationQuerySet,
)
from .projects import (
    Project,
    ProjectCitation,
    ProjectFigure,
    ProjectFigureQuerySet,
    ProjectParticipant,
    ProjectParticipantQuerySet,
)

__all__ = [
    "Agreement", "AgreementCitation", "AgreementParty", "AgreementPartyQuerySet",
    "AgreementQuerySet", "AgreementRelation", "AgreementRelationCitation",
    "AgreementRelationQuerySet", "Project", "ProjectCitation", "ProjectFigure",
    "ProjectFigureQuerySet", "ProjectParticipant", "ProjectParticipantQuerySet", "Topic",
    "TopicQuerySet",
]  # fmt: skip
