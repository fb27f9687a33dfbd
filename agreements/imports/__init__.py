"""The agreements' sheets: agreements (with parties, topics and a citation per row) and
citations (any number, of agreements, actors and projects)."""

from rkst.imports import register

from .agreements import AgreementSheet, party_side, topic_lookup
from .citations import TARGETS, CitationSheet

__all__ = ["TARGETS", "AgreementSheet", "CitationSheet", "party_side", "topic_lookup"]


def register_sheets():
    register(AgreementSheet)
    register(CitationSheet)
