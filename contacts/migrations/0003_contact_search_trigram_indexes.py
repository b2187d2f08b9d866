"""Trigram indexes for the contact picker's search, on PostgreSQL.

The picker matches a number's start or a name anywhere (`istartswith` / `icontains`, which
PostgreSQL runs as `UPPER(column::text) LIKE UPPER(...)`): without an index that reads every
contact. A GIN index of trigrams on the same expressions serves both. SQLite has no such
index; its search stays a scan.
"""

from django.db import migrations

TABLE = "contacts_contact"
INDEXES = {
    "contact_number_trgm_idx": "number",
    "contact_name_trgm_idx": "name",
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
    dependencies = [("contacts", "0002_salesperson_code_validator")]

    operations = [migrations.RunPython(create, drop)]
