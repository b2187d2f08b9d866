"""Sales managers may see and clear the failed-login records that pause a login."""

from django.db import migrations

from opportunities.roles import create_roles


def forwards(apps, schema_editor):
    create_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0005_search_trigram_indexes"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
