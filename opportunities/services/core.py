"""The locked-row primitives every service uses.

A service locks the opportunity's row (`lock`), checks its rules on the locked copy, writes
through `write_entry` or `write_closing_entry` (or `save_changes` when no entry is due) and
hands the caller's instance the state that was written (`sync`). The checks of amounts and
dates that several services make, and the acting user's type, are here too.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone
from django.utils.formats import number_format

from contacts.models import Contact, Customer
from opportunities.models import CloseOpportunityCode, Opportunity, OpportunityEntry, Quote
from opportunities.services.errors import Refusal
from salescycles import formulas

# Who acts: `request.user` (anonymous only where a page lets anyone in); None for scripts.
User = AbstractBaseUser | AnonymousUser

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

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

COLUMNS = [field for field in Opportunity._meta.concrete_fields if not field.primary_key]


def local_today() -> datetime.date:
    return timezone.localdate()


# --- the locked row -----------------------------------------------------------------------------


def lock(opportunity: Opportunity, expected_version: int | None) -> Opportunity:
    """The opportunity's row, locked until the transaction ends, as it is now.

    With `expected_version`, a row that has moved on since the caller read it is refused
    (`stale`): the change was decided on a view of it that is out of date.
    """
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


def save_changes(opportunity: Opportunity) -> None:
    """Save the columns changed since the row was locked: not a full 20-column UPDATE."""
    as_locked = getattr(opportunity, "_as_locked", None)
    if as_locked is None:
        opportunity.save()
        return
    now = _column_values(opportunity)
    changed = [field.name for field in COLUMNS if now[field.attname] != as_locked[field.attname]]
    opportunity.save(update_fields=changed)
    opportunity._as_locked = now


def sync(target: Opportunity, source: Opportunity) -> None:
    """Give the caller's instance the state that was written."""
    if target is source:
        return
    for field in Opportunity._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    for name in ("current_stage", "quote", "order", "sales_cycle", "contact", "salesperson"):
        if Opportunity._meta.get_field(name).is_cached(source):
            setattr(target, name, getattr(source, name))


def active_entry(opportunity: Opportunity) -> OpportunityEntry | None:
    # At most one row (a partial unique constraint); no ORDER BY, and only what is used.
    found = list(
        OpportunityEntry.objects.filter(opportunity_id=opportunity.pk, active=True).only(
            "pk", "date_of_change", "estimated_value", "active", "days_open"
        )
    )
    return found[0] if found else None


def default_date(active: OpportunityEntry | None, today: datetime.date | None) -> datetime.date:
    """The date an action takes when none is given: the later of today and the last change."""
    today = today or local_today()
    if active is not None and active.date_of_change > today:
        return active.date_of_change
    return today


# --- the entries --------------------------------------------------------------------------------


def write_entry(
    opportunity: Opportunity,
    active: OpportunityEntry | None,
    *,
    user: User | None,
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
    save_changes(opportunity)
    return entry


def write_closing_entry(
    locked: Opportunity,
    active: OpportunityEntry | None,
    *,
    outcome: str,
    date_closed: datetime.date,
    sales_value: Decimal | None,
    close_code: CloseOpportunityCode | None,
    user: User | None,
) -> OpportunityEntry:
    """The entry that closes the opportunity as won or lost, with its figures.

    Won: completed, chances and probability 100, the current value the sales value, and the
    contact (or its company) becomes a customer. Lost: completed 100, the rest 0. Both keep
    the last estimated value and have no stage. The caller has checked the rules.
    """
    won = outcome == CloseOpportunityCode.Type.WON
    entry = write_entry(
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


# --- customers ----------------------------------------------------------------------------------


def make_customer_of(contact: Contact) -> Customer:
    """Won opportunities make their contact's company (or the contact) a customer."""
    buyer = contact.company_contact or contact
    return Customer.objects.filter(contact=buyer).first() or new_customer(buyer)


def new_customer(contact: Contact) -> Customer:
    """Make `contact` a customer; its open quotes get the customer too."""
    customer = Customer.objects.create(name=contact.name, contact=contact)
    contact.quotes.filter(customer__isnull=True, status=Quote.Status.OPEN).update(customer=customer)
    return customer


# --- the checks ---------------------------------------------------------------------------------


def in_range(date: datetime.date) -> bool:
    return formulas.FIRST_DATE <= date <= formulas.LAST_DATE


def check_date(date: datetime.date) -> None:
    """A date the user gives (or a formula makes) must be one of the accepted dates."""
    if not in_range(date):
        raise Refusal(
            "date_out_of_range", date=date, first=formulas.FIRST_DATE, last=formulas.LAST_DATE
        )


def check_amount(amount: Decimal, *, largest: Decimal = LARGEST_AMOUNT) -> None:
    """An amount must be one the money columns hold on every database (`LARGEST_AMOUNT`)."""
    amount = Decimal(amount)
    if not amount.is_finite() or abs(amount) > largest:
        shown = number_format(largest, decimal_pos=2, force_grouping=True)
        raise Refusal("amount_too_large", largest=shown)
