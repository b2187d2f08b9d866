"""What the ledger of an opportunity must always satisfy, as checks that name what is wrong.

The services keep these true; the tests (the state machine after every step, the concurrency
and fault tests) and the load test verify them. For every opportunity: a not-started one has no
entry, no stage and no figures; a started one has exactly one active entry, its newest, with
no days open yet; each earlier entry's days open reach the next entry's date of change, and
dates never go back; the opportunity's figures are its active entry's; a closed one's active
entry is a closing entry, without a stage and dated on its closing date, and it was closed
only once (or won, then lost when its order was deleted); an open one's is a stage entry; the
first entry starts the ledger (first) or closes it at once.
"""

import itertools

from django.db.models import Prefetch

from opportunities.models import Opportunity, OpportunityEntry

FIGURES = (
    "estimated_value",
    "chances_of_success",
    "completed",
    "probability",
    "calcd_current_value",
    "estimated_close_date",
)
CLOSING = (OpportunityEntry.Action.WON, OpportunityEntry.Action.LOST)


def problems_of(opportunity: Opportunity, entries: list[OpportunityEntry]) -> list[str]:
    """What is wrong with one opportunity and its entries (in id order); empty when nothing."""
    name = opportunity.number
    if opportunity.status == Opportunity.Status.NOT_STARTED:
        problems = []
        if entries:
            problems.append(f"{name}: not started but has {len(entries)} entries")
        if opportunity.current_stage_id is not None:
            problems.append(f"{name}: not started but on a stage")
        if opportunity.estimated_value or opportunity.calcd_current_value:
            problems.append(f"{name}: not started but with values")
        if opportunity.date_closed is not None:
            problems.append(f"{name}: not started but closed on {opportunity.date_closed}")
        return problems
    active = [entry for entry in entries if entry.active]
    if len(active) != 1:
        return [f"{name}: {len(active)} active entries"]
    entry = active[0]
    problems = []
    if entry is not entries[-1]:
        problems.append(f"{name}: the active entry is not the newest")
    if entry.days_open != 0:
        problems.append(f"{name}: the active entry has {entry.days_open} days open")
    for earlier, later in itertools.pairwise(entries):
        if later.date_of_change < earlier.date_of_change:
            problems.append(f"{name}: entry {later.pk} goes back in time")
        if earlier.days_open != (later.date_of_change - earlier.date_of_change).days:
            problems.append(f"{name}: entry {earlier.pk} has {earlier.days_open} days open")
    if entries[0].action_taken not in (OpportunityEntry.Action.FIRST, *CLOSING):
        problems.append(f"{name}: the ledger starts with {entries[0].action_taken}")
    if opportunity.current_stage_id != entry.stage_id:
        problems.append(f"{name}: current stage differs from the active entry's")
    for field in FIGURES:
        if getattr(opportunity, field) != getattr(entry, field):
            problems.append(
                f"{name}: {field} {getattr(opportunity, field)} != entry's {getattr(entry, field)}"
            )
    # Only one closing entry may come before the active one: the won entry of an opportunity
    # that turned lost when its order was deleted.
    closed_before = [earlier for earlier in entries[:-1] if earlier.action_taken in CLOSING]
    if opportunity.closed:
        if entry.action_taken != opportunity.status:
            problems.append(
                f"{name}: {opportunity.status} but the active entry is {entry.action_taken}"
            )
        order_deleted = (
            len(entries) >= 2
            and closed_before == [entries[-2]]
            and (entries[-2].action_taken, entry.action_taken)
            == (OpportunityEntry.Action.WON, OpportunityEntry.Action.LOST)
        )
        if closed_before and not order_deleted:
            problems.append(f"{name}: closed more than once")
        if entry.stage_id is not None:
            problems.append(f"{name}: the closing entry has a stage")
        if not opportunity.date_closed == entry.date_closed == entry.date_of_change:
            problems.append(f"{name}: date closed differs from the closing entry's")
    else:
        if opportunity.status != Opportunity.Status.IN_PROGRESS:
            problems.append(f"{name}: started but {opportunity.status}")
        if closed_before or entry.stage_id is None:
            problems.append(f"{name}: open but the active entry is {entry.action_taken}")
        if opportunity.date_closed is not None:
            problems.append(f"{name}: open but closed on {opportunity.date_closed}")
    return problems


def ledger_problems(opportunities=None) -> list[str]:
    """Every inconsistency of the given opportunities (a queryset; default: all)."""
    queryset = Opportunity.objects.all() if opportunities is None else opportunities
    entries = OpportunityEntry.objects.order_by("pk")
    problems = []
    for opportunity in queryset.order_by("pk").prefetch_related(Prefetch("entries", entries)):
        problems += problems_of(opportunity, list(opportunity.entries.all()))
    return problems
