"""Quotes, orders and customers."""

import datetime
from decimal import Decimal

from django.db import transaction

from contacts.models import Contact, Customer
from opportunities.models import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    Quote,
    QuoteLine,
    SalesOrder,
    SalesOrderLine,
)
from opportunities.services.core import (
    CENT,
    User,
    active_entry,
    check_amount,
    default_date,
    local_today,
    lock,
    new_customer,
    sync,
    write_closing_entry,
)
from opportunities.services.errors import Refusal
from opportunities.services.lifecycle import close_locked


@transaction.atomic
def create_customer(contact: Contact) -> Customer:
    """Make `contact` a customer; its open quotes get the customer too."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    existing = Customer.objects.filter(contact=contact).first()
    if existing is not None:
        raise Refusal("customer_exists", contact=contact.number, customer=existing.number)
    return new_customer(contact)


@transaction.atomic
def create_quote(
    opportunity: Opportunity,
    *,
    today: datetime.date | None = None,
    expected_version: int | None = None,
) -> Quote:
    """Make an empty quote for an in-progress opportunity of a company and link it."""
    locked = lock(opportunity, expected_version)
    if locked.status != Opportunity.Status.IN_PROGRESS:
        raise Refusal("not_in_progress", number=locked.number)
    if not locked.contact.is_company:
        raise Refusal("contact_not_company")
    if locked.quote_id is not None:
        raise Refusal("quote_exists", number=locked.number, quote=locked.quote.number)
    quote = Quote.objects.create(
        contact=locked.contact,
        customer=Customer.objects.filter(contact=locked.contact).first(),
        salesperson=locked.salesperson,
        order_date=locked.estimated_close_date or today or local_today(),
    )
    locked.quote = quote
    locked.version += 1
    locked.save(update_fields=["quote", "version"])
    sync(opportunity, locked)
    return quote


def _lock_quote(
    quote: Quote, expected_version: int | None = None
) -> tuple[Quote, Opportunity | None]:
    """Lock the quote's opportunity (the row every change of it goes through), then the quote.

    With `expected_version`, a change based on a stale view of the opportunity is refused.
    """
    opportunity = Opportunity.objects.filter(quote_id=quote.pk).first()
    locked_opportunity = lock(opportunity, None) if opportunity is not None else None
    if locked_opportunity is not None and locked_opportunity.quote_id != quote.pk:
        locked_opportunity = None  # unlinked in the meantime
    if (
        locked_opportunity is not None
        and expected_version is not None
        and locked_opportunity.version != expected_version
    ):
        raise Refusal("stale", number=locked_opportunity.number)
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    return locked, locked_opportunity


@transaction.atomic
def add_quote_line(
    quote: Quote,
    *,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    expected_version: int | None = None,
) -> QuoteLine:
    """Add a line to an open quote."""
    locked, opportunity = _lock_quote(quote, expected_version)
    if not locked.is_open:
        raise Refusal("quote_not_open", quote=locked.number)
    _check_line(locked, quantity=quantity, unit_price=unit_price)
    last = locked.lines.order_by("-line_no").values_list("line_no", flat=True).first() or 0
    line = QuoteLine.objects.create(
        quote=locked,
        line_no=last + 10000,
        description=description,
        quantity=quantity,
        unit_price=unit_price,
    )
    _touch(opportunity)
    return line


@transaction.atomic
def update_quote_line(
    line: QuoteLine,
    *,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    expected_version: int | None = None,
) -> QuoteLine:
    """Change a line of an open quote."""
    locked, opportunity = _lock_quote(line.quote, expected_version)
    if not locked.is_open:
        raise Refusal("quote_not_open", quote=locked.number)
    line = locked.lines.get(pk=line.pk)
    _check_line(locked, quantity=quantity, unit_price=unit_price, replacing=line)
    line.description, line.quantity, line.unit_price = description, quantity, unit_price
    line.save(update_fields=["description", "quantity", "unit_price"])
    _touch(opportunity)
    return line


@transaction.atomic
def delete_quote_line(line: QuoteLine, *, expected_version: int | None = None) -> None:
    """Remove a line from an open quote."""
    locked, opportunity = _lock_quote(line.quote, expected_version)
    if not locked.is_open:
        raise Refusal("quote_not_open", quote=locked.number)
    locked.lines.filter(pk=line.pk).delete()
    _touch(opportunity)


def _check_line(
    quote: Quote, *, quantity: Decimal, unit_price: Decimal, replacing: QuoteLine | None = None
) -> None:
    """The line's figures, its amount and the quote's total with it must be amounts the columns
    hold: the total becomes the opportunity's estimated value and the won order's value."""
    column = QuoteLine._meta.get_field("quantity")
    check_amount(
        quantity, largest=Decimal(10) ** (column.max_digits - column.decimal_places) - CENT
    )
    check_amount(unit_price)
    # Both checked, quantity x price has at most 27 digits: exact in the default context.
    amount = (Decimal(quantity) * Decimal(unit_price)).quantize(CENT)
    check_amount(amount)
    others = quote.lines.all() if replacing is None else quote.lines.exclude(pk=replacing.pk)
    check_amount(sum((line.amount for line in others), amount))


def _touch(opportunity: Opportunity | None) -> None:
    """A quote's total feeds its opportunity's defaults: dialogs opened before are stale."""
    if opportunity is not None:
        opportunity.version += 1
        opportunity.save(update_fields=["version"])


@transaction.atomic
def make_order(
    quote: Quote,
    *,
    close_code: CloseOpportunityCode | None = None,
    date_closed: datetime.date | None = None,
    today: datetime.date | None = None,
    user: User | None = None,
    expected_version: int | None = None,
) -> SalesOrder:
    """Turn an open quote into an order; an in-progress opportunity is won in the same step."""
    locked, opportunity = _lock_quote(quote, expected_version)
    if not locked.is_open:
        raise Refusal("quote_not_open", quote=locked.number)
    customer = locked.customer or Customer.objects.filter(contact=locked.contact).first()
    if customer is None:
        raise Refusal("customer_required", contact=locked.contact.number)
    if opportunity is not None and opportunity.status == Opportunity.Status.IN_PROGRESS:
        close_locked(
            opportunity,
            outcome=CloseOpportunityCode.Type.WON,
            close_code=close_code,
            date_closed=date_closed,
            sales_value=None,
            today=today,
            user=user,
        )
    order = SalesOrder.objects.create(
        quote=locked,
        contact=locked.contact,
        customer=customer,
        salesperson=locked.salesperson,
        order_date=locked.order_date,
    )
    SalesOrderLine.objects.bulk_create(
        SalesOrderLine(
            order=order,
            line_no=line.line_no,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for line in locked.lines.all()
    )
    locked.status = Quote.Status.CONVERTED
    locked.customer = customer
    locked.save(update_fields=["status", "customer"])
    if opportunity is not None:
        if opportunity.status == Opportunity.Status.WON:
            total = order.total
            opportunity.order = order
            opportunity.calcd_current_value = total
            OpportunityEntry.objects.filter(opportunity=opportunity, active=True).update(
                calcd_current_value=total
            )
        elif opportunity.status == Opportunity.Status.LOST:
            opportunity.quote = None
        opportunity.version += 1
        opportunity.save()
    return order


@transaction.atomic
def delete_quote(quote: Quote, *, expected_version: int | None = None) -> None:
    """Delete an open quote and unlink it from its opportunity (no entry is written)."""
    locked, opportunity = _lock_quote(quote, expected_version)
    if not locked.is_open:
        raise Refusal("quote_not_open", quote=locked.number)
    if opportunity is not None:
        opportunity.quote = None
        opportunity.version += 1
        opportunity.save(update_fields=["quote", "version"])
    locked.delete()


@transaction.atomic
def delete_order(
    order: SalesOrder,
    *,
    today: datetime.date | None = None,
    user: User | None = None,
    expected_version: int | None = None,
) -> None:
    """Delete an order; the won opportunity it belongs to becomes lost (no close code).

    With `expected_version`, a deletion based on a stale view of the opportunity is refused.
    """
    opportunity = Opportunity.objects.filter(order_id=order.pk).first()
    locked = lock(opportunity, expected_version) if opportunity is not None else None
    order = SalesOrder.objects.select_for_update().get(pk=order.pk)
    if locked is not None:
        active = active_entry(locked)
        locked.order = None
        write_closing_entry(
            locked,
            active,
            outcome=CloseOpportunityCode.Type.LOST,
            date_closed=default_date(active, today),
            sales_value=None,
            close_code=None,
            user=user,
        )
        sync(opportunity, locked)
    order.delete()
