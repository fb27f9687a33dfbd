from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def before_save(sender, instance, raw=False, **kwargs):
    from .models import CuratedModel, SearchableModel

    # A signal rather than save(), so that fixtures (which bypass save()) are indexed too.
    if isinstance(instance, SearchableModel):
        instance.search_text = instance.build_search_text()
    if isinstance(instance, CuratedModel) and not raw:
        instance.updated_at = timezone.now()


class RkstConfig(AppConfig):
    name = "rkst"
    verbose_name = _("Catalogue sources and users")

    def ready(self):
        pre_save.connect(before_save, dispatch_uid="rkst.before_save")
