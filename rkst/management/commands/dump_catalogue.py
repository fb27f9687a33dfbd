from django.core.management.base import BaseCommand, CommandError

from rkst import backups


class Command(BaseCommand):
    help = (
        "Write the whole catalogue (records, citations, history, imports, accounts and groups) "
        "to one JSON file, gzipped when PATH ends in .json.gz. Restore it with "
        "restore_catalogue. The file holds password hashes: keep it private."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to write: NAME.json or NAME.json.gz")
        parser.add_argument("--database", default="default")

    def handle(self, *args, path, database, **options):
        try:
            counts = backups.dump(path, using=database)
        except (ValueError, OSError) as error:
            raise CommandError(error) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {sum(counts.values())} rows of {len(counts)} tables to {path}."
            )
        )
