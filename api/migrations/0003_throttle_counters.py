"""The throttles' counters in a table of their own, one row per counter, counted up by one
statement (api.throttling), instead of the database cache (get, then set: several statements,
and a row per window to cull).

On PostgreSQL the table is UNLOGGED: a count needs no write-ahead log, so a request's count
never waits for the disk, and a crash only empties the counters (a minute's counts at most).
The old cache table goes.
"""

from django.db import migrations, models

OLD_CACHE_TABLE = "api_throttle_cache"


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE api_throttlecounter SET UNLOGGED")


def drop_old_cache_table(apps, schema_editor):
    if OLD_CACHE_TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(OLD_CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("api", "0002_throttle_cache_table")]

    operations = [
        migrations.CreateModel(
            name="ThrottleCounter",
            fields=[
                (
                    "key",
                    models.CharField(
                        max_length=100, primary_key=True, serialize=False, verbose_name="key"
                    ),
                ),
                ("count", models.PositiveIntegerField(default=0, verbose_name="count")),
                ("period", models.BigIntegerField(verbose_name="period")),
            ],
            options={
                "verbose_name": "API throttle counter",
                "verbose_name_plural": "API throttle counters",
            },
        ),
        migrations.RunPython(unlogged, migrations.RunPython.noop),
        migrations.RunPython(drop_old_cache_table, migrations.RunPython.noop),
    ]
