"""Close codes: why an opportunity was won or lost."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from opportunities.models.choices import CloseCodeType
from protection.models import SetupProtection


class CloseOpportunityCode(SetupProtection, models.Model):
    """Why an opportunity was won or lost."""

    Type = CloseCodeType

    code = models.CharField(_("code"), max_length=10, unique=True)
    description = models.CharField(_("description"), max_length=100)
    type = models.CharField(_("type"), max_length=4, choices=Type)

    class Meta:
        verbose_name = _("close opportunity code")
        verbose_name_plural = _("close opportunity codes")
        ordering = ["type", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(code=Upper("code")), name="close_code_upper_case"),
            models.CheckConstraint(
                condition=Q(type__in=CloseCodeType.values), name="close_code_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    def clean(self) -> None:
        self.code = (self.code or "").upper()

    def unique_error_message(self, model_class, unique_check):
        """A code taken already, in our words (the close dialog and the admin show it) rather
        than Django's "with this Code already exists"."""
        if tuple(unique_check) == ("code",):
            return ValidationError(
                _("Close opportunity code %(code)s already exists."),
                code="unique",
                params={"code": self.code},
            )
        return super().unique_error_message(model_class, unique_check)

    def deletion_refusal(self) -> str | None:
        if self.entries.exists():
            return _(
                "Close code %(code)s is used by opportunity entries and cannot be deleted."
            ) % {"code": self.code}
        return None

    def statistics(self) -> dict:
        return {"opportunities": self.entries.filter(active=True).count()}
