"""PostgreSQL-only parts of the schema, as migration operations that do nothing elsewhere."""

from django.db import migrations


def postgres_index(table, name, definition):
    """`CREATE INDEX name ON table definition` on PostgreSQL only, for what SQLite cannot
    index (operator classes, NULLS LAST)."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)


def trigram_index(table, name):
    """A GIN trigram index on `table.search_text`, so that the substring search of
    rkst.search uses an index on PostgreSQL instead of reading every row."""
    create_index = postgres_index(table, name, "USING gin (search_text gin_trgm_ops)")

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        create_index.code(apps, schema_editor)

    return migrations.RunPython(create, create_index.reverse_code, elidable=False)


def search_vector_column(table, parts):
    """A stored, generated `search_vector` column of `table` for ranking by full-text
    relevance on PostgreSQL. `parts` are (column, text search configuration, weight A–D).
    The models do not declare it: Django never writes it, PostgreSQL keeps it current."""
    expression = " || ".join(
        f"setweight(to_tsvector('{config}', coalesce({column}, '')), '{weight}')"
        for column, config, weight in parts
    )

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_vector tsvector "
            f"GENERATED ALWAYS AS ({expression}) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_vector ON {table} USING gin (search_vector)"
        )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")

    return migrations.RunPython(create, drop, elidable=False)
