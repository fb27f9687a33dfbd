"""Curators and editors preview a draft's public page; readers still get 404, never a cached
copy of it, and the lists do not show it."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from rkst.models import PublicationState
from tests.factories import make_actor, make_agreement, make_project, make_source

pytestmark = pytest.mark.django_db

MAKERS = {
    "agreements": (make_agreement, "title_ru"),
    "actors": (make_actor, "name_ru"),
    "projects": (make_project, "name_ru"),
    "sources": (make_source, "title"),
}
BANNER = "Предпросмотр черновика"


@pytest.fixture(autouse=True)
def page_cache(settings):
    # Anonymous pages are cached: a draft must never get into that cache.
    settings.PAGE_CACHE_SECONDS = 600


def draft(kind):
    make, name_field = MAKERS[kind]
    record = make()
    assert record.state == PublicationState.DRAFT
    return record, getattr(record, name_field)


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("who", ["curator_client", "editor_client"])
def test_curators_and_editors_see_a_draft_marked_and_never_stored(request, kind, who):
    client = request.getfixturevalue(who)
    record, name = draft(kind)
    url = record.get_absolute_url()
    anonymous = Client()
    assert anonymous.get(url).status_code == 404
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert BANNER in html and name in html
    assert '<meta name="robots" content="noindex">' in html
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    # Neither before nor after a curator saw it does a reader get the page.
    assert anonymous.get(url).status_code == 404
    for listing in (f"/{kind}/", f"/{kind}/?q={name}"):
        assert f'href="{url}"' not in anonymous.get(listing).content.decode()
        assert f'href="{url}"' not in client.get(listing).content.decode()


@pytest.mark.parametrize("kind", list(MAKERS))
def test_a_published_page_has_no_draft_banner(curator_client, kind):
    record, name = draft(kind)
    type(record).objects.filter(pk=record.pk).update(state=PublicationState.PUBLISHED)
    response = curator_client.get(record.get_absolute_url())
    assert response.status_code == 200 and BANNER not in response.content.decode()
    assert "no-store" not in response["Cache-Control"]


def test_the_admins_view_on_site_leads_to_the_preview(curator_client):
    record, name = draft("agreements")
    change = curator_client.get(reverse("admin:agreements_agreement_change", args=[record.pk]))
    content_type = ContentType.objects.get_for_model(record)
    view_on_site = reverse("admin:view_on_site", args=[content_type.pk, record.pk])
    assert view_on_site in change.content.decode()
    response = curator_client.get(view_on_site, follow=True)
    assert response.redirect_chain[-1][0].endswith(record.get_absolute_url())
    assert response.status_code == 200 and BANNER in response.content.decode()


def test_a_staff_account_without_the_view_permission_gets_404(db, django_user_model):
    record, _name = draft("agreements")
    user = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    client = Client()
    client.force_login(user)
    assert client.get(record.get_absolute_url()).status_code == 404
