from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language

# Each language named in itself, as the switch shows it.
NATIVE_NAMES = {"ru": "Русский", "en": "English", "kk": "Қазақша"}


def catalogue(request):
    """The other languages' addresses of the current page, filters included, for the switch."""
    current = get_language() or settings.LANGUAGE_CODE
    path = request.get_full_path()
    others = [
        {"code": code, "name": NATIVE_NAMES.get(code, code), "url": translate_url(path, code)}
        for code, _name in settings.LANGUAGES
        if code != current
    ]
    return {
        "other_languages": others,
        "canonical_url": request.build_absolute_uri(request.path),
        # The unpublished record whose page a curator or an editor previews (rkst.serving).
        "draft_preview": getattr(request, "draft_preview", None),
    }
