"""The two roles of a sales team, as groups of Django permissions.

- Salesperson: sees everything, creates opportunities, and updates, closes and quotes the
  opportunities they own (the object-level check is in `opportunities.permissions`).
- Sales manager: all of that on every opportunity, deletes closed opportunities (one or in a
  batch), and maintains setup data in the admin.

`create_roles` serves the data migration (with its historical models) and the demo logins.
"""

from django.contrib.auth.management import create_permissions

SALESPERSON = "Salesperson"
SALES_MANAGER = "Sales manager"

VIEW_ALL = [
    ("contacts", "view_salesperson"),
    ("contacts", "view_contact"),
    ("contacts", "view_customer"),
    ("salescycles", "view_salescycle"),
    ("salescycles", "view_salescyclestage"),
    ("opportunities", "view_closeopportunitycode"),
    ("opportunities", "view_opportunity"),
    ("opportunities", "view_opportunityentry"),
    ("opportunities", "view_quote"),
    ("opportunities", "view_salesorder"),
]
SELL = [
    ("opportunities", "add_opportunity"),
    ("opportunities", "change_opportunity"),
    ("opportunities", "add_quote"),
    ("opportunities", "change_quote"),
    ("opportunities", "delete_quote"),
    ("opportunities", "add_salesorder"),
    ("opportunities", "delete_salesorder"),
    ("contacts", "add_customer"),
]
MANAGE = [
    ("opportunities", "act_on_all_opportunities"),
    ("opportunities", "delete_opportunity"),
    # Unlocking a login paused after failed attempts: the admin's "access attempts".
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),
    *[
        (app, f"{verb}_{model}")
        for app, model in [
            ("contacts", "salesperson"),
            ("contacts", "contact"),
            ("contacts", "customer"),
            ("salescycles", "salescycle"),
            ("salescycles", "salescyclestage"),
            ("opportunities", "closeopportunitycode"),
        ]
        for verb in ("add", "change", "delete")
    ],
]


def create_roles(apps) -> None:
    """Create or refresh the role groups; `apps` is an app registry (historical or real)."""
    for app_config in apps.get_app_configs():
        # Permissions are normally made after all migrations; the groups need them now.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def migrated(app_label: str) -> bool:
        try:
            return any(True for _ in apps.get_app_config(app_label).get_models())
        except LookupError:
            return False

    def permissions(pairs):
        found = []
        for app_label, codename in pairs:
            if not migrated(app_label):
                continue  # an earlier migration: a later one refreshes the roles with it
            found.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        return found

    salesperson, _ = Group.objects.get_or_create(name=SALESPERSON)
    salesperson.permissions.set(permissions(VIEW_ALL + SELL))
    manager, _ = Group.objects.get_or_create(name=SALES_MANAGER)
    manager.permissions.set(permissions(VIEW_ALL + SELL + MANAGE))
