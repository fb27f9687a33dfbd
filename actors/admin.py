from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from rkst.admin import CHANGE_FIELDSET, CitationInline, SheetAdmin
from rkst.forms import ConstraintMessageFormSet
from rkst.workflow.bulk import BulkField

from .merge import ActorMerger
from .models import Actor, ActorAlias, ActorCitation


class AliasInline(admin.TabularInline):
    formset = ConstraintMessageFormSet
    model = ActorAlias
    add_another = _("Add another name")
    extra = 0
    fields = ("name", "kind", "language", "note")


class ActorCitationInline(CitationInline):
    model = ActorCitation


@admin.register(Actor)
class ActorAdmin(SheetAdmin):
    # Ticked records export as their sheet or as the citations sheet of their citations.
    export_sheets = ("citations",)
    list_display = ("name_ru", "name_en", "kind", "country", "parent", "founded_display", "state")
    list_filter = ("state", "kind", "country")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent", "located_in")
    inlines = (AliasInline, ActorCitationInline)
    history_parts = ("aliases", "citations")
    merger = ActorMerger
    bulk_fields = (
        BulkField("kind"),
        BulkField("parent", autocomplete=True),
        BulkField("located_in", choices=lambda: Actor.objects.places()),
    )
    fieldsets = (
        (None, {"fields": ("key", "state", ("kind", "country"))}),
        (
            _("Names"),
            {"fields": (("name_ru", "short_name_ru"), ("name_en", "short_name_en"))},
        ),
        (
            _("Place and dates"),
            {"fields": (("parent", "located_in"), ("founded_on", "dissolved_on"))},
        ),
        (_("Identifiers"), {"fields": (("iso_3166_2", "wikidata"), "website")}),
        (_("Description"), {"fields": ("description_ru", "description_en", "curator_note")}),
        CHANGE_FIELDSET,
    )

    @admin.display(description=_("founded"), ordering="founded_on")
    def founded_display(self, actor):
        return actor.founded.display() if actor.founded else "—"
