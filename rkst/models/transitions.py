"""The log of publication transitions: who moved which record from which state to which."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..locking import RecordChanged  # noqa: F401 (the models' API)
from .records import PublicationState


def acting_user(record):
    """Who is saving `record`: the user simple-history would record for the change."""
    user = getattr(record, "_history_user", None)
    if user is None:
        request = getattr(HistoricalRecords.context, "request", None)
        user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class Transition(models.Model):
    """One change of a record's publication state: draft → in review → published, or back to
    draft; who made it, when, and why."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("kind of record"),
        # a kind of record is never removed while its transitions are kept
        on_delete=models.PROTECT,
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    from_state = models.CharField(
        _("from"),
        max_length=10,
        choices=PublicationState.choices,
        blank=True,
        help_text=_("Empty for a record created in this state."),
    )
    to_state = models.CharField(_("to"), max_length=10, choices=PublicationState.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        # the record of a transition outlives the account of the user who made it
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("publication transition")
        verbose_name_plural = _("publication transitions")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        indexes = [
            # a record's pages list its transitions
            models.Index(fields=["content_type", "object_id"], name="rkst_transition_record"),
        ]

    def __str__(self):
        return f"{self.get_from_state_display() or '—'} → {self.get_to_state_display()}"

    @classmethod
    def build(cls, record, from_state, to_state, user, comment="", at=None):
        """The row of one transition of `record`, not yet saved (the write path's bulk
        functions write many)."""
        return cls(
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=record.pk,
            from_state=from_state,
            to_state=to_state,
            user=user,
            comment=comment or "",
            at=at or timezone.now(),
        )

    @classmethod
    def log(cls, record, from_state, to_state):
        """Record a transition that a save of `record` made, by the user saving it."""
        transition = cls.build(
            record,
            from_state,
            to_state,
            acting_user(record),
            getattr(record, "_change_reason", ""),
        )
        transition.save()
        return transition
