"""Admin actions on a selection of records that go through an intermediate page, a preview
and a confirmation: bulk edit (every curated record's list, rkst.workflow.bulk) and merge
(a model admin that names its `merger`, rkst.workflow.merge).

The preview carries what it showed to the confirmation signed (`sign_preview`): the records,
their versions and the choices; the confirmation writes only that, or refuses as a whole when
anything changed since."""

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import merge as merging
from .bulk import MAX_RECORDS, NAMED, BulkEditForm, BulkRefused, plan, with_related, write

# How long a preview may be confirmed (seconds).
PREVIEW_MAX_AGE = 24 * 3600


def _salt(model_admin, what):
    return f"rkst.{what}.{model_admin.model._meta.label_lower}"


def sign_preview(request, model_admin, what, payload):
    """What a preview showed, signed for its confirmation by the same user."""
    return signing.dumps(
        {**payload, "user": request.user.pk}, salt=_salt(model_admin, what), compress=True
    )


def read_preview(request, model_admin, what):
    """The signed preview posted back, or None when it is not one (forged or expired)."""
    try:
        payload = signing.loads(
            request.POST.get("token", ""), salt=_salt(model_admin, what), max_age=PREVIEW_MAX_AGE
        )
    except signing.BadSignature:
        return None
    if payload.get("user") != request.user.pk:
        raise PermissionDenied
    return payload


def parse_ids(text):
    ids = []
    for part in text.split(","):
        part = part.strip()
        if part.isdigit():
            ids.append(int(part))
    return list(dict.fromkeys(ids))


def query_dict(data):
    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, values)
    return query


def admin_url(model_admin, view, *args):
    meta = model_admin.model._meta
    name = f"{model_admin.admin_site.name}:{meta.app_label}_{meta.model_name}_{view}"
    return reverse(name, args=args)


def selection_page(model_admin, request, template, title, view, context):
    """An intermediate page of an action: its form posts to `view`, its links lead back."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "action_url": admin_url(model_admin, view),
        "changelist_url": admin_url(model_admin, "changelist"),
        **context,
    }
    return TemplateResponse(request, template, context)


def expired(model_admin, request):
    model_admin.message_user(
        request, _("The preview has expired: select the records again."), messages.ERROR
    )
    return redirect(admin_url(model_admin, "changelist"))


class BulkEditAdminMixin:
    """The bulk edit action and its page, for a model admin that declares `bulk_fields`."""

    bulk_fields = ()
    bulk_edit_template = "admin/rkst/bulk_edit.html"

    def get_bulk_fields(self):
        return [bulk_field.bind(self.model, self.admin_site) for bulk_field in self.bulk_fields]

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "bulk-edit/",
                self.admin_site.admin_view(self.bulk_edit_view),
                name="{}_{}_bulk_edit".format(*info),
            ),
            *super().get_urls(),
        ]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.bulk_fields:
            actions.pop("bulk_edit", None)
        return actions

    @admin.action(
        description=gettext_lazy("Change a field of the selected records"), permissions=["change"]
    )
    def bulk_edit(self, request, queryset):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[: MAX_RECORDS + 1])
        if len(ids) > MAX_RECORDS:
            self.message_user(
                request,
                _("Select at most %(count)s records for one change.") % {"count": MAX_RECORDS},
                messages.ERROR,
            )
            return None
        form = BulkEditForm(self.get_bulk_fields())
        return self._bulk_page(request, ids, form)

    def _selected(self, request, ids):
        return with_related(self.get_queryset(request).filter(pk__in=ids), self.get_bulk_fields())

    def _bulk_page(self, request, ids, form, plans=None, token=None, error=None):
        if plans is None:
            records = list(self._selected(request, ids)[:NAMED])
        else:
            records = [p.record for p in plans]
        context = {
            "form": form,
            "ids": ",".join(str(i) for i in ids),
            "count": len(ids),
            "records": records,
            "plans": plans,
            "changed": sum(1 for p in plans or () if p.changed),
            "refused": [p for p in plans or () if p.problems],
            "token": token,
            "error": error,
        }
        title = _("Change a field of the selected records")
        return selection_page(self, request, self.bulk_edit_template, title, "bulk_edit", context)

    def bulk_edit_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.POST.get("stage") == "confirm":
            return self._bulk_confirm(request)
        ids = parse_ids(request.POST.get("ids", ""))[:MAX_RECORDS]
        form = BulkEditForm(self.get_bulk_fields(), request.POST)
        if not ids or not form.is_valid():
            return self._bulk_page(request, ids, form)
        data = form.cleaned_data
        records = list(self._selected(request, ids))
        ids = [r.pk for r in records]
        versions = {str(r.pk): r.version for r in records}
        plans = plan(records, data["bulk_field"], data["operation"], data["value"], data["date"])
        token = sign_preview(
            request, self, "bulk-edit", {"ids": ids, "versions": versions, "data": form.raw_data()}
        )
        return self._bulk_page(request, ids, form, plans, token)

    def _bulk_confirm(self, request):
        signed = read_preview(request, self, "bulk-edit")
        if signed is None:
            return expired(self, request)
        queryset = self.get_queryset(request).filter(pk__in=signed["ids"])
        ids = list(queryset.values_list("pk", flat=True))
        form = BulkEditForm(self.get_bulk_fields(), query_dict(signed["data"]))
        if len(ids) != len(signed["ids"]) or not form.is_valid():
            return self._bulk_page(
                request,
                signed["ids"],
                form,
                error=_("The selected records or the value changed: look at the preview again."),
            )
        data = form.cleaned_data
        try:
            plans = write(
                self.model,
                ids,
                signed["versions"],
                data["bulk_field"],
                data["operation"],
                data["value"],
                data["date"],
                request.user,
                data["reason"],
            )
        except BulkRefused as refusal:
            return self._bulk_page(request, ids, form, error=refusal.message)
        changed = sum(1 for p in plans if p.changed)
        self.message_user(
            request,
            _("Changed: %(changed)s; unchanged: %(unchanged)s.")
            % {"changed": changed, "unchanged": len(plans) - changed},
            messages.SUCCESS,
        )
        return redirect(admin_url(self, "changelist"))


class MergeForm(forms.Form):
    kept = forms.TypedChoiceField(
        label=gettext_lazy("The record that stays"), coerce=int, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        max_length=500,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text=gettext_lazy("Saved in the history of every record the merge changes."),
    )

    def __init__(self, merger_class, records, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kept"].choices = [(r.pk, merger_class.describe(r)) for r in records]


# Rows listed a relation on the preview, at most.
SHOWN_MOVES = 50


class MergeAdminMixin:
    """The merge action and its page, for a model admin that names its `merger` (a
    rkst.workflow.merge.Merger). Editors only: it deletes records."""

    merger = None
    merge_template = "admin/rkst/merge.html"

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "merge/",
                self.admin_site.admin_view(self.merge_view),
                name="{}_{}_merge".format(*info),
            ),
            *super().get_urls(),
        ]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.merger is None:
            actions.pop("merge", None)
        return actions

    def has_merge_permission(self, request):
        return (
            self.merger is not None
            and self.has_change_permission(request)
            and self.has_delete_permission(request)
            and self.has_publish_permission(request)
        )

    @admin.action(description=gettext_lazy("Merge the selected duplicates"), permissions=["merge"])
    def merge(self, request, queryset):
        records = list(queryset.order_by("pk")[: self.merger.most + 1])
        if not 2 <= len(records) <= self.merger.most:
            self.message_user(
                request,
                _("Select from two to %(most)s records to merge.") % {"most": self.merger.most},
                messages.ERROR,
            )
            return None
        return self._merge_page(request, records, MergeForm(self.merger, records))

    def _merge_page(self, request, records, form, plan=None, token=None, errors=()):
        groups = [
            (label, moves[:SHOWN_MOVES], len(moves), max(0, len(moves) - SHOWN_MOVES))
            for label, moves in (plan.groups() if plan else [])
        ]
        context = {
            "form": form,
            "ids": ",".join(str(r.pk) for r in records),
            "records": records,
            "plan": plan,
            "groups": groups,
            "token": token,
            "errors": errors,
        }
        title = _("Merge duplicates")
        return selection_page(self, request, self.merge_template, title, "merge", context)

    def merge_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_merge_permission(request):
            raise PermissionDenied
        if request.POST.get("stage") == "confirm":
            return self._merge_confirm(request)
        ids = parse_ids(request.POST.get("ids", ""))[: self.merger.most]
        records = list(self.get_queryset(request).filter(pk__in=ids).order_by("pk"))
        if len(records) < 2:
            return expired(self, request)
        form = MergeForm(self.merger, records, request.POST)
        if not form.is_valid():
            return self._merge_page(request, records, form)
        kept = next(r for r in records if r.pk == form.cleaned_data["kept"])
        others = [r for r in records if r is not kept]
        plan = self.merger(kept, others).plan()
        token = sign_preview(
            request,
            self,
            "merge",
            {
                "kept": kept.pk,
                "others": [o.pk for o in others],
                "fingerprint": plan.fingerprint(),
                "reason": form.cleaned_data["reason"],
            },
        )
        return self._merge_page(request, records, form, plan, token)

    def _merge_confirm(self, request):
        signed = read_preview(request, self, "merge")
        if signed is None:
            return expired(self, request)
        try:
            kept = merging.merge(
                self.model,
                self.merger,
                signed["kept"],
                signed["others"],
                signed["fingerprint"],
                request.user,
                signed["reason"],
            )
        except merging.MergeRefused as refusal:
            ids = [signed["kept"], *signed["others"]]
            records = list(self.get_queryset(request).filter(pk__in=ids).order_by("pk"))
            form = MergeForm(
                self.merger, records, initial={"kept": signed["kept"], "reason": signed["reason"]}
            )
            return self._merge_page(request, records, form, errors=refusal.reasons)
        self.message_user(
            request,
            _("Merged into “%(record)s”: %(count)s records.")
            % {"record": kept, "count": len(signed["others"])},
            messages.SUCCESS,
        )
        return redirect(admin_url(self, "change", kept.pk))
