"""What every curator's admin page shares: normalised search, the reason for a change,
citation inlines, and a history that includes the record's parts."""

import functools
import json

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.contenttypes.admin import GenericStackedInline, GenericTabularInline
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import roles
from .forms import CuratedForm
from .imports.admin import ImportBatchAdmin, SheetAdminMixin
from .imports.exporting import SheetExportMixin
from .models import (
    EditorialNote,
    EditorialNoteCitation,
    ImportBatch,
    KeyRedirect,
    KnownGap,
    KnownGapCitation,
    KnownGapLink,
    SearchableModel,
    Source,
    Transition,
    User,
    annotated_models,
    note_fields,
)
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
    # Generic relations of every annotated record: their history is shown with its own.
    generic_history_parts = ("editorial_notes", "gap_links")

    def get_inlines(self, request, obj):
        """A record's inlines, then its editorial notes and the gaps that concern it."""
        inlines = tuple(super().get_inlines(request, obj))
        if self.model in annotated_models():
            inlines += (EditorialNoteInline, GapLinkInline)
        return inlines

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

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            label = getattr(inline_formset.opts, "add_another", None)
            if label:
                inline_formset.inline_formset_data = functools.partial(
                    add_another_data, inline_formset, label
                )
        return inline_formsets

    def history_view(self, request, object_id, extra_context=None):
        parts = []
        generic = self.generic_history_parts if self.model in annotated_models() else ()
        for related_name in (*self.history_parts, *generic):
            relation = self.model._meta.get_field(related_name)
            if isinstance(relation, GenericRelation):
                owner = {
                    "content_type_id": ContentType.objects.get_for_model(self.model).pk,
                    "object_id": object_id,
                }
            else:
                owner = {relation.field.attname: object_id}
            rows = (
                relation.related_model.history.filter(**owner)
                .select_related("history_user")
                .order_by("-history_date")[:200]
            )
            parts.append((relation.related_model._meta.verbose_name_plural, rows))
        extra_context = {**(extra_context or {}), "history_parts": parts}
        return super().history_view(request, object_id, extra_context)


def add_another_data(inline_formset, label):
    """The inline's data for Django's inlines.js with our "add another" label: Django's own
    ("Добавить еще один %(verbose_name)s") agrees with no feminine or neuter name."""
    data = json.loads(helpers.InlineAdminFormSet.inline_formset_data(inline_formset))
    data["options"]["addText"] = str(label)
    return json.dumps(data)


class CitationInline(admin.StackedInline):
    """Citations edited on the record they support."""

    add_another = _("Add another citation")

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


class RecordFactInline:
    """An inline of rows that concern one fact of the record: the fact is chosen among the
    record's facts (rkst.models.note_fields)."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("field")
        if field is not None:
            formset.form.base_fields["field"] = forms.ChoiceField(
                label=field.label,
                help_text=field.help_text,
                required=False,
                choices=note_fields(self.parent_model),
            )
        return formset


class EditorialNoteInline(RecordFactInline, GenericStackedInline):
    """Notes for readers on the record or one of its facts; their citations are edited on
    the note's own page (“Change”)."""

    model = EditorialNote
    extra = 0
    fields = (("field", "order"), "text_ru", "text_en")
    show_change_link = True
    classes = ("collapse",)
    add_another = _("Add another editorial note")


class GapLinkInline(RecordFactInline, GenericTabularInline):
    """The known gaps that concern the record, and the fact each is shown beside."""

    model = KnownGapLink
    extra = 0
    autocomplete_fields = ("gap",)
    fields = ("gap", "role", "field")
    add_another = _("Add another known gap")
    verbose_name = _("known gap concerning this record")
    verbose_name_plural = _("known gaps concerning this record")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("gap")


def record_link(row):
    """The admin page of the record a note or a gap's link concerns."""
    record = row.record
    if record is None:
        return "—"
    meta = record._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])
    return format_html('<a href="{}">{}: {}</a>', url, meta.verbose_name, record)


class EditorialNoteCitationInline(CitationInline):
    model = EditorialNoteCitation


@admin.register(EditorialNote)
class EditorialNoteAdmin(CuratedAdmin):
    """A note's own page, where its citations are edited. Notes are added on the page of
    the record they concern."""

    list_display = ("key", "record_display", "field", "text_ru")
    list_select_related = ("content_type",)
    search_fields = ("key", "text_ru", "text_en")
    fields = ("key", "record_display", ("field", "order"), "text_ru", "text_en", "change_reason")
    readonly_fields = ("key", "record_display")
    inlines = (EditorialNoteCitationInline,)
    history_parts = ("citations",)

    @admin.display(description=_("record"))
    def record_display(self, note):
        return record_link(note)

    def has_add_permission(self, request):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "field" in form.base_fields:
            field = form.base_fields["field"]
            form.base_fields["field"] = forms.ChoiceField(
                label=field.label,
                help_text=field.help_text,
                required=False,
                choices=note_fields(obj.content_type.model_class()),
            )
        return form


class KnownGapCitationInline(CitationInline):
    model = KnownGapCitation


@admin.register(KnownGap)
class KnownGapAdmin(CuratedAdmin):
    list_display = ("key", "description_ru", "bound", "expected", "state")
    list_filter = ("state", "bound")
    inlines = (KnownGapCitationInline,)
    history_parts = ("links", "citations")
    readonly_fields = ("created_at", "updated_at", "concerns")
    fieldsets = (
        (None, {"fields": ("key", "state", ("bound", "expected"))}),
        (_("Description"), {"fields": ("description_ru", "description_en", "curator_note")}),
        (_("Records it concerns"), {"fields": ("concerns",)}),
        (_("Change"), {"fields": ("change_reason", ("created_at", "updated_at"))}),
    )

    @admin.display(description=_("records it concerns"))
    def concerns(self, gap):
        """Links are added on the records' own pages (“Known gaps concerning this record”)."""
        links = gap.links.select_related("content_type") if gap.pk else []
        rows = [(record_link(link), link.get_role_display()) for link in links]
        if not rows:
            return _("None yet: link records to the gap on their own pages.")
        return format_html_join("", "<div>{} ({})</div>", rows)


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


class SheetAdmin(SheetExportMixin, SheetAdminMixin, CuratedAdmin):
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


ROLE_CHOICES = (
    ("", _("none (no admin access)")),
    ("curator", _("curator")),
    ("editor", _("editor")),
)


class RoleFormMixin(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=ROLE_CHOICES,
        required=False,
        help_text=_(
            "Curators add and change records and submit them for review; editors also publish, "
            "withdraw and delete them. Either may log in to the admin; “none” may not (unless "
            "a superuser)."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["role"].initial = roles.role_of(self.instance)


class RoleChangeForm(RoleFormMixin, UserChangeForm):
    pass


class RoleCreationForm(RoleFormMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class CatalogueUserAdmin(UserAdmin):
    """Accounts with their role in one field: the role's group, and the admin access
    (is_staff) that goes with it."""

    form = RoleChangeForm
    add_form = RoleCreationForm
    list_display = ("username", "email", "first_name", "last_name", "role", "is_staff")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Role"), {"fields": ("role", "is_active", "is_superuser")}),
        (_("Other permissions"), {"classes": ("collapse",), "fields": ("user_permissions",)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2", "role"),
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("Role"))
    def role(self, user):
        return dict(ROLE_CHOICES)[roles.role_of(user)] if roles.role_of(user) else "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        roles.set_role(form.instance, form.cleaned_data.get("role", ""))
