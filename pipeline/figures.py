"""Reading the figures: from the summaries, or from the opportunities themselves.

`read` answers every figure of one sales cycle under the board's filters. Filters the
summaries are kept by (salesperson, priority) read them, rolled up over the filters not set:
a row per stage, month or close code, whatever the number of opportunities (the win rates a
row per salesperson and month). A contact or a search reads the opportunities that match
(the list's own filters decide which), through their indexes.

Before reading, `prepare` builds the summaries when they are not built (after a migration or a
bulk load) and folds the appended changes into the totals when they have piled up.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import OperationalError, connection, transaction
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from psycopg import errors

from opportunities.models import Opportunity, OpportunityEntry
from pipeline import sql
from pipeline.models import ALL_PRIORITIES, ALL_SALESPEOPLE, FigureKind

# Changes are folded into the totals once there are more than this many.
FOLD_AT = 500
# Whoever folds or builds holds this lock (PostgreSQL); writers never take it.
LOCK_KEY = 7_301_012
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=20, decimal_places=2)


@dataclass
class Sums:
    """How many opportunities (or stays), their estimated and current values, their days."""

    count: int = 0
    estimated: Decimal = Decimal("0.00")
    current: Decimal = Decimal("0.00")
    days: int = 0

    def add(self, other: "Sums") -> None:
        self.count += other.count
        self.estimated += other.estimated
        self.current += other.current
        self.days += other.days

    def minus(self, other: "Sums") -> "Sums":
        return Sums(
            self.count - other.count,
            self.estimated - other.estimated,
            self.current - other.current,
            self.days - other.days,
        )

    @property
    def average_days(self) -> Decimal | None:
        if not self.count:
            return None
        return (Decimal(self.days) / self.count).quantize(Decimal("0.1"))


def _sums(count, estimated_cents, current_cents, days) -> Sums:
    return Sums(
        int(count or 0),
        (Decimal(int(estimated_cents or 0)) / 100).quantize(CENT),
        (Decimal(int(current_cents or 0)) / 100).quantize(CENT),
        int(days or 0),
    )


@dataclass
class Figures:
    """One cycle's figures under the filters. Keys: stage ids (0: not started), months as
    YYYYMM, outcomes "won"/"lost", salesperson and close code ids (0: no close code)."""

    stages: dict[int, Sums] = field(default_factory=lambda: defaultdict(Sums))
    stays: dict[int, Sums] = field(default_factory=lambda: defaultdict(Sums))
    forecast: dict[int, Sums] = field(default_factory=lambda: defaultdict(Sums))
    closed_by_month: dict[tuple[int, str], Sums] = field(default_factory=lambda: defaultdict(Sums))
    closed_by_salesperson: dict[tuple[int, str], Sums] = field(
        default_factory=lambda: defaultdict(Sums)
    )
    closed_by_code: dict[tuple[int, str], Sums] = field(default_factory=lambda: defaultdict(Sums))
    # In-progress opportunities of the current month whose closing date has passed.
    overdue_this_month: Sums = field(default_factory=Sums)


@dataclass(frozen=True)
class Scope:
    """What the figures are read for: a cycle, the board's filters, a period of months."""

    sales_cycle_id: int
    salesperson_id: int | None = None
    priority: str | None = None
    # The opportunities a contact or a search leaves (the list's FilterSet); None: all.
    matching: QuerySet | None = None
    month_from: int = 0
    month_to: int = 999_999
    today: datetime.date | None = None

    @property
    def summarised(self) -> bool:
        return self.matching is None


def month_key(day: datetime.date) -> int:
    return day.year * 100 + day.month


# --- building and folding -----------------------------------------------------------------------


def prepare() -> None:
    """Make the summaries ready to read: built if they are not, the changes folded into the
    totals when there are many. One small query when there is nothing to do."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {sql.STATE} WHERE NOT stale), "
            f"(SELECT COUNT(*) FROM {sql.STATE} WHERE stale), "
            f"(SELECT COUNT(*) FROM (SELECT 1 FROM {sql.CHANGE} LIMIT {FOLD_AT + 1}) AS c)"
        )
        built, stale, changes = cursor.fetchone()
    if not built or stale:
        build()
        tidy(sql.CHANGE, sql.FIGURE)
    elif changes > FOLD_AT and fold():
        tidy(sql.CHANGE)  # (not when another request's fold ran instead: it tidies)


def tidy(*tables: str) -> None:
    """After a build or a fold, the rows they deleted or replaced vacuumed away at once
    (PostgreSQL, outside a transaction): the next reads of the changes, a table meant to stay
    small, would otherwise step over every dead row until autovacuum comes by (hundreds of
    milliseconds after a bulk load or a large deletion)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


def _locked(cursor, *, wait: bool) -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite: a writer holds the whole database
    if wait:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        return True
    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
    return cursor.fetchone()[0]


def build() -> None:
    """Every figure again from the opportunities and their entries.

    On PostgreSQL in one snapshot (REPEATABLE READ), so that the changes a concurrent writer
    appends belong either to the data read or to the changes kept, never to both.
    """
    outermost = not connection.in_atomic_block
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if outermost and connection.vendor == "postgresql":
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            _locked(cursor, wait=True)
            for statement in sql.build(connection.vendor):
                cursor.execute(statement)
    except OperationalError as error:
        # Two requests found the figures stale at once: the one that waited for the lock read
        # its snapshot before the other's build committed, and that build is the one it would
        # have made. Anything else is an error.
        if not (outermost and isinstance(error.__cause__, errors.SerializationFailure)):
            raise


def fold() -> bool:
    """Fold the changes into the totals (skipped while another fold runs); whether it did."""
    with transaction.atomic(), connection.cursor() as cursor:
        if not _locked(cursor, wait=False):
            return False
        for statement in sql.fold(connection.vendor):
            cursor.execute(statement)
    return True


# --- reading ------------------------------------------------------------------------------------

GROUPS = {
    # name: (the key column, whether the outcome splits it)
    "stages": ("stage_id", False),
    "stays": ("stage_id", False),
    "forecast": ("month", False),
    "closed_by_month": ("month", True),
    "closed_by_salesperson": ("salesperson_id", True),
    "closed_by_code": ("close_code_id", True),
}
# The summary rows each figure is summed from: name -> kind (the closed ones in the period).
SOURCES = {
    "stages": FigureKind.STAGE,
    "stays": FigureKind.STAY,
    "forecast": FigureKind.FORECAST,
    "closed_by_month": FigureKind.CLOSED,
    "closed_by_code": FigureKind.CLOSED,
}
SELECTED = (
    "salesperson_id, stage_id, month, outcome, close_code_id, count, estimated_cents, "
    "current_cents, days"
)


def read(scope: Scope, groups=tuple(GROUPS)) -> Figures:
    if scope.summarised:
        return _summarised(scope, groups)
    figures = _counted(scope, groups)
    if "forecast" in groups:
        figures.overdue_this_month = _overdue_this_month(scope)
    return figures


def _ranges(scope: Scope, groups) -> dict[int, tuple[str, list]]:
    """Per kind read, the summary rows under the filters: the rolled-up ones where a filter is
    not set, so that a kind reads a row per stage or month (and close code), or, for the win
    rates of every salesperson, a row per salesperson and month."""
    salesperson = ALL_SALESPEOPLE if scope.salesperson_id is None else scope.salesperson_id
    priority = scope.priority or ALL_PRIORITIES
    period = [scope.month_from, scope.month_to]
    ranges = {}
    for name in groups:
        kind = SOURCES.get(name)
        if name == "closed_by_salesperson":
            if scope.salesperson_id is None:
                ranges[FigureKind.CLOSED_BY_SALESPERSON] = (
                    "priority = %s AND month BETWEEN %s AND %s AND salesperson_id <> %s",
                    [priority, *period, ALL_SALESPEOPLE],
                )
                continue
            kind = FigureKind.CLOSED  # one salesperson: the closed rows are theirs
        condition, params = "salesperson_id = %s AND priority = %s", [salesperson, priority]
        if kind == FigureKind.CLOSED:
            condition += " AND stage_id = 0 AND month BETWEEN %s AND %s"
            params += period
        ranges[kind] = (condition, params)
    return ranges


def _summarised(scope: Scope, groups) -> Figures:
    """The figures from the totals and the changes, in one statement (one snapshot)."""
    ranges = _ranges(scope, groups)
    parts, params = [], []
    for kind, (condition, values) in sorted(ranges.items()):
        for table in (sql.FIGURE, sql.CHANGE):
            parts.append(
                f"SELECT {int(kind)} AS kind, {SELECTED} FROM {table} "
                f"WHERE sales_cycle_id = %s AND kind = {int(kind)} AND {condition}"
            )
            params += [scope.sales_cycle_id, *values]
    sums = "SUM(count), SUM(estimated_cents), SUM(current_cents), SUM(days)"
    selects = []
    for name in groups:
        key, by_outcome = GROUPS[name]
        kind = SOURCES.get(name)
        if kind is None:
            kind = (
                FigureKind.CLOSED_BY_SALESPERSON
                if FigureKind.CLOSED_BY_SALESPERSON in ranges
                else FigureKind.CLOSED
            )
        outcome = "outcome" if by_outcome else "''"
        selects.append(
            f"SELECT '{name}', {key}, {outcome}, {sums} FROM f WHERE kind = {int(kind)} "
            f"GROUP BY {key}{', outcome' if by_outcome else ''}"
        )
    if "forecast" in groups:
        # This month's part of the forecast already overdue: an index range on the
        # opportunities, in the same statement.
        overdue, overdue_params = _overdue_rows(scope)
        selects.append(overdue)
        params += overdue_params
    statement = f"WITH f AS ({' UNION ALL '.join(parts)}) " + " UNION ALL ".join(selects)
    figures = Figures()
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for name, key, outcome, *found in cursor.fetchall():
            found = _sums(*found)
            if name == "overdue":
                figures.overdue_this_month = found
                continue
            if not (found.count or found.estimated or found.current or found.days):
                continue
            target = getattr(figures, name)
            target[(int(key), outcome) if GROUPS[name][1] else int(key)] = found
    return figures


def _money(name: str) -> Coalesce:
    return Coalesce(Sum(name), Value(Decimal(0)), output_field=MONEY)


def _month_of(field_name: str):
    return ExtractYear(field_name) * 100 + ExtractMonth(field_name)


def _counted(scope: Scope, groups) -> Figures:
    """The figures from the opportunities the filters leave (a contact, a search)."""
    figures = Figures()
    opportunities = scope.matching.filter(sales_cycle_id=scope.sales_cycle_id)
    if scope.salesperson_id is not None:
        opportunities = opportunities.filter(salesperson_id=scope.salesperson_id)
    if scope.priority:
        opportunities = opportunities.filter(priority=scope.priority)
    sums = {"n": Count("pk"), "estimated": _money("estimated_value")}
    sums["current"] = _money("calcd_current_value")
    if "stages" in groups:
        rows = (
            opportunities.filter(status__in=Opportunity.OPEN_STATUSES)
            .values(key=Coalesce("current_stage_id", Value(0)))
            .annotate(**sums)
            .order_by()
        )
        for row in rows:
            figures.stages[row["key"]] = Sums(row["n"], row["estimated"], row["current"])
    if "forecast" in groups:
        rows = (
            opportunities.filter(status=Opportunity.Status.IN_PROGRESS)
            .filter(estimated_close_date__isnull=False)
            .values(key=_month_of("estimated_close_date"))
            .annotate(**sums)
            .order_by()
        )
        for row in rows:
            figures.forecast[row["key"]] = Sums(row["n"], row["estimated"], row["current"])
    entries = OpportunityEntry.objects.filter(opportunity__in=opportunities.values("pk"))
    if "stays" in groups:
        rows = (
            entries.filter(active=False, stage__isnull=False)
            .values(key=F("stage_id"))
            .annotate(n=Count("pk"), days=Coalesce(Sum("days_open"), 0))
            .order_by()
        )
        for row in rows:
            figures.stays[row["key"]] = Sums(row["n"], days=row["days"])
    closed = entries.filter(
        active=True, action_taken__in=[OpportunityEntry.Action.WON, OpportunityEntry.Action.LOST]
    ).annotate(month=_month_of("date_closed"))
    closed = closed.filter(month__gte=scope.month_from, month__lte=scope.month_to)
    for name, key in (
        ("closed_by_month", F("month")),
        ("closed_by_salesperson", F("opportunity__salesperson_id")),
        ("closed_by_code", Coalesce("close_code_id", Value(0))),
    ):
        if name not in groups:
            continue
        rows = closed.values("action_taken", key=key).annotate(**sums).order_by()
        target = getattr(figures, name)
        for row in rows:
            target[(row["key"], row["action_taken"])] = Sums(
                row["n"], row["estimated"], row["current"]
            )
    return figures


def _overdue_rows(scope: Scope) -> tuple[str, list]:
    """The summarised scope's `_overdue_this_month`, as a part of the summaries' statement."""
    today = scope.today or datetime.date.today()
    d = sql.Dialect(connection.vendor)
    where = ["sales_cycle_id = %s", "status = %s", "estimated_close_date >= %s"]
    where.append("estimated_close_date < %s")
    params = [scope.sales_cycle_id, Opportunity.Status.IN_PROGRESS, today.replace(day=1), today]
    if scope.salesperson_id is not None:
        where.append("salesperson_id = %s")
        params.append(scope.salesperson_id)
    if scope.priority:
        where.append("priority = %s")
        params.append(scope.priority)
    return (
        f"SELECT 'overdue', 0, '', COUNT(*), SUM({d.cents('estimated_value')}), "
        f"SUM({d.cents('calcd_current_value')}), 0 FROM {sql.OPPORTUNITY} "
        f"WHERE {' AND '.join(where)}",
        params,
    )


def _overdue_this_month(scope: Scope) -> Sums:
    """The in-progress opportunities of this month whose closing date has passed: the one
    part of the forecast that the months of the summaries cannot tell (an index range)."""
    today = scope.today or datetime.date.today()
    opportunities = scope.matching if scope.matching is not None else Opportunity.objects.all()
    opportunities = opportunities.filter(
        sales_cycle_id=scope.sales_cycle_id,
        status=Opportunity.Status.IN_PROGRESS,
        estimated_close_date__gte=today.replace(day=1),
        estimated_close_date__lt=today,
    )
    if scope.salesperson_id is not None:
        opportunities = opportunities.filter(salesperson_id=scope.salesperson_id)
    if scope.priority:
        opportunities = opportunities.filter(priority=scope.priority)
    found = opportunities.aggregate(
        n=Count("pk"), estimated=_money("estimated_value"), current=_money("calcd_current_value")
    )
    return Sums(found["n"], found["estimated"], found["current"])


def stage_filter(stage_id: int) -> Q:
    return Q(current_stage__isnull=True) if stage_id == 0 else Q(current_stage_id=stage_id)
