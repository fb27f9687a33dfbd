import json
from functools import cache

from django import template
from django.urls import reverse
from django.utils.html import _json_script_escapes, format_html
from django.utils.safestring import SafeString

from rkst import dates, display
from rkst.feeds import feed_params, with_query
from rkst.models import public_or_none

register = template.Library()


@register.filter
def public(record):
    """The linked record when the public may see it, else None:
    {% with place=agreement.signed_place|public %}."""
    return public_or_none(record)


@register.filter(name="long_date", expects_localtime=True)
def long_date_filter(value):
    """A full date in the active language: {{ record.updated_at|long_date }} ("1998 ж. 6 шілде")."""
    return dates.long_date(value) if value else ""


@register.filter
def partial(record, name):
    """A partial date of `record` shown as precisely as it is known: {{ a|partial:"signed" }}."""
    value = getattr(record, name, None)
    return value.display() if value else ""


@register.filter
def locator(text):
    """A stored locator in the page's language: {{ citation.locator|locator }}."""
    return display.locator(text)


@register.filter
def figure(figure):
    """A project's figure, its number and unit in the page's language: {{ f|figure }}."""
    return display.figure(figure.value, figure.unit)


@register.filter
def record_name(record):
    """A record's title or name in the page's language, whatever its kind."""
    for name in ("title", "name"):
        method = getattr(record, name, None)
        if callable(method):
            return method()
    return str(record)


@register.filter
def plural_name(model):
    """The plural name of a kind of record: {{ model|plural_name }}."""
    return model._meta.verbose_name_plural


@cache
def _labels(field):
    return dict(field.flatchoices)


@register.filter
def label(record, name):
    """The label of a choice field's value, as get_FOO_display() gives it but without hashing
    every choice's translated label on each call (a list shows it for every row):
    {{ agreement|label:"kind" }}."""
    field = record._meta.get_field(name)
    value = getattr(record, field.attname)
    return _labels(field).get(value, value)


@register.simple_tag
def json_ld(data):
    """A JSON-LD block. The JSON is escaped as Django's json_script escapes it (<, >, & become
    \\u escapes), so curated text cannot close the script element."""
    escaped = json.dumps(data, ensure_ascii=False, default=str).translate(_json_script_escapes)
    return format_html('<script type="application/ld+json">{}</script>', SafeString(escaped))


@register.simple_tag(takes_context=True)
def with_param(context, name, value=None, *more):
    """The current query string with `name` set to `value` (removed when None), back on
    page one and without an export: {% with_param "kind" "treaty" %}. Further pairs of
    arguments change more parameters at once."""
    params = context["request"].GET.copy()
    for key in ("page", "export"):
        params.pop(key, None)
    pairs = [(name, value), *zip(more[::2], more[1::2], strict=True)]
    for key, new in pairs:
        params.pop(key, None)
        if new not in (None, ""):
            params[key] = new
    return "?" + params.urlencode() if params else "?"


@register.simple_tag(takes_context=True)
def export_url(context, fmt):
    params = context["request"].GET.copy()
    params.pop("page", None)
    params["export"] = fmt
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def feed_url(context, name):
    """The address of the feed `name` with the current list's filters (a feed has no page,
    page size, sort or export): {% feed_url 'agreements:feed' as feed %}."""
    return with_query(reverse(name), feed_params(context["request"].GET))
