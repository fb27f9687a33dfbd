from django.db import migrations

from rkst.roles import sync_groups


class Migration(migrations.Migration):
    """Give the groups the permissions to import, export and undo imports."""

    dependencies = [
        ("agreements", "0005_updated_at_index_search_vector"),
        ("actors", "0004_updated_at_index_search_vector"),
        ("rkst", "0005_imports"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
