"""Backups of the whole catalogue as one JSON file (gzipped when its name ends in .gz).

The file holds every record, citation, history row and import batch of the catalogue apps,
the accounts and groups, and the admin's log. Records keep their ids: history rows, import
rows and the admin's log refer to records by id, so renumbering them (natural primary keys)
would detach the history from its records. Only content types, permissions and groups, which
`migrate` creates anew in every database with ids of its own, are written as natural keys.
Sessions, login attempts (axes) and the cache version are left out.

A dump restores with `loaddata` into an empty migrated database, SQLite or PostgreSQL alike.
"""

import datetime
import gzip
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JsonSerializer
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from .apps import CATALOGUE_APPS

EXCLUDED = ("rkst.catalogueversion",)
SUFFIXES = (".json", ".json.gz")


def natural_models():
    """Models whose rows each database numbers on its own: referred to by natural key."""
    return {
        apps.get_model("contenttypes", "ContentType"),
        apps.get_model("auth", "Permission"),
        apps.get_model("auth", "Group"),
    }


def backup_models():
    """The dumped models, in loading order: groups first, since accounts name them."""
    models = [apps.get_model("auth", "Group")]
    for label in CATALOGUE_APPS:
        models += apps.get_app_config(label).get_models()
    models.append(apps.get_model("admin", "LogEntry"))
    return [m for m in models if m._meta.label_lower not in EXCLUDED]


class FullPrecisionEncoder(DjangoJSONEncoder):
    """Times with their microseconds: Django's encoder keeps milliseconds only, so a restored
    record's timestamps would differ from the dumped one's."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class BackupSerializer(JsonSerializer):
    """Django's JSON serializer, with natural keys for `natural_models()` only and times to
    the microsecond."""

    def start_serialization(self):
        super().start_serialization()
        self.json_kwargs["cls"] = FullPrecisionEncoder
        self.natural = natural_models()

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = field.remote_field.model in self.natural
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        self.use_natural_foreign_keys = field.remote_field.model in self.natural
        super().handle_m2m_field(obj, field)

    def get_dump_object(self, obj):
        self.use_natural_primary_keys = type(obj) in self.natural
        return super().get_dump_object(obj)


def check_path(path):
    if not str(path).endswith(SUFFIXES):
        raise ValueError(f"{path}: the file name must end in .json or .json.gz")


def _open(path, mode, gzipped):
    if gzipped:
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def dump(path, using=DEFAULT_DB_ALIAS):
    """Write the catalogue to `path`; returns {model label: rows}. The file appears whole or
    not at all."""
    path = Path(path)
    check_path(path)
    models = backup_models()
    counts = {}

    def rows():
        for model in models:
            queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
            counts[model._meta.label] = 0
            for obj in queryset.iterator(chunk_size=2000):
                counts[model._meta.label] += 1
                yield obj

    connection = connections[using]
    # mkstemp makes the file readable by its owner only: it holds password hashes.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        fresh = not connection.in_atomic_block
        with transaction.atomic(using=using):
            if fresh and connection.vendor == "postgresql":
                # One snapshot for the whole file while curators go on editing.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            with _open(tmp, "w", path.name.endswith(".gz")) as stream:
                BackupSerializer().serialize(rows(), stream=stream)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return counts


def non_empty(using=DEFAULT_DB_ALIAS):
    """Labels of the dumped models that already hold rows (groups come from migrations)."""
    return [
        model._meta.label
        for model in backup_models()
        if model not in natural_models() and model._base_manager.using(using).exists()
    ]


@contextmanager
def history_paused():
    """loaddata saves rows raw, which django-simple-history skips, but then sets the
    many-to-many fields, whose signal it answers with a new history row: pause it."""
    missing = object()
    before = getattr(settings, "SIMPLE_HISTORY_ENABLED", missing)
    settings.SIMPLE_HISTORY_ENABLED = False
    try:
        yield
    finally:
        if before is missing:
            del settings.SIMPLE_HISTORY_ENABLED
        else:
            settings.SIMPLE_HISTORY_ENABLED = before


def restore(path, using=DEFAULT_DB_ALIAS):
    """Load a dump into an empty migrated database, in one transaction."""
    check_path(path)
    if not Path(path).is_file():
        raise FileNotFoundError(path)
    with transaction.atomic(using=using), history_paused():
        if occupied := non_empty(using):
            raise ValueError(
                "The database is not empty (" + ", ".join(occupied) + "): restore into a "
                "freshly migrated database."
            )
        # Content types are found by natural key through a per-process cache, which may hold
        # the ids of a database that was flushed and migrated again since.
        apps.get_model("contenttypes", "ContentType").objects.clear_cache()
        call_command("loaddata", str(Path(path).resolve()), database=using, verbosity=0)
        # The restored catalogue numbers its versions afresh: cached pages and counts of the
        # catalogue that stood here before must not pass for its own.
        transaction.on_commit(cache.clear, using=using)
    return {
        model._meta.label: model._base_manager.using(using).count() for model in backup_models()
    }
