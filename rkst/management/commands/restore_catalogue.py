from django.core.management.base import BaseCommand, CommandError

from rkst import backups


class Command(BaseCommand):
    help = (
        "Load a file written by dump_catalogue into an empty, migrated database, in one "
        "transaction: on any error nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a file written by dump_catalogue")
        parser.add_argument("--database", default="default")

    def handle(self, *args, path, database, **options):
        try:
            counts = backups.restore(path, using=database)
        except (ValueError, OSError) as error:
            raise CommandError(error) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(counts.values())} rows of {len(counts)} tables from {path}."
            )
        )
