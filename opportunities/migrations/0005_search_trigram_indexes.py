"""Trigram indexes for the list's text search, on PostgreSQL.

The search matches number and description anywhere in the text (`icontains`, which PostgreSQL
runs as `UPPER(column::text) LIKE UPPER('%term%')`): without an index that reads every row.
A GIN index of trigrams on the same expressions serves it. SQLite has no such index; its
search stays a scan, which its sizes allow. pg_trgm is a trusted extension: the database's
owner may create it.
"""

from django.db import migrations

TABLE = "opportunities_opportunity"
INDEXES = {
    "opp_number_trgm_idx": "number",
    "opp_description_trgm_idx": "description",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{TABLE}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0004_list_indexes")]

    operations = [migrations.RunPython(create, drop)]
