"""Spreadsheet import and export: one sheet per kind of record, checked whole, written whole.

The shape follows pretix's import: a sheet declares its columns; every row is read and checked
first, and every problem is collected with its row, column and value; records are written in
one transaction only when there is none, and the same rules run again at that moment, so a row
that turned bad since the preview writes nothing. django-import-export's row pipeline is not
used for this (it drops unknown many-to-many names, skips rows that fail at confirm time, and
costs seven queries a row; benchmarks/imports.py measures both); what it does well serves the
exports: `exporting` makes a resource of each sheet's columns for its export page, its "export
selected" action and its `export` command.

Values are reconciled in memory: every record a sheet may point at is loaded once into a
Lookup that finds it by key, name or alias, ignoring case, ё/е and extra spaces, and that
names the closest candidates when a value matches none or several. Writes are bulk inserts and
updates with their history rows (django-simple-history's historical tables, written directly),
and each record an import creates or changes is noted with its row in an ImportRow, so that a
batch can be shown on the record and undone.

The package, a module a step:
- `cells`: one cell's value (text, lists, dates, choices, records named by key or name);
- `columns`: one class per kind of column, which reads, assigns and exports its value;
- `rows`: a row as read, and the Plan of what it does to one record;
- `reading`, `workbooks`: the files (CSV; XLSX and ODS from their XML), within limits;
- `planning`: a sheet's rows planned and checked, writing nothing;
- `writing`: the plans written through the write path's bulk functions;
- `sheets`: the registry, the sources' sheet, templates and exports;
- `exporting`: the sheets' resources and formats for django-import-export's exports;
- `batches`, `undo`: a preview, a confirmation and an undo, all or nothing;
- `forms`, `admin`: the pages of the admin.

Sheets are registered by the apps in their AppConfig.ready(), so that this package imports none.
"""

from ..workflow.writing import copy_rows
from .batches import (
    SHOWN_PROBLEMS,
    SHOWN_ROWS,
    ConnectionLost,
    Report,
    confirm,
    discard,
    map_headers,
    may_publish,
    new_batch,
    preview,
    remove_stale_previews,
    run_import,
)
from .cells import (
    INVALID,
    CellError,
    Choices,
    Lookup,
    cell_text,
    derive_key,
    parse_date,
    parse_year,
    plain_text,
    same_value,
    show,
    source_lookup,
    split_list,
)
from .columns import (
    ChoiceColumn,
    CitationColumn,
    CitationPartColumn,
    Column,
    DateColumn,
    KeyColumn,
    ListColumn,
    ReferenceColumn,
    YearColumn,
)
from .planning import (
    RecordPlanning,
    Sheet,
    cell_text_or_invalid,
    quiet_text,
    restore_fields,
    snapshot,
)
from .reading import ImportRefused, read_table
from .rows import Plan, Row
from .sheets import (
    CitedSheet,
    RecordSheet,
    SourceSheet,
    citation_columns,
    export_rows,
    get_sheet,
    register,
    register_sources,
    sheet_for_model,
    sheets,
    template_workbook,
)
from .undo import UndoRefused, undo, undo_problems
from .writing import note_rows

__all__ = [
    "INVALID", "SHOWN_PROBLEMS", "SHOWN_ROWS", "CellError", "ChoiceColumn", "Choices",
    "CitationColumn", "CitationPartColumn", "CitedSheet", "Column", "ConnectionLost",
    "DateColumn", "ImportRefused", "KeyColumn", "ListColumn", "Lookup", "Plan",
    "RecordPlanning", "RecordSheet", "ReferenceColumn", "Report", "Row", "Sheet",
    "SourceSheet", "UndoRefused", "YearColumn", "cell_text", "cell_text_or_invalid",
    "citation_columns", "confirm", "copy_rows", "discard", "derive_key", "export_rows", "get_sheet",
    "map_headers", "may_publish", "new_batch", "note_rows", "parse_date", "parse_year",
    "plain_text", "preview", "quiet_text", "read_table", "register", "register_sources",
    "remove_stale_previews", "restore_fields", "run_import", "same_value", "sheet_for_model",
    "sheets", "show", "snapshot", "source_lookup", "split_list", "template_workbook", "undo",
    "undo_problems",
]  # fmt: skip
