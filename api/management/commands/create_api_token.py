"""Make an API token for a user and print its key, the only time it is shown."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken
from api.tokens import MAX_EXPIRY_DAYS


class Command(BaseCommand):
    help = (
        "Create an API token for USER and print its key (shown only this once; the database "
        "keeps its digest). Revoke it from the user's API tokens page."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", metavar="USER")
        parser.add_argument(
            "--expires-days",
            type=int,
            metavar="N",
            help=f"the token stops working after N days (1 to {MAX_EXPIRY_DAYS}); "
            "default: until revoked",
        )
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, username, expires_days, name, **options):
        users = get_user_model()._default_manager
        try:
            user = users.get_by_natural_key(username)
        except users.model.DoesNotExist:
            raise CommandError(f"There is no user {username!r}.") from None
        if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
            raise CommandError(f"--expires-days must be from 1 to {MAX_EXPIRY_DAYS}.")
        if len(name) > ApiToken._meta.get_field("name").max_length:
            raise CommandError("--name is too long.")
        token, key = ApiToken.create_for(user, name=name, expires_in_days=expires_days)
        expiry = "no expiry"
        if token.expires_at:
            expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M %Z}"
        self.stderr.write(f"Token {token.shown_prefix} for {user.get_username()} ({expiry}):")
        self.stdout.write(key)
