from django import forms
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


class CuratedForm(forms.ModelForm):
    """The admin form of a curated record: partial dates typed as text, and the reason for
    the change, which goes into the record's history."""

    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        help_text=_("Saved in the history, e.g. “checked against the official text”."),
    )

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

    def clean(self):
        cleaned = super().clean()
        for name in getattr(self._meta.model, "PARTIAL_DATES", ()):
            if name not in self.fields or name in self.errors:
                continue
            value = cleaned.get(name)
            cleaned[name] = value.earliest if value else None
            setattr(self.instance, f"{name}_precision", value.precision if value else "")
        return cleaned
