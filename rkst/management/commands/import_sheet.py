from contextlib import suppress
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from rkst import imports


class Command(BaseCommand):
    help = (
        "Import a spreadsheet (XLSX, ODS or CSV) by the same rules as the admin: every row is "
        "checked first, and nothing is written when any row is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("sheet", choices=[sheet.name for sheet in imports.sheets()])
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; write nothing."
        )
        parser.add_argument(
            "--publish", action="store_true", help="Publish the records rather than keep drafts."
        )
        parser.add_argument("--user", help="The username the import and its history are for.")

    def handle(self, *args, sheet, path, dry_run, publish, user, **options):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if user:
            try:
                user = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist as error:
                raise CommandError(f"No such user: {user}") from error
        progress = self.progress if self.stdout.isatty() else None
        with path.open("rb") as fileobj:
            if dry_run:
                report = imports.run_import(
                    sheet, fileobj, path.name, user=user, publish=publish, progress=progress
                )
            else:
                batch = imports.new_batch(
                    sheet, path.name, File(fileobj, name=path.name), user=user, publish=publish
                )
                try:
                    report = imports.confirm(batch, progress=progress)
                except imports.ConnectionLost as error:
                    # The database answered again when it told that nothing was written.
                    with suppress(DatabaseError):
                        imports.discard(batch)
                    raise CommandError(
                        f"The connection to the database was lost during the import ({error}"
                        "): nothing was written. Run the import again."
                    ) from error
                if not report.ok:
                    imports.discard(batch)
        if progress:
            self.stdout.write("")
        counts = report.counts
        summary = (
            f"{path.name}: {report.rows_total} rows; "
            f"{'to create' if dry_run else 'created'} {counts['create']}, "
            f"{'to update' if dry_run else 'updated'} {counts['update']}, "
            f"unchanged {counts['unchanged']}"
        )
        if not report.ok:
            for line in report.lines():
                self.stderr.write(line)
            if report.problem_count > len(report.problems):
                self.stderr.write(f"… and {report.problem_count - len(report.problems)} more")
            raise CommandError(
                f"{summary}. {report.problem_count or 1} problem(s): nothing was written."
            )
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"{summary}. Dry run: nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary}. Import #{batch.pk}."))

    def progress(self, done, total):
        width = 30
        if total:
            filled = min(width, width * done // max(total, 1))
            bar = "#" * filled + "-" * (width - filled)
            self.stdout.write(f"\r[{bar}] {done}/{total} rows", ending="")
        else:
            self.stdout.write(f"\r{done} rows", ending="")
        self.stdout.flush()
