"""Sales cycles and their stages."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Avg, Count, Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contacts.models import validate_code
from protection.models import SetupProtection
from salescycles import formulas

PERCENT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def percent_field(verbose_name, **kwargs) -> models.DecimalField:
    """A percentage 0..100 with two decimal places."""
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=PERCENT_VALIDATORS,
        **kwargs,
    )


def percent_check(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 100}), name=name
    )


class SalesCycle(SetupProtection, models.Model):
    """The ordered stages an opportunity goes through, and how its probability is computed."""

    class ProbabilityCalculation(models.TextChoices):
        MULTIPLY = "multiply", _("Multiply")
        # In context: Django's admin has its own "Add" (the links), translated otherwise.
        ADD = "add", pgettext_lazy("probability calculation", "Add")
        CHANCES = "chances", _("Chances of success %")
        COMPLETED = "completed", _("Completed %")

    code = models.CharField(_("code"), max_length=10, unique=True, validators=[validate_code])
    description = models.CharField(_("description"), max_length=100)
    probability_calculation = models.CharField(
        _("probability calculation"),
        max_length=10,
        choices=ProbabilityCalculation,
        default=ProbabilityCalculation.MULTIPLY,
    )
    blocked = models.BooleanField(_("blocked"), default=False)

    class Meta:
        verbose_name = _("sales cycle")
        verbose_name_plural = _("sales cycles")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code=Upper("code")), name="sales_cycle_code_upper_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    def get_absolute_url(self) -> str:
        return reverse("salescycles:detail", args=[self.code])

    def clean(self) -> None:
        self.code = (self.code or "").upper()

    def probability(self, chances: Decimal, completed: Decimal) -> Decimal:
        """The probability % of an entry with these chances and completed %."""
        match self.probability_calculation:
            case self.ProbabilityCalculation.ADD:
                return (chances + completed) / 2
            case self.ProbabilityCalculation.CHANCES:
                return chances
            case self.ProbabilityCalculation.COMPLETED:
                return completed
            case _:
                return chances * completed / 100

    def deletion_refusal(self) -> str | None:
        if self.opportunities.exists():
            return _(
                "Sales cycle %(code)s is used by opportunities and cannot be deleted. Block it "
                "instead, or delete the closed opportunities first."
            ) % {"code": self.code}
        return None

    def statistics(self) -> dict:
        """Figures over the cycle's open, started opportunities."""
        return self.opportunities.in_progress().statistics()


class SalesCycleStage(SetupProtection, models.Model):
    """One step of a sales cycle, with the defaults an opportunity gets on it."""

    sales_cycle = models.ForeignKey(
        SalesCycle,
        verbose_name=_("sales cycle"),
        on_delete=models.DB_CASCADE,
        related_name="stages",
    )
    stage = models.PositiveIntegerField(_("stage"), validators=[MinValueValidator(1)])
    description = models.CharField(_("description"), max_length=100)
    completed = percent_field(_("completed %"))
    chances_of_success = percent_field(_("chances of success %"))
    quote_required = models.BooleanField(_("quote required"), default=False)
    allow_skip = models.BooleanField(_("allow skip"), default=False)
    date_formula = models.CharField(
        _("date formula"),
        max_length=50,
        blank=True,
        validators=[formulas.validate],
        help_text=_("For example 1W, 2W, 1M, CM+1D; blank: the date of change itself."),
    )

    class Meta:
        verbose_name = _("sales cycle stage")
        verbose_name_plural = _("sales cycle stages")
        ordering = ["sales_cycle", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["sales_cycle", "stage"], name="stage_number_unique_per_cycle"
            ),
            models.CheckConstraint(condition=Q(stage__gte=1), name="stage_number_positive"),
            percent_check("completed", "stage_completed_percent"),
            percent_check("chances_of_success", "stage_chances_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.description}"

    def clean(self) -> None:
        self.date_formula = formulas.normalize(self.date_formula)

    def deletion_refusal(self) -> str | None:
        if self.current_opportunities.exists():
            return _(
                "Stage %(stage)s of %(cycle)s is the current stage of opportunities and cannot "
                "be deleted."
            ) % {"stage": self.stage, "cycle": self.sales_cycle.code}
        return None

    def statistics(self) -> dict:
        """Opportunities currently on this stage, their sums, and the average days spent on it."""
        figures = self.current_opportunities.statistics()
        figures["average_days_open"] = self.entries.filter(active=False).aggregate(
            value=Avg("days_open")
        )["value"]
        figures["entries"] = self.entries.aggregate(value=Count("pk"))["value"]
        return figures

    def close_date(self, date_of_change):
        """The estimated close date an entry on this stage gets by default."""
        return formulas.apply(self.date_formula, date_of_change)
