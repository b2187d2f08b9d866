"""What the API reads and writes, with the models' field names.

References travel as their natural keys: a contact by number, a salesperson, sales cycle or
close code by code, a stage by its number in the opportunity's cycle. Money and percentages are
decimal strings ("10000.00"), dates ISO.

The opportunity, entry, quote and order serializers describe the JSON (the schema is made from
them); the JSON itself is built by the plain functions below them, which the views call: a list
page of 25 opportunities costs a few dictionaries, not DRF's field machinery per value. The
tests check that both name the same fields.
"""

import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from contacts.models import Contact, Salesperson
from jobs.models import Job
from opportunities.models import (
    BATCH_LOOKUPS,
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    Quote,
    SalesOrder,
    UpdateAction,
)
from salescycles.models import SalesCycle, SalesCycleStage

MONEY = {"max_digits": 18, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}
PROBABILITY = {"max_digits": 10, "decimal_places": 6}
# Input percentages: wide enough for the service to say "at most 100" (as the forms do).
PERCENT_INPUT = {"max_digits": 12, "decimal_places": 2}
QUANTITY = {"max_digits": 12, "decimal_places": 2}

CENT = Decimal("0.01")
PLACES = {2: CENT, 6: Decimal("0.000001")}


def decimal_text(value, places: int = 2) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(PLACES[places]))


def iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- opportunities ------------------------------------------------------------------------------


class StageReferenceSerializer(serializers.Serializer):
    stage = serializers.IntegerField(help_text="The stage's number in its sales cycle.")
    description = serializers.CharField()


class OpportunitySerializer(serializers.Serializer):
    number = serializers.CharField(read_only=True)
    description = serializers.CharField()
    contact = serializers.CharField(help_text="The contact's number.")
    salesperson = serializers.CharField(help_text="The salesperson's code.")
    sales_cycle = serializers.CharField(help_text="The sales cycle's code.")
    priority = serializers.ChoiceField(choices=Opportunity.Priority.choices)
    status = serializers.ChoiceField(choices=Opportunity.Status.choices)
    closed = serializers.BooleanField()
    creation_date = serializers.DateField()
    date_closed = serializers.DateField(allow_null=True)
    current_stage = StageReferenceSerializer(allow_null=True)
    estimated_value = serializers.DecimalField(**MONEY)
    chances_of_success = serializers.DecimalField(**PERCENT)
    completed = serializers.DecimalField(**PERCENT)
    probability = serializers.DecimalField(**PROBABILITY)
    calcd_current_value = serializers.DecimalField(**MONEY)
    estimated_close_date = serializers.DateField(allow_null=True)
    quote = serializers.CharField(allow_null=True, help_text="The linked quote's number.")
    order = serializers.CharField(allow_null=True, help_text="The linked order's number.")
    version = serializers.IntegerField(
        help_text="Moves on with every change; the ETag of the opportunity's responses."
    )
    available_actions = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text=(
            "The update actions this user may take now, each with the numbers of its target "
            'stages, e.g. {"next": [2], "skip": [2, 3, 4], "update": [1]}; empty when the user '
            "may not act on the opportunity or it is closed."
        ),
    )

    def to_representation(self, instance):
        return opportunity_data(instance, self.context.get("actions", {}))


class EntrySerializer(serializers.Serializer):
    action_taken = serializers.ChoiceField(choices=OpportunityEntry.Action.choices)
    date_of_change = serializers.DateField()
    active = serializers.BooleanField()
    sales_cycle = serializers.CharField()
    stage = serializers.IntegerField(allow_null=True)
    stage_description = serializers.CharField(allow_blank=True)
    previous_stage = serializers.IntegerField(allow_null=True)
    contact = serializers.CharField()
    salesperson = serializers.CharField()
    date_closed = serializers.DateField(allow_null=True)
    days_open = serializers.IntegerField()
    estimated_value = serializers.DecimalField(**MONEY)
    calcd_current_value = serializers.DecimalField(**MONEY)
    completed = serializers.DecimalField(**PERCENT)
    chances_of_success = serializers.DecimalField(**PERCENT)
    probability = serializers.DecimalField(**PROBABILITY)
    close_code = serializers.CharField(allow_null=True)
    estimated_close_date = serializers.DateField(allow_null=True)
    created_by = serializers.CharField(allow_null=True, help_text="The username of who acted.")
    created_at = serializers.DateTimeField()

    def to_representation(self, instance):
        return entry_data(instance)


class OpportunityDetailSerializer(OpportunitySerializer):
    entries = EntrySerializer(many=True, help_text="The ledger, newest first.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["entries"] = [entry_data(entry) for entry in instance.entries.all()]
        return data


def opportunity_data(opportunity: Opportunity, actions: dict) -> dict:
    stage = opportunity.current_stage
    return {
        "number": opportunity.number,
        "description": opportunity.description,
        "contact": opportunity.contact.number,
        "salesperson": opportunity.salesperson.code,
        "sales_cycle": opportunity.sales_cycle.code,
        "priority": opportunity.priority,
        "status": opportunity.status,
        "closed": opportunity.closed,
        "creation_date": iso(opportunity.creation_date),
        "date_closed": iso(opportunity.date_closed),
        "current_stage": (
            {"stage": stage.stage, "description": stage.description} if stage else None
        ),
        "estimated_value": decimal_text(opportunity.estimated_value),
        "chances_of_success": decimal_text(opportunity.chances_of_success),
        "completed": decimal_text(opportunity.completed),
        "probability": decimal_text(opportunity.probability, 6),
        "calcd_current_value": decimal_text(opportunity.calcd_current_value),
        "estimated_close_date": iso(opportunity.estimated_close_date),
        "quote": opportunity.quote.number if opportunity.quote_id else None,
        "order": opportunity.order.number if opportunity.order_id else None,
        "version": opportunity.version,
        "available_actions": {
            str(action): [target.stage for target in targets] for action, targets in actions.items()
        },
    }


def entry_data(entry: OpportunityEntry) -> dict:
    return {
        "action_taken": entry.action_taken,
        "date_of_change": iso(entry.date_of_change),
        "active": entry.active,
        "sales_cycle": entry.sales_cycle.code,
        "stage": entry.stage.stage if entry.stage_id else None,
        "stage_description": entry.stage_description,
        "previous_stage": entry.previous_stage,
        "contact": entry.contact.number,
        "salesperson": entry.salesperson.code,
        "date_closed": iso(entry.date_closed),
        "days_open": entry.days_open,
        "estimated_value": decimal_text(entry.estimated_value),
        "calcd_current_value": decimal_text(entry.calcd_current_value),
        "completed": decimal_text(entry.completed),
        "chances_of_success": decimal_text(entry.chances_of_success),
        "probability": decimal_text(entry.probability, 6),
        "close_code": entry.close_code.code if entry.close_code_id else None,
        "estimated_close_date": iso(entry.estimated_close_date),
        "created_by": entry.created_by.get_username() if entry.created_by_id else None,
        "created_at": entry.created_at.isoformat(),
    }


# --- what the opportunity endpoints take --------------------------------------------------------


class NaturalKeyField(serializers.SlugRelatedField):
    """A reference by its number or code. A NUL character matches no row, and PostgreSQL refuses
    it in a comparison (a database error, not a "does not exist"): refused before the query."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value="\\x00")
        return super().to_internal_value(data)


def by_number(queryset, **kwargs) -> serializers.SlugRelatedField:
    return NaturalKeyField(slug_field="number", queryset=queryset, **kwargs)


def by_code(queryset, **kwargs) -> serializers.SlugRelatedField:
    return NaturalKeyField(slug_field="code", queryset=queryset, **kwargs)


class OpportunityCreateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=100)
    contact = by_number(Contact.objects.select_related("company"), help_text="A number.")
    salesperson = by_code(
        Salesperson.objects.all(),
        required=False,
        allow_null=True,
        help_text="A code; none: the contact's salesperson (for a salesperson: themselves).",
    )
    sales_cycle = by_code(SalesCycle.objects.all(), help_text="A code.")
    priority = serializers.ChoiceField(
        choices=Opportunity.Priority.choices, default=Opportunity.Priority.NORMAL
    )
    activate_first_stage = serializers.BooleanField(default=False)
    estimated_value = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    chances_of_success = serializers.DecimalField(**PERCENT_INPUT, required=False, allow_null=True)
    estimated_close_date = serializers.DateField(required=False, allow_null=True)


class OpportunityChangeSerializer(serializers.Serializer):
    """The general fields; only those given change."""

    description = serializers.CharField(max_length=100, required=False)
    priority = serializers.ChoiceField(choices=Opportunity.Priority.choices, required=False)
    salesperson = by_code(Salesperson.objects.all(), required=False, allow_null=True)
    contact = by_number(Contact.objects.select_related("company"), required=False, allow_null=True)
    sales_cycle = by_code(SalesCycle.objects.all(), required=False, allow_null=True)


class UpdateSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=UpdateAction.choices)
    to_stage = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The target stage's number; none: the action's default target.",
    )
    date_of_change = serializers.DateField(required=False, allow_null=True)
    estimated_value = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    chances_of_success = serializers.DecimalField(**PERCENT_INPUT, required=False, allow_null=True)
    estimated_close_date = serializers.DateField(required=False, allow_null=True)


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CloseOpportunityCode.Type.choices)
    close_code = by_code(CloseOpportunityCode.objects.all(), required=False, allow_null=True)
    date_closed = serializers.DateField(required=False, allow_null=True)
    sales_value = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        help_text="For won; the open quote's total when the opportunity has one.",
    )


class MakeOrderSerializer(serializers.Serializer):
    close_code = by_code(
        CloseOpportunityCode.objects.all(),
        required=False,
        allow_null=True,
        help_text="A won code: an opportunity in progress is won in the same step.",
    )
    date_closed = serializers.DateField(required=False, allow_null=True)


# --- background jobs ---------------------------------------------------------------------------


class DeletionJobSerializer(serializers.Serializer):
    """The batch deletion's filters (as the batch page and `delete_opportunities` take them),
    the explicit choice of every closed opportunity, and the dry run."""

    number_from = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="Lowest number, e.g. OP000001."
    )
    number_to = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="Highest number."
    )
    date_closed_from = serializers.DateField(
        required=False, allow_null=True, help_text="Closed on or after."
    )
    date_closed_to = serializers.DateField(
        required=False, allow_null=True, help_text="Closed on or before."
    )
    salesperson = by_code(
        Salesperson.objects.all(), required=False, allow_null=True, help_text="A code."
    )
    contact = by_number(
        Contact.objects.all(), required=False, allow_null=True, help_text="A number."
    )
    sales_cycle = by_code(
        SalesCycle.objects.all(), required=False, allow_null=True, help_text="A code."
    )
    all_closed = serializers.BooleanField(
        default=False,
        help_text="Every closed opportunity, without any filter: required to delete them all "
        "(with no filter and without it, the request is refused).",
    )
    dry_run = serializers.BooleanField(
        default=False, help_text='Only count what would be deleted (result {"count": n}).'
    )

    FILTERS = tuple(BATCH_LOOKUPS)

    def to_internal_value(self, data):
        # A misspelt filter would otherwise be dropped: with all_closed, a deletion of every
        # closed opportunity instead of the few meant.
        if isinstance(data, dict):
            unknown = sorted(str(name) for name in data if name not in self.fields)
            if unknown:
                message = _("This is not a field of the batch deletion.")
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)

    def filters(self) -> dict:
        """The filters of `jobs.services.enqueue_deletion` (records and dates)."""
        return {name: self.validated_data.get(name) or None for name in self.FILTERS}


class JobProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField(allow_null=True, help_text="Unknown until the job starts.")
    percent = serializers.IntegerField(allow_null=True)


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="This job in the API.")
    kind = serializers.ChoiceField(choices=Job.Kind.choices)
    state = serializers.ChoiceField(choices=Job.State.choices)
    parameters = serializers.DictField(
        help_text="The filters (codes, numbers, ISO dates; empty when unused), all_closed, "
        "dry_run, chunk_size."
    )
    progress = JobProgressSerializer()
    result = serializers.DictField(
        allow_null=True,
        help_text='When finished: {"deleted": n}, or {"count": n} for a dry run.',
    )
    error = serializers.CharField(allow_blank=True)
    cancel_requested = serializers.BooleanField()
    started_by = serializers.CharField(allow_null=True, help_text="The username.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


def job_data(job: Job, url: str) -> dict:
    data = job.as_dict()
    return {"id": data.pop("id"), "url": url, **data}


# --- quotes and orders -------------------------------------------------------------------------


class LineSerializer(serializers.Serializer):
    line_no = serializers.IntegerField()
    description = serializers.CharField()
    quantity = serializers.DecimalField(**QUANTITY)
    unit_price = serializers.DecimalField(**MONEY)
    amount = serializers.DecimalField(**MONEY)


class QuoteSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Quote.Status.choices)
    contact = serializers.CharField()
    customer = serializers.CharField(allow_null=True)
    salesperson = serializers.CharField()
    order_date = serializers.DateField()
    opportunity = serializers.CharField(allow_null=True)
    lines = LineSerializer(many=True)
    total = serializers.DecimalField(**MONEY)

    def to_representation(self, instance):
        return quote_data(instance, self.context.get("opportunity"))


class OrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    quote = serializers.CharField()
    contact = serializers.CharField()
    customer = serializers.CharField()
    salesperson = serializers.CharField()
    order_date = serializers.DateField()
    opportunity = serializers.CharField(allow_null=True)
    lines = LineSerializer(many=True)
    total = serializers.DecimalField(**MONEY)

    def to_representation(self, instance):
        return order_data(instance, self.context.get("opportunity"))


def lines_data(lines) -> tuple[list[dict], Decimal]:
    rows, total = [], Decimal(0)
    for line in lines:
        amount = line.amount
        total += amount
        rows.append(
            {
                "line_no": line.line_no,
                "description": line.description,
                "quantity": decimal_text(line.quantity),
                "unit_price": decimal_text(line.unit_price),
                "amount": decimal_text(amount),
            }
        )
    return rows, total


def quote_data(quote: Quote, opportunity: Opportunity | None) -> dict:
    lines, total = lines_data(quote.lines.all())
    return {
        "number": quote.number,
        "status": quote.status,
        "contact": quote.contact.number,
        "customer": quote.customer.number if quote.customer_id else None,
        "salesperson": quote.salesperson.code,
        "order_date": iso(quote.order_date),
        "opportunity": opportunity.number if opportunity else None,
        "lines": lines,
        "total": decimal_text(total),
    }


def order_data(order: SalesOrder, opportunity: Opportunity | None) -> dict:
    lines, total = lines_data(order.lines.all())
    return {
        "number": order.number,
        "quote": order.quote.number,
        "contact": order.contact.number,
        "customer": order.customer.number,
        "salesperson": order.salesperson.code,
        "order_date": iso(order.order_date),
        "opportunity": opportunity.number if opportunity else None,
        "lines": lines,
        "total": decimal_text(total),
    }


# --- setup data ---------------------------------------------------------------------------------


class SalespersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Salesperson
        fields = ["code", "name", "email", "blocked"]


class ContactSerializer(serializers.ModelSerializer):
    company = by_number(
        Contact.objects.filter(type=Contact.Type.COMPANY),
        required=False,
        allow_null=True,
        help_text="The number of the company a person belongs to.",
    )
    salesperson = by_code(Salesperson.objects.all(), required=False, allow_null=True)
    customer = serializers.SerializerMethodField(help_text="Its customer number, if it is one.")

    class Meta:
        model = Contact
        fields = ["number", "name", "type", "company", "salesperson", "email", "phone", "customer"]
        read_only_fields = ["number"]

    def get_customer(self, contact) -> str | None:
        customer = getattr(contact, "customer", None)
        return customer.number if customer is not None else None


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = SalesCycleStage
        fields = [
            "stage",
            "description",
            "completed",
            "chances_of_success",
            "quote_required",
            "allow_skip",
            "date_formula",
        ]


class SalesCycleSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True, help_text="In stage order.")

    class Meta:
        model = SalesCycle
        fields = ["code", "description", "probability_calculation", "blocked", "stages"]


class CloseCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CloseOpportunityCode
        fields = ["code", "description", "type"]


# --- errors (for the schema) --------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The refusal code, or stale, or DRF's code.")
    message = serializers.CharField(help_text="In the request's language.")


# A schema, not a serializer: an object of any field names, each with its list of messages.
FIELD_ERRORS = {
    "type": "object",
    "description": "The messages of each field that was not right (non_field_errors: the whole).",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
