"""Partial dates: a day, a month or only a year, as the sources give them.

A partial date is stored as two columns: the earliest day it can mean (so that the database
sorts and filters on a real date) and its precision. It is written and read as ISO text as
precise as known ("1998", "1998-07", "1998-07-06"); curators may also type the Russian forms
"06.07.1998" and "07.1998".
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.db import models
from django.utils.formats import date_format, get_format_modules
from django.utils.translation import gettext_lazy as _

# How a day and a month of a partial date read where the language's format module (settings
# FORMAT_MODULE_PATH, e.g. rkst/formats/kk/formats.py) says nothing: "6 июля 1998", "July 1998".
# "E" is the month in the genitive where a language has one.
_PARTIAL_FORMATS = {"PARTIAL_DAY_FORMAT": "j E Y", "PARTIAL_MONTH_FORMAT": "F Y"}


def _partial_format(name):
    for module in get_format_modules():
        if hasattr(module, name):
            return getattr(module, name)
    return _PARTIAL_FORMATS[name]


def long_date(value):
    """A full date in the active language: "6 июля 1998", "6 July 1998", "1998 ж. 6 шілде"."""
    return date_format(value, _partial_format("PARTIAL_DAY_FORMAT"))


class Precision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), ("y", "m")),
    (re.compile(r"^(\d{1,2})\.(\d{4})$"), ("m", "y")),
    (re.compile(r"^(\d{4})$"), ("y",)),
]


@dataclass(frozen=True, order=True)
class PartialDate:
    earliest: datetime.date
    precision: str = Precision.DAY

    @classmethod
    def parse(cls, value):
        """Read "1998", "1998-07", "07.1998", "1998-07-06", "06.07.1998" or a date.

        Raises ValueError with a message for the curator when the text is not a date.
        """
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, datetime.datetime):
            return cls(value.date(), Precision.DAY)
        if isinstance(value, datetime.date):
            return cls(value, Precision.DAY)
        text = str(value).strip()
        for pattern, parts in _PATTERNS:
            match = pattern.match(text)
            if not match:
                continue
            numbers = dict(zip(parts, (int(g) for g in match.groups()), strict=True))
            year, month, day = numbers["y"], numbers.get("m", 1), numbers.get("d", 1)
            if not 1 <= month <= 12:
                raise ValueError(
                    _("“%(value)s”: there is no month %(month)s.") % {"value": text, "month": month}
                )
            if not 1 <= day <= calendar.monthrange(year, month)[1]:
                raise ValueError(
                    _("“%(value)s”: this month has no day %(day)s.") % {"value": text, "day": day}
                )
            precision = {3: Precision.DAY, 2: Precision.MONTH, 1: Precision.YEAR}[len(parts)]
            return cls(datetime.date(year, month, day), precision)
        raise ValueError(
            _("“%(value)s” is not a date: write 1996, 11.1996 or 25.11.1996.") % {"value": text}
        )

    def iso(self):
        if self.precision == Precision.YEAR:
            return f"{self.earliest.year:04d}"
        if self.precision == Precision.MONTH:
            return f"{self.earliest.year:04d}-{self.earliest.month:02d}"
        return self.earliest.isoformat()

    def numeric(self):
        """The Russian numeric form curators type: "1998", "07.1998", "06.07.1998"."""
        if self.precision == Precision.YEAR:
            return f"{self.earliest.year:04d}"
        if self.precision == Precision.MONTH:
            return f"{self.earliest.month:02d}.{self.earliest.year:04d}"
        return self.earliest.strftime("%d.%m.%Y")

    def latest(self):
        """The last day the date can mean, for ranges ("signed in 1998" ends on 31 December)."""
        year, month = self.earliest.year, self.earliest.month
        if self.precision == Precision.YEAR:
            return datetime.date(year, 12, 31)
        if self.precision == Precision.MONTH:
            return datetime.date(year, month, calendar.monthrange(year, month)[1])
        return self.earliest

    def display(self):
        """ "1998", "July 1998" or "6 July 1998" in the active language ("1998 ж. шілде")."""
        if self.precision == Precision.YEAR:
            return str(self.earliest.year)
        if self.precision == Precision.MONTH:
            return date_format(self.earliest, _partial_format("PARTIAL_MONTH_FORMAT"))
        return long_date(self.earliest)

    def __str__(self):
        return self.iso()


def partial_date(instance, name):
    """The PartialDate stored in the two columns `name` and `name_precision`, or None."""
    earliest = getattr(instance, name)
    if earliest is None:
        return None
    return PartialDate(earliest, getattr(instance, f"{name}_precision") or Precision.DAY)


def set_partial_date(instance, name, value):
    """Store `value` (text, date, PartialDate or None) in the two columns of `name`."""
    if value in (None, ""):
        setattr(instance, name, None)
        setattr(instance, f"{name}_precision", "")
        return
    parsed = PartialDate.parse(value)
    setattr(instance, name, parsed.earliest)
    setattr(instance, f"{name}_precision", parsed.precision)
