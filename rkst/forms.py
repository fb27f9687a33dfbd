from concurrency import forms as concurrency_forms
from concurrency.exceptions import VersionError
from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from .dates import PartialDate, partial_date


class PartialDateField(forms.CharField):
    """One text box for a partial date: "1996", "11.1996", "25.11.1996" or ISO forms."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", _("As precise as the source: 1996, 11.1996 or 25.11.1996."))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            return PartialDate.parse(text)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from error


def stale_record_message(record):
    """Why a save from an outdated form is refused, naming who saved the record last."""
    latest = record.history.select_related("history_user").first()
    if latest is not None and latest.history_user is not None:
        return _(
            "%(user)s saved this record at %(time)s, after you opened it. Your changes were "
            "not saved, so as not to overwrite theirs: open the record again and make your "
            "changes once more."
        ) % {
            "user": latest.history_user.get_username(),
            "time": formats.date_format(timezone.localtime(latest.history_date), "DATETIME_FORMAT"),
        }
    return _(
        "Someone saved this record after you opened it. Your changes were not saved, so as "
        "not to overwrite theirs: open the record again and make your changes once more."
    )


class VersionField(concurrency_forms.VersionField):
    """django-concurrency's signed version, read as None when it is not one the catalogue
    signed: a form opened before a deploy, or edited by hand, gets the curator's message
    rather than the library's 400 page."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except VersionError:
            return None


UNVERSIONED_MESSAGE = _(
    "The form did not say which version of the record it was opened on, so your changes "
    "were not saved, so as not to overwrite someone else's: open the record again and make "
    "your changes once more."
)


class CuratedForm(forms.ModelForm):
    """The admin form of a curated record: partial dates typed as text, and the reason for
    the change, which goes into the record's history."""

    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        help_text=_("Saved in the history, e.g. “checked against the official text”."),
    )
    # The version of the record the form was opened on (optimistic lock), signed: a save
    # from an older version is refused, and the newer edit kept; so is a post that carries
    # no version, an empty one or one the catalogue did not sign.
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in getattr(self._meta.model, "PARTIAL_DATES", ()):
            if name not in self.fields:
                continue
            model_field = self._meta.model._meta.get_field(name)
            self.fields[name] = PartialDateField(
                label=model_field.verbose_name.capitalize(), required=False
            )
            value = partial_date(self.instance, name) if self.instance.pk else None
            self.initial[name] = value.numeric() if value else ""
        if hasattr(self.instance, "version"):
            self.initial["version"] = self.instance.version
        else:
            del self.fields["version"]

    def clean(self):
        cleaned = super().clean()
        # The dates first: the instance must get a date, never a PartialDate, even from a
        # form refused below.
        for name in getattr(self._meta.model, "PARTIAL_DATES", ()):
            if name not in self.fields or name in self.errors:
                continue
            value = cleaned.get(name)
            cleaned[name] = value.earliest if value else None
            setattr(self.instance, f"{name}_precision", value.precision if value else "")
        if self.instance.pk and "version" in self.fields:
            # 0 for a post without a version or with an empty one; missing when forged.
            opened_on = cleaned.get("version")
            if not opened_on:
                self.errors.pop("version", None)
                raise forms.ValidationError(UNVERSIONED_MESSAGE, code="unversioned")
            if opened_on != self.instance.version:
                raise forms.ValidationError(stale_record_message(self.instance), code="stale")
        return cleaned


class ConstraintMessageFormSet(forms.BaseInlineFormSet):
    """Two rows of one inline that break a unique constraint get the constraint's own message
    ("This actor is already a party to the agreement.") instead of Django's generic one."""

    def get_unique_error_message(self, unique_check):
        for constraint in self.model._meta.constraints:
            fields = set(getattr(constraint, "fields", ()))
            if fields and set(unique_check) <= fields <= set(unique_check) | {self.fk.name}:
                return constraint.violation_error_message
        return super().get_unique_error_message(unique_check)
