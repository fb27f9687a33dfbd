"""What every curator's admin page shares: normalised search, the reason for a change,
citation inlines, and a history that includes the record's parts."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .forms import CuratedForm
from .imports.admin import ImportBatchAdmin, SheetAdminMixin
from .models import ImportBatch, KeyRedirect, SearchableModel, Source, Transition, User
from .search import search_q
from .workflow import writing
from .workflow.admin import ReadOnlyAdmin, TransitionAdmin, WorkflowAdminMixin
from .workflow.selection_admin import BulkEditAdminMixin, MergeAdminMixin

admin.site.site_header = _("RKST catalogue: curators")
admin.site.site_title = _("RKST catalogue")
admin.site.index_title = _("Catalogue records")


class CuratedAdmin(BulkEditAdminMixin, MergeAdminMixin, WorkflowAdminMixin, SimpleHistoryAdmin):
    """Base admin of a curated record.

    Search goes through the record's normalised `search_text`, so that it ignores case (for
    Cyrillic on SQLite too), ё/е, and matches Latin transliterations; autocomplete widgets
    that point at the model search the same way.
    """

    form = CuratedForm
    actions = (*WorkflowAdminMixin.actions, "bulk_edit", "merge")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ("search_text",)
    search_help_text = _("Any word of a name or title, in Cyrillic or Latin letters.")
    readonly_fields = ("created_at", "updated_at")
    list_per_page = 50
    object_history_template = "admin/rkst/object_history.html"
    # Related names of the record's parts whose history the record's history page shows.
    history_parts = ()

    def get_search_results(self, request, queryset, search_term):
        if not issubclass(self.model, SearchableModel):
            return super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return queryset, False
        return queryset.filter(search_q(search_term)), False

    def save_model(self, request, obj, form, change):
        self.hold_requested_state(obj, form, change)
        reason = form.cleaned_data.get("change_reason", "")
        # The history row waits for the form's many-to-many links (save_related).
        writing.save(obj, request.user, reason, hold_history=True)

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data.get("change_reason", "")
        instances = formset.save(commit=False)
        for instance in instances:
            if hasattr(instance, "added_by_id") and instance.added_by_id is None:
                instance.added_by = request.user
            writing.save(instance, request.user, reason)
        for instance in formset.deleted_objects:
            writing.delete(instance, request.user, reason)
        formset.save_m2m()

    def history_view(self, request, object_id, extra_context=None):
        parts = []
        for related_name in self.history_parts:
            relation = self.model._meta.get_field(related_name)
            rows = (
                relation.related_model.history.filter(**{relation.field.attname: object_id})
                .select_related("history_user")
                .order_by("-history_date")[:200]
            )
            parts.append((relation.related_model._meta.verbose_name_plural, rows))
        extra_context = {**(extra_context or {}), "history_parts": parts}
        return super().history_view(request, object_id, extra_context)


class CitationInline(admin.StackedInline):
    """Citations edited on the record they support."""

    extra = 0
    autocomplete_fields = ("source", "found_in")
    fields = (
        ("source", "field", "locator", "rank"),
        "quote",
        ("claim", "found_in", "found_in_locator"),
        "note",
        ("added_by", "added_at"),
    )
    readonly_fields = ("added_by", "added_at")
    classes = ("collapse",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "found_in", "added_by")


admin.site.register(ImportBatch, ImportBatchAdmin)
admin.site.register(Transition, TransitionAdmin)


@admin.register(KeyRedirect)
class KeyRedirectAdmin(ReadOnlyAdmin):
    """The keys that answer with a redirect (merged actors), read only: merges write them."""

    list_display = ("old_key", "new_key", "content_type", "created_at", "note")
    list_filter = ("content_type",)
    search_fields = ("old_key", "new_key")


# The change fieldset of a record that a spreadsheet may import.
CHANGE_FIELDSET = (
    _("Change"),
    {"fields": ("change_reason", ("created_at", "updated_at"), "imported_from")},
)


class SheetAdmin(SheetAdminMixin, CuratedAdmin):
    """A curated record that spreadsheets import and export."""

    readonly_fields = ("created_at", "updated_at", "imported_from")


@admin.register(Source)
class SourceAdmin(SheetAdmin):
    list_display = ("key", "__str__", "kind", "year", "reliability", "complete", "state")
    list_filter = ("state", "kind", "reliability", "complete", "language")
    fieldsets = (
        (None, {"fields": ("key", "kind", "state", "reliability", "complete")}),
        (
            _("Bibliographic record"),
            {
                "fields": (
                    "authors",
                    ("title", "title_supplied"),
                    "container",
                    ("year", "volume", "issue", "pages"),
                    ("publisher", "place"),
                    ("url", "retrieved_on"),
                    ("doi", "language"),
                )
            },
        ),
        (_("Notes"), {"fields": ("notes", "curator_note")}),
        CHANGE_FIELDSET,
    )


@admin.register(User)
class CatalogueUserAdmin(UserAdmin):
    pass
