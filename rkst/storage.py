"""A file storage in the database, so that uploaded spreadsheets are reachable from every app
server (none keeps them on its own disk) and are dumped and restored with the catalogue."""

import posixpath

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible
from django.utils.text import get_valid_filename


@deconstructible
class DatabaseStorage(Storage):
    def _model(self):
        from .models import StoredFile

        return StoredFile

    def _open(self, name, mode="rb"):
        try:
            stored = self._model().objects.get(name=name)
        except self._model().DoesNotExist:
            raise FileNotFoundError(name) from None
        file = ContentFile(bytes(stored.content), name=name)
        file.mode = mode
        return file

    def _save(self, name, content):
        content.seek(0)
        data = content.read()
        self._model().objects.create(name=name, content=data, size=len(data))
        return name

    def get_valid_name(self, name):
        directory, base = posixpath.split(name)
        return posixpath.join(directory, get_valid_filename(base))

    def exists(self, name):
        return self._model().objects.filter(name=name).exists()

    def delete(self, name):
        self._model().objects.filter(name=name).delete()

    def size(self, name):
        stored = self._model().objects.filter(name=name).values_list("size", flat=True).first()
        if stored is None:
            raise FileNotFoundError(name)
        return stored

    def url(self, name):
        raise NotImplementedError("Stored files are served by the views that own them.")
