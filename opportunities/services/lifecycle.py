"""Creating opportunities and moving them through their sales cycle."""

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import cached_property

from contacts.models import Contact, Salesperson
from opportunities.models import CloseOpportunityCode, Opportunity, OpportunityEntry, UpdateAction
from opportunities.services.core import (
    CENT,
    HUNDRED,
    ZERO,
    User,
    active_entry,
    check_amount,
    check_date,
    default_date,
    in_range,
    local_today,
    lock,
    sync,
    write_closing_entry,
    write_entry,
)
from opportunities.services.errors import Refusal
from salescycles.models import SalesCycle, SalesCycleStage

UPDATE_ACTIONS = tuple(UpdateAction)


# --- reading the state -------------------------------------------------------------------------


def cycle_stages(sales_cycle: SalesCycle) -> list[SalesCycleStage]:
    return list(sales_cycle.stages.order_by("stage"))


class Offer:
    """What may be done with an opportunity now, as the services will accept it.

    `commands`: what a page shows: "activate", "update", "close", "create_quote", "delete".
    `actions`: the update actions, each with its target stages in stage order; the
    stages are read when first needed unless they were given. Pages offer only what is here,
    so they never offer what a service would refuse.
    """

    def __init__(
        self,
        opportunity: Opportunity,
        *,
        stages: list[SalesCycleStage] | None = None,
        has_stages: bool | None = None,
    ):
        self.opportunity = opportunity
        self._stages = stages
        self._has_stages = bool(stages) if stages is not None else has_stages
        self.commands = frozenset(self._commands())

    @property
    def stages(self) -> list[SalesCycleStage]:
        if self._stages is None:
            self._stages = cycle_stages(self.opportunity.sales_cycle)
        return self._stages

    @property
    def has_stages(self) -> bool:
        if self._has_stages is None:
            self._has_stages = bool(self.stages)
        return self._has_stages

    @cached_property
    def actions(self) -> dict[UpdateAction, list[SalesCycleStage]]:
        if self.opportunity.closed:
            return {}
        return _update_actions(self.opportunity, self.stages)

    def _commands(self) -> set[str]:
        opportunity = self.opportunity
        if opportunity.closed:
            return {"delete"}
        commands = {"close"}
        if opportunity.status == Opportunity.Status.NOT_STARTED:
            if self.has_stages:  # it starts on the lowest stage: a cycle without any refuses
                commands.add("activate")
            return commands
        # On a stage, updating the figures there is always offered (`_update_actions`).
        if opportunity.current_stage_id is not None or self.has_stages:
            commands.add("update")
        if opportunity.quote_id is None and opportunity.contact.is_company:
            commands.add("create_quote")
        return commands


def has_stages_by_cycle(opportunities: Iterable[Opportunity]) -> dict[int, bool]:
    """Whether each cycle of these opportunities has a stage (activating needs a stage to go
    to): one query for a whole page, whatever its rows, so that a page's statements do not
    depend on which rows it shows. Pass `has_stages=found.get(row.sales_cycle_id)` to
    `offered`."""
    needed = {opportunity.sales_cycle_id for opportunity in opportunities}
    if not needed:
        return {}
    staged = set(
        SalesCycleStage.objects.filter(sales_cycle_id__in=needed)
        .order_by()
        .values_list("sales_cycle_id", flat=True)
        .distinct()
    )
    return {cycle: cycle in staged for cycle in needed}


def stages_by_cycle(opportunities: Iterable[Opportunity]) -> dict[int, list[SalesCycleStage]]:
    """The stages of each cycle of these opportunities, in stage order: one query for a whole
    page, whatever its rows (a list's rows say where "Next" goes, and whether they can be
    activated). A cycle without stages maps to an empty list."""
    needed = {opportunity.sales_cycle_id for opportunity in opportunities}
    if not needed:
        return {}
    found: dict[int, list[SalesCycleStage]] = {cycle: [] for cycle in needed}
    for stage in SalesCycleStage.objects.filter(sales_cycle_id__in=needed).order_by(
        "sales_cycle_id", "stage"
    ):
        found[stage.sales_cycle_id].append(stage)
    return found


def next_stage(opportunity: Opportunity, stages: list[SalesCycleStage]) -> SalesCycleStage | None:
    """Where "Next" takes the opportunity (`stages`: its cycle's, in stage order), if it is
    offered: the stage right after the current one. None on the last stage, when not started
    or closed."""
    targets = available_actions(opportunity, stages=stages).get(UpdateAction.NEXT)
    return targets[0] if targets else None


def offered(
    opportunity: Opportunity,
    *,
    stages: list[SalesCycleStage] | None = None,
    has_stages: bool | None = None,
) -> Offer:
    """The update actions and the commands offered on `opportunity` in its current state.

    What it needs of the cycle's stages is read when needed (one query), unless the caller
    gives them: `stages`, the cycle's stages in stage order, or, enough for the commands,
    `has_stages` (a list's rows get it from `has_stages_by_cycle`, once for the page). The
    commands of a closed opportunity, or of one on a stage, need no stages.
    """
    return Offer(opportunity, stages=stages, has_stages=has_stages)


def available_actions(
    opportunity: Opportunity, *, stages: list[SalesCycleStage] | None = None
) -> dict[UpdateAction, list[SalesCycleStage]]:
    """The update actions offered now, each with its target stages (`offered(...).actions`).

    The default target of skip is its first stage, of jump its last (the immediate neighbour).
    """
    return offered(opportunity, stages=stages).actions


def _update_actions(
    opportunity: Opportunity, stages: list[SalesCycleStage]
) -> dict[UpdateAction, list[SalesCycleStage]]:
    """The update actions of an open opportunity and their targets."""
    if opportunity.current_stage_id is None:
        return {UpdateAction.FIRST: stages[:1]} if stages else {}
    position = next(
        (i for i, stage in enumerate(stages) if stage.pk == opportunity.current_stage_id), None
    )
    if position is None:  # the stage left the cycle: only an update on it stays possible
        return {UpdateAction.UPDATE: [opportunity.current_stage]}
    current = stages[position]
    actions: dict[UpdateAction, list[SalesCycleStage]] = {}
    later, earlier = stages[position + 1 :], stages[:position]
    if later:
        actions[UpdateAction.NEXT] = later[:1]
    if earlier:
        actions[UpdateAction.PREVIOUS] = earlier[-1:]
    if later and later[0].allow_skip:
        targets = []
        for stage in later:
            targets.append(stage)
            if not stage.allow_skip:
                break
        if len(targets) >= 2:
            actions[UpdateAction.SKIP] = targets
    if len(earlier) >= 2:
        actions[UpdateAction.JUMP] = earlier
    actions[UpdateAction.UPDATE] = [current]
    return actions


def default_target(action: UpdateAction, targets: list[SalesCycleStage]) -> SalesCycleStage:
    return targets[-1] if action in (UpdateAction.JUMP, UpdateAction.PREVIOUS) else targets[0]


def update_defaults(
    opportunity: Opportunity,
    *,
    action: UpdateAction | str,
    to_stage: SalesCycleStage | None = None,
    date_of_change: datetime.date | None = None,
    today: datetime.date | None = None,
) -> dict:
    """What the update dialog pre-fills for an action, from the current state."""
    actions = available_actions(opportunity)
    targets = actions.get(action, [])
    target = (
        to_stage if to_stage in targets else (default_target(action, targets) if targets else None)
    )
    active = opportunity.active_entry
    date_of_change = date_of_change or default_date(active, today)
    quote = opportunity.open_quote
    defaults = {
        "to_stage": target,
        "date_of_change": date_of_change,
        "estimated_value": quote.total if quote else (active.estimated_value if active else None),
        "chances_of_success": target.chances_of_success if target else None,
        "estimated_close_date": _default_close_date(target, date_of_change) if target else None,
    }
    return defaults


def close_defaults(
    opportunity: Opportunity,
    *,
    outcome: str | None = None,
    today: datetime.date | None = None,
) -> dict:
    """What the close dialog pre-fills, from the current state.

    `outcome`: won unless lost is asked for; `close_code`: the only code of that outcome, when
    there is exactly one; `date_closed`: the later of today and the last change, the date
    closing takes when none is given; `sales_value`: the open quote's total, which closing as
    won takes whatever is typed, else the estimated value, if any.
    """
    if outcome not in CloseOpportunityCode.Type.values:
        outcome = CloseOpportunityCode.Type.WON
    codes = list(CloseOpportunityCode.objects.filter(type=outcome)[:2])
    quote = opportunity.open_quote
    return {
        "outcome": CloseOpportunityCode.Type(outcome),
        "close_code": codes[0] if len(codes) == 1 else None,
        "date_closed": default_date(active_entry(opportunity), today),
        "sales_value": quote.total if quote is not None else opportunity.estimated_value or None,
    }


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
    return close_date if in_range(close_date) else None


# --- the figures of an entry ------------------------------------------------------------------


def _probability(cycle: SalesCycle, chances: Decimal, completed: Decimal) -> Decimal:
    return cycle.probability(Decimal(chances), Decimal(completed))


def _current_value(estimated_value: Decimal, probability: Decimal) -> Decimal:
    return (Decimal(estimated_value) * probability / HUNDRED).quantize(CENT, ROUND_HALF_UP)


def _check_chances(chances: Decimal) -> None:
    if not ZERO < Decimal(chances) <= HUNDRED:
        raise Refusal("chances_invalid")


def _stage_entry_values(
    opportunity: Opportunity,
    stage: SalesCycleStage,
    *,
    date_of_change: datetime.date,
    estimated_value: Decimal,
    chances_of_success: Decimal | None,
    estimated_close_date: datetime.date | None,
) -> dict:
    """The figures of an entry on `stage`, with the checks on them."""
    chances = stage.chances_of_success if chances_of_success is None else chances_of_success
    _check_chances(chances)
    close_date = estimated_close_date or stage.close_date(date_of_change)
    if close_date < date_of_change:
        raise Refusal("close_date_before_change", close_date=close_date, date=date_of_change)
    check_date(close_date)
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
    user: User | None = None,
) -> Opportunity:
    """Create an opportunity, optionally on the first stage of its cycle."""
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
    check_amount(estimated_value)
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
    write_entry(opportunity, None, user=user, action_taken=OpportunityEntry.Action.FIRST, **values)
    return opportunity


@transaction.atomic
def activate_first_stage(
    opportunity: Opportunity,
    *,
    today: datetime.date | None = None,
    user: User | None = None,
    expected_version: int | None = None,
) -> OpportunityEntry:
    """Put a not-started opportunity on the lowest stage, with estimated value 0."""
    locked = lock(opportunity, expected_version)
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
    entry = write_entry(
        locked, None, user=user, action_taken=OpportunityEntry.Action.FIRST, **values
    )
    sync(opportunity, locked)
    return entry


@transaction.atomic
def update_opportunity(
    opportunity: Opportunity,
    *,
    action: UpdateAction | str,
    to_stage: SalesCycleStage | None = None,
    date_of_change: datetime.date | None = None,
    estimated_value: Decimal | None = None,
    chances_of_success: Decimal | None = None,
    estimated_close_date: datetime.date | None = None,
    today: datetime.date | None = None,
    user: User | None = None,
    expected_version: int | None = None,
) -> OpportunityEntry:
    """Move the opportunity to another stage, or update its figures on the current one (3.4)."""
    locked = lock(opportunity, expected_version)
    if locked.closed:
        raise Refusal("closed", number=locked.number)
    stages = cycle_stages(locked.sales_cycle)
    targets = available_actions(locked, stages=stages).get(action)
    if not targets:
        raise Refusal("action_not_offered", number=locked.number)
    action = UpdateAction(action)
    active = active_entry(locked)
    if date_of_change is None:
        date_of_change = default_date(active, today)
    elif active is not None and date_of_change < active.date_of_change:
        raise Refusal("date_before_last_change", date=date_of_change, last=active.date_of_change)
    check_date(date_of_change)
    if to_stage is None:
        target = default_target(action, targets)
    elif to_stage.pk in {stage.pk for stage in targets}:
        target = next(stage for stage in targets if stage.pk == to_stage.pk)
    else:
        raise Refusal("invalid_target", stage=to_stage.stage)
    forward = action in (UpdateAction.NEXT, UpdateAction.SKIP)
    if forward and target.quote_required and locked.open_quote is None:
        raise Refusal("quote_required", stage=target.stage)
    if estimated_value is None:
        estimated_value = active.estimated_value if active else ZERO
    if Decimal(estimated_value) <= ZERO:
        raise Refusal("estimated_value_required")
    check_amount(estimated_value)
    values = _stage_entry_values(
        locked,
        target,
        date_of_change=date_of_change,
        estimated_value=Decimal(estimated_value),
        chances_of_success=chances_of_success,
        estimated_close_date=estimated_close_date,
    )
    entry = write_entry(
        locked,
        active,
        user=user,
        action_taken=_action_taken(action, target, stages, locked),
        **values,
    )
    sync(opportunity, locked)
    return entry


def _action_taken(
    action: UpdateAction,
    target: SalesCycleStage,
    stages: list[SalesCycleStage],
    opportunity: Opportunity,
) -> OpportunityEntry.Action:
    """The ledger's action follows the final target: only a neighbour is next or previous."""
    if action == UpdateAction.FIRST:
        return OpportunityEntry.Action.FIRST
    if action == UpdateAction.UPDATE:
        return OpportunityEntry.Action.UPDATED
    position = next(i for i, stage in enumerate(stages) if stage.pk == opportunity.current_stage_id)
    forward = action in (UpdateAction.NEXT, UpdateAction.SKIP)
    if stages[position + 1 if forward else position - 1].pk != target.pk:
        return OpportunityEntry.Action.JUMPED
    return OpportunityEntry.Action.NEXT if forward else OpportunityEntry.Action.PREVIOUS


@transaction.atomic
def close_opportunity(
    opportunity: Opportunity,
    *,
    outcome: str,
    close_code: CloseOpportunityCode | None,
    date_closed: datetime.date | None = None,
    sales_value: Decimal | None = None,
    today: datetime.date | None = None,
    user: User | None = None,
    expected_version: int | None = None,
) -> OpportunityEntry:
    """Close a not-started or in-progress opportunity as won or lost."""
    locked = lock(opportunity, expected_version)
    entry = close_locked(
        locked,
        outcome=outcome,
        close_code=close_code,
        date_closed=date_closed,
        sales_value=sales_value,
        today=today,
        user=user,
    )
    sync(opportunity, locked)
    return entry


def close_locked(
    locked: Opportunity,
    *,
    outcome: str,
    close_code: CloseOpportunityCode | None,
    date_closed: datetime.date | None,
    sales_value: Decimal | None,
    today: datetime.date | None,
    user: User | None,
) -> OpportunityEntry:
    """Close an opportunity whose row the caller has locked, by the rules of closing."""
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
    active = active_entry(locked)
    if date_closed is None:
        date_closed = default_date(active, today)
    elif active is not None and date_closed < active.date_of_change:
        raise Refusal("date_before_last_change", date=date_closed, last=active.date_of_change)
    check_date(date_closed)
    if outcome == CloseOpportunityCode.Type.WON:
        quote = locked.open_quote
        sales_value = quote.total if quote is not None else sales_value
        if sales_value is None or Decimal(sales_value) <= ZERO:
            raise Refusal("sales_value_required")
        check_amount(sales_value)
    return write_closing_entry(
        locked,
        active,
        outcome=outcome,
        date_closed=date_closed,
        sales_value=sales_value,
        close_code=close_code,
        user=user,
    )
