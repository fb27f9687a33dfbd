import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from rkst.roles import sync_groups

PASSWORD = "pw-for-tests-only"


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached facets are keyed by the catalogue version, which restarts with every test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def unthrottled_api(settings):
    """A test asks the API more often than a reader may; the throttle's own test sets it."""
    settings.API_THROTTLE_RATE = ""


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Queued jobs (a confirmed import) run at once, in the request, unless a test starts a
    worker of its own (tests/rkst/test_queue.py)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def fresh_content_types():
    """Tables flushed after a browser test give the content types new ids: forget the old."""
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def russian():
    """The catalogue speaks Russian unless a test says otherwise."""
    with translation.override("ru"):
        yield


def _staff(django_user_model, username, group):
    if not Group.objects.filter(name=group).exists():
        # Tables are flushed after browser tests, groups from the data migration included.
        sync_groups(django_apps)
    user = django_user_model.objects.create_user(
        username=username, password=PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def curator(db, django_user_model):
    return _staff(django_user_model, "curator", "curators")


@pytest.fixture
def editor(db, django_user_model):
    return _staff(django_user_model, "editor", "editors")


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser(username="admin", password=PASSWORD)


def _logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def curator_client(curator):
    return _logged_in(curator)


@pytest.fixture
def editor_client(editor):
    return _logged_in(editor)


@pytest.fixture
def superuser_client(superuser):
    return _logged_in(superuser)
