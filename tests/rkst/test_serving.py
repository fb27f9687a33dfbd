"""Serving on many app servers: health check, request logs, conditional GET, replica routing."""

import json
import logging

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.test import override_settings

from agreements.models import Agreement
from rkst import serving
from rkst.logs import JsonFormatter
from rkst.models import User
from tests.factories import connection_lost, make_agreement

pytestmark = pytest.mark.django_db


def test_the_health_check_reports_the_database_and_migrations(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "migrations": "ok", "cache": "local"}
    assert "no-store" in response["Cache-Control"]


def test_the_health_check_fails_when_migrations_are_missing(client, monkeypatch):
    monkeypatch.setattr(serving, "_migrations_applied", False)
    monkeypatch.setattr(
        serving.MigrationExecutor, "migration_plan", lambda self, targets: [("agreements", "x")]
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "1 not applied"


def test_the_health_check_fails_when_the_database_is_unreachable(client, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(serving.connections["default"].__class__, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "database": "unreachable",
        "migrations": "unknown",
        "cache": "local",
    }


def test_every_request_is_logged_as_one_json_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="rkst.request"):
        client.get("/agreements/?q=x")
    (record,) = [r for r in caplog.records if r.name == "rkst.request"]
    assert (record.method, record.path, record.status) == ("GET", "/agreements/", 200)
    assert record.ms > 0
    line = json.loads(JsonFormatter().format(record))
    assert line["path"] == "/agreements/" and line["status"] == 200 and "ms" in line


def test_a_record_page_answers_304_until_the_catalogue_changes(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        agreement = make_agreement(key="sti-1996", state="published")
    url = "/agreements/sti-1996/"
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"]
    assert "no-cache" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert client.get("/en" + url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        agreement.title_ru = "Соглашение о сотрудничестве (новая редакция)"
        agreement.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert "новая редакция" in changed.content.decode()


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_public_pages_read_the_catalogue_from_the_replica():
    router = serving.ReplicaRouter()
    databases = {"default": {}, "replica": {}}
    with override_settings(DATABASES=databases):
        assert router.db_for_read(Agreement) is None
        token = serving.public_read.set(True)
        try:
            assert router.db_for_read(Agreement) == "replica"
            # Accounts and sessions come from the primary, which has the latest login.
            assert router.db_for_read(User) is None
            assert router.db_for_read(Session) is None
        finally:
            serving.public_read.reset(token)
        assert router.db_for_write(Agreement) == "default"
        assert router.allow_migrate("replica", "agreements") is False


@pytest.mark.parametrize(
    "method, path, public",
    [
        ("GET", "/agreements/", True),
        ("GET", "/en/actors/x/", True),
        ("POST", "/agreements/", False),
        ("GET", "/admin/agreements/agreement/", False),
        ("GET", "/en/admin/", False),
    ],
)
def test_only_public_reads_are_routed_to_the_replica(rf, method, path, public):
    assert serving.is_public(rf.generic(method, path)) is public


def unreachable_for(monkeypatch, failures, error=None):
    """The agreement list's database refuses the next `failures` reads, as while PostgreSQL
    restarts; returns the list of attempts."""
    from rkst.listing import Listing

    attempts = []
    page = Listing.page

    def flaky(self):
        attempts.append(1)
        if len(attempts) <= failures:
            raise error or connection_lost()
        return page(self)

    monkeypatch.setattr(Listing, "page", flaky)
    monkeypatch.setattr(serving, "RETRY_DELAYS", (0, 0, 0))
    return attempts


@override_settings(PAGE_CACHE_SECONDS=0)
def test_a_read_is_tried_again_while_the_database_restarts(client, monkeypatch):
    make_agreement(title_ru="Соглашение о Байконуре", state="published")
    attempts = unreachable_for(monkeypatch, failures=2)
    response = client.get("/agreements/")
    assert response.status_code == 200
    assert "Соглашение о Байконуре" in response.content.decode()
    assert len(attempts) == 3


@override_settings(PAGE_CACHE_SECONDS=0)
def test_a_database_that_stays_away_gives_a_page_asking_to_retry(client, monkeypatch, caplog):
    attempts = unreachable_for(monkeypatch, failures=99)
    with caplog.at_level(logging.WARNING, logger="rkst.request"):
        response = client.get("/en/agreements/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Каталог временно недоступен" in page
    assert "reload the page in a minute" in page
    assert len(attempts) == 4  # the first try and three more
    warnings = [r for r in caplog.records if r.getMessage().startswith("database unreachable")]
    assert [r.levelname for r in warnings] == ["WARNING"] * 3 + ["ERROR"]
    assert warnings[-1].getMessage() == (
        "database unreachable: server closed the connection unexpectedly"
    )


@override_settings(PAGE_CACHE_SECONDS=0)
def test_an_error_of_the_query_itself_is_not_tried_again(client, monkeypatch):
    error = connection_lost("deadlock detected", sqlstate="40P01")
    attempts = unreachable_for(monkeypatch, failures=99, error=error)
    with pytest.raises(OperationalError):
        client.get("/agreements/")
    assert len(attempts) == 1


@override_settings(PAGE_CACHE_SECONDS=0)
def test_a_statement_timeout_is_not_tried_again_and_asks_to_retry(client, monkeypatch):
    error = connection_lost("canceling statement due to statement timeout", sqlstate="57014")
    attempts = unreachable_for(monkeypatch, failures=99, error=error)
    response = client.get("/agreements/")
    assert response.status_code == 503
    assert len(attempts) == 1


@override_settings(PAGE_CACHE_SECONDS=0)
def test_sqlite_errors_are_not_taken_for_a_lost_connection(client, monkeypatch):
    import sqlite3

    error = OperationalError("no such column: agreements_agreement.title_ru")
    error.__cause__ = sqlite3.OperationalError(str(error))
    attempts = unreachable_for(monkeypatch, failures=99, error=error)
    with pytest.raises(OperationalError):
        client.get("/agreements/")
    assert len(attempts) == 1
