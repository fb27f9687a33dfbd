from django.core.management.base import BaseCommand, CommandError

from agreements.releases import publish
from rkst.releases import CatalogueChanged


class Command(BaseCommand):
    help = (
        "Write today's data release of the public catalogue: a zip of CSV and JSON tables of "
        "every published record, part, citation and source, with datapackage.json, a README "
        "and SHA-256 checksums, and its checksum beside it. Listed at /data/."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the directory to write to (default: RELEASES_DIR)")

    def handle(self, *args, output=None, **options):
        try:
            release, written = publish(output)
        except CatalogueChanged as error:
            raise CommandError(
                f"The catalogue kept changing while {error} was written; try again."
            ) from error
        except OSError as error:
            raise CommandError(error) from error
        summary = (
            f"{release.name}: catalogue version {release.version}, {release.size} bytes, "
            f"SHA-256 {release.sha256}"
        )
        if written:
            self.stdout.write(self.style.SUCCESS(f"Wrote {summary}."))
        else:
            self.stdout.write(f"Already released: {summary}.")
