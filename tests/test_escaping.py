"""Stored XSS: markup typed into any text field, or brought in by an imported file, is shown
escaped on every public and admin page that displays it."""

import pytest
from django.core.files.base import ContentFile
from django.db import models
from django.urls import reverse

from agreements.models import ProjectFigure
from rkst import imports
from tests.factories import (
    make_actor,
    make_agreement,
    make_gap,
    make_note,
    make_project,
    make_source,
    make_topic,
)

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert("


def fill_text_fields(record):
    """Put the payload into every free text field of `record` (not keys, codes or choices)."""
    for field in record._meta.concrete_fields:
        if (
            isinstance(field, (models.CharField, models.TextField))
            and not isinstance(field, models.SlugField)
            and not field.choices
            and field.editable
            and field.name not in ("code", "search_text", "wikidata", "doi", "url", "isbn", "issn")
            and (field.max_length is None or field.max_length >= len(PAYLOAD) + 4)
        ):
            setattr(record, field.name, f"{PAYLOAD} {field.name}")
    record.save()
    return record


@pytest.fixture
def hostile():
    source = fill_text_fields(make_source(key="hostile-source", state="published"))
    region = fill_text_fields(
        make_actor(key="hostile-region", kind="region", country="KZ", state="published")
    )
    actor = fill_text_fields(
        make_actor(key="hostile-actor", kind="university", country="RU", state="published")
    )
    topic = fill_text_fields(make_topic(code="hostile-topic"))
    agreement = fill_text_fields(
        make_agreement(key="hostile-agreement", parties=[actor, region], state="published")
    )
    agreement.topics.add(topic)
    project = fill_text_fields(make_project(key="hostile-project", state="published"))
    project.participant_set.create(actor=actor)
    ProjectFigure.objects.create(
        project=project, measure="cost", label_ru=PAYLOAD, label_en=PAYLOAD, value=1, unit="USD"
    )
    for record in (agreement, actor, project, region):
        record.citations.create(
            source=source,
            field="",
            locator=f"{PAYLOAD} locator",
            quote=f"{PAYLOAD} quote",
            note=f"{PAYLOAD} note",
        )
    # Editorial notes on every kind of record, and a gap, each with a hostile citation.
    notes = [
        fill_text_fields(make_note(record, key=f"hostile-note-{n}"))
        for n, record in enumerate((agreement, actor, project, source))
    ]
    for note in notes:
        note.field = ""  # a fact's name, not free text: the note is on the whole record
        note.save()
    gap = fill_text_fields(make_gap(key="hostile-gap", state="published"))
    for record in (agreement, actor, project, source):
        gap.links.create(record=record, role="held")
    for record in (*notes, gap):
        record.citations.create(
            source=source, locator=f"{PAYLOAD} locator", quote=f"{PAYLOAD} quote"
        )
    return {
        "agreement": agreement,
        "actor": actor,
        "project": project,
        "source": source,
        "note": notes[0],
        "gap": gap,
    }


PUBLIC_PAGES = [
    "/", "/agreements/", "/agreements/?q=script", "/agreements/hostile-agreement/",
    "/actors/", "/actors/hostile-actor/", "/actors/hostile-region/", "/projects/",
    "/projects/hostile-project/", "/sources/", "/sources/hostile-source/", "/sitemap.xml",
    "/coverage/",
]  # fmt: skip


@pytest.mark.parametrize("language", ["", "/en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_show_the_payload_escaped(client, hostile, language, path):
    response = client.get(language + path)
    assert response.status_code == 200
    page = response.content.decode()
    assert PAYLOAD not in page
    assert "<script>alert" not in page


def test_the_payload_is_really_on_the_record_pages(client, hostile):
    page = client.get("/agreements/hostile-agreement/").content.decode()
    assert ESCAPED in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; text_ru" in page
    coverage = client.get("/coverage/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; description_ru" in coverage


def admin_pages(records):
    for _name, record in records.items():
        info = (record._meta.app_label, record._meta.model_name)
        yield reverse("admin:{}_{}_changelist".format(*info))
        yield reverse("admin:{}_{}_change".format(*info), args=[record.pk])
        yield reverse("admin:{}_{}_history".format(*info), args=[record.pk])


def test_admin_pages_show_the_payload_escaped(editor_client, hostile):
    for url in [*admin_pages(hostile), "/admin/", "/admin/dashboard/"]:
        response = editor_client.get(url)
        assert response.status_code == 200, url
        assert PAYLOAD not in response.content.decode(), url


def test_an_imported_file_shows_its_payload_escaped(editor_client, editor, hostile):
    rows = (
        "key,title_ru,title_en,kind,level,parties,summary_ru,source,locator,quote\n"
        f'imported-xss,"{PAYLOAD.replace(chr(34), chr(34) * 2)} title",Title,protocol,'
        f'interregional,hostile-actor,"{PAYLOAD.replace(chr(34), chr(34) * 2)}",'
        f'hostile-source,p. 1,"{PAYLOAD.replace(chr(34), chr(34) * 2)}"\n'
    )
    batch = imports.new_batch("agreements", "hostile.csv", ContentFile(rows.encode()), user=editor)
    imports.preview(batch)
    preview = editor_client.get(reverse("admin:rkst_importbatch_preview", args=[batch.pk]))
    assert preview.status_code == 200
    page = preview.content.decode()
    assert PAYLOAD not in page and ESCAPED in page
    confirmed = editor_client.post(reverse("admin:rkst_importbatch_preview", args=[batch.pk]))
    assert confirmed.status_code == 302
    for url in (
        reverse("admin:rkst_importbatch_change", args=[batch.pk]),
        reverse("admin:agreements_agreement_changelist"),
    ):
        page = editor_client.get(url).content.decode()
        assert PAYLOAD not in page, url
