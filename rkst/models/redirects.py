"""Keys that no longer name a record and the key that answers for them now: the key of an
actor merged into another, or the former key of a published record whose key changed (the
write path records it). A public page asked for such a key answers with a permanent redirect
(rkst.serving.get_public)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Hops followed from an old key to the record: more would mean a loop.
MAX_HOPS = 10


class KeyRedirect(models.Model):
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("kind of record"),
        # a kind of record is never removed while its redirects are kept
        on_delete=models.PROTECT,
    )
    old_key = models.CharField(
        _("old key"), max_length=100, help_text=_("The key that no longer names a record.")
    )
    new_key = models.CharField(
        _("new key"), max_length=100, help_text=_("The key of the record that answers for it.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    note = models.CharField(
        _("note"), max_length=300, blank=True, help_text=_("Why the key moved, e.g. a merge.")
    )

    class Meta:
        verbose_name = _("key redirect")
        verbose_name_plural = _("key redirects")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["content_type", "old_key"], name="key_redirect_once")
        ]

    def __str__(self):
        return f"{self.old_key} → {self.new_key}"

    @classmethod
    def add(cls, model, old_key, new_key, note=""):
        """Let `old_key` of `model` answer for `new_key`: redirects that led to `old_key` now
        lead to `new_key` directly, and a redirect from `new_key` goes (it names a record)."""
        from django.contrib.contenttypes.models import ContentType

        content_type = ContentType.objects.get_for_model(model)
        rows = cls.objects.filter(content_type=content_type)
        rows.filter(old_key=new_key).delete()
        rows.filter(new_key=old_key).update(new_key=new_key)
        redirect, _created = cls.objects.update_or_create(
            content_type=content_type,
            old_key=old_key,
            defaults={"new_key": new_key, "note": note[:300]},
        )
        return redirect

    @classmethod
    def find(cls, queryset, key):
        """The record of `queryset` that the old `key` now answers for, or None."""
        from django.contrib.contenttypes.models import ContentType

        rows = cls.objects.filter(content_type=ContentType.objects.get_for_model(queryset.model))
        seen = {key}
        for _hop in range(MAX_HOPS):
            key = rows.filter(old_key=key).values_list("new_key", flat=True).first()
            if key is None or key in seen:
                return None
            record = queryset.filter(key=key).first()
            if record is not None:
                return record
            seen.add(key)
        return None
