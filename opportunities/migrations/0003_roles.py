"""Create the roles of a sales team (see opportunities.roles)."""

from django.db import migrations

from opportunities.roles import SALES_MANAGER, SALESPERSON, create_roles


def forwards(apps, schema_editor):
    create_roles(apps)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[SALESPERSON, SALES_MANAGER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0002_opportunity_permissions"),
        ("contacts", "0001_initial"),
        ("salescycles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
