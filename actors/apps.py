from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActorsConfig(AppConfig):
    name = "actors"
    verbose_name = _("Actors")

    def ready(self):
        from . import signals  # noqa: F401
        from .imports import register_sheets

        register_sheets()
