"""A row of a sheet as the import reads it, and the Plan of what it does to one record."""

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _

from ..dates import PartialDate, partial_date
from ..exports import visible
from .cells import INVALID, CellError, cell_text, same_value, show, split_list


class Row:
    """One row of a sheet: its number and cells by column code; collects its problems."""

    def __init__(self, number, cells):
        self.number, self.cells, self.problems = number, cells, []

    def has(self, code):
        return code in self.cells

    def shown(self, code):
        value = self.cells.get(code)
        if isinstance(value, PartialDate):
            return value.numeric()
        # Shown in reports, which the database keeps as JSON: PostgreSQL refuses a NUL there.
        return "" if value is None else visible(str(value))

    def problem(self, code, message, value=None):
        self.problems.append(
            {
                "row": self.number,
                "column": code,
                "value": self.shown(code) if value is None else value,
                "message": str(message),
            }
        )

    def read(self, code, parse, *args):
        """The cell `code` read by `parse`, or INVALID after noting the problem."""
        try:
            return parse(self.cells.get(code), *args)
        except CellError as error:
            self.problem(code, error)
            return INVALID

    def text(self, code):
        return self.read(code, cell_text)

    def choice(self, code, choices, default=""):
        return self.read(code, lambda value: choices.parse(cell_text(value), default))

    def ref(self, code, lookup):
        def find(value):
            text = cell_text(value)
            return lookup.find(text) if text else None

        return self.read(code, find)

    def refs(self, code, lookup):
        def find_all(value):
            found, problems = [], []
            for part in split_list(cell_text(value)):
                try:
                    ident = lookup.find(part)
                except CellError as error:
                    problems.append(str(error))
                    continue
                if ident in found:
                    problems.append(_("“%(value)s” is named twice.") % {"value": part})
                found.append(ident)
            if problems:
                raise CellError(" ".join(problems))
            return found

        return self.read(code, find_all)


@dataclass
class Plan:
    """What the import will do with one row."""

    row: Row
    key: str = ""
    label: str = ""
    instance: models.Model = None
    action: str = ""  # create, update, unchanged
    changes: list = field(default_factory=list)
    fields: set = field(default_factory=set)
    parts: dict = field(default_factory=dict)
    before: dict = None

    @property
    def ok(self):
        return not self.row.problems

    @property
    def existing(self):
        # Planning keeps what an existing record had (setting a foreign key on a new record
        # gives it a database, so its state cannot tell).
        return self.before is not None

    def set(self, column, attname, value, shown=show):
        if value is INVALID:
            return
        old = getattr(self.instance, attname)
        if not same_value(old, value):
            setattr(self.instance, attname, value)
            self.fields.add(attname)
            self.change(column, old, value, shown)
        elif not self.existing:
            # A new record shows every value it gets, a default it is given too.
            self.change(column, None, value, shown)

    def set_date(self, column, name, value):
        if value is INVALID:
            return
        old = partial_date(self.instance, name)
        # By what the dates say: a month stored on another day than the first is that month.
        if (old and old.iso()) != (value and value.iso()):
            self.change(column, old, value)
            setattr(self.instance, name, value.earliest if value else None)
            setattr(self.instance, f"{name}_precision", value.precision if value else "")
            self.fields.update({name, f"{name}_precision"})

    def change(self, column, old, new, shown=show):
        """Note what the row does to a value: for a record there, its old and new value; for
        a new record, the value it gets (if any)."""
        if self.existing:
            self.changes.append((column, shown(old), shown(new)))
        elif new not in (None, "", [], ()):
            self.changes.append((column, "", shown(new)))
