"""The opportunity indexes of the board's columns and of the forecast's current month (raw
SQL: they belong to the opportunities' table, whose model this app does not own). The
triggers came here at first; they are installed by 0003."""

from django.db import migrations

from pipeline import sql

INDEXES = [
    # A stage column's cards by estimated closing date, then id; and a salesperson's.
    ("pipeline_opp_stage_close_idx", "(current_stage_id, estimated_close_date, id)", ""),
    (
        "pipeline_opp_sp_stage_close_idx",
        "(salesperson_id, current_stage_id, estimated_close_date, id)",
        "",
    ),
    # The forecast's overdue part of the current month, read from the index alone.
    (
        "pipeline_opp_cycle_close_idx",
        "(sales_cycle_id, estimated_close_date)",
        " INCLUDE (salesperson_id, priority, estimated_value, calcd_current_value)",
    ),
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, columns, include in INDEXES:
        include = include if vendor == "postgresql" else ""
        schema_editor.execute(
            f"CREATE INDEX {name} ON {sql.OPPORTUNITY} {columns}{include} "
            "WHERE status = 'in_progress'"
        )


def uninstall(apps, schema_editor):
    for name, _columns, _include in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0001_initial"),
        ("opportunities", "0006_managers_unlock_logins"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
