from django.db import migrations

from rkst.postgres import postgres_index


class Migration(migrations.Migration):
    """The agreement list's default order (newest first, undated last) read from an index."""

    dependencies = [
        ("agreements", "0006_import_permissions"),
    ]

    operations = [
        postgres_index(
            "agreements_agreement",
            "agreements_agreement_signed_desc",
            "(signed_on DESC NULLS LAST, key)",
        ),
    ]
