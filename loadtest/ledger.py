"""Is the ledger consistent? The checks the load test runs afterwards (also used by the tests).

For every opportunity: a not-started one has no entry; a started one has exactly one active
entry, its newest; each earlier entry's days open reach the next entry's date of change; the
opportunity's figures are its active entry's; a closed one's active entry is its closing entry
and an open one's is a stage entry.
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
        if entries:
            return [f"{name}: not started but has {len(entries)} entries"]
        if opportunity.current_stage_id is not None:
            return [f"{name}: not started but on a stage"]
        return []
    active = [entry for entry in entries if entry.active]
    if len(active) != 1:
        return [f"{name}: {len(active)} active entries"]
    entry = active[0]
    problems = []
    if entry is not entries[-1]:
        problems.append(f"{name}: the active entry is not the newest")
    for earlier, later in itertools.pairwise(entries):
        if earlier.days_open != (later.date_of_change - earlier.date_of_change).days:
            problems.append(f"{name}: entry {earlier.pk} has {earlier.days_open} days open")
    if opportunity.current_stage_id != entry.stage_id:
        problems.append(f"{name}: current stage differs from the active entry's")
    for field in FIGURES:
        if getattr(opportunity, field) != getattr(entry, field):
            problems.append(
                f"{name}: {field} {getattr(opportunity, field)} != entry's {getattr(entry, field)}"
            )
    if opportunity.closed:
        if entry.action_taken != opportunity.status:
            problems.append(
                f"{name}: {opportunity.status} but the active entry is {entry.action_taken}"
            )
        if opportunity.date_closed != entry.date_closed:
            problems.append(f"{name}: date closed differs from the closing entry's")
    elif entry.action_taken in CLOSING or entry.stage_id is None:
        problems.append(f"{name}: open but the active entry is {entry.action_taken}")
    return problems


def ledger_problems(opportunities=None) -> list[str]:
    """Every inconsistency of the given opportunities (a queryset; default: all)."""
    queryset = Opportunity.objects.all() if opportunities is None else opportunities
    entries = OpportunityEntry.objects.order_by("pk")
    problems = []
    for opportunity in queryset.order_by("pk").prefetch_related(Prefetch("entries", entries)):
        problems += problems_of(opportunity, list(opportunity.entries.all()))
    return problems
