"""Reading one cell's value: text, lists, dates, years, choices, and records named by key or
name (Lookup), each refused with a message for the curator (CellError)."""

import difflib
import re
from collections import defaultdict

from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from ..dates import PartialDate
from ..exports import _DANGEROUS, CONTROL
from ..models import Source
from ..search import PASSPORT, _stemmer, normalise
from .reading import Formula


class CellError(Exception):
    """A value that cannot be read; the message is for the curator."""


class Invalid:
    """What a value that could not be read is replaced by."""

    def __repr__(self):
        return "INVALID"


INVALID = Invalid()


def cell_text(value):
    """A cell as text: numbers without ".0", dates as 25.11.1996, formula escapes removed."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        raise CellError(
            _("The cell holds a formula (%(formula)s): put its value instead.") % {"formula": value}
        )
    if isinstance(value, PartialDate):
        return value.numeric()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    # isprintable() passes most text at C speed; only the rest is searched.
    if isinstance(value, str) and not text.isprintable() and CONTROL.search(text):
        raise CellError(
            _("The text holds a control character (U+%(code)04X): delete it.")
            % {"code": ord(CONTROL.search(text).group())}
        )
    # Our exports put an apostrophe before = + - @ tab CR so that no cell runs as a formula,
    # and before apostrophes that precede one, so that a text starting with them reads back.
    if text[:1] == "'" and text.lstrip("'")[:1] in _DANGEROUS:
        return text[1:]
    return text.strip()


def plain_text(text):
    """Text as a curator sees it: spreadsheets turn CR LF into LF (XLSX) and imports strip
    the spaces around a cell, so neither is a change."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def same_value(old, new):
    if isinstance(old, str) and isinstance(new, str):
        return plain_text(old) == plain_text(new)
    return old == new


def split_list(text):
    """ "A; B;C" as ["A", "B", "C"]."""
    return [part.strip() for part in text.split(";") if part.strip()]


def parse_date(value):
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = cell_text(value)
    if not text:
        return None
    try:
        return PartialDate.parse(text)
    except ValueError as error:
        raise CellError(str(error)) from error


def parse_year(value):
    text = cell_text(value)
    if not text:
        return None
    if not text.isdigit() or not 1000 <= int(text) <= 2100:
        raise CellError(_("“%(value)s” is not a year.") % {"value": text})
    return int(text)


_SPACING = re.compile(r"[\s_]+")
_CYRILLIC = re.compile("[а-я]")
# A shorter beginning names too little to stand for a choice.
_SHORTEST_PREFIX = 3


def _compact(text):
    """A choice as written, without case, ё, punctuation, hyphens or spaces."""
    return _SPACING.sub("", normalise(text))


def _stems(text):
    """The stems of a choice's words, joined: "межакадемический" and "межакадемическое"
    both give "межакадемическ"."""
    return "".join(
        _stemmer("russian" if _CYRILLIC.search(word) else "english").stemWord(word)
        for word in normalise(text).split()
    )


class Choices:
    """Reads a choice as its code or its label in Russian or English, in any case, ignoring
    ё/е, punctuation, hyphens and spaces, or as another form of the label's words, or their
    beginning ("inter-academy", "межакадемический"). A value that could be two choices is an
    error that names them: a code is matched first, then a whole label, then its forms."""

    def __init__(self, choices):
        # A TextChoices class or a field's list of (code, label) pairs.
        self.pairs = list(getattr(choices, "choices", choices))
        self.codes, self.whole, self.forms = defaultdict(set), defaultdict(set), defaultdict(set)
        for code, label in self.pairs:
            self.codes[_compact(code)].add(code)
            for language in ("en", "ru"):
                with override(language):
                    text = str(label)
                self.whole[_compact(text)].add(code)
                self.forms[_stems(text)].add(code)
        # The codes each value read so far could be: rows repeat the same few values.
        self._read = {}

    def parse(self, text, default=""):
        if not text:
            return default
        candidates = self._read.get(text)
        if candidates is None:
            candidates = self._read[text] = self._candidates(text)
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise CellError(
                _("“%(value)s” could be any of: %(choices)s. Write the code.")
                % {"value": text, "choices": self._listed(candidates)}
            )
        raise CellError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": text, "choices": self._listed(code for code, _label in self.pairs)}
        )

    def _candidates(self, text):
        compact, stems = _compact(text), _stems(text)
        for found in (self.codes.get(compact), self.whole.get(compact), self.forms.get(stems)):
            if found:
                return sorted(found)
        if len(stems) < _SHORTEST_PREFIX:
            return []
        return sorted(
            {code for form, codes in self.forms.items() if form.startswith(stems) for code in codes}
        )

    def _listed(self, codes):
        labels = dict(self.pairs)
        return ", ".join(f"{code} ({labels[code]})" for code in codes)


class Lookup:
    """Records found by key or by any of their names, ignoring case, ё/е, punctuation and
    extra spaces. A value that matches none, or several, is an error that names the closest
    candidates. Records a sheet is about to create may be added, under a provisional id."""

    def __init__(self, what):
        self.what = what  # "actor", "source"...: in messages
        self.keys = {}
        self.names = defaultdict(set)
        self.labels = {}
        self._near = {}
        self._found = {}

    def add(self, ident, key, label, *names):
        if key:
            self.keys[key.lower()] = ident
        self.labels[ident] = f"{label} ({key})" if key else label
        for name in (key, label, *names):
            text = normalise(name)
            if text:
                self.names[text].add(ident)

    def find(self, value):
        text = value.strip()
        ident = self.keys.get(text.lower())
        if ident is not None:
            return ident
        # Rows repeat the same names: each is normalised once.
        if text not in self._found:
            self._found[text] = normalise(text)
        found = self.names.get(self._found[text], ())
        if len(found) == 1:
            return next(iter(found))
        if found:
            listed = "; ".join(sorted((self.labels[i] for i in found), key=str.casefold))
            raise CellError(
                _("“%(value)s” matches several records (%(what)s): %(candidates)s. Write the key.")
                % {"value": text, "what": self.what, "candidates": listed}
            )
        near = self.closest(text)
        if near:
            raise CellError(
                _("“%(value)s” matches no record (%(what)s). Closest: %(candidates)s.")
                % {"value": text, "what": self.what, "candidates": near}
            )
        raise CellError(
            _("“%(value)s” matches no record (%(what)s), nor anything close.")
            % {"value": text, "what": self.what}
        )

    def closest(self, text):
        text = normalise(text)
        if text not in self._near:
            names = difflib.get_close_matches(text, self.names.keys(), n=5, cutoff=0.6)
            labels = dict.fromkeys(
                self.labels[i] for name in names for i in sorted(self.names[name], key=str)
            )
            self._near[text] = "; ".join(list(labels)[:3])
        return self._near[text]

    def label(self, ident):
        return self.labels.get(ident, "")


def source_lookup():
    """Every source, findable by key and title; `records` holds them by id."""
    lookup = Lookup(gettext_lazy("source"))
    lookup.records = Source.objects.only("key", "title", "authors", "year", "state").in_bulk()
    for pk, source in lookup.records.items():
        lookup.add(pk, source.key, source.title)
    return lookup


def derive_key(text, suffix="", max_length=100):
    """A key made of the Latin spelling of `text` and `suffix`: "soglashenie-o-...-1996-11-25"."""
    base = slugify(normalise(text).translate(PASSPORT)) or "record"
    room = max_length - len(suffix) - 1 if suffix else max_length
    if len(base) > room:
        base = base[:room].rsplit("-", 1)[0] or base[:room]
    return f"{base}-{suffix}" if suffix else base


def show(value):
    if value is None or value == "":
        return ""
    if isinstance(value, PartialDate):
        return value.numeric()
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)
