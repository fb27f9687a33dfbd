"""The shared kernel's models: what every curated record has, sources, the citation base,
the publication log and the import's bookkeeping, a module each."""

from ..locking import RecordChanged
from .citations import CitationBase, CitationQuerySet, CitationRank, citation_field
from .editorial import (
    EditorialNote,
    EditorialNoteCitation,
    KnownGap,
    KnownGapCitation,
    KnownGapLink,
    annotated_models,
    note_fields,
    record_public_q,
)
from .imports import ImportBatch, ImportRow, StoredFile
from .records import (
    CuratedModel,
    CuratedQuerySet,
    KeyField,
    Link,
    PublicationState,
    PublicQuerySet,
    SearchableModel,
    SearchableQuerySet,
    User,
    VersionField,
    check_date_order,
    check_partial_date,
    citation_links,
    key_field,
    key_validator,
    localised,
    none_or_published_q,
    precision_field,
    public_or_none,
    published_q,
)
from .redirects import KeyRedirect
from .sources import CatalogueVersion, Source
from .transitions import Transition, acting_user

__all__ = [
    "CatalogueVersion", "CitationBase", "CitationQuerySet", "CitationRank", "CuratedModel",
    "CuratedQuerySet", "EditorialNote", "EditorialNoteCitation", "ImportBatch", "ImportRow",
    "KeyField", "KeyRedirect", "KnownGap", "KnownGapCitation", "KnownGapLink", "Link",
    "PublicQuerySet",
    "PublicationState", "RecordChanged", "SearchableModel", "SearchableQuerySet", "Source",
    "StoredFile", "Transition", "User", "VersionField", "acting_user", "annotated_models",
    "check_date_order", "check_partial_date", "citation_field", "citation_links", "key_field",
    "key_validator", "localised", "none_or_published_q", "note_fields", "precision_field",
    "public_or_none", "published_q", "record_public_q",
]  # fmt: skip
