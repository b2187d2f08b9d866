"""The board of a sales cycle: its columns, their totals and first cards, and a drop's move.

A column's cards are read by keyset in the order of the estimated closing date, then the id
(the not started, who have no closing date, by id), through indexes that hold that order: a
column of 200,000 cards costs what one of 20 does. The first cards of every column come in
one statement, whatever the number of columns.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.utils.translation import gettext as _

from opportunities import permissions, services
from opportunities.models import Opportunity, OpportunityEntry, UpdateAction
from pipeline import figures
from pipeline.figures import Scope, Sums
from salescycles.models import SalesCycle, SalesCycleStage

PER_COLUMN = 10
NOT_STARTED = "0"
WON, LOST = "won", "lost"
CARD_RELATED = ("contact", "salesperson", "current_stage", "quote")


class BadCursor(ValueError):
    """A "load more" cursor this board did not make."""


@dataclass
class Column:
    key: str  # the stage's id, or "0" for not started
    stage: SalesCycleStage | None
    title: str
    sums: Sums
    cards: list = field(default_factory=list)
    more: str | None = None  # the cursor of the next cards, when there are more


def column_rows(scope: Scope, stage_id: int) -> QuerySet:
    """The opportunities of one column under the filters, in the column's order."""
    rows = scope.matching if scope.matching is not None else Opportunity.objects.all()
    rows = rows.filter(sales_cycle_id=scope.sales_cycle_id)
    if scope.salesperson_id is not None:
        rows = rows.filter(salesperson_id=scope.salesperson_id)
    if scope.priority:
        rows = rows.filter(priority=scope.priority)
    if stage_id == 0:
        return rows.filter(status=Opportunity.Status.NOT_STARTED).order_by("pk")
    return rows.filter(status=Opportunity.Status.IN_PROGRESS, current_stage_id=stage_id).order_by(
        "estimated_close_date", "pk"
    )


def cursor_of(card: Opportunity, stage_id: int) -> str:
    if stage_id == 0 or card.estimated_close_date is None:
        return str(card.pk)
    return f"{card.estimated_close_date.isoformat()}~{card.pk}"


def after(rows: QuerySet, stage_id: int, cursor: str) -> QuerySet:
    try:
        if stage_id == 0:
            return rows.filter(pk__gt=int(cursor))
        day, _sep, pk = cursor.partition("~")
        value = (datetime.date.fromisoformat(day), int(pk))
    except ValueError as error:
        raise BadCursor(cursor) from error
    if not 0 < value[1] < 2**63:
        raise BadCursor(cursor)
    return rows.filter(TupleGreaterThan(Tuple(F("estimated_close_date"), F("pk")), value))


def card_details(ids: list[int]) -> dict[int, Opportunity]:
    """The cards' opportunities with what a card shows, and since when they are on their
    stage (the active entry's date of change)."""
    since = OpportunityEntry.objects.filter(opportunity=OuterRef("pk"), active=True).values(
        "date_of_change"
    )[:1]
    rows = (
        Opportunity.objects.filter(pk__in=ids)
        .select_related(*CARD_RELATED)
        .annotate(on_stage_since=Subquery(since))
    )
    return {row.pk: row for row in rows}


def first_cards(scope: Scope, stage_ids: list[int], limit: int) -> dict[int, list[int]]:
    """The ids of the first `limit` cards of each column (one more, to tell whether more
    follow), in one statement: a UNION ALL of each column's index range."""
    parts, params = [], []
    for index, stage_id in enumerate(stage_ids):
        rows = column_rows(scope, stage_id).values_list("pk", "estimated_close_date")[: limit + 1]
        sql, part_params = rows.query.get_compiler(using=rows.db).as_sql()
        parts.append(f"SELECT {index} AS col, c.* FROM ({sql}) c")
        params.extend(part_params)
    found: dict[int, list] = {stage_id: [] for stage_id in stage_ids}
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for index, pk, close_date in cursor.fetchall():
                found[stage_ids[index]].append((str(close_date or ""), pk))
    # A UNION ALL keeps no order: each column's own is put back.
    return {stage_id: [pk for _key, pk in sorted(rows)] for stage_id, rows in found.items()}


def board_columns(
    cycle: SalesCycle, stages: list[SalesCycleStage], scope: Scope, *, per_column: int = PER_COLUMN
) -> list[Column]:
    """Not started, then each stage in stage order: totals and first cards."""
    totals = figures.read(scope, groups=("stages",)).stages
    stage_ids = [0, *(stage.pk for stage in stages)]
    ids = first_cards(scope, stage_ids, per_column)
    details = card_details([pk for found in ids.values() for pk in found[:per_column]])
    columns = []
    for stage_id, stage in zip(stage_ids, [None, *stages], strict=True):
        found = ids[stage_id]
        cards = [details[pk] for pk in found[:per_column] if pk in details]
        column = Column(
            key=str(stage_id),
            stage=stage,
            title=stage.description if stage else _("Not started"),
            sums=totals.get(stage_id, Sums()),
            cards=cards,
        )
        if len(found) > per_column and cards:
            column.more = cursor_of(cards[-1], stage_id)
        columns.append(column)
    return columns


def more_cards(scope: Scope, stage_id: int, cursor: str, *, per_column: int = PER_COLUMN):
    """The cards of a column after `cursor` (from its first without one), and the cursor
    after them (None: no more)."""
    rows = column_rows(scope, stage_id)
    if cursor:
        rows = after(rows, stage_id, cursor)
    ids = list(rows.values_list("pk", flat=True)[: per_column + 1])
    details = card_details(ids[:per_column])
    cards = [details[pk] for pk in ids[:per_column] if pk in details]
    more = cursor_of(cards[-1], stage_id) if len(ids) > per_column and cards else None
    return cards, more


# --- what a card offers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    target: str  # a column's key
    label: str
    next: bool = False  # the stage "Next" goes to: the menu says "Next: <stage>", as the list


def prepare_cards(user, cards, stages: list[SalesCycleStage], today: datetime.date) -> None:
    """A card's commands (as a list row's), its moves and whether it may be dragged."""
    for card in cards:
        commands = permissions.row_commands(user, card, has_stages=bool(stages))
        card.commands = commands
        card.draggable = permissions.can_act_on(user, card) and not card.closed
        card.overdue = bool(card.estimated_close_date and card.estimated_close_date < today)
        since = getattr(card, "on_stage_since", None)
        card.days_on_stage = (today - since).days if since else None
        card.moves = moves_of(card, stages) if card.draggable else []


def moves_of(card: Opportunity, stages: list[SalesCycleStage]) -> list[Move]:
    """The columns the rules let this card go to, in stage order: what a drop there does."""
    if card.status == Opportunity.Status.NOT_STARTED:
        if stages:
            return [Move(str(stages[0].pk), stages[0].description)]
        return []
    actions = services.available_actions(card, stages=stages)
    targets = {}
    for action in (UpdateAction.NEXT, UpdateAction.SKIP, UpdateAction.PREVIOUS, UpdateAction.JUMP):
        for stage in actions.get(action, []):
            targets[stage.pk] = stage
    ordered = sorted(targets.values(), key=lambda stage: stage.stage)
    following = {stage.pk for stage in actions.get(UpdateAction.NEXT, [])}
    return [Move(str(stage.pk), stage.description, next=stage.pk in following) for stage in ordered]


# --- a drop -------------------------------------------------------------------------------------


def refusal(message: str, code: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def move(opportunity: Opportunity, target: str, *, version: int | None, user) -> str:
    """Move the opportunity to the column `target` as the Update dialog would, with the
    dialog's defaults: the next stage is Next, further forward Skip, the previous stage
    Previous, further back Jump, and Not started to the lowest stage activates it. Returns the
    confirmation; a refusal is the rule's ValidationError and nothing is written."""
    stages = list(opportunity.sales_cycle.stages.order_by("stage"))
    by_key = {str(stage.pk): stage for stage in stages}
    number = opportunity.number
    if opportunity.closed:
        raise services.Refusal("closed", number=number)
    if target not in by_key and target != NOT_STARTED:
        raise refusal(_("There is no such column on this board."), "invalid_target")
    if opportunity.status == Opportunity.Status.NOT_STARTED:
        if target == NOT_STARTED:
            return _("%(number)s stays where it is.") % {"number": number}
        if not stages or by_key[target] != stages[0]:
            raise refusal(
                _("%(number)s is not started: it can only go to the first stage, %(stage)s."),
                "action_not_offered",
                number=number,
                stage=stages[0].description if stages else "",
            )
        entry = services.activate_first_stage(opportunity, user=user, expected_version=version)
        return _("%(number)s activated on stage %(stage)s.") % {
            "number": number,
            "stage": entry.stage_description,
        }
    if target == NOT_STARTED:
        raise refusal(
            _("%(number)s has started: it cannot go back to Not started."),
            "action_not_offered",
            number=number,
        )
    target_stage = by_key[target]
    position = next(
        (i for i, stage in enumerate(stages) if stage.pk == opportunity.current_stage_id), None
    )
    if position is None:
        raise services.Refusal("action_not_offered", number=number)
    wanted = stages.index(target_stage)
    if wanted == position:
        return _("%(number)s stays where it is.") % {"number": number}
    if wanted == position + 1:
        action = UpdateAction.NEXT
    elif wanted > position + 1:
        action = UpdateAction.SKIP
        for passed in stages[position + 1 : wanted]:
            if not passed.allow_skip:
                raise refusal(
                    _(
                        "%(number)s cannot skip to %(target)s: stage %(stage)s does not allow "
                        "skipping it."
                    ),
                    "invalid_target",
                    number=number,
                    target=target_stage.description,
                    stage=passed.description,
                )
    elif wanted == position - 1:
        action = UpdateAction.PREVIOUS
    else:
        action = UpdateAction.JUMP
    defaults = services.update_defaults(opportunity, action=action, to_stage=target_stage)
    entry = services.update_opportunity(
        opportunity,
        action=action,
        to_stage=target_stage,
        date_of_change=defaults["date_of_change"],
        estimated_value=defaults["estimated_value"],
        chances_of_success=defaults["chances_of_success"],
        estimated_close_date=defaults["estimated_close_date"],
        user=user,
        expected_version=version,
    )
    return _("%(number)s moved to %(stage)s.") % {
        "number": number,
        "stage": entry.stage_description,
    }
