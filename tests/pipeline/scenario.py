"""Random histories of opportunities, made through the services from a seed, and the figures
computed from scratch from the opportunities and their entries.

`random_history` creates, activates, moves (every update action), closes, quotes, orders,
deletes orders and quotes, reassigns, reprioritises and deletes opportunities of two cycles,
at dates spread over a few months, so that every summary row can change in every way the
application changes it. `expected_rows` is the independent computation the summaries are
checked against: plain Python over every opportunity and entry.
"""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError

from opportunities import services
from opportunities.models import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    Quote,
    SalesOrder,
)
from pipeline.models import (
    ALL_PRIORITIES,
    ALL_SALESPEOPLE,
    Figure,
    FigureChange,
    FigureKind,
)
from salescycles import demo
from salescycles.models import SalesCycle

START = datetime.date(2024, 1, 8)


def month(day: datetime.date) -> int:
    return day.year * 100 + day.month


def cents(value: Decimal) -> int:
    return int((Decimal(value) * 100).to_integral_value())


def quick_cycle() -> SalesCycle:
    """The demo data's QUICK cycle (three stages, skips allowed), made once."""
    found = SalesCycle.objects.filter(code=demo.QUICK.code).first()
    return found or demo.create_cycle(demo.QUICK)[0]


def random_history(fx, seed: int, steps: int = 60, *, cycles=None) -> random.Random:
    """`steps` random actions on the fixture's contacts and salespeople; refusals are part of
    the history (they must leave no figure behind)."""
    rng = random.Random(seed)
    if cycles is None:
        cycles = [fx.STD, quick_cycle()]
    contacts = [fx.CT100, fx.CT101, fx.CT200, fx.CT201, fx.CT300]
    people = [fx.JO, fx.AH]
    codes = {
        kind: list(CloseOpportunityCode.objects.filter(type=kind))
        for kind in CloseOpportunityCode.Type.values
    }
    day = START

    def money() -> Decimal:
        return Decimal(rng.randint(100, 5_000_000)) / 100

    def pick(queryset):
        found = list(queryset.order_by("pk"))
        return rng.choice(found) if found else None

    for _step in range(steps):
        day += datetime.timedelta(days=rng.choice([0, 0, 1, 2, 5, 9]))
        choice = rng.random()
        try:
            if choice < 0.22 or not Opportunity.objects.exists():
                activate = rng.random() < 0.7
                services.create_opportunity(
                    description=f"Deal {rng.randint(1, 999)}",
                    contact=rng.choice(contacts),
                    salesperson=rng.choice(people),
                    sales_cycle=rng.choice(cycles),
                    priority=rng.choice(Opportunity.Priority.values),
                    activate_first_stage=activate,
                    estimated_value=money() if activate else None,
                    chances_of_success=Decimal(rng.randint(1, 100)) if rng.random() < 0.5 else None,
                    today=day,
                )
            elif choice < 0.3:
                opportunity = pick(
                    Opportunity.objects.filter(status=Opportunity.Status.NOT_STARTED)
                )
                if opportunity:
                    services.activate_first_stage(opportunity, today=day)
            elif choice < 0.6:
                opportunity = pick(
                    Opportunity.objects.filter(status=Opportunity.Status.IN_PROGRESS)
                )
                if opportunity:
                    actions = services.available_actions(opportunity)
                    action = rng.choice(list(actions))
                    services.update_opportunity(
                        opportunity,
                        action=action,
                        to_stage=rng.choice(actions[action]),
                        estimated_value=money() if rng.random() < 0.6 else None,
                        chances_of_success=Decimal(rng.randint(1, 100))
                        if rng.random() < 0.3
                        else None,
                        today=day,
                    )
            elif choice < 0.72:
                opportunity = pick(Opportunity.objects.filter(status__in=Opportunity.OPEN_STATUSES))
                if opportunity:
                    outcome = rng.choice(CloseOpportunityCode.Type.values)
                    services.close_opportunity(
                        opportunity,
                        outcome=outcome,
                        close_code=rng.choice(codes[outcome]),
                        sales_value=money(),
                        today=day,
                    )
            elif choice < 0.8:
                opportunity = pick(
                    Opportunity.objects.filter(status=Opportunity.Status.IN_PROGRESS).filter(
                        quote__isnull=True, contact__type="company"
                    )
                )
                if opportunity:
                    quote = services.create_quote(opportunity, today=day)
                    services.add_quote_line(
                        quote, description="Desks", quantity=Decimal(2), unit_price=money()
                    )
            elif choice < 0.86:
                quote = pick(Quote.objects.filter(status=Quote.Status.OPEN))
                if quote:
                    if rng.random() < 0.7:
                        if quote.customer is None and not hasattr(quote.contact, "customer"):
                            services.create_customer(quote.contact)
                        services.make_order(
                            Quote.objects.get(pk=quote.pk),
                            close_code=rng.choice(codes["won"]),
                            today=day,
                        )
                    else:
                        services.delete_quote(quote)
            elif choice < 0.9:
                order = pick(SalesOrder.objects.all())
                if order:
                    services.delete_order(order, today=day)
            elif choice < 0.96:
                opportunity = pick(Opportunity.objects.filter(status__in=Opportunity.OPEN_STATUSES))
                if opportunity:
                    services.change_opportunity(
                        opportunity,
                        salesperson=rng.choice(people),
                        priority=rng.choice(Opportunity.Priority.values),
                    )
            elif choice < 0.985:
                opportunity = pick(
                    Opportunity.objects.filter(status__in=Opportunity.CLOSED_STATUSES)
                )
                if opportunity:
                    services.delete_opportunity(opportunity)
            else:
                services.delete_closed_opportunities(
                    salesperson=rng.choice(people), chunk_size=rng.choice([1, 2, 50])
                )
        except ValidationError:
            pass  # a refused action writes nothing
    return rng


def expected_rows() -> dict[tuple, tuple]:
    """Every summary row, from the opportunities and entries: key -> (count, estimated cents,
    current cents, days)."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    opportunities = {o.pk: o for o in Opportunity.objects.all()}

    def add(key, count, estimated=0, current=0, days=0):
        row = totals[key]
        row[0] += count
        row[1] += estimated
        row[2] += current
        row[3] += days

    for o in opportunities.values():
        dims = (o.sales_cycle_id, o.salesperson_id, o.priority)
        if not o.closed:
            key = (FigureKind.STAGE, *dims, o.current_stage_id or 0, 0, "", 0)
            add(key, 1, cents(o.estimated_value), cents(o.calcd_current_value))
        if o.status == Opportunity.Status.IN_PROGRESS and o.estimated_close_date:
            key = (FigureKind.FORECAST, *dims, 0, month(o.estimated_close_date), "", 0)
            add(key, 1, cents(o.estimated_value), cents(o.calcd_current_value))
    for e in OpportunityEntry.objects.all():
        o = opportunities[e.opportunity_id]
        dims = (o.sales_cycle_id, o.salesperson_id, o.priority)
        if e.active and e.is_closing:
            key = (FigureKind.CLOSED, *dims, 0, month(e.date_closed), e.action_taken)
            add(
                (*key, e.close_code_id or 0),
                1,
                cents(e.estimated_value),
                cents(e.calcd_current_value),
            )
        if not e.active and e.stage_id is not None:
            add((FigureKind.STAY, *dims, e.stage_id, 0, "", 0), 1, days=e.days_open)
    # Each row summed again over every salesperson, every priority, both; the closed ones
    # also by salesperson whatever their close code.
    for key, values in list(totals.items()):
        kind, cycle, salesperson, priority, stage, month_, outcome, code = key
        rolled = [
            (kind, cycle, ALL_SALESPEOPLE, priority, stage, month_, outcome, code),
            (kind, cycle, salesperson, ALL_PRIORITIES, stage, month_, outcome, code),
            (kind, cycle, ALL_SALESPEOPLE, ALL_PRIORITIES, stage, month_, outcome, code),
        ]
        if kind == FigureKind.CLOSED:
            by_salesperson = (FigureKind.CLOSED_BY_SALESPERSON, cycle, salesperson)
            rolled.append((*by_salesperson, priority, 0, month_, outcome, 0))
            rolled.append((*by_salesperson, ALL_PRIORITIES, 0, month_, outcome, 0))
        for other in rolled:
            add(other, *values)
    return {key: tuple(values) for key, values in totals.items() if any(values)}


def summary_rows() -> dict[tuple, tuple]:
    """The summaries as they stand: the totals plus the changes not folded yet."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for model in (Figure, FigureChange):
        for row in model.objects.values_list(*Figure.KEY, *Figure.SUMS):
            sums = totals[tuple(row[: len(Figure.KEY)])]
            for index, value in enumerate(row[len(Figure.KEY) :]):
                sums[index] += value
    return {key: tuple(values) for key, values in totals.items() if any(values)}
