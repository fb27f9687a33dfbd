"""What a spreadsheet import keeps: its batch, the records it touched, the stored file."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..locking import RecordChanged  # noqa: F401 (the models' API)


class ImportBatch(models.Model):
    """One spreadsheet import: who ran it, when, which file (kept), what it did. Its rows say
    which records it created or changed, so that it can be undone as a whole."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("being checked")
        PREVIEW = "preview", _("previewed, not imported")
        IMPORTING = "importing", _("being imported")
        IMPORTED = "imported", _("imported")
        FAILED = "failed", _("failed, nothing written")
        UNDONE = "undone", _("undone")

    class Error(models.TextChoices):
        WORKER_LOST = "worker_lost", _("the worker stopped")
        CONNECTION_LOST = "connection_lost", _("the database connection was lost")
        PROBLEMS = "problems", _("the file has problems now")
        CRASHED = "crashed", _("unexpected error")

    sheet = models.CharField(_("sheet"), max_length=20)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=300)
    file_name = models.CharField(_("file name"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        # the record of an import outlives the account of the curator who ran it
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    publish = models.BooleanField(
        _("publish on import"),
        default=False,
        help_text=_("Imported records are published rather than left as drafts."),
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    report = models.JSONField(
        _("preview"), default=dict, blank=True, encoder=DjangoJSONEncoder, editable=False
    )
    # The job a worker runs for the batch (a check or the import itself): who runs it, how
    # far it is, and how the last one ended when it did not write the file.
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("The curator's language, in which the worker reports the rows' problems."),
    )
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    worker = models.CharField(
        _("worker"),
        max_length=100,
        blank=True,
        help_text=_("The process running the job: host, process id and a random part."),
    )
    started_at = models.DateTimeField(_("job started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        _("last heard of"),
        null=True,
        blank=True,
        help_text=_("When the worker last reported; one silent too long is taken for dead."),
    )
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    error = models.CharField(
        _("error"), max_length=20, choices=Error.choices, blank=True, editable=False
    )
    error_detail = models.TextField(_("error detail"), blank=True, editable=False)
    finished_at = models.DateTimeField(_("job finished"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        # as for `user`
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at"]
        default_permissions = ("view",)
        permissions = [
            ("import_sheets", "Can import spreadsheets"),
            ("export_sheets", "Can export spreadsheets"),
            ("undo_importbatch", "Can undo a spreadsheet import"),
        ]

    def __str__(self):
        return _("Import #%(number)s: %(file)s") % {"number": self.pk, "file": self.file_name}


class ImportRow(models.Model):
    """A record that an import created or changed, from which row of the file."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")

    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rows"
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("kind of record"),
        # a kind of record is never removed while imports name it
        on_delete=models.PROTECT,
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    row_number = models.PositiveIntegerField(_("row"))
    action = models.CharField(_("action"), max_length=6, choices=Action.choices)
    before = models.JSONField(_("values before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    history_id = models.PositiveBigIntegerField(
        _("history entry"),
        null=True,
        blank=True,
        help_text=_("The history entry the import wrote; a later one means the record was edited."),
    )

    class Meta:
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        ordering = ["batch", "row_number", "id"]
        default_permissions = ()
        indexes = [
            # a record's admin page asks which imports touched it
            models.Index(fields=["content_type", "object_id"], name="rkst_importrow_record"),
        ]

    def __str__(self):
        return f"{self.batch_id}:{self.row_number}"


class StoredFile(models.Model):
    """A file kept in the database (rkst.storage.DatabaseStorage): an uploaded spreadsheet is
    then reachable from every app server and is part of the catalogue's backups."""

    name = models.CharField(_("name"), max_length=300, unique=True)
    content = models.BinaryField(_("content"))
    size = models.PositiveBigIntegerField(_("size"))
    created_at = models.DateTimeField(_("stored"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        default_permissions = ()

    def __str__(self):
        return self.name
