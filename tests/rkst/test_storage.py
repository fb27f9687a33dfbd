"""Uploaded files are kept in the database, so that any app server can read them."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from rkst.models import StoredFile

pytestmark = pytest.mark.django_db


def test_a_file_is_stored_in_the_database_and_read_back():
    name = default_storage.save("imports/2026/11/Соглашения 2026.xlsx", ContentFile(b"PK\x03\x04"))
    assert StoredFile.objects.get(name=name).size == 4
    assert default_storage.exists(name) and default_storage.size(name) == 4
    with default_storage.open(name) as file:
        assert file.read() == b"PK\x03\x04"


def test_a_second_file_of_the_same_name_gets_its_own_name():
    first = default_storage.save("imports/a.csv", ContentFile(b"one"))
    second = default_storage.save("imports/a.csv", ContentFile(b"two"))
    assert first != second
    assert default_storage.open(first).read() == b"one"
    assert default_storage.open(second).read() == b"two"


def test_a_deleted_file_is_gone():
    name = default_storage.save("imports/gone.csv", ContentFile(b"x"))
    default_storage.delete(name)
    assert not default_storage.exists(name)
    with pytest.raises(FileNotFoundError):
        default_storage.open(name)
