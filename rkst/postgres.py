"""PostgreSQL-only parts of the schema, as migration operations that do nothing elsewhere."""

from django.db import migrations


def trigram_index(table, name):
    """A GIN trigram index on `table.search_text`, so that the substring search of
    rkst.search uses an index on PostgreSQL instead of reading every row."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (search_text gin_trgm_ops)"
        )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)
