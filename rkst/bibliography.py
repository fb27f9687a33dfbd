"""References to sources and to the catalogue's own records, in four formats.

GOST R 7.0.100-2018 for Russian readers; BibTeX (in biblatex's flavour), RIS and CSL-JSON for
reference managers. Pure functions of the objects passed in: nothing here queries the database.
"""

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from .models import Source

Kind = Source.Kind
DASH = "–"

# Only Cyrillic-script works keep the Russian abbreviations (Т., №, С., с.).
CYRILLIC_LANGUAGES = {"", "ru", "kk", "uk", "be", "ky", "tg", "bg", "sr", "mk", "mn"}
WORDS = {
    "cyrillic": {"volume": "Т.", "issue": "№", "page": "С.", "pages": "с.", "et_al": "[и др.]"},
    "latin": {"volume": "Vol.", "issue": "No.", "page": "P.", "pages": "p.", "et_al": "[et al.]"},
}
INCOMPLETE = {
    "cyrillic": "Библиографическое описание неполное",
    "latin": "Incomplete bibliographic record",
}
ENGLISH_MONTHS = (
    "January February March April May June July August September October November December"
).split()
LANGIDS = {"ru": "russian", "en": "english", "kk": "kazakh", "uk": "ukrainian", "de": "german"}

SERIAL_KINDS = {Kind.ARTICLE, Kind.NEWS}
BIBTEX_TYPES = {
    Kind.ARTICLE: "article",
    Kind.BOOK: "book",
    Kind.CHAPTER: "inbook",
    Kind.OFFICIAL: "misc",
    Kind.LEGAL_DATABASE: "online",
    Kind.WEB_PAGE: "online",
    Kind.NEWS: "article",
    Kind.OTHER: "misc",
}
BIBTEX_CONTAINERS = {
    "article": "journal",
    "book": "series",
    "inbook": "booktitle",
    "online": "organization",
    "misc": "howpublished",
}
BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
}
RIS_TYPES = {
    Kind.ARTICLE: "JOUR",
    Kind.BOOK: "BOOK",
    Kind.CHAPTER: "CHAP",
    Kind.OFFICIAL: "GOVDOC",
    Kind.LEGAL_DATABASE: "GOVDOC",
    Kind.WEB_PAGE: "WEB",
    Kind.NEWS: "NEWS",
    Kind.OTHER: "GEN",
}
CSL_TYPES = {
    Kind.ARTICLE: "article-journal",
    Kind.BOOK: "book",
    Kind.CHAPTER: "chapter",
    Kind.OFFICIAL: "legislation",
    Kind.LEGAL_DATABASE: "legislation",
    Kind.WEB_PAGE: "webpage",
    Kind.NEWS: "article-newspaper",
    Kind.OTHER: "document",
}

_INITIALS = re.compile(r"^(?:[^\W\d_]{1,4}\.-?)+$")
_PAGE_PREFIX = re.compile(r"^(?:стр|pp|с|c|p|s)\.\s*", re.IGNORECASE)
_PAGE_COUNT = re.compile(r"^(\d+)\s*(?:(?:стр|pp|с|c|p|s)\.?)?$", re.IGNORECASE)
_PAGE_RANGE = re.compile(r"^(\S+?)\s*[-‐‑‒–—]+\s*(\S+)$")


@dataclass(frozen=True)
class Name:
    """An author as curators write it: "Иванов И. И." (or "Иванов, И. И.")."""

    family: str
    given: str = ""

    @classmethod
    def parse(cls, text):
        text = " ".join(text.split())
        if "," in text:
            family, given = (part.strip() for part in text.split(",", 1))
            return cls(family, _spaced_initials(given))
        words = text.split(" ")
        cut = len(words)
        while cut > 1 and _INITIALS.match(words[cut - 1]):
            cut -= 1
        if cut == len(words):  # no trailing initials: perhaps "И. И. Иванов"
            lead = 0
            while lead < len(words) - 1 and _INITIALS.match(words[lead]):
                lead += 1
            if lead:
                return cls(" ".join(words[lead:]), _spaced_initials(" ".join(words[:lead])))
        return cls(" ".join(words[:cut]), _spaced_initials(" ".join(words[cut:])))

    @property
    def corporate(self):
        """A body rather than a person: several words and no initials."""
        return not self.given and " " in self.family

    def inverted(self):
        return f"{self.family} {self.given}".strip()

    def direct(self):
        return f"{self.given} {self.family}".strip()

    def sortable(self):
        return f"{self.family}, {self.given}" if self.given else self.family

    def csl(self):
        if self.corporate:
            return {"literal": self.family}
        return (
            {"family": self.family, "given": self.given} if self.given else {"family": self.family}
        )


def _spaced_initials(given):
    return re.sub(r"\.(?=[^\W\d_])", ". ", given)


def authors(text):
    """The names in a Source.authors value, in order."""
    return [Name.parse(part) for part in (text or "").split(";") if part.strip()]


def _script(language):
    return "cyrillic" if (language or "").lower()[:2] in CYRILLIC_LANGUAGES else "latin"


def _title(title, supplied):
    title = " ".join((title or "").split())
    # GOST supplies its own full stop; a title's "?" or "!" stays.
    title = title[:-1] if title.endswith(".") and not title.endswith("..") else title
    return f"[{title}]" if supplied else title


def _end(text):
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _areas(text, areas):
    """GOST areas joined by ". – ", each skipped when empty, the whole ending in a full stop."""
    for area in areas:
        if area:
            text = f"{_end(text)} {DASH} {area}"
    return _end(text)


def _bare_pages(pages):
    """ "с. 155-165" -> "155–165"."""
    pages = _PAGE_PREFIX.sub("", " ".join((pages or "").split()))
    return re.sub(r"\s*[-‐‑‒–—]+\s*", DASH, pages)


def _page_count(pages):
    """ "320", "320 с." or "320 p." -> "320"; anything else as written."""
    pages = " ".join((pages or "").split())
    match = _PAGE_COUNT.match(pages)
    return match.group(1) if match else pages


def _page_span(pages):
    """(first, last) page of "155–165" or "155-165"; (page, "") for a single page."""
    pages = _bare_pages(pages)
    match = _PAGE_RANGE.match(pages)
    return match.groups() if match else (pages, "")


def _numbered(label, value):
    return f"{label} {value}" if value[:1].isdigit() else value


def _imprint(place, publisher, year):
    head = " : ".join(part for part in (place, publisher) if part)
    return ", ".join(part for part in (head, str(year) if year else "") if part)


def _russian_date(day):
    return f"{day:%d.%m.%Y}"


def _english_date(day):
    return f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"


def _url_note(url, accessed, language="ru"):
    if not url:
        return ""
    if not accessed:
        return f"URL: {url}"
    if language == "en":
        return f"URL: {url} (accessed: {_english_date(accessed)})"
    if language == "kk":
        return f"URL: {url} (қаралған күні: {_russian_date(accessed)})"
    return f"URL: {url} (дата обращения: {_russian_date(accessed)})"


def _analytic(source):
    """Whether the work is part of a host (journal, collection, site) named by `container`."""
    return bool(source.container) and source.kind != Kind.BOOK


def gost(source):
    """A reference per GOST R 7.0.100-2018, as a Russian list of references shows it."""
    words = WORDS[_script(source.language)]
    names = authors(source.authors)
    title = _title(source.title, source.title_supplied)
    # Up to three persons, the first heads the description; four and more, the title does.
    if names and len(names) <= 3 and not names[0].corporate:
        text = f"{_end(names[0].inverted())} {title}"
    else:
        text = title
    if names:
        shown = names if len(names) <= 4 else names[:3]
        responsibility = ", ".join(name.direct() for name in shown)
        if len(shown) < len(names):
            responsibility += f" {words['et_al']}"
        text += f" / {responsibility}"
    analytic = _analytic(source)
    if analytic:
        text += f" // {source.container}"

    if source.kind in SERIAL_KINDS:
        areas = [str(source.year) if source.year else ""]
    else:
        areas = [_imprint(source.place, source.publisher, source.year)]
    numbering = []
    if source.volume:
        numbering.append(_numbered(words["volume"], source.volume))
    if source.issue:
        numbering.append(_numbered(words["issue"], source.issue))
    areas.append(", ".join(numbering))
    if source.pages and (analytic or source.kind in SERIAL_KINDS):
        areas.append(f"{words['page']} {_bare_pages(source.pages)}")
    elif source.pages:
        count = _page_count(source.pages)
        areas.append(f"{count} {words['pages']}" if count.isdigit() else count)
    if source.container and not analytic:
        areas.append(f"({source.container})")
    # The address is a note and the DOI an identifier: GOST puts notes first.
    areas.append(_url_note(source.url, source.retrieved_on))
    areas.append(f"DOI {source.doi}" if source.doi else "")
    return _areas(text, areas)


def _note(source):
    parts = []
    if not source.complete:
        parts.append(INCOMPLETE[_script(source.language)])
    if source.notes.strip():
        parts.append(" ".join(source.notes.split()))
    return " ".join(_end(part) for part in parts)


def bibtex_key(text):
    """`text` with what BibTeX and biber refuse in a key replaced by hyphens."""
    return re.sub(r"[^A-Za-z0-9_:.-]+", "-", text).strip("-") or "rkst"


def bibtex_escape(text):
    return "".join(BIBTEX_SPECIAL.get(char, char) for char in str(text))


def _bibtex_url(url):
    # biblatex reads url verbatim: "\%" would stay in the link, so only braces are encoded.
    return url.replace("{", "%7B").replace("}", "%7D")


def _bibtex_name(name):
    if name.corporate:
        return f"{{{bibtex_escape(name.family)}}}"
    return bibtex_escape(name.sortable())


def _bibtex_entry(entry_type, key, fields):
    lines = [f"  {name} = {{{value}}}" for name, value in fields if value]
    return f"@{entry_type}{{{bibtex_key(key)},\n" + ",\n".join(lines) + "\n}\n"


def bibtex(source):
    """A biblatex entry; classic BibTeX reads it too, treating @online as @misc."""
    entry_type = BIBTEX_TYPES.get(source.kind, "misc")
    span = _page_span(source.pages)
    book = source.kind == Kind.BOOK
    fields = [
        ("author", " and ".join(_bibtex_name(name) for name in authors(source.authors))),
        ("title", bibtex_escape(_title(source.title, source.title_supplied))),
        (BIBTEX_CONTAINERS[entry_type], bibtex_escape(source.container)),
        ("year", source.year or ""),
        ("volume", bibtex_escape(source.volume)),
        ("number", bibtex_escape(source.issue)),
        ("pages", "" if book else bibtex_escape("--".join(part for part in span if part))),
        ("pagetotal", bibtex_escape(_page_count(source.pages)) if book else ""),
        ("publisher", bibtex_escape(source.publisher)),
        ("address", bibtex_escape(source.place)),
        ("doi", _bibtex_url(source.doi)),
        ("url", _bibtex_url(source.url)),
        ("urldate", source.retrieved_on.isoformat() if source.retrieved_on else ""),
        ("langid", LANGIDS.get(source.language, "")),
        ("note", bibtex_escape(_note(source))),
    ]
    return _bibtex_entry(entry_type, source.key, fields)


def _ris_date(day):
    return f"{day:%Y/%m/%d}"


def _ris_text(tags):
    # A tag's value is one line: a curator's multi-line note would end the tag early.
    lines = [f"{tag}  - {' '.join(str(value).split())}" for tag, value in tags if value]
    return "\r\n".join([*lines, "ER  - ", ""])


def ris(source):
    """A RIS record, lines ending in CR LF as the format requires."""
    entry_type = RIS_TYPES.get(source.kind, "GEN")
    tags = [("TY", entry_type)]
    tags += [("AU", name.sortable()) for name in authors(source.authors)]
    tags.append(("TI", _title(source.title, source.title_supplied)))
    tags.append(("T2", source.container))
    if entry_type == "JOUR":
        tags.append(("JO", source.container))
    tags += [("PY", source.year), ("VL", source.volume), ("IS", source.issue)]
    if source.kind == Kind.BOOK:
        tags.append(("SP", _page_count(source.pages)))  # a book's SP is its number of pages
    else:
        tags += zip(("SP", "EP"), _page_span(source.pages), strict=True)
    tags += [
        ("PB", source.publisher),
        ("CY", source.place),
        ("UR", source.url),
        ("DO", source.doi),
        ("LA", source.language),
        ("Y2", _ris_date(source.retrieved_on) if source.retrieved_on else ""),
        ("N1", _note(source)),
    ]
    return _ris_text(tags)


def _date_parts(*parts):
    return {"date-parts": [list(parts)]}


def csl_json(source):
    """A CSL-JSON item (a dict, ready for json.dumps), without empty keys."""
    book = source.kind == Kind.BOOK
    pages = "-".join(part for part in _page_span(source.pages) if part)
    item = {
        "id": source.key,
        "type": CSL_TYPES.get(source.kind, "document"),
        "author": [name.csl() for name in authors(source.authors)],
        "title": _title(source.title, source.title_supplied),
        "container-title": "" if book else source.container,
        "collection-title": source.container if book else "",
        "issued": _date_parts(source.year) if source.year else None,
        "volume": source.volume,
        "issue": source.issue,
        "page": "" if book else pages,
        "number-of-pages": _page_count(source.pages) if book else "",
        "publisher": source.publisher,
        "publisher-place": source.place,
        "URL": source.url,
        "DOI": source.doi,
        "language": source.language,
        "accessed": _date_parts(*source.retrieved_on.timetuple()[:3])
        if source.retrieved_on
        else None,
        "note": _note(source),
    }
    return {key: value for key, value in item.items() if value}


def formats(source):
    """The source in every format the catalogue offers, by format name."""
    return {
        "gost": gost(source),
        "bibtex": bibtex(source),
        "ris": ris(source),
        "csl_json": csl_json(source),
    }


def record_citation(
    title, url, accessed, *, catalogue_title, updated=None, language="ru", version=None
):
    """How to cite one of the catalogue's pages, as an electronic resource, in every format.

    `accessed` and `updated` are dates; `version` is the record's public version number (see
    rkst.versions), `updated` then its date and `url` its permanent address; `language`
    ("ru", "en" or "kk") chooses the conventions of the GOST reference (Kazakh
    writes its notes in Kazakh, its dates as Russian does).
    """
    english = language == "en"
    title = _title(title, False)
    if updated:
        changed = _english_date(updated) if english else _russian_date(updated)
        updated_word = {"en": "Updated", "kk": "Жаңартылған күні"}.get(language, "Дата обновления")
        updated_note = f"{updated_word}: {changed}"
    else:
        updated_note = ""
    if version:
        version_word = {"en": "Version", "kk": "Нұсқа"}.get(language, "Версия")
        updated_note = f"{version_word} {version}. {updated_note}".strip()
    reference = _areas(
        f"{title} // {catalogue_title}",
        [updated_note, _url_note(url, accessed, language if language in ("en", "kk") else "ru")],
    )
    # The record's key, and the version's number for a version's address (".../key/v3/").
    segments = unquote(urlsplit(url).path).strip("/").split("/")
    versioned = re.fullmatch(r"v\d+", segments[-1])
    key = bibtex_key("-".join(segments[-2:]) if versioned else segments[-1])
    entry = _bibtex_entry(
        "online",
        key,
        [
            ("title", bibtex_escape(title)),
            ("organization", bibtex_escape(catalogue_title)),
            ("date", updated.isoformat() if updated else ""),
            ("version", str(version) if version else ""),
            ("url", _bibtex_url(url)),
            ("urldate", accessed.isoformat() if accessed else ""),
            ("langid", LANGIDS.get(language, "")),
        ],
    )
    record = _ris_text(
        [
            ("TY", "WEB"),
            ("TI", title),
            ("T2", catalogue_title),
            ("PY", updated.year if updated else ""),
            ("DA", _ris_date(updated) if updated else ""),
            # RIS has no version tag: its edition tag is what readers map it to.
            ("ET", f"{'Version' if english else 'Версия'} {version}" if version else ""),
            ("UR", url),
            ("LA", language),
            ("Y2", _ris_date(accessed) if accessed else ""),
        ]
    )
    item = {
        "id": key,
        "type": "webpage",
        "title": title,
        "container-title": catalogue_title,
        "issued": _date_parts(*updated.timetuple()[:3]) if updated else None,
        "version": str(version) if version else None,
        "URL": url,
        "language": language,
        "accessed": _date_parts(*accessed.timetuple()[:3]) if accessed else None,
    }
    return {
        "gost": reference,
        "bibtex": entry,
        "ris": record,
        "csl_json": {name: value for name, value in item.items() if value},
    }
