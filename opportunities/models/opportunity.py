"""The opportunity and its reads: filters, figures, states."""

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Salesperson
from numbering.models import Numbered
from opportunities.models.choices import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    ZERO,
    OpportunityPriority,
    OpportunityStatus,
    UpdateAction,
    money_field,
    probability_field,
)
from salescycles.models import SalesCycle, SalesCycleStage, percent_check, percent_field

if TYPE_CHECKING:
    from opportunities.models.documents import Quote
    from opportunities.models.entries import OpportunityEntry


class BatchFilters(TypedDict, total=False):
    """The filters of the batch deletion, by the names of the service's arguments: a
    number range and a closing date range (both ends included), a salesperson, a contact (that
    contact only), a sales cycle. A filter left out or empty selects everything."""

    number_from: str | None
    number_to: str | None
    date_closed_from: datetime.date | None
    date_closed_to: datetime.date | None
    salesperson: Salesperson | None
    contact: Contact | None
    sales_cycle: SalesCycle | None


# Each filter's lookup.
BATCH_LOOKUPS = {
    "number_from": "number__gte",
    "number_to": "number__lte",
    "date_closed_from": "date_closed__gte",
    "date_closed_to": "date_closed__lte",
    "salesperson": "salesperson",
    "contact": "contact",
    "sales_cycle": "sales_cycle",
}


class OpportunityQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(status=Opportunity.Status.IN_PROGRESS)

    def open(self):
        return self.filter(status__in=Opportunity.OPEN_STATUSES)

    def closed(self):
        return self.filter(status__in=Opportunity.CLOSED_STATUSES)

    def overdue(self, today: datetime.date | None = None):
        """Open opportunities whose estimated closing date has passed (today is not late)."""
        return self.open().filter(estimated_close_date__lt=today or timezone.localdate())

    def matching(self, **filters: Unpack["BatchFilters"]) -> "OpportunityQuerySet":
        """The opportunities the batch deletion's filters select (`BatchFilters`); the
        deletion reads `closed().matching(...)`."""
        unknown = filters.keys() - BATCH_LOOKUPS.keys()
        if unknown:
            raise TypeError(f"matching() takes no filter {', '.join(sorted(unknown))}")
        chosen = {BATCH_LOOKUPS[name]: value for name, value in filters.items() if value}
        return self.filter(**chosen)

    def for_salesperson(self, salesperson):
        return self.filter(salesperson=salesperson)

    def for_contact(self, contact):
        """A contact's opportunities; a company's include those of its persons."""
        if contact.is_company:
            # The company kept on the opportunity: one range of the (company, id) index, read
            # in the list's order. An IN over the company's contacts read all their rows
            # before sorting (16,398 for a page of 26 at a million opportunities).
            return self.filter(company=contact)
        return self.filter(contact=contact)

    def statistics(self) -> dict:
        """Count, and sums and averages of the figures of the active entries."""
        started = ~Q(status=Opportunity.Status.NOT_STARTED)
        # The aggregates' names must differ from the fields': an aggregate named like a field
        # shadows it for the aggregates after it (FieldError "... is an aggregate").
        totals = self.aggregate(
            count=Count("pk"),
            started_count=Count("pk", filter=started),
            estimated_sum=Coalesce(Sum("estimated_value", filter=started), ZERO),
            current_sum=Coalesce(Sum("calcd_current_value", filter=started), ZERO),
            estimated_average=Avg("estimated_value", filter=started),
            current_average=Avg("calcd_current_value", filter=started),
        )
        figures = {
            "opportunities": totals["count"],
            "started": totals["started_count"],
            "estimated_value": totals["estimated_sum"],
            "current_value": totals["current_sum"],
            "average_estimated_value": totals["estimated_average"],
            "average_current_value": totals["current_average"],
        }
        for key in ("average_estimated_value", "average_current_value"):
            if figures[key] is not None:
                figures[key] = Decimal(figures[key]).quantize(Decimal("0.01"))
        return figures


class Opportunity(Numbered):
    """A potential sale to a contact, moved through the stages of a sales cycle.

    The figures (current stage, values, percentages, close date) are copied from the active
    entry in the same transaction that writes it, so that lists filter and sort without joins.
    """

    Priority = OpportunityPriority
    Status = OpportunityStatus
    UpdateAction = UpdateAction

    OPEN_STATUSES = OPEN_STATUSES
    CLOSED_STATUSES = CLOSED_STATUSES

    number_series = "OP"

    description = models.CharField(_("description"), max_length=100)
    # The references below use DO_NOTHING: entries are deleted by the database (DB_CASCADE),
    # which Django allows only when no Python-level cascade touches this model. The database's
    # foreign keys still refuse to delete a referenced row; the setup models check first.
    contact = models.ForeignKey(
        Contact,
        db_index=False,  # the composite index (contact, id) serves lookups
        verbose_name=_("contact"),
        on_delete=models.DO_NOTHING,
        related_name="opportunities",
    )
    # The contact's company: the contact itself when it is a company, None for a person
    # without one. `save()` keeps it with the contact, and `Contact.save()` when a person moves
    # to another company: the list of a company (its persons included) then walks the
    # (company, id) index in order and reads the rows it shows, instead of every opportunity
    # of the company's contacts sorted afterwards.
    company = models.ForeignKey(
        Contact,
        db_index=False,  # the composite index (company, id) serves lookups
        verbose_name=_("company"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        editable=False,
        related_name="company_opportunities",
    )
    salesperson = models.ForeignKey(
        Salesperson,
        db_index=False,  # the composite index (salesperson, id) serves lookups
        verbose_name=_("salesperson"),
        on_delete=models.DO_NOTHING,
        related_name="opportunities",
    )
    sales_cycle = models.ForeignKey(
        SalesCycle,
        db_index=False,  # the composite index (sales_cycle, id) serves lookups
        verbose_name=_("sales cycle"),
        on_delete=models.DO_NOTHING,
        related_name="opportunities",
    )
    priority = models.CharField(
        _("priority"), max_length=6, choices=Priority, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=11, choices=Status, default=Status.NOT_STARTED
    )
    creation_date = models.DateField(_("creation date"))
    date_closed = models.DateField(_("date closed"), null=True, blank=True)
    current_stage = models.ForeignKey(
        SalesCycleStage,
        db_index=False,  # the composite index (current_stage, id) serves lookups
        verbose_name=_("current stage"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="current_opportunities",
    )
    estimated_value = money_field(_("estimated value"))
    chances_of_success = percent_field(_("chances of success %"))
    completed = percent_field(_("completed %"))
    probability = probability_field(_("probability %"))
    calcd_current_value = money_field(_("current value"))
    estimated_close_date = models.DateField(_("estimated closing date"), null=True, blank=True)
    quote = models.OneToOneField(
        "Quote",
        verbose_name=_("quote"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="opportunity",
    )
    order = models.OneToOneField(
        "SalesOrder",
        verbose_name=_("order"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="opportunity",
    )
    # Every service write moves this on; a form carries the value it was opened with, so a
    # change based on a stale view of the opportunity is refused instead of applied.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-number"]
        permissions = [
            ("act_on_all_opportunities", _("Can update, close and quote every opportunity")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OpportunityStatus.values),
                name="opportunity_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(priority__in=OpportunityPriority.values),
                name="opportunity_priority_valid",
            ),
            models.CheckConstraint(
                condition=Q(estimated_value__gte=0), name="opportunity_estimated_value_positive"
            ),
            models.CheckConstraint(
                condition=Q(calcd_current_value__gte=0),
                name="opportunity_current_value_positive",
            ),
            percent_check("chances_of_success", "opportunity_chances_percent"),
            percent_check("completed", "opportunity_completed_percent"),
            percent_check("probability", "opportunity_probability_percent"),
            models.CheckConstraint(
                condition=Q(status__in=[*CLOSED_STATUSES], date_closed__isnull=False)
                | Q(status__in=[*OPEN_STATUSES], date_closed__isnull=True),
                name="opportunity_date_closed_when_closed",
            ),
        ]
        indexes = [
            # The list pages by (filter, id): ids follow creation like numbers, and keyset
            # pagination walks these indexes from either end.
            models.Index(fields=["status", "id"], name="opp_status_id_idx"),
            models.Index(fields=["salesperson", "id"], name="opp_salesperson_id_idx"),
            models.Index(fields=["contact", "id"], name="opp_contact_id_idx"),
            models.Index(fields=["company", "id"], name="opp_company_id_idx"),
            models.Index(fields=["current_stage", "id"], name="opp_stage_id_idx"),
            models.Index(fields=["sales_cycle", "id"], name="opp_cycle_id_idx"),
            models.Index(
                fields=["id"],
                name="opp_open_id_idx",
                condition=Q(status__in=[*OPEN_STATUSES]),
            ),
            models.Index(
                fields=["salesperson", "id"],
                name="opp_open_salesperson_id_idx",
                condition=Q(status__in=[*OPEN_STATUSES]),
            ),
            models.Index(fields=["estimated_close_date"], name="opp_close_date_idx"),
            models.Index(fields=["date_closed"], name="opp_date_closed_idx"),
            # The list's totals of one salesperson (a salesperson's "mine", by status): an
            # index-only scan of their rows, the values read from the index, not the table.
            models.Index(
                fields=["salesperson", "status", "estimated_value", "calcd_current_value"],
                name="opp_totals_salesperson_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}"

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._saved_contact_id = instance.__dict__.get("contact_id")
        return instance

    def save(self, *args, **kwargs):
        """Keeps `company` with the contact whenever the contact is new or changed."""
        update_fields = kwargs.get("update_fields")
        contact_saved = update_fields is None or {"contact", "contact_id"} & {*update_fields}
        if contact_saved and self.contact_id != getattr(self, "_saved_contact_id", None):
            self.company_id = self.contact.company_contact_id
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "company"}
        super().save(*args, **kwargs)
        self._saved_contact_id = self.contact_id

    def get_absolute_url(self) -> str:
        return reverse("opportunities:detail", args=[self.number])

    @property
    def closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES

    @property
    def started(self) -> bool:
        return self.status != self.Status.NOT_STARTED

    @property
    def is_overdue(self) -> bool:
        """Open, and its estimated closing date has passed (`OpportunityQuerySet.overdue`)."""
        close_date = self.estimated_close_date
        return (
            self.status in self.OPEN_STATUSES
            and close_date is not None
            and close_date < timezone.localdate()
        )

    @property
    def open_quote(self) -> "Quote | None":
        """The linked quote while it is open (it defaults values and is required by stages)."""
        if self.quote_id is not None and self.quote.status == self.quote.Status.OPEN:
            return self.quote
        return None

    @property
    def active_entry(self) -> "OpportunityEntry | None":
        return self.entries.filter(active=True).first()

    def clean(self) -> None:
        """The rules on changing an opportunity's references."""
        errors = {}
        if self.sales_cycle_id and self.sales_cycle.blocked and self._changed("sales_cycle_id"):
            errors["sales_cycle"] = ValidationError(
                _("Sales cycle %(code)s is blocked."),
                code="blocked",
                params={"code": self.sales_cycle.code},
            )
        if self.salesperson_id and self.salesperson.blocked and self._changed("salesperson_id"):
            errors["salesperson"] = ValidationError(
                _("Salesperson %(code)s is blocked."),
                code="blocked",
                params={"code": self.salesperson.code},
            )
        if self.pk is not None:
            old = (
                Opportunity.objects.filter(pk=self.pk)
                .values("sales_cycle_id", "contact_id", "status")
                .first()
            )
            started = old is not None and old["status"] != self.Status.NOT_STARTED
            if started and old["sales_cycle_id"] != self.sales_cycle_id:
                errors["sales_cycle"] = ValidationError(
                    _("The sales cycle can change only while the opportunity is not started."),
                    code="protected",
                )
            if started and old["contact_id"] != self.contact_id and self.contact_id:
                old_contact = Contact.objects.get(pk=old["contact_id"])
                old_company = old_contact.company_contact
                new_company = self.contact.company_contact
                if old_company is None or new_company is None or old_company != new_company:
                    errors["contact"] = ValidationError(
                        _(
                            "Once started, an opportunity can only move to another contact of "
                            "the same company."
                        ),
                        code="protected",
                    )
        if errors:
            # Each error carries its code: a dict's messages do not take an outer code.
            raise ValidationError(errors)

    def _changed(self, field: str) -> bool:
        if self.pk is None:
            return True
        return Opportunity.objects.filter(pk=self.pk).values_list(
            field, flat=True
        ).first() != getattr(self, field)

    def delete(self, *args, **kwargs):
        if not self.closed:
            raise ValidationError(_("You can only delete closed opportunities."), code="not_closed")
        return super().delete(*args, **kwargs)
