"""The optimistic lock of curated records, through django-concurrency.

Every save of an existing record is an UPDATE … WHERE version = the version that was read,
which also increments it (django-concurrency's AutoIncVersionField, rkst.models.VersionField):
a save from an outdated copy raises RecordChanged instead of overwriting the newer edit. This
module imports neither the library nor a model, so that the library can resolve its callback
while the models are still being defined.
"""


class RecordChanged(Exception):
    """A save from a copy of a record older than the one in the database (optimistic lock):
    someone else saved the record in between, and their edit is kept."""

    def __init__(self, record):
        super().__init__(f"{type(record).__name__} {record.pk} was changed by someone else")
        self.record = record


def refuse_stale_save(target):
    """django-concurrency's CONCURRENCY_CALLBACK: the library's conflict as our exception."""
    raise RecordChanged(target)
