"""API tokens: a user's keys for `Authorization: Token KEY`, stored hashed.

A key is `crm_<prefix>_<secret>`. Only its prefix (to find the row and to show the user which
key is which) and the SHA-256 digest of the whole key are stored, so the key is shown once, when
it is made, and a copy of the database gives no working key. SHA-256 is enough here, where a
password would need a slow hash: the secret is 256 random bits, not something a person chose.
"""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_START = "crm_"
PREFIX_LENGTH = 8  # hexadecimal digits
SECRET_BYTES = 32


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_key(key: str) -> tuple[str, str] | None:
    """(prefix, secret) of a key in our format, or None."""
    if not key.startswith(KEY_START):
        return None
    prefix, separator, secret = key.removeprefix(KEY_START).partition("_")
    if (
        not separator
        or len(prefix) != PREFIX_LENGTH
        or any(character not in "0123456789abcdef" for character in prefix)
        or not secret
    ):
        return None
    return prefix, secret


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, *, now: datetime.datetime | None = None):
        now = now or timezone.now()
        return self.filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiToken(models.Model):
    """A key that lets a script act as its user through the API, until revoked or expired."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, unique=True, editable=False)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.shown_prefix} {self.name}".strip()

    @property
    def shown_prefix(self) -> str:
        """How the user recognises the key: its start, never the secret."""
        return f"{KEY_START}{self.prefix}_…"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(self.digest, digest_of(key))

    @classmethod
    def create_for(
        cls, user, *, name: str = "", expires_in_days: int | None = None
    ) -> tuple["ApiToken", str]:
        """A new token for `user` and its key, the only time the key exists in full."""
        expires_at = (
            timezone.now() + datetime.timedelta(days=expires_in_days)
            if expires_in_days is not None
            else None
        )
        for _attempt in range(5):
            prefix = secrets.token_hex(PREFIX_LENGTH // 2)
            key = f"{KEY_START}{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
            try:
                with transaction.atomic():
                    token = cls.objects.create(
                        user=user,
                        name=name.strip(),
                        prefix=prefix,
                        digest=digest_of(key),
                        expires_at=expires_at,
                    )
            except IntegrityError:  # the prefix was taken (one chance in four billion)
                continue
            return token, key
        raise RuntimeError("No free token prefix was found.")


class ThrottleCounter(models.Model):
    """The API requests of one user, or of one of its tokens, in the current window of a
    throttle rate (api.throttling): one row per counter, counted up in the database that every
    server shares, and started again from one when a new window begins."""

    key = models.CharField(_("key"), primary_key=True, max_length=100)
    count = models.PositiveIntegerField(_("count"), default=0)
    # Which window the count is of: the time in seconds since the epoch // the window's length.
    period = models.BigIntegerField(_("period"))

    class Meta:
        verbose_name = _("API throttle counter")
        verbose_name_plural = _("API throttle counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
