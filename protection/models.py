"""The guard on deleting setup data (salespeople, contacts, sales cycles, stages, close codes)."""

from django.core.exceptions import ValidationError


class SetupProtection:
    """Setup data that opportunities refer to cannot be deleted.

    The opportunity side uses database-level references for fast deletion, so the refusal is an
    explicit check here and in the admin, with a message instead of an integrity error.
    """

    def deletion_refusal(self) -> str | None:
        raise NotImplementedError

    def delete(self, *args, **kwargs):
        if reason := self.deletion_refusal():
            raise ValidationError(reason, code="protected")
        return super().delete(*args, **kwargs)
