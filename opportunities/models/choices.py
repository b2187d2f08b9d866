"""The choices and field kinds the opportunity models share."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 18, "decimal_places": 2}
ZERO = Decimal(0)


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, **MONEY, default=ZERO, **kwargs)


def probability_field(verbose_name) -> models.DecimalField:
    # chances x completed / 100 has at most four decimals; six keep every method exact.
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=6, default=ZERO)


# The choices live at module level so that the constraints of the models' own `Meta` can name
# them (a nested class's body does not see its model's); each model names them as its own too.


class CloseCodeType(models.TextChoices):
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class OpportunityPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class OpportunityStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_STATUSES = (OpportunityStatus.NOT_STARTED, OpportunityStatus.IN_PROGRESS)
CLOSED_STATUSES = (OpportunityStatus.WON, OpportunityStatus.LOST)


class UpdateAction(models.TextChoices):
    """The actions of the update dialog, in the order it lists them. The entry
    records what came of one (`EntryAction`): a skip to the next stage is recorded as next."""

    FIRST = "first", _("First")
    NEXT = "next", _("Next")
    SKIP = "skip", _("Skip")
    PREVIOUS = "previous", _("Previous")
    JUMP = "jump", _("Jump")
    UPDATE = "update", _("Update")


class EntryAction(models.TextChoices):
    FIRST = "first", _("First")
    NEXT = "next", _("Next")
    PREVIOUS = "previous", _("Previous")
    UPDATED = "updated", _("Updated")
    JUMPED = "jumped", _("Jumped")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
