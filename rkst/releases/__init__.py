"""Dated data releases: every public record, part, citation and source as CSV and JSON tables
in one zip, with a Frictionless data package (datapackage.json, Data Package v2) whose Table
Schemas describe every column, a README, the catalogue's version and SHA-256 checksums of each
file inside (SHA256SUMS) and of the zip (a `.sha256` file beside it).

The apps declare their tables (`releases.py` beside their models) from the visibility layer:
rows come from `public()` querysets, linked records through `public_or_none()`; the app at the
top of the layers (agreements) gathers them: `tables` describes columns and tables, `files`
writes, lists and finds releases."""

from .files import (
    CatalogueChanged,
    Release,
    release_path,
    releases,
    snapshot,
    write_release,
)
from .tables import (
    CHUNK,
    Column,
    Table,
    citation_table,
    column,
    foreign_key,
    id_column,
    key_column,
    link_column,
    part_column,
    partial_date_column,
    source_tables,
    url_column,
)

__all__ = [
    "CHUNK", "CatalogueChanged", "Column", "Release", "Table", "citation_table", "column",
    "foreign_key", "id_column", "key_column", "link_column", "part_column",
    "partial_date_column", "release_path", "releases", "snapshot", "source_tables",
    "url_column", "write_release",
]  # fmt: skip
