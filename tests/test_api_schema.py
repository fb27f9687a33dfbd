"""The API against its own OpenAPI schema: schemathesis generates requests for every operation
and parameter the schema describes; no answer is a server error, and every answer (its status,
content type, headers and body) is what the schema says."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as examples

from actors.models import Actor
from agreements.models import Agreement, Project, Topic
from rkst.models import Source
from rkst.wsgi import application
from tests.test_visibility import build_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection_kept():
    """Requests through the WSGI application keep the test's connection (and its
    transaction), as Django's test client does: no closing at their start and end."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


PUBLIC = {
    "agreements": Agreement.objects.public,
    "actors": Actor.objects.public,
    "projects": Project.objects.public,
    "sources": Source.objects.public,
    "topics": Topic.objects.public,
}


def test_every_answer_of_every_operation_keeps_to_the_schema(settings, connection_kept):
    settings.PAGE_CACHE_SECONDS = 0
    build_catalogue()  # published records and drafts linked from them in every way
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11  # the index, and a list and a record of five kinds

    @given(case=schema.as_strategy())
    @examples(
        max_examples=250,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    def check(case):
        case.call_and_validate()

    check()

    # Generated keys find no record: each public one is checked too.
    details = {op.path: op for op in operations if op.path.endswith("}/")}
    for path, operation in details.items():
        kind = path.split("/")[3]
        lookup = "code" if kind == "topics" else "key"
        found = list(PUBLIC[kind]().values_list(lookup, flat=True))
        assert found, kind
        for key in found:
            response = operation.Case(path_parameters={lookup: key}).call_and_validate()
            assert response.status_code == 200
