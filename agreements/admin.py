from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from actors.models import Actor
from rkst.admin import CHANGE_FIELDSET as SHEET_CHANGE_FIELDSET
from rkst.admin import CitationInline, CuratedAdmin, SheetAdmin
from rkst.forms import ConstraintMessageFormSet
from rkst.search import search_q
from rkst.workflow.bulk import BulkField

from .models import (
    Agreement,
    AgreementCitation,
    AgreementParty,
    AgreementRelation,
    AgreementRelationCitation,
    Project,
    ProjectCitation,
    ProjectFigure,
    ProjectParticipant,
    Topic,
)

CHANGE_FIELDSET = (_("Change"), {"fields": ("change_reason", ("created_at", "updated_at"))})


class PartyInline(admin.TabularInline):
    formset = ConstraintMessageFormSet
    model = AgreementParty
    add_another = _("Add another party")
    extra = 0
    autocomplete_fields = ("actor",)
    fields = ("actor", "role", "side", "order")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class RelationInline(admin.TabularInline):
    formset = ConstraintMessageFormSet
    model = AgreementRelation
    add_another = _("Add another relation")
    fk_name = "source"
    extra = 0
    autocomplete_fields = ("target",)
    fields = ("type", "target", "note")
    verbose_name = _("relation to another agreement")
    verbose_name_plural = _("relations to other agreements")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("target")


class AgreementCitationInline(CitationInline):
    model = AgreementCitation


@admin.register(Agreement)
class AgreementAdmin(SheetAdmin):
    # Ticked records export as their sheet or as the citations sheet of their citations.
    export_sheets = ("citations",)
    # The state next to the title: at 1366 px the last columns may scroll out of view.
    list_display = ("title_ru", "state", "kind", "level", "signed_display", "status")
    list_filter = ("state", "kind", "level", "status", "binding", "topics")
    date_hierarchy = None
    autocomplete_fields = ("organisation", "signed_place", "topics")
    inlines = (PartyInline, RelationInline, AgreementCitationInline)
    history_parts = ("party_set", "relations_from", "citations")
    bulk_fields = (
        BulkField("topics"),
        BulkField("level"),
        BulkField("kind"),
        BulkField("status", dated="status_checked_on"),
        BulkField("status_checked_on"),
        BulkField(
            "organisation",
            choices=lambda: Actor.objects.filter(kind=Actor.Kind.ORGANISATION),
        ),
    )

    def more_history_parts(self, object_id):
        """The citations of the agreement's relations, which hang off the relations."""
        relations = AgreementRelation.history.filter(source_id=object_id).values("id")
        rows = (
            AgreementRelationCitation.history.filter(record_id__in=relations)
            .select_related("history_user")
            .order_by("-history_date")[:200]
        )
        return [(AgreementRelationCitation._meta.verbose_name_plural, rows)]

    fieldsets = (
        (None, {"fields": ("key", "state", ("kind", "level", "binding"))}),
        (
            _("Title"),
            {
                "fields": (
                    "title_ru",
                    "title_en",
                    "title_supplied",
                    ("short_title_ru", "short_title_en"),
                )
            },
        ),
        (
            _("Signing and force"),
            {
                "fields": (
                    ("signed_on", "signed_place"),
                    "approved_on",
                    ("in_force_on", "ended_on"),
                    ("status", "status_checked_on"),
                    "organisation",
                )
            },
        ),
        (_("Content"), {"fields": ("topics", "summary_ru", "summary_en", "curator_note")}),
        SHEET_CHANGE_FIELDSET,
    )

    @admin.display(description=_("signed"), ordering="signed_on")
    def signed_display(self, agreement):
        return agreement.signed.display() if agreement.signed else "—"


class RelationCitationInline(CitationInline):
    model = AgreementRelationCitation


@admin.register(AgreementRelation)
class AgreementRelationAdmin(CuratedAdmin):
    list_display = ("source", "type", "target")
    list_filter = ("type",)
    list_select_related = ("source", "target")
    search_fields = ("source__search_text", "target__search_text")
    autocomplete_fields = ("source", "target")
    fields = ("source", "type", "target", "note", "change_reason")
    readonly_fields = ()
    inlines = (RelationCitationInline,)
    history_parts = ("citations",)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        matches = search_q(search_term, "source__search_text") | search_q(
            search_term, "target__search_text"
        )
        return queryset.filter(matches), False


@admin.register(Topic)
class TopicAdmin(CuratedAdmin):
    list_display = ("name_ru", "name_en", "code", "parent", "order")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    fields = ("code", "name_ru", "name_en", "parent", "order", "change_reason")
    readonly_fields = ()


class ParticipantInline(admin.TabularInline):
    formset = ConstraintMessageFormSet
    model = ProjectParticipant
    add_another = _("Add another participant")
    extra = 0
    autocomplete_fields = ("actor",)
    fields = ("actor", "role", "order")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class FigureInline(admin.TabularInline):
    formset = ConstraintMessageFormSet
    model = ProjectFigure
    add_another = _("Add another figure")
    extra = 0
    fields = ("measure", "label_ru", "label_en", "value", "unit", "order")


class ProjectCitationInline(CitationInline):
    model = ProjectCitation


@admin.register(Project)
class ProjectAdmin(CuratedAdmin):
    list_display = ("name_ru", "name_en", "kind", "started_display", "place", "state")
    list_filter = ("state", "kind")
    list_select_related = ("place",)
    autocomplete_fields = ("place", "agreements")
    inlines = (ParticipantInline, FigureInline, ProjectCitationInline)
    history_parts = ("participant_set", "figures", "citations")
    bulk_fields = (BulkField("kind"), BulkField("place", choices=lambda: Actor.objects.places()))
    fieldsets = (
        (None, {"fields": ("key", "state", "kind")}),
        (_("Names"), {"fields": ("name_ru", "name_en")}),
        (_("Place and dates"), {"fields": ("place", ("started_on", "ended_on"))}),
        (
            _("Content"),
            {"fields": ("agreements", "description_ru", "description_en", "curator_note")},
        ),
        CHANGE_FIELDSET,
    )

    @admin.display(description=_("started"), ordering="started_on")
    def started_display(self, project):
        return project.started.display() if project.started else "—"
