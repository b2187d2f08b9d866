"""The steps the opportunity tests start from: the fixture's dates, the largest amounts, and
what puts OPP-A on a stage, gives it a quote or reads it back from the database."""

import datetime
from decimal import Decimal

from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, Quote, UpdateAction

D = datetime.date
JAN_20 = D(2024, 1, 20)
FEB_10 = D(2024, 2, 10)

MOST_QUANTITY = Decimal("9999999999.99")  # the quantity column's maximum
COLUMN_MAXIMUM = Decimal("9999999999999999.99")  # the money columns' 18 digits
# The largest amount accepted, 15 digits: what SQLite, keeping decimals as floating-point
# numbers, gives back to the cent.
LARGEST = Decimal("9999999999999.99")


def reloaded(opportunity) -> Opportunity:
    return Opportunity.objects.get(pk=opportunity.pk)


def entries_of(opportunity) -> list[OpportunityEntry]:
    return list(opportunity.entries.order_by("pk"))


def next_on_jan_20(opportunity) -> OpportunityEntry:
    """OPP-A moves from stage 1 to stage 2 on 2024-01-20 with the stage's defaults."""
    return services.update_opportunity(opportunity, action=UpdateAction.NEXT, today=JAN_20)


def quote_with_total(opportunity, total, *, today=JAN_20) -> Quote:
    """A quote for `opportunity` with one line worth `total`; without a total, an empty one."""
    quote = services.create_quote(opportunity, today=today)
    if total:
        services.add_quote_line(quote, description="Desks", quantity=Decimal(1), unit_price=total)
    return Quote.objects.get(pk=quote.pk)


def put_on_stage(fx, opportunity, number) -> None:
    """Move OPP-A from stage 1 to stage `number` on 2024-01-20 (stage 4 needs a quote)."""
    if number == 1:
        return
    if number == 4 and reloaded(opportunity).quote_id is None:
        quote_with_total(opportunity, Decimal(9500))
    if number in (2, 3, 4):
        services.update_opportunity(
            opportunity,
            action=UpdateAction.SKIP if number > 2 else UpdateAction.NEXT,
            to_stage=fx.stages[number],
            today=JAN_20,
        )
    else:
        put_on_stage(fx, opportunity, 4)
        services.update_opportunity(opportunity, action=UpdateAction.NEXT, today=JAN_20)
    assert reloaded(opportunity).current_stage == fx.stages[number]
