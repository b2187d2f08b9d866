"""The ledger: one entry per action on an opportunity."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Salesperson
from opportunities.models.choices import EntryAction, money_field, probability_field
from opportunities.models.codes import CloseOpportunityCode
from opportunities.models.opportunity import Opportunity
from salescycles.models import SalesCycle, SalesCycleStage, percent_check, percent_field


class OpportunityEntry(models.Model):
    """The ledger: one row per action on an opportunity, never edited afterwards.

    Only the deactivation of the previous row and, when an order is made from the quote of a
    won opportunity, the closing entry's current value change later.
    """

    Action = EntryAction

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.DB_CASCADE,
        related_name="entries",
    )
    sales_cycle = models.ForeignKey(
        SalesCycle, verbose_name=_("sales cycle"), on_delete=models.DO_NOTHING, related_name="+"
    )
    stage = models.ForeignKey(
        SalesCycleStage,
        verbose_name=_("stage"),
        on_delete=models.DB_SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
    )
    stage_description = models.CharField(_("stage description"), max_length=100, blank=True)
    previous_stage = models.PositiveIntegerField(_("previous stage"), null=True, blank=True)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.DO_NOTHING,
        related_name="opportunity_entries",
    )
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.DO_NOTHING,
        related_name="opportunity_entries",
    )
    date_of_change = models.DateField(_("date of change"))
    active = models.BooleanField(_("active"), default=True)
    date_closed = models.DateField(_("date closed"), null=True, blank=True)
    days_open = models.PositiveIntegerField(_("days open"), default=0)
    action_taken = models.CharField(_("action taken"), max_length=8, choices=Action)
    estimated_value = money_field(_("estimated value"))
    calcd_current_value = money_field(_("current value"))
    completed = percent_field(_("completed %"))
    chances_of_success = percent_field(_("chances of success %"))
    probability = probability_field(_("probability %"))
    close_code = models.ForeignKey(
        CloseOpportunityCode,
        verbose_name=_("close code"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="entries",
    )
    estimated_close_date = models.DateField(_("estimated closing date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("opportunity entry")
        verbose_name_plural = _("opportunity entries")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=Q(active=True),
                name="one_active_entry_per_opportunity",
            ),
            models.CheckConstraint(
                condition=Q(estimated_value__gte=0), name="entry_estimated_value_positive"
            ),
            models.CheckConstraint(
                condition=Q(calcd_current_value__gte=0), name="entry_current_value_positive"
            ),
            percent_check("chances_of_success", "entry_chances_percent"),
            percent_check("completed", "entry_completed_percent"),
            percent_check("probability", "entry_probability_percent"),
            models.CheckConstraint(
                condition=Q(action_taken__in=EntryAction.values),
                name="entry_action_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["opportunity", "-id"], name="entry_opportunity_idx"),
            models.Index(fields=["close_code"], name="entry_close_code_idx"),
            models.Index(fields=["stage"], name="entry_stage_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.get_action_taken_display()} {self.date_of_change}"

    @property
    def is_closing(self) -> bool:
        return self.action_taken in (self.Action.WON, self.Action.LOST)
