"""The table of the database cache the API's throttles counted in until 0003 (which moves them
to a table of their own and drops it): the tables of the database caches in CACHES, none now.

A migration, not a step to remember: `migrate` makes it on SQLite and PostgreSQL, in a fresh
clone, in every test database and in the benchmark's. It runs Django's own `createcachetable`
for the database being migrated, which creates the table of every database cache in CACHES
that does not exist yet.
"""

from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.db import migrations


def database_cache_tables() -> list[str]:
    return [
        cache["LOCATION"]
        for cache in settings.CACHES.values()
        if cache["BACKEND"] == f"{DatabaseCache.__module__}.{DatabaseCache.__qualname__}"
    ]


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_tables(apps, schema_editor):
    existing = set(schema_editor.connection.introspection.table_names())
    for table in database_cache_tables():
        if table in existing:
            schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):
    dependencies = [("api", "0001_tokens")]

    operations = [migrations.RunPython(create_cache_tables, drop_cache_tables)]
