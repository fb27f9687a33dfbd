"""The publication workflow, the optimistic lock, readable history and revert in the admin.

WorkflowAdminMixin goes into every curated record's admin (rkst.admin.CuratedAdmin):

- admin actions and buttons on the change page to submit for review, publish and withdraw,
  each through rkst.workflow, so that the same rules and records apply everywhere;
- the `state` field is read-only for users without the model's publish permission; an editor
  who changes it in the form makes the same transition as with the button, after the form
  and its inlines are saved (so that a citation added with it counts);
- the form carries the record's version: a save from a form opened on an older version is
  refused with a message naming who saved last, and the other edit is kept;
- the history page shows a readable difference per change, the parts' history with theirs,
  and the record's transitions; an editor may revert the record to one of its versions.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import quote, unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import workflow
from ..forms import stale_record_message
from ..models import PublicationState, RecordChanged, Transition
from . import writing
from .history import describe_changes, revert

# Refusals listed one message each, at most.
SHOWN_REFUSALS = 10


class WorkflowActionForm(ActionForm):
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Saved with the transition and in the history."),
    )


def refusal_message(error, rule):
    return _("“%(record)s”: %(action)s refused. %(reasons)s") % {
        "record": error.record,
        "action": str(rule.label).lower(),
        "reasons": " ".join(error.reasons),
    }


def transitions_of(record, limit=None):
    rows = Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    ).select_related("user")
    return rows[:limit] if limit else rows


class WorkflowAdminMixin:
    action_form = WorkflowActionForm
    actions = ("submit_for_review", "publish", "withdraw")

    # Permissions
    def _curated(self):
        return workflow.is_curated(self.model)

    def has_publish_permission(self, request, obj=None):
        return self._curated() and workflow.has_publish_permission(request.user, self.model)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if self._curated() and not self.has_publish_permission(request):
            fields += ("state",)
        return fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self._curated():
            for name in type(self).actions:
                actions.pop(name, None)
        return actions

    # URLs
    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                view(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path(
                "<path:object_id>/history/<int:history_id>/revert/",
                view(self.revert_view),
                name="{}_{}_revert".format(*info),
            ),
            *super().get_urls(),
        ]

    # Actions on the list
    def _act(self, request, queryset, name):
        rule = workflow.RULES[name]
        comment = request.POST.get("comment", "").strip()[:1000]
        done, refused = workflow.apply_many(queryset, name, request.user, comment)
        if done:
            self.message_user(request, rule.done % {"count": len(done)}, messages.SUCCESS)
        for error in refused[:SHOWN_REFUSALS]:
            self.message_user(request, refusal_message(error, rule), messages.ERROR)
        if len(refused) > SHOWN_REFUSALS:
            more = len(refused) - SHOWN_REFUSALS
            self.message_user(
                request,
                ngettext("And %(count)s more record.", "And %(count)s more records.", more)
                % {"count": more},
                messages.ERROR,
            )

    @admin.action(description=gettext_lazy("Submit for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._act(request, queryset, "submit")

    @admin.action(description=gettext_lazy("Publish"), permissions=["publish"])
    def publish(self, request, queryset):
        self._act(request, queryset, "publish")

    @admin.action(description=gettext_lazy("Withdraw to draft"), permissions=["change"])
    def withdraw(self, request, queryset):
        self._act(request, queryset, "withdraw")

    # The change page
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if self._curated() and object_id:
            record = self.get_object(request, unquote(object_id))
            if record is not None:
                extra_context = {**self.workflow_context(request, record), **extra_context}
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RecordChanged as error:
            # Saved by someone else between the form's check and the save (everything was
            # rolled back): the form is checked again, now against their version, so that
            # the curator gets the same refusal with their input kept.
            if request.method == "POST":
                try:
                    return super().changeform_view(request, object_id, form_url, extra_context)
                except RecordChanged:
                    pass
            self.message_user(request, stale_record_message(error.record), messages.ERROR)
            return redirect(request.path)

    def workflow_context(self, request, record):
        rules = workflow.available(request.user, record)
        can_go_public = any(rule.target == PublicationState.PUBLISHED for rule in rules)
        return {
            "workflow": {
                "state": record.get_state_display(),
                "rules": [
                    (
                        rule,
                        reverse(self._url("transition"), args=[quote(record.pk), rule.name]),
                    )
                    for rule in rules
                ],
                # Only worth the queries for someone who could publish now.
                "problems": workflow.can_publish(record) if can_go_public else [],
                "transitions": transitions_of(record, 5),
            }
        }

    def _url(self, view):
        meta = self.model._meta
        return f"{self.admin_site.name}:{meta.app_label}_{meta.model_name}_{view}"

    def hold_requested_state(self, obj, form, change):
        """A state chosen in the form is not saved with it: the transition is made after the
        inlines are saved, by the workflow's rules (save_related)."""
        requested = None
        if self._curated() and "state" in form.changed_data:
            requested = obj.state
            obj.state = form.initial.get("state") if change else PublicationState.DRAFT
        form.requested_state = requested

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        writing.release_history(form.instance)
        requested = getattr(form, "requested_state", None)
        if not requested:
            return
        record = form.instance
        name = workflow.transition_name(record.state, requested)
        if name is None:
            self.message_user(
                request,
                _("A record that is “%(from)s” cannot become “%(to)s”: withdraw it to draft first.")
                % {
                    "from": record.get_state_display(),
                    "to": PublicationState(requested).label,
                },
                messages.ERROR,
            )
            return
        try:
            workflow.apply(record, name, request.user, form.cleaned_data.get("change_reason", ""))
        except workflow.TransitionRefused as error:
            self.message_user(request, refusal_message(error, workflow.RULES[name]), messages.ERROR)

    def transition_view(self, request, object_id, name):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self._curated() or name not in workflow.RULES:
            raise Http404
        record = self.get_object(request, unquote(object_id))
        if record is None:
            raise Http404
        if not self.has_change_permission(request, record) or not workflow.has_permission(
            request.user, self.model, name, record.state
        ):
            raise PermissionDenied
        rule = workflow.RULES[name]
        comment = request.POST.get("comment", "").strip()[:1000]
        try:
            workflow.apply(record, name, request.user, comment)
        except workflow.TransitionRefused as error:
            self.message_user(request, refusal_message(error, rule), messages.ERROR)
        else:
            self.message_user(request, rule.done % {"count": 1}, messages.SUCCESS)
        return redirect(self._url("change"), quote(record.pk))

    # History and revert
    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        describe_changes(self.model, historical_records)

    def history_view(self, request, object_id, extra_context=None):
        extra_context = dict(extra_context or {})
        parts = []
        more = self.more_history_parts(unquote(object_id))
        for label, rows in [*extra_context.get("history_parts", ()), *more]:
            rows = list(rows)
            if rows:
                describe_changes(type(rows[0]).instance_type, rows)
            parts.append((label, rows))
        extra_context["history_parts"] = parts
        if self._curated():
            record = self.get_object(request, unquote(object_id))
            if record is not None:
                extra_context["transitions"] = transitions_of(record, 50)
                extra_context["can_revert"] = self.has_publish_permission(request, record)
                extra_context["revert_url"] = self._url("revert")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history's page of one version saves a POST back into the record, whatever
        # SIMPLE_HISTORY_REVERT_DISABLED says: reverting goes through revert_view only.
        if request.method == "POST":
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)

    def more_history_parts(self, object_id):
        """(label, historical rows) of parts that history_parts cannot name, for a model
        admin to add: the citations of an agreement's relations."""
        return []

    def revert_view(self, request, object_id, history_id):
        if not (self._curated() and self.has_publish_permission(request)):
            raise PermissionDenied
        record = self.get_object(request, unquote(object_id))
        if record is None:
            raise Http404
        if not self.has_change_permission(request, record):
            raise PermissionDenied
        pk_name = self.model._meta.pk.attname
        version = (
            self.model.history.filter(**{pk_name: record.pk, "history_id": history_id})
            .select_related("history_user")
            .first()
        )
        if version is None:
            raise Http404
        latest = self.model.history.filter(**{pk_name: record.pk}).first()
        # The changes the revert makes: from the latest version to the chosen one.
        if latest.history_id != version.history_id:
            describe_changes(self.model, [version, latest])
        errors = []
        if request.method == "POST":
            opened_on = request.POST.get("version", "")
            comment = request.POST.get("comment", "").strip()[:500]
            if opened_on != str(record.version):
                errors.append(stale_record_message(record))
            else:
                try:
                    revert(record, version, request.user, comment)
                except ValidationError as error:
                    errors += error.messages
                except RecordChanged:
                    errors.append(stale_record_message(record))
                else:
                    self.message_user(
                        request,
                        _("“%(record)s” was reverted to the version of %(date)s.")
                        % {
                            "record": record,
                            "date": date_format(localtime(version.history_date), "DATETIME_FORMAT"),
                        },
                        messages.SUCCESS,
                    )
                    return redirect(self._url("history"), quote(record.pk))
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revert “%(record)s”") % {"record": record},
            "opts": opts,
            "object": record,
            "version": version,
            "changes": getattr(version, "history_delta_changes", []),
            "is_latest": latest.history_id == version.history_id,
            "errors": errors,
            "has_m2m": bool(version._history_m2m_fields),
        }
        return TemplateResponse(request, "admin/rkst/revert.html", context)


@admin.display(description=gettext_lazy("record"))
def transition_record(transition):
    model = transition.content_type.model_class()
    if model is None:
        return f"#{transition.object_id}"
    url = reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
        args=[transition.object_id],
    )
    return format_html(
        '<a href="{}">{} #{}</a>', url, model._meta.verbose_name, transition.object_id
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """A log that the admin shows and nobody edits: the catalogue writes it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TransitionAdmin(ReadOnlyAdmin):
    """The publication log: every transition of every record, read only."""

    list_display = ("at", transition_record, "from_state", "to_state", "user", "comment")
    list_filter = ("to_state", "content_type")
    list_select_related = ("content_type", "user")
    date_hierarchy = "at"
