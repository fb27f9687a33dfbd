"""A dump of the catalogue restores into an emptied database with the same rows and exports.

It flushes the database, so it runs as a transactional test; it sits before the browser tests,
whose live servers leave the content types renumbered behind them."""

import datetime
import gzip
import json

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from tests.rkst.test_security import build_catalogue, log_in, table_counts

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_dump_restores_the_same_catalogue(client, django_user_model, tmp_path):
    build_catalogue(django_user_model)
    agreements = apps.get_model("agreements", "Agreement").objects
    # A time to the microsecond: a dump to the millisecond would restore it as 01.000000.
    precise = datetime.datetime(2026, 5, 4, 3, 2, 1, 456, tzinfo=datetime.UTC)
    agreements.update(updated_at=precise)
    counts = table_counts()
    export = client.get("/agreements/", {"export": "json"}).content
    assert len(json.loads(export)) == 2
    first = tmp_path / "catalogue.json.gz"
    call_command("dump_catalogue", str(first))

    call_command("flush", interactive=False, verbosity=0)
    assert apps.get_model("agreements", "Agreement").objects.count() == 0
    # What another catalogue left cached under the version numbers the restored one reuses.
    cache.set("rkst:1:ru:AgreementListing:count:any", 12345)
    call_command("restore_catalogue", str(first))
    assert cache.get("rkst:1:ru:AgreementListing:count:any") is None

    assert table_counts() == counts
    assert set(agreements.values_list("updated_at", flat=True)) == {precise}
    assert client.get("/agreements/", {"export": "json"}).content == export
    second = tmp_path / "again.json"
    call_command("dump_catalogue", str(second))
    with gzip.open(first, "rt", encoding="utf-8") as dumped:
        assert json.loads(second.read_text(encoding="utf-8")) == json.load(dumped)
    # (Client.login() calls authenticate() without a request, which django-axes refuses.)
    assert log_in(Client(), username="keeper").status_code == 302
