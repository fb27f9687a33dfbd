from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language


def catalogue(request):
    """The other language's address of the current page, filters included, for the switch."""
    current = (get_language() or settings.LANGUAGE_CODE)[:2]
    other = "en" if current == "ru" else "ru"
    return {
        "other_language": other,
        "other_language_url": translate_url(request.get_full_path(), other),
        "canonical_url": request.build_absolute_uri(request.path),
        # The unpublished record whose page a curator or an editor previews (rkst.serving).
        "draft_preview": getattr(request, "draft_preview", None),
    }
