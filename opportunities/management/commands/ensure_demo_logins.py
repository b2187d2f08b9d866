"""Demo logins for the local default setup; refused under a production configuration."""

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from contacts.models import Salesperson
from opportunities.roles import SALES_MANAGER, SALESPERSON, create_roles

DEMO_PASSWORD = "demo"  # local demo only: refused unless DEMO_LOGINS is on
DEMO_USERS = [
    # username, role (None: superuser), salesperson code
    ("admin", None, None),
    ("manager", SALES_MANAGER, "AH"),
    ("jo", SALESPERSON, "JO"),
]


class Command(BaseCommand):
    help = "Create the demo logins (local development only) and print them."

    def handle(self, *args, **options):
        if not settings.DEMO_LOGINS:
            raise CommandError(
                "Demo logins are only made in the local default setup (DJANGO_DEBUG on or "
                "DJANGO_DEMO_LOGINS=true)."
            )
        create_roles(apps)
        users = get_user_model()
        for username, role, salesperson_code in DEMO_USERS:
            user, created = users.objects.get_or_create(
                username=username,
                defaults={"is_staff": role != SALESPERSON, "is_superuser": role is None},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if role is not None:
                user.groups.add(Group.objects.get(name=role))
            if salesperson_code:
                Salesperson.objects.filter(code=salesperson_code, user__isnull=True).update(
                    user=user
                )
            self.stdout.write(
                f"  login: {username:<8} password: {DEMO_PASSWORD}   ({role or 'superuser'})"
            )
