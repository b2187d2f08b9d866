"""The contact picker matches a number by its start, which the number's own pattern index
(`varchar_pattern_ops`, made with the unique column) serves as a range: the trigram index on
the number, whose trigrams every number shares, is dropped. The name keeps its trigram index."""

from django.db import migrations

TABLE = "contacts_contact"
INDEX = "contact_number_trgm_idx"


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "{TABLE}" '
            'USING gin ((UPPER("number"::text)) gin_trgm_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_contact_search_trigram_indexes")]

    operations = [migrations.RunPython(drop, create)]
