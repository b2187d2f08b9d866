"""Creating opportunities and moving them through their sales cycle (SPEC 3.1 to 3.5)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format

from contacts.models import Contact, Customer, Salesperson
from opportunities.models import CloseOpportunityCode, Opportunity, OpportunityEntry
from opportunities.services.errors import Refusal
from salescycles import formulas
from salescycles.models import SalesCycle, SalesCycleStage

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

UPDATE_ACTIONS = ("first", "next", "previous", "skip", "jump", "update")

# The largest amount an opportunity's values, a quote line's price and amount and a quote's
# total may come to. The money columns hold 18 digits with 2 decimals, but SQLite keeps
# decimals as floating-point numbers good to 15 significant digits (Django's SQLite backend
# rounds what it reads to 15): a 16-digit amount would come back rounded, and
# 9,999,999,999,999,999.99 would come back as 10^16, which no page could then read. One limit
# on both databases: 15 digits, cents included (just under ten trillion).
SIGNIFICANT_DIGITS = 15
MONEY_COLUMNS = [
    Opportunity._meta.get_field("estimated_value"),
    Opportunity._meta.get_field("calcd_current_value"),
    OpportunityEntry._meta.get_field("estimated_value"),
    OpportunityEntry._meta.get_field("calcd_current_value"),
]
LARGEST_AMOUNT = (
    min(
        Decimal(10) ** (min(column.max_digits, SIGNIFICANT_DIGITS) - column.decimal_places)
        for column in MONEY_COLUMNS
    )
    - CENT
)


def local_today() -> datetime.date:
    return timezone.localdate()


# --- reading the state -------------------------------------------------------------------------


def cycle_stages(sales_cycle: SalesCycle) -> list[SalesCycleStage]:
    return list(sales_cycle.stages.order_by("stage"))


def available_actions(
    opportunity: Opportunity, *, stages: list[SalesCycleStage] | None = None
) -> dict[str, list[SalesCycleStage]]:
    """The update actions offered now, each with its target stages in stage order (SPEC 3.4).

    The default target of skip is its first stage, of jump its last (the immediate neighbour).
    `stages` may be given when the caller already holds the cycle's stages in order.
    """
    if opportunity.closed:
        return {}
    if stages is None:
        stages = cycle_stages(opportunity.sales_cycle)
    if opportunity.current_stage_id is None:
        return {"first": stages[:1]} if stages else {}
    position = next(
        (i for i, stage in enumerate(stages) if stage.pk == opportunity.current_stage_id), None
    )
    if position is None:  # the stage left the cycle: only an update on it stays possible
        return {"update": [opportunity.current_stage]}
    current = stages[position]
    actions: dict[str, list[SalesCycleStage]] = {}
    later, earlier = stages[position + 1 :], stages[:position]
    if later:
        actions["next"] = later[:1]
    if earlier:
        actions["previous"] = earlier[-1:]
    if later and later[0].allow_skip:
        targets = []
        for stage in later:
            targets.append(stage)
            if not stage.allow_skip:
                break
        if len(targets) >= 2:
            actions["skip"] = targets
    if len(earlier) >= 2:
        actions["jump"] = earlier
    actions["update"] = [current]
    return actions


def default_target(action: str, targets: list[SalesCycleStage]) -> SalesCycleStage:
    return targets[-1] if action in ("jump", "previous") else targets[0]


def commands_offered(opportunity: Opportunity) -> set[str]:
    """The commands a page may offer on this opportunity, from its state alone (no queries).

    "update" is offered when `available_actions` would offer something; the update dialog then
    asks it which actions exactly.
    """
    status = opportunity.status
    commands: set[str] = set()
    if status == Opportunity.Status.NOT_STARTED:
        commands |= {"activate", "close"}
    elif status == Opportunity.Status.IN_PROGRESS:
        commands |= {"update", "close"}
        if opportunity.quote_id is None and opportunity.contact.is_company:
            commands.add("create_quote")
    else:
        commands.add("delete")
    return commands


def update_defaults(
    opportunity: Opportunity,
    *,
    action: str,
    to_stage: SalesCycleStage | None = None,
    date_of_change: datetime.date | None = None,
    today: datetime.date | None = None,
) -> dict:
    """What the update dialog pre-fills for an action (SPEC 3.4), from the current state."""
    actions = available_actions(opportunity)
    targets = actions.get(action, [])
    target = (
        to_stage if to_stage in targets else (default_target(action, targets) if targets else None)
    )
    active = opportunity.active_entry
    date_of_change = date_of_change or _default_date(active, today)
    quote = opportunity.open_quote
    defaults = {
        "to_stage": target,
        "date_of_change": date_of_change,
        "estimated_value": quote.total if quote else (active.estimated_value if active else None),
        "chances_of_success": target.chances_of_success if target else None,
        "estimated_close_date": _default_close_date(target, date_of_change) if target else None,
    }
    return defaults


def _default_close_date(
    stage: SalesCycleStage, date_of_change: datetime.date
) -> datetime.date | None:
    """The close date the dialog offers: none where the stage's formula would lead, from this
    date of change, out of the calendar or out of the accepted dates (the service would refuse
    it); the user can still type one."""
    try:
        close_date = stage.close_date(date_of_change)
    except ValidationError:
        return None
    return close_date if _in_range(close_date) else None


# --- helpers on the locked row -----------------------------------------------------------------


def _lock(opportunity: Opportunity, expected_version: int | None) -> Opportunity:
    """The opportunity's row, locked until the transaction ends, as it is now."""
    # Lock first, read second. A SELECT ... FOR UPDATE that waited for another transaction
    # returns the locked row's new version, but on PostgreSQL the rows joined to it (current
    # stage, quote) come from the snapshot taken before the wait: a concurrent "next" would
    # leave the new entry without its previous stage, a concurrent quote would be seen as
    # linked but missing. A read after the lock is granted sees everything committed.
    list(Opportunity.objects.select_for_update().filter(pk=opportunity.pk).values_list("pk"))
    locked = Opportunity.objects.select_related(
        "sales_cycle", "current_stage", "contact", "salesperson", "quote"
    ).get(pk=opportunity.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Refusal("stale", number=locked.number)
    locked._as_locked = _column_values(locked)
    return locked


def _column_values(opportunity: Opportunity) -> dict:
    return {field.attname: getattr(opportunity, field.attname) for field in COLUMNS}


def _save_changes(opportunity: Opportunity) -> None:
    """Save the columns changed since the row was locked: not a full 20-column UPDATE."""
    as_locked = getattr(opportunity, "_as_locked", None)
    if as_locked is None:
        opportunity.save()
        return
    now = _column_values(opportunity)
    changed = [field.name for field in COLUMNS if now[field.attname] != as_locked[field.attname]]
    opportunity.save(update_fields=changed)
    opportunity._as_locked = now


def _sync(target: Opportunity, source: Opportunity) -> None:
    """Give the caller's instance the state that was written."""
    if target is source:
        return
    for field in Opportunity._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    for name in ("current_stage", "quote", "order", "sales_cycle", "contact", "salesperson"):
        if Opportunity._meta.get_field(name).is_cached(source):
            setattr(target, name, getattr(source, name))


def _active_entry(opportunity: Opportunity) -> OpportunityEntry | None:
    # At most one row (a partial unique constraint); no ORDER BY, and only what is used.
    found = list(
        OpportunityEntry.objects.filter(opportunity_id=opportunity.pk, active=True).only(
            "pk", "date_of_change", "estimated_value", "active", "days_open"
        )
    )
    return found[0] if found else None


def _default_date(active: OpportunityEntry | None, today: datetime.date | None) -> datetime.date:
    today = today or local_today()
    if active is not None and active.date_of_change > today:
        return active.date_of_change
    return today


def _probability(cycle: SalesCycle, chances: Decimal, completed: Decimal) -> Decimal:
    return cycle.probability(Decimal(chances), Decimal(completed))


def _current_value(estimated_value: Decimal, probability: Decimal) -> Decimal:
    return (Decimal(estimated_value) * probability / HUNDRED).quantize(CENT, ROUND_HALF_UP)


def _check_chances(chances: Decimal) -> None:
    if not ZERO < Decimal(chances) <= HUNDRED:
        raise Refusal("chances_invalid")


def _in_range(date: datetime.date) -> bool:
    return formulas.FIRST_DATE <= date <= formulas.LAST_DATE


def _check_date(date: datetime.date) -> None:
    """A date the user gives (or a formula makes) must be one of the accepted dates."""
    if not _in_range(date):
        raise Refusal(
            "date_out_of_range", date=date, first=formulas.FIRST_DATE, last=formulas.LAST_DATE
        )


def _check_amount(amount: Decimal, *, largest: Decimal = LARGEST_AMOUNT) -> None:
    """An amount must be one the money columns hold on every database (`LARGEST_AMOUNT`)."""
    amount = Decimal(amount)
    if not amount.is_finite() or abs(amount) > largest:
        shown = number_format(largest, decimal_pos=2, force_grouping=True)
        raise Refusal("amount_too_large", largest=shown)


def _write_entry(
    opportunity: Opportunity,
    active: OpportunityEntry | None,
    *,
    user,
    **values,
) -> OpportunityEntry:
    """Close the active entry, write the new one and copy its figures onto the opportunity."""
    date_of_change = values["date_of_change"]
    if active is not None:
        active.active = False
        active.days_open = (date_of_change - active.date_of_change).days
        active.save(update_fields=["active", "days_open"])
    stage = values.get("stage")
    entry = OpportunityEntry.objects.create(
        opportunity=opportunity,
        sales_cycle=opportunity.sales_cycle,
        stage_description=stage.description if stage else "",
        previous_stage=opportunity.current_stage.stage if opportunity.current_stage else None,
        contact=opportunity.contact,
        salesperson=opportunity.salesperson,
        active=True,
        created_by=user if user is not None and user.is_authenticated else None,
        **values,
    )
    opportunity.current_stage = stage
    opportunity.estimated_value = entry.estimated_value
    opportunity.chances_of_success = entry.chances_of_success
    opportunity.completed = entry.completed
    opportunity.probability = entry.probability
    opportunity.calcd_current_value = entry.calcd_current_value
    opportunity.estimated_close_date = entry.estimated_close_date
    if entry.action_taken in (OpportunityEntry.Action.WON, OpportunityEntry.Action.LOST):
        opportunity.status = entry.action_taken
        opportunity.date_closed = entry.date_closed
    else:
        opportunity.status = Opportunity.Status.IN_PROGRESS
    opportunity.version += 1
    _save_changes(opportunity)
    return entry


COLUMNS = [field for field in Opportunity._meta.concrete_fields if not field.primary_key]


def _stage_entry_values(
    opportunity: Opportunity,
    stage: SalesCycleStage,
    *,
    date_of_change: datetime.date,
    estimated_value: Decimal,
    chances_of_success: Decimal | None,
    estimated_close_date: datetime.date | None,
) -> dict:
    """The figures of an entry on `stage` (SPEC 3.2), with the checks on them."""
    chances = stage.chances_of_success if chances_of_success is None else chances_of_success
    _check_chances(chances)
    close_date = estimated_close_date or stage.close_date(date_of_change)
    if close_date < date_of_change:
        raise Refusal("close_date_before_change", close_date=close_date, date=date_of_change)
    _check_date(close_date)
    probability = _probability(opportunity.sales_cycle, chances, stage.completed)
    return {
        "stage": stage,
        "date_of_change": date_of_change,
        "estimated_value": estimated_value,
        "chances_of_success": chances,
        "completed": stage.completed,
        "probability": probability,
        "calcd_current_value": _current_value(estimated_value, probability),
        "estimated_close_date": close_date,
    }


# --- the services -------------------------------------------------------------------------------


@transaction.atomic
def create_opportunity(
    *,
    description: str,
    contact: Contact | None,
    sales_cycle: SalesCycle | None,
    salesperson: Salesperson | None = None,
    priority: str = Opportunity.Priority.NORMAL,
    activate_first_stage: bool = False,
    estimated_value: Decimal | None = None,
    chances_of_success: Decimal | None = None,
    estimated_close_date: datetime.date | None = None,
    today: datetime.date | None = None,
    user=None,
) -> Opportunity:
    """Create an opportunity, optionally on the first stage of its cycle (SPEC 3.3)."""
    today = today or local_today()
    if not (description or "").strip():
        raise Refusal("required", field=Opportunity._meta.get_field("description").verbose_name)
    if contact is None:
        raise Refusal("required", field=Opportunity._meta.get_field("contact").verbose_name)
    if sales_cycle is None:
        raise Refusal("required", field=Opportunity._meta.get_field("sales_cycle").verbose_name)
    salesperson = salesperson or contact.salesperson
    if salesperson is None:
        raise Refusal("required", field=Opportunity._meta.get_field("salesperson").verbose_name)
    if priority not in Opportunity.Priority.values:
        raise Refusal("required", field=Opportunity._meta.get_field("priority").verbose_name)
    # Re-read the setup rows so that a cycle or salesperson blocked a moment ago is refused.
    salesperson = Salesperson.objects.get(pk=salesperson.pk)
    sales_cycle = SalesCycle.objects.get(pk=sales_cycle.pk)
    if salesperson.blocked:
        raise Refusal("blocked", what=str(salesperson))
    if sales_cycle.blocked:
        raise Refusal("blocked", what=str(sales_cycle))
    opportunity = Opportunity(
        description=description.strip(),
        contact=contact,
        salesperson=salesperson,
        sales_cycle=sales_cycle,
        priority=priority,
        creation_date=today,
    )
    if not activate_first_stage:
        opportunity.save()
        return opportunity
    stages = cycle_stages(sales_cycle)
    if not stages:
        raise Refusal("no_stages", cycle=sales_cycle.code)
    if estimated_value is None or Decimal(estimated_value) <= ZERO:
        raise Refusal("estimated_value_required")
    _check_amount(estimated_value)
    if estimated_close_date is not None and estimated_close_date < today:
        raise Refusal("close_date_before_change", close_date=estimated_close_date, date=today)
    values = _stage_entry_values(
        opportunity,
        stages[0],
        date_of_change=today,
        estimated_value=Decimal(estimated_value),
        chances_of_success=chances_of_success,
        estimated_close_date=estimated_close_date,
    )
    opportunity.save()
    _write_entry(opportunity, None, user=user, action_taken=OpportunityEntry.Action.FIRST, **values)
    return opportunity


@transaction.atomic
def activate_first_stage(
    opportunity: Opportunity,
    *,
    today: datetime.date | None = None,
    user=None,
    expected_version: int | None = None,
) -> OpportunityEntry:
    """Put a not-started opportunity on the lowest stage, with estimated value 0 (SPEC 3.3)."""
    locked = _lock(opportunity, expected_version)
    if locked.closed:
        raise Refusal("closed", number=locked.number)
    if locked.status != Opportunity.Status.NOT_STARTED:
        raise Refusal("action_not_offered", number=locked.number)
    stages = cycle_stages(locked.sales_cycle)
    if not stages:
        raise Refusal("no_stages", cycle=locked.sales_cycle.code)
    today = today or local_today()
    values = _stage_entry_values(
        locked,
        stages[0],
        date_of_change=today,
        estimated_value=ZERO,
        chances_of_success=None,
        estimated_close_date=None,
    )
    entry = _write_entry(
        locked, None, user=user, action_taken=OpportunityEntry.Action.FIRST, **values
    )
    _sync(opportunity, locked)
    return entry


@transaction.atomic
def update_opportunity(
    opportunity: Opportunity,
    *,
    action: str,
    to_stage: SalesCycleStage | None = None,
    date_of_change: datetime.date | None = None,
    estimated_value: Decimal | None = None,
    chances_of_success: Decimal | None = None,
    estimated_close_date: datetime.date | None = None,
    today: datetime.date | None = None,
    user=None,
    expected_version: int | None = None,
) -> OpportunityEntry:
    """Move the opportunity to another stage, or update its figures on the current one (3.4)."""
    locked = _lock(opportunity, expected_version)
    if locked.closed:
        raise Refusal("closed", number=locked.number)
    stages = cycle_stages(locked.sales_cycle)
    targets = available_actions(locked, stages=stages).get(action)
    if not targets:
        raise Refusal("action_not_offered", number=locked.number)
    active = _active_entry(locked)
    if date_of_change is None:
        date_of_change = _default_date(active, today)
    elif active is not None and date_of_change < active.date_of_change:
        raise Refusal("date_before_last_change", date=date_of_change, last=active.date_of_change)
    _check_date(date_of_change)
    if to_stage is None:
        target = default_target(action, targets)
    elif to_stage.pk in {stage.pk for stage in targets}:
        target = next(stage for stage in targets if stage.pk == to_stage.pk)
    else:
        raise Refusal("invalid_target", stage=to_stage.stage)
    if action in ("next", "skip") and target.quote_required and locked.open_quote is None:
        raise Refusal("quote_required", stage=target.stage)
    if estimated_value is None:
        estimated_value = active.estimated_value if active else ZERO
    if Decimal(estimated_value) <= ZERO:
        raise Refusal("estimated_value_required")
    _check_amount(estimated_value)
    values = _stage_entry_values(
        locked,
        target,
        date_of_change=date_of_change,
        estimated_value=Decimal(estimated_value),
        chances_of_success=chances_of_success,
        estimated_close_date=estimated_close_date,
    )
    entry = _write_entry(
        locked,
        active,
        user=user,
        action_taken=_action_taken(action, target, stages, locked),
        **values,
    )
    _sync(opportunity, locked)
    return entry


def _action_taken(
    action: str, target: SalesCycleStage, stages: list[SalesCycleStage], opportunity: Opportunity
) -> str:
    """The ledger's action follows the final target: only a neighbour is next or previous."""
    if action == "first":
        return OpportunityEntry.Action.FIRST
    if action == "update":
        return OpportunityEntry.Action.UPDATED
    position = next(i for i, stage in enumerate(stages) if stage.pk == opportunity.current_stage_id)
    neighbours = {
        "next": position + 1,
        "skip": position + 1,
        "previous": position - 1,
        "jump": position - 1,
    }
    if stages[neighbours[action]].pk != target.pk:
        return OpportunityEntry.Action.JUMPED
    if action in ("next", "skip"):
        return OpportunityEntry.Action.NEXT
    return OpportunityEntry.Action.PREVIOUS


@transaction.atomic
def close_opportunity(
    opportunity: Opportunity,
    *,
    outcome: str,
    close_code: CloseOpportunityCode | None,
    date_closed: datetime.date | None = None,
    sales_value: Decimal | None = None,
    today: datetime.date | None = None,
    user=None,
    expected_version: int | None = None,
) -> OpportunityEntry:
    """Close a not-started or in-progress opportunity as won or lost (SPEC 3.5)."""
    locked = _lock(opportunity, expected_version)
    entry = close_locked(
        locked,
        outcome=outcome,
        close_code=close_code,
        date_closed=date_closed,
        sales_value=sales_value,
        today=today,
        user=user,
    )
    _sync(opportunity, locked)
    return entry


def close_locked(
    locked: Opportunity,
    *,
    outcome: str,
    close_code: CloseOpportunityCode | None,
    date_closed: datetime.date | None,
    sales_value: Decimal | None,
    today: datetime.date | None,
    user,
) -> OpportunityEntry:
    """Close an opportunity whose row the caller has locked."""
    if locked.closed:
        raise Refusal("closed", number=locked.number)
    if outcome not in CloseOpportunityCode.Type.values:
        raise Refusal("outcome_invalid")
    if close_code is None:
        raise Refusal("close_code_required")
    if close_code.type != outcome:
        raise Refusal(
            "close_code_type",
            code=close_code.code,
            outcome=CloseOpportunityCode.Type(outcome).label.lower(),
        )
    active = _active_entry(locked)
    if date_closed is None:
        date_closed = _default_date(active, today)
    elif active is not None and date_closed < active.date_of_change:
        raise Refusal("date_before_last_change", date=date_closed, last=active.date_of_change)
    _check_date(date_closed)
    won = outcome == CloseOpportunityCode.Type.WON
    if won:
        quote = locked.open_quote
        sales_value = quote.total if quote is not None else sales_value
        if sales_value is None or Decimal(sales_value) <= ZERO:
            raise Refusal("sales_value_required")
        _check_amount(sales_value)
    entry = _write_entry(
        locked,
        active,
        user=user,
        action_taken=outcome,
        stage=None,
        date_of_change=date_closed,
        date_closed=date_closed,
        estimated_close_date=date_closed,
        estimated_value=locked.estimated_value,
        completed=HUNDRED,
        chances_of_success=HUNDRED if won else ZERO,
        probability=HUNDRED if won else ZERO,
        calcd_current_value=Decimal(sales_value).quantize(CENT, ROUND_HALF_UP) if won else ZERO,
        close_code=close_code,
    )
    if won:
        make_customer_of(locked.contact)
    return entry


def make_customer_of(contact: Contact) -> Customer:
    """Won opportunities make their contact's company (or the contact) a customer."""
    buyer = contact.company_contact or contact
    customer = Customer.objects.filter(contact=buyer).first()
    if customer is None:
        customer = Customer.objects.create(name=buyer.name, contact=buyer)
        buyer.quotes.filter(customer__isnull=True, status="open").update(customer=customer)
    return customer
