"""Search normalisation that works the same on SQLite and PostgreSQL.

Each searchable record keeps a `search_text` column: its names and titles case-folded, with
ё read as е, Latin accents dropped, punctuation turned into spaces, followed by Latin
transliterations of the Cyrillic words. A query is normalised the same way and every word of
it must occur in that column, so "меморандум" finds "Меморандум" on SQLite (whose LIKE folds
ASCII only) and "Baikonur" or "Ust-Kamenogorsk" find "Байконур" and "Усть-Каменогорск".

Query words are reduced to their Snowball stems, so that "соглашению" finds "соглашение" and
"agreements" finds "agreement": a stem is a prefix of every form of its word, and the match is
on substrings.

Two transliterations are kept, since readers write both: the passport style of Russian
documents (ICAO Doc 9303: й i, ю iu, я ia), with Kazakh letters as in the 2021 Kazakh Latin
alphabet (қ q, ғ g, ң n), and the popular style of English texts (й y, ю yu, я ya, қ k).
"""

import re
import unicodedata
from functools import cache, reduce
from operator import and_, or_

import snowballstemmer
from django.conf import settings
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex

_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ы": "y", "ь": "", "э": "e",
    # Kazakh letters
    "ә": "a", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i", "ң": "n", "ғ": "g",
}  # fmt: skip
PASSPORT = str.maketrans(_COMMON | {"й": "i", "ъ": "ie", "ю": "iu", "я": "ia", "қ": "q"})
POPULAR = str.maketrans(_COMMON | {"й": "y", "ъ": "", "ю": "yu", "я": "ya", "қ": "k"})

_NOT_WORD = re.compile(r"[\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _fold_latin(char):
    if char.isascii() or not unicodedata.name(char, "").startswith("LATIN"):
        return char
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


class _Folding(dict):
    """A str.translate table that folds each non-ASCII character once, then remembers it."""

    def __missing__(self, code):
        folded = _fold_latin(chr(code))
        self[code] = folded
        return folded


_FOLDING = _Folding()


def normalise(text):
    """Case-fold, read ё as е, drop Latin accents and punctuation, collapse spaces."""
    text = str(text or "").casefold().replace("ё", "е")
    if not text.isascii():
        text = text.translate(_FOLDING)
    return _NOT_WORD.sub(" ", text).strip()


def transliterations(normalised):
    """The Latin spellings of the Cyrillic words of a normalised text."""
    cyrillic = " ".join(word for word in normalised.split() if _CYRILLIC.search(word))
    if not cyrillic:
        return []
    return list(dict.fromkeys([cyrillic.translate(PASSPORT), cyrillic.translate(POPULAR)]))


def search_document(*values):
    """The `search_text` of a record whose searchable texts are `values`."""
    normalised = normalise(" ".join(str(v) for v in values if v))
    return " ".join([normalised, *transliterations(normalised)])


@cache
def _stemmer(language):
    return snowballstemmer.stemmer(language)


def spellings(word):
    """The forms under which a normalised query word may stand in a search column."""
    if _CYRILLIC.search(word):
        stem = _stemmer("russian").stemWord(word)
        return [stem, *transliterations(stem)]
    # A transliterated name is no English word: "almaty" must not become "almati" only.
    return list(dict.fromkeys([word, _stemmer("english").stemWord(word)]))


def query_words(query):
    """Each word of a query with the spellings under which it may be stored, for the first
    SEARCH_MAX_WORDS words: whatever the caller, the search stays within SQLite's limits."""
    words = normalise(str(query or "")[: settings.SEARCH_MAX_CHARS]).split()
    return [spellings(word) for word in words[: settings.SEARCH_MAX_WORDS]]


def shortened(query):
    """`query` within SEARCH_MAX_CHARS characters and SEARCH_MAX_WORDS words, and whether it
    had to be cut. A cut query is given as the normalised words that are searched."""
    query = str(query or "")
    if len(query) <= settings.SEARCH_MAX_CHARS:
        if len(normalise(query).split()) <= settings.SEARCH_MAX_WORDS:
            return query, False
    words = normalise(query[: settings.SEARCH_MAX_CHARS]).split()
    return " ".join(words[: settings.SEARCH_MAX_WORDS]), True


def search_q(query, column="search_text"):
    """A Q that keeps the records whose `column` holds every word of `query`."""
    words = query_words(query)
    if not words:
        return Q()
    return reduce(
        and_,
        (reduce(or_, (Q(**{f"{column}__contains": s}) for s in spellings)) for spellings in words),
    )


def rank(queryset, query):
    """Order `queryset` (already filtered by `query`) by relevance.

    Everywhere: a record whose search text holds the whole query as a phrase comes first,
    the earlier the better (the title or name opens the search text). On PostgreSQL the
    full-text rank under the Russian configuration, which knows word forms, comes first: it
    reads the weighted `search_vector` column that rkst.postgres adds to each searchable table.
    """
    query, _cut = shortened(query)
    queryset = queryset.annotate(search_position=StrIndex("search_text", Value(normalise(query))))
    ordering = [
        Case(
            When(search_position=0, then=Value(1_000_000)),
            default=F("search_position"),
            output_field=IntegerField(),
        )
    ]
    if connection.vendor == "postgresql":
        table = queryset.model._meta.db_table
        queryset = queryset.annotate(
            search_rank=RawSQL(
                f"ts_rank({table}.search_vector, websearch_to_tsquery('russian', %s))", (query,)
            )
        )
        ordering.insert(0, F("search_rank").desc())
    return queryset.order_by(*ordering, "pk")
