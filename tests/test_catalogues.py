"""The message catalogues: every message of the project is translated into Russian and Kazakh.

English is the source language (the msgids are English), so "translated into English" means
that nothing the code says is missing from the catalogues: makemessages is run over a copy of
the code into a temporary folder, and each of its msgids must be in the Russian and the Kazakh
catalogue, translated, not fuzzy.
"""

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGUES = {code: ROOT / "locale" / code / "LC_MESSAGES" / "django.po" for code in ("ru", "kk")}
CODE = ("rkst", "actors", "agreements", "templates")


def key(entry):
    return (entry.msgctxt or "", entry.msgid)


def untranslated(entry):
    if entry.msgid_plural:
        return not all(entry.msgstr_plural.values())
    return not entry.msgstr


@pytest.fixture(scope="module")
def code_msgids(tmp_path_factory):
    """The msgids the code has, as makemessages extracts them (plural ones by their singular)."""
    copy = tmp_path_factory.mktemp("code")
    for name in CODE:
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "locale").mkdir()
    cwd = Path.cwd()
    os.chdir(copy)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "LOCALE_PATHS", [copy / "locale"])
            call_command("makemessages", locale=["en"], verbosity=0, no_obsolete=True)
    finally:
        os.chdir(cwd)
    catalogue = polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    return {key(entry) for entry in catalogue}


@pytest.mark.parametrize("code", sorted(CATALOGUES))
def test_every_message_of_the_catalogue_is_translated(code):
    catalogue = polib.pofile(str(CATALOGUES[code]))
    assert [e.msgid for e in catalogue if untranslated(e) and not e.obsolete] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


def translated_by_django(code, context, msgid):
    """Whether a library's catalogue of the language translates a msgid our templates reuse."""

    def text(language):
        with translation.override(language):
            return translation.pgettext(context, msgid) if context else translation.gettext(msgid)

    # A Kazakh message Django cannot find falls back to the default language's (Russian).
    return text(code) not in {msgid, text(settings.LANGUAGE_CODE) if code != "ru" else msgid}


@pytest.mark.parametrize("code", sorted(CATALOGUES))
def test_the_catalogue_has_every_message_of_the_code(code, code_msgids):
    catalogue = {key(e) for e in polib.pofile(str(CATALOGUES[code])) if not e.obsolete}
    missing = [m for m in sorted(code_msgids - catalogue) if not translated_by_django(code, *m)]
    assert missing == [], missing


def test_the_kazakh_catalogue_has_every_russian_message():
    kazakh = {key(e) for e in polib.pofile(str(CATALOGUES["kk"]))}
    russian = {key(e) for e in polib.pofile(str(CATALOGUES["ru"])) if not e.obsolete}
    assert sorted(russian - kazakh) == []


@pytest.mark.parametrize("code", sorted(CATALOGUES))
def test_the_compiled_catalogue_is_up_to_date(code):
    def texts(catalogue):
        return {key(e): e.msgstr_plural or e.msgstr for e in catalogue if e.msgid}

    source = polib.pofile(str(CATALOGUES[code]))
    compiled = polib.mofile(str(CATALOGUES[code].with_suffix(".mo")))
    assert texts(compiled) == texts(e for e in source if not e.obsolete)
