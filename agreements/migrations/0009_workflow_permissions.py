from django.db import migrations

from rkst.roles import sync_groups


class Migration(migrations.Migration):
    """Let both groups read the publication log (rkst.Transition)."""

    dependencies = [
        ("agreements", "0008_record_versions"),
        ("actors", "0005_actor_version"),
        ("rkst", "0007_version_and_transitions"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
