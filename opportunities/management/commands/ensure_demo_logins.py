"""Demo logins for the local default setup; refused under a production configuration."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from contacts.models import Salesperson

DEMO_PASSWORD = "demo"  # local demo only: refused unless DEMO_LOGINS is on
DEMO_USERS = [
    # username, is_superuser, salesperson code
    ("admin", True, None),
]


class Command(BaseCommand):
    help = "Create the demo logins (local development only) and print them."

    def handle(self, *args, **options):
        if not settings.DEMO_LOGINS:
            raise CommandError(
                "Demo logins are only made in the local default setup (DJANGO_DEBUG on or "
                "DJANGO_DEMO_LOGINS=true)."
            )
        users = get_user_model()
        for username, superuser, salesperson_code in DEMO_USERS:
            user, created = users.objects.get_or_create(
                username=username,
                defaults={"is_staff": superuser, "is_superuser": superuser},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if salesperson_code:
                Salesperson.objects.filter(code=salesperson_code, user__isnull=True).update(
                    user=user
                )
            self.stdout.write(f"  login: {username} / password: {DEMO_PASSWORD}")
