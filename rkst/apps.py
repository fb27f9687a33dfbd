from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _


def fill_search_text(sender, instance, **kwargs):
    from .models import CuratedModel

    # Runs for fixtures too (loaddata bypasses save() but sends pre_save).
    if isinstance(instance, CuratedModel):
        instance.search_text = instance.build_search_text()


class RkstConfig(AppConfig):
    name = "rkst"
    verbose_name = _("Catalogue sources and users")

    def ready(self):
        pre_save.connect(fill_search_text, dispatch_uid="rkst.fill_search_text")
