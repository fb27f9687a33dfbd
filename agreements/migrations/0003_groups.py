from django.db import migrations

from rkst.roles import sync_groups


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0002_initial"),
        ("actors", "0002_initial"),
        ("rkst", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
