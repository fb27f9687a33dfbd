"""Values shown in the page's language: locators and figures with their units.

A locator is stored once, in the catalogue's working language (Russian: “строка 12”,
“строки 52–54”, “с. 161–162”, “ст. 5”, “п. 3”, “заглавие”), and shown by `locator()` in the
language of the page, the export or the API response that shows it. A figure's unit is stored
as a code (“km”, “t/year”, “documents”, “USD”) and shown by `figure()` with its number, in the
words and the digit grouping of the language.
"""

import re
from decimal import Decimal

from django.utils import formats, translation
from django.utils.translation import npgettext, pgettext_lazy

# The words of stored locators, and what they read in other languages; a range of pages
# reads "pp.".
LOCATOR_WORDS = {
    "en": [
        (re.compile(r"\bстроки\s+"), "lines "),
        (re.compile(r"\bстрока\s+"), "line "),
        (re.compile(r"\bс\.\s*(?=\d+\s*[–-])"), "pp. "),
        (re.compile(r"\bс\.\s*"), "p. "),
        (re.compile(r"\bстр\.\s*"), "p. "),
        (re.compile(r"\bст\.\s*"), "art. "),
        (re.compile(r"\bпп\.\s*"), "paras. "),
        (re.compile(r"\bп\.\s*"), "para. "),
        (re.compile(r"\bч\.\s*"), "part "),
        (re.compile(r"\bгл\.\s*"), "ch. "),
        (re.compile(r"\bприл\.\s*"), "annex "),
        (re.compile(r"\bтабл\.\s*"), "table "),
        (re.compile(r"\bзаглавие\b"), "title"),
        (re.compile(r"\bпреамбула\b"), "preamble"),
    ],
}


def language_code(language=None):
    return (language or translation.get_language() or "ru")[:2]


def locator(text, language=None):
    """A stored locator as the page's language writes it: “строки 52–54” reads “lines 52–54”
    in English and stays as it is in Russian. Words it does not know are left as they are."""
    if not text:
        return text
    for pattern, replacement in LOCATOR_WORDS.get(language_code(language), ()):
        text = pattern.sub(replacement, text)
    return text


class Unit:
    def __init__(self, label, plural=None):
        self.label, self.plural = label, plural

    def words(self, value):
        if self.plural is None:
            return str(self.label)
        # Russian has three plural forms: 1 документ, 2 документа, 20 документов.
        count = int(value) if value == value.to_integral() else 5
        return npgettext("unit", self.label, self.plural, count)


# The unit codes figures are stored with. A code not listed here (a currency) is shown as it is.
UNITS = {
    "km": Unit(pgettext_lazy("unit", "km")),
    "m": Unit(pgettext_lazy("unit", "m")),
    "t": Unit(pgettext_lazy("unit", "t")),
    "t/year": Unit(pgettext_lazy("unit", "t/year")),
    "MW": Unit(pgettext_lazy("unit", "MW")),
    "ha": Unit(pgettext_lazy("unit", "ha")),
    "documents": Unit("document", "documents"),
    "agreements": Unit("agreement", "agreements"),
    "persons": Unit("person", "persons"),
    "projects": Unit("project", "projects"),
    "satellites": Unit("satellite", "satellites"),
}


def number(value):
    """`value` in plain digits grouped as the active language groups them: “9 447”, “9,447”."""
    return formats.number_format(Decimal(value).normalize(), use_l10n=True, force_grouping=True)


def figure(value, unit):
    """A number with its unit in the active language: “9 447 км”, “20 документов”; a unit
    the catalogue does not know (a currency code: “100 000 000 USD”) is shown as stored."""
    value = Decimal(value)
    words = UNITS[unit].words(value) if unit in UNITS else unit
    return f"{number(value)}\u00a0{words}" if words else number(value)
