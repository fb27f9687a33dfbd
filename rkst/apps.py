from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils.translation import gettext_lazy as _


def before_save(sender, instance, raw=False, **kwargs):
    from .models import CuratedModel, SearchableModel
    from .workflow.writing import stamp

    # A signal rather than save(), so that fixtures (which bypass save()) are indexed too.
    if not isinstance(instance, SearchableModel):
        return
    if raw and isinstance(instance, CuratedModel):
        # Loading a dump or the seed over existing rows takes the file's values as they are,
        # its times included: there is no form whose version could be stale.
        instance._concurrency_disabled = True
        updated_at = instance.updated_at
        stamp(instance)
        instance.updated_at = updated_at
    else:
        stamp(instance)


# The apps whose models make the catalogue: its records, their parts, history and imports.
CATALOGUE_APPS = ("rkst", "actors", "agreements")
NOT_CATALOGUE = {"user", "storedfile", "importbatch", "importrow"}


def catalogue_changed(sender, **kwargs):
    from .models import CatalogueVersion

    name = sender._meta.model_name
    if sender._meta.app_label not in CATALOGUE_APPS or sender is CatalogueVersion:
        return
    # Accounts, history, stored files and import bookkeeping are not what readers see.
    if name not in NOT_CATALOGUE and not name.startswith("historical"):
        CatalogueVersion.bump()


class RkstConfig(AppConfig):
    name = "rkst"
    verbose_name = _("Catalogue sources and users")

    def ready(self):
        pre_save.connect(before_save, dispatch_uid="rkst.before_save")
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(catalogue_changed, dispatch_uid=f"rkst.catalogue_changed.{signal}")
        from . import security

        security.connect()
        from .imports import register_sources

        register_sources()
