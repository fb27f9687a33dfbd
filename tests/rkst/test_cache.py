"""The cache is never a single point of failure: with Redis away, every public page is
computed without it, the outage is logged, and the health check says so."""

import logging
import os

import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.factories import make_agreement

pytestmark = pytest.mark.django_db

# A port nothing listens on: connections are refused at once.
AWAY = "redis://127.0.0.1:1/0"
# The machine's Redis, for the test that it is used when it answers.
REDIS = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def redis_cache(url):
    return override_settings(
        CACHES={"default": {"BACKEND": "rkst.cache.ResilientRedisCache", "LOCATION": url}}
    )


PAGES = ["/", "/agreements/", "/agreements/?kind=agreement", "/actors/", "/projects/",
         "/sources/", "/en/agreements/"]  # fmt: skip


def test_with_redis_away_every_public_page_is_computed_without_it(client, caplog):
    agreement = make_agreement(title_ru="Соглашение при недоступном кэше", state="published")
    with redis_cache(AWAY), caplog.at_level(logging.WARNING, logger="rkst.cache"):
        for url in [*PAGES, agreement.get_absolute_url()]:
            response = client.get(url)
            assert response.status_code == 200, url
        assert "Соглашение при недоступном кэше" in client.get("/agreements/").content.decode()
        health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"database": "ok", "migrations": "ok", "cache": "unreachable"}
    warnings = [r for r in caplog.records if r.name == "rkst.cache"]
    # Logged, and not once per call: Redis is left alone for a few seconds after a failure.
    assert 1 <= len(warnings) <= 2
    assert warnings[0].getMessage() == "cache unreachable: pages are computed without it"


def test_with_redis_away_the_cache_behaves_as_an_empty_one():
    with redis_cache(AWAY):
        cache.set("key", "value")
        assert cache.get("key") is None
        assert cache.get("key", "default") == "default"
        assert cache.add("computing", "token") is True  # the caller computes
        assert cache.get_many(["a", "b"]) == {}
        assert cache.delete("key") is False


def test_when_redis_answers_it_is_the_cache_and_the_health_check_says_so(client):
    with redis_cache(REDIS):
        cache.clear()
        cache.set("key", "value")
        assert cache.get("key") == "value"
        assert client.get("/healthz").json()["cache"] == "ok"
        cache.clear()
