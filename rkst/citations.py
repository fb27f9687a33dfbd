"""Citations as readers see them: numbered notes, grouped by the fact they support."""

from dataclasses import dataclass, field

from .models import CitationRank

RANK_ORDER = {CitationRank.PREFERRED: 0, CitationRank.NORMAL: 1, CitationRank.DEPRECATED: 2}


@dataclass
class Note:
    number: int
    citation: object


@dataclass
class Fact:
    field: str
    label: str
    notes: list = field(default_factory=list)


def public_citations(record):
    """The record's public citations (see CitationQuerySet.public), best-ranked first."""
    citations = record.citations.public().select_related("source", "found_in")
    return sorted(citations, key=lambda c: (RANK_ORDER.get(c.rank, 1), c.pk))


def numbered_notes(record, labels):
    """(facts, notes): each cited fact in the order of `labels` (field -> label, "" for the
    whole record) with its notes, and every note numbered once, in reading order."""
    by_field = {}
    for citation in public_citations(record):
        by_field.setdefault(citation.field, []).append(citation)
    facts, notes = {}, []
    for name, label in labels.items():
        for citation in by_field.pop(name, []):
            note = Note(len(notes) + 1, citation)
            notes.append(note)
            facts.setdefault(name or "record", Fact(name, label)).notes.append(note)
    for name, citations in by_field.items():  # facts no longer listed keep their notes
        for citation in citations:
            note = Note(len(notes) + 1, citation)
            notes.append(note)
            facts.setdefault(name, Fact(name, name)).notes.append(note)
    return facts, notes
