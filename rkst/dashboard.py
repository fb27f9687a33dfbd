"""The curators' dashboard in the admin: what is waiting for them.

Each section lists at most LIMIT rows, newest first, with the total count. The models are
found through the kernel's bases (CuratedModel, CitationBase, simple-history), so this module
imports no app; the queries are a fixed number per model, however big the catalogue.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .apps import CATALOGUE_APPS
from .models import CitationBase, CuratedModel, ImportBatch, PublicationState, Source, Transition

LIMIT = 20


@dataclass
class Row:
    label: str
    url: str = ""
    kind: str = ""
    when: object = None
    who: object = None
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    help: str
    count: int = 0
    rows: list = field(default_factory=list)

    @property
    def more(self):
        return max(self.count - len(self.rows), 0)


def _admin_url(model, pk, view="change"):
    meta = model._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[pk])
    except NoReverseMatch:
        return ""


def curated_models():
    return [m for m in apps.get_models() if issubclass(m, CuratedModel)]


def citation_models():
    return [m for m in apps.get_models() if issubclass(m, CitationBase)]


def _newest(rows):
    return sorted(rows, key=lambda row: row.when, reverse=True)[:LIMIT]


def waiting_for_review():
    section = Section(
        "review",
        gettext_lazy("Waiting for review"),
        gettext_lazy("Records curators submitted for review, for an editor to publish."),
    )
    found = []
    for model in curated_models():
        waiting = model._default_manager.filter(state=PublicationState.REVIEW)
        section.count += waiting.count()
        found += [(model, record) for record in waiting.order_by("-updated_at")[:LIMIT]]
    found = sorted(found, key=lambda pair: pair[1].updated_at, reverse=True)[:LIMIT]
    submitted = {}
    if found:
        types = ContentType.objects.get_for_models(*{model for model, _r in found})
        wanted = Q()
        for model, record in found:
            wanted |= Q(content_type=types[model], object_id=record.pk)
        for transition in (
            Transition.objects.filter(wanted, to_state=PublicationState.REVIEW)
            .select_related("user")
            .order_by("at", "id")
        ):
            submitted[(transition.content_type_id, transition.object_id)] = transition
    for model, record in found:
        transition = submitted.get((types[model].pk, record.pk))
        section.rows.append(
            Row(
                str(record),
                _admin_url(model, record.pk),
                model._meta.verbose_name,
                transition.at if transition else record.updated_at,
                transition.user if transition else None,
                transition.comment if transition else "",
            )
        )
    return section


def published_without_citation():
    section = Section(
        "uncited",
        gettext_lazy("Published without a citation"),
        gettext_lazy("Published records that no source supports: add one, or withdraw them."),
    )
    rows = []
    for model in curated_models():
        if not model.requires_citation:
            continue
        citation_model = model._meta.get_field("citations").related_model
        uncited = model._default_manager.published().filter(
            ~Exists(citation_model.objects.filter(record=OuterRef("pk")))
        )
        section.count += uncited.count()
        rows += [
            Row(str(r), _admin_url(model, r.pk), model._meta.verbose_name, r.updated_at)
            for r in uncited.order_by("-updated_at")[:LIMIT]
        ]
    section.rows = _newest(rows)
    return section


def citations_without_locator():
    section = Section(
        "bare-citations",
        gettext_lazy("Citations without a locator or a quote"),
        gettext_lazy("Neither the page nor the words of the source: a reader cannot check them."),
    )
    rows = []
    for model in citation_models():
        bare = model.objects.filter(locator="", quote="")
        section.count += bare.count()
        related = getattr(model, "public_select_related", ("record",))
        record_model = model._meta.get_field("record").related_model
        rows += [
            Row(
                f"{c.record} — {c.source}",
                _admin_url(record_model, c.record_id),
                model._meta.verbose_name,
                c.added_at,
                c.added_by,
            )
            for c in bare.select_related("source", "added_by", *related).order_by("-added_at")[
                :LIMIT
            ]
        ]
    section.rows = _newest(rows)
    return section


def uncited_sources():
    section = Section(
        "unused-sources",
        gettext_lazy("Sources that nothing cites"),
        gettext_lazy("Neither cited nor relaying a citation: cite them, or remove them."),
    )
    unused = Source.objects.all()
    for model in citation_models():
        unused = unused.filter(
            ~Exists(model.objects.filter(source=OuterRef("pk"))),
            ~Exists(model.objects.filter(found_in=OuterRef("pk"))),
        )
    section.count = unused.count()
    section.rows = [
        Row(str(s), _admin_url(Source, s.pk), s.get_state_display(), s.updated_at)
        for s in unused.order_by("-updated_at")[:LIMIT]
    ]
    return section


def recent_imports():
    section = Section(
        "imports",
        gettext_lazy("Recent imports"),
        gettext_lazy("Spreadsheets imported, previewed or undone."),
    )
    batches = ImportBatch.objects.defer("report")
    section.count = batches.count()
    section.rows = [
        Row(
            str(batch),
            _admin_url(ImportBatch, batch.pk),
            batch.get_status_display(),
            batch.imported_at or batch.created_at,
            batch.user,
            _("%(created)s created, %(updated)s updated")
            % {"created": batch.created, "updated": batch.updated}
            if batch.status != ImportBatch.Status.PREVIEW
            else "",
        )
        for batch in batches.select_related("user").order_by("-created_at")[:LIMIT]
    ]
    return section


def _history_owners(site):
    """{part model: (owner model, attname of the owner's key)} from the admins' history_parts:
    a change to a party or a citation is shown on its record's history page."""
    owners = {}
    for model, model_admin in site._registry.items():
        for name in getattr(model_admin, "history_parts", ()):
            relation = model._meta.get_field(name)
            owners.setdefault(relation.related_model, (model, relation.field.attname))
    return owners


def changes_by_others(user, site=admin.site):
    section = Section(
        "changes",
        gettext_lazy("Latest changes by others"),
        gettext_lazy("Every change of a record or of its parts, by someone other than you."),
    )
    owners = _history_owners(site)
    found = []
    for label in CATALOGUE_APPS:
        for model in apps.get_app_config(label).get_models():
            if not hasattr(model, "history") or model._meta.model_name.startswith("historical"):
                continue
            found += [
                (model, row)
                for row in model.history.exclude(history_user=user)
                .select_related("history_user")
                .order_by("-history_date")[:LIMIT]
            ]
    found = sorted(found, key=lambda pair: pair[1].history_date, reverse=True)[:LIMIT]
    owner_ids = {}
    for model, row in found:
        if model in owners:
            owner, attname = owners[model]
            owner_ids.setdefault(owner, set()).add(getattr(row, attname))
    records = {
        owner: owner._default_manager.select_related().in_bulk(ids)
        for owner, ids in owner_ids.items()
    }
    for model, row in found:
        if model in owners:
            owner, attname = owners[model]
            ident = getattr(row, attname)
            record = records[owner].get(ident)
            label = f"{model._meta.verbose_name}: {record if record is not None else f'#{ident}'}"
            url = _admin_url(owner, ident, "history") if record is not None else ""
        else:
            label = str(row.instance)
            url = _admin_url(model, row.instance.pk, "history")
        section.rows.append(
            Row(
                label,
                url,
                row.get_history_type_display(),
                row.history_date,
                row.history_user,
                row.history_change_reason or "",
            )
        )
    section.count = len(section.rows)
    return section


def sections(user):
    return [
        waiting_for_review(),
        published_without_citation(),
        citations_without_locator(),
        uncited_sources(),
        recent_imports(),
        changes_by_others(user),
    ]


def dashboard(request, site=admin.site):
    if not any(
        request.user.has_perm(f"{m._meta.app_label}.view_{m._meta.model_name}")
        for m in curated_models()
    ):
        raise PermissionDenied
    context = {
        **site.each_context(request),
        "title": _("Curator's dashboard"),
        "sections": sections(request.user),
    }
    return TemplateResponse(request, "admin/rkst/dashboard.html", context)
