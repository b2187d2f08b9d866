"""The company kept on each opportunity (`Opportunity.company`), filled for the existing rows,
and the (company, id) index the list of a company walks."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def fill(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    Opportunity = apps.get_model("opportunities", "Opportunity")
    Opportunity.objects.filter(contact__type="company").update(company_id=F("contact_id"))
    Opportunity.objects.filter(contact__type="person").update(
        company_id=Subquery(Contact.objects.filter(pk=OuterRef("contact_id")).values("company_id"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0002_salesperson_code_validator"),
        ("opportunities", "0006_managers_unlock_logins"),
    ]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="company",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="company_opportunities",
                to="contacts.contact",
                verbose_name="company",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(fields=["company", "id"], name="opp_company_id_idx"),
        ),
    ]
