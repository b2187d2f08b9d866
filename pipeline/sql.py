"""The SQL of the summaries: what an opportunity or an entry contributes to the figures, the
triggers that append each write's contribution, and the statements that build and fold them.

One definition serves the triggers, the full build and both databases: `opportunity_figures`
and `entry_figures` are SELECTs of the rows a set of opportunities or entries adds to the
figures (times a sign, -1 to take them away); each dialect fills in its own functions for
cents and months.

Which writes change what:
- an opportunity's own row: open ones count on their stage (STAGE), in-progress ones in the
  month of their estimated closing date (FORECAST);
- its entries: the active closing entry counts as closed (CLOSED), each inactive stage entry as
  a finished stay (STAY). Both are filed under the opportunity's cycle, salesperson and
  priority, so a change of those moves its entries' figures too.
The application writes entries active and deactivates them later; an inactive entry written
directly (a bulk load) is only counted by a full build, which a bulk load's TRUNCATE asks for.

Every row is also rolled up (`ROLLUPS`): over the salespeople, over the priorities, over both,
and the closed ones by salesperson without their close code. The triggers append a change's
roll-ups with it, in the same statement, so they stay exactly the sums of the rows they roll up.
"""

from pipeline.models import (
    ALL_PRIORITIES,
    ALL_SALESPEOPLE,
    Figure,
    FigureChange,
    FigureKind,
    FigureState,
)

OPPORTUNITY = "opportunities_opportunity"
ENTRY = "opportunities_opportunityentry"
FIGURE = Figure._meta.db_table
CHANGE = FigureChange._meta.db_table
STATE = FigureState._meta.db_table
COLUMNS = (
    "kind, sales_cycle_id, salesperson_id, priority, stage_id, month, outcome, close_code_id, "
    "count, estimated_cents, current_cents, days"
)
KEY = "kind, sales_cycle_id, salesperson_id, priority, stage_id, month, outcome, close_code_id"
SUMS = "count, estimated_cents, current_cents, days"
# The opportunity's columns that its figures or its entries' figures depend on.
OPPORTUNITY_COLUMNS = (
    "status",
    "current_stage_id",
    "estimated_value",
    "calcd_current_value",
    "estimated_close_date",
    "sales_cycle_id",
    "salesperson_id",
    "priority",
)
DIMENSIONS = ("sales_cycle_id", "salesperson_id", "priority")
ENTRY_COLUMNS = (
    "active",
    "stage_id",
    "days_open",
    "action_taken",
    "close_code_id",
    "estimated_value",
    "calcd_current_value",
    "date_closed",
    "opportunity_id",
)


class Dialect:
    def __init__(self, vendor: str):
        self.vendor = vendor
        self.postgres = vendor == "postgresql"

    def cents(self, value: str) -> str:
        if self.postgres:
            return f"(({value}) * 100)::bigint"
        return f"CAST(ROUND(({value}) * 100) AS INTEGER)"

    def month(self, value: str) -> str:
        if self.postgres:
            return f"(EXTRACT(YEAR FROM {value}) * 100 + EXTRACT(MONTH FROM {value}))::integer"
        return f"CAST(strftime('%Y%m', {value}) AS INTEGER)"

    def true(self, value: str) -> str:
        return value if self.postgres else f"({value} = 1)"


def opportunity_figures(d: Dialect, source: str | None, sign: str) -> str:
    """The STAGE and FORECAST rows of the opportunities in `source` (aliased `o`); without a
    source, of the row a rule names OLD."""
    o, frm = ("o", f"FROM {source} o") if source else ("OLD", "")
    return f"""
        SELECT {FigureKind.STAGE} AS kind, {o}.sales_cycle_id AS sales_cycle_id,
               {o}.salesperson_id AS salesperson_id, {o}.priority AS priority,
               COALESCE({o}.current_stage_id, 0) AS stage_id, 0 AS month, '' AS outcome,
               0 AS close_code_id, {sign} AS count,
               {sign} * {d.cents(f"{o}.estimated_value")} AS estimated_cents,
               {sign} * {d.cents(f"{o}.calcd_current_value")} AS current_cents, 0 AS days
        {frm} WHERE {o}.status IN ('not_started', 'in_progress')
        UNION ALL
        SELECT {FigureKind.FORECAST}, {o}.sales_cycle_id, {o}.salesperson_id, {o}.priority,
               0, {d.month(f"{o}.estimated_close_date")}, '', 0,
               {sign}, {sign} * {d.cents(f"{o}.estimated_value")},
               {sign} * {d.cents(f"{o}.calcd_current_value")}, 0
        {frm} WHERE {o}.status = 'in_progress' AND {o}.estimated_close_date IS NOT NULL"""


def entry_figures(d: Dialect, entries: str, dimensions: str | None, sign: str) -> str:
    """The CLOSED and STAY rows of the entries in `entries` (aliased `e`), filed under the
    cycle, salesperson and priority of their opportunity in `dimensions` (aliased `p`);
    without dimensions, of the row a rule names OLD."""
    if dimensions:
        p, frm = "p", f"FROM {entries} e JOIN {dimensions} p ON p.id = e.opportunity_id WHERE"
    else:
        p, frm = "OLD", f"FROM {entries} e WHERE e.opportunity_id = OLD.id AND"
    return f"""
        SELECT {FigureKind.CLOSED} AS kind, {p}.sales_cycle_id AS sales_cycle_id,
               {p}.salesperson_id AS salesperson_id, {p}.priority AS priority, 0 AS stage_id,
               {d.month("e.date_closed")} AS month, e.action_taken AS outcome,
               COALESCE(e.close_code_id, 0) AS close_code_id, {sign} AS count,
               {sign} * {d.cents("e.estimated_value")} AS estimated_cents,
               {sign} * {d.cents("e.calcd_current_value")} AS current_cents, 0 AS days
        {frm} {d.true("e.active")} AND e.action_taken IN ('won', 'lost')
        UNION ALL
        SELECT {FigureKind.STAY}, {p}.sales_cycle_id, {p}.salesperson_id, {p}.priority,
               e.stage_id, 0, '', 0, {sign}, 0, 0, {sign} * e.days_open
        {frm} NOT {d.true("e.active")} AND e.stage_id IS NOT NULL"""


# What each kept row is also filed under: (its kind, the kind filed, rolled up over the
# salespeople, over the priorities, keeping its close code). The first four of each kind are
# the row itself and its roll-ups; the win rates keep the salesperson and drop the close code.
ROLLUPS = [
    *(
        (kind, kind, salespeople, priorities, True)
        for kind in (FigureKind.STAGE, FigureKind.FORECAST, FigureKind.CLOSED, FigureKind.STAY)
        for salespeople in (False, True)
        for priorities in (False, True)
    ),
    (FigureKind.CLOSED, FigureKind.CLOSED_BY_SALESPERSON, False, False, False),
    (FigureKind.CLOSED, FigureKind.CLOSED_BY_SALESPERSON, False, True, False),
]


def _is_row_itself(rollup) -> bool:
    source, target, salespeople, priorities, by_code = rollup
    return source == target and not salespeople and not priorities and by_code


def rolled_up(rows: str, *, itself: bool = True) -> str:
    """The rows (by key, with their sums) filed under each of their `ROLLUPS`; without
    `itself`, only under the roll-ups."""
    mapping = " UNION ALL ".join(
        f"SELECT {int(source)} AS source, {int(target)} AS target, {int(salespeople)} AS "
        f"all_salespeople, {int(priorities)} AS all_priorities, {int(by_code)} AS by_code"
        for source, target, salespeople, priorities, by_code in ROLLUPS
        if itself or not _is_row_itself((source, target, salespeople, priorities, by_code))
    )
    return f"""
        SELECT r.target AS kind, f.sales_cycle_id AS sales_cycle_id,
               CASE WHEN r.all_salespeople = 1 THEN {ALL_SALESPEOPLE}
                    ELSE f.salesperson_id END AS salesperson_id,
               CASE WHEN r.all_priorities = 1 THEN '{ALL_PRIORITIES}'
                    ELSE f.priority END AS priority,
               f.stage_id AS stage_id, f.month AS month, f.outcome AS outcome,
               CASE WHEN r.by_code = 1 THEN f.close_code_id ELSE 0 END AS close_code_id,
               f.count AS count, f.estimated_cents AS estimated_cents,
               f.current_cents AS current_cents, f.days AS days
        FROM ({rows}) AS f JOIN ({mapping}) AS r ON r.source = f.kind"""


def _by_key(rows: str) -> str:
    return f"""
        SELECT {KEY}, SUM(count) AS count, SUM(estimated_cents) AS estimated_cents,
               SUM(current_cents) AS current_cents, SUM(days) AS days
        FROM ({rows}) AS figures GROUP BY {KEY}"""


def append(rows: str) -> str:
    """Append the rows' sums by key, and their roll-ups, to the changes, leaving out what
    cancels out (the rows summed by key first: a bulk statement's few keys are rolled up)."""
    return f"""
        INSERT INTO {CHANGE} ({COLUMNS})
        SELECT {KEY}, SUM(count), SUM(estimated_cents), SUM(current_cents), SUM(days)
        FROM ({rolled_up(_by_key(rows))}) AS figures
        GROUP BY {KEY}
        HAVING SUM(count) <> 0 OR SUM(estimated_cents) <> 0 OR SUM(current_cents) <> 0
            OR SUM(days) <> 0"""


def build(vendor: str) -> list[str]:
    """Every figure from the data: the totals replaced (the rows, then their roll-ups from
    them), the changes emptied, the state set."""
    d = Dialect(vendor)
    rows = (
        opportunity_figures(d, OPPORTUNITY, "1")
        + "\nUNION ALL\n"
        + entry_figures(d, ENTRY, OPPORTUNITY, "1")
    )
    return [
        f"DELETE FROM {CHANGE}",
        f"DELETE FROM {FIGURE}",
        f"INSERT INTO {FIGURE} ({COLUMNS}) {_by_key(rows)}",
        f"""INSERT INTO {FIGURE} ({COLUMNS})
            {_by_key(rolled_up(f"SELECT {COLUMNS} FROM {FIGURE}", itself=False))}""",
        f"DELETE FROM {STATE}",
        f"INSERT INTO {STATE} (built_at, stale) VALUES (CURRENT_TIMESTAMP, false)",
    ]


def _distinct(d: Dialect, columns, old: str, new: str) -> str:
    operator = "IS DISTINCT FROM" if d.postgres else "IS NOT"
    return " OR ".join(f"{old}.{c} {operator} {new}.{c}" for c in columns)


# --- the triggers -------------------------------------------------------------------------------


def triggers(vendor: str) -> list[str]:
    return _postgres_triggers() if vendor == "postgresql" else _sqlite_triggers()


def drop_triggers(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP RULE IF EXISTS pipeline_opportunity_delete ON {OPPORTUNITY}",
            *(
                f"DROP TRIGGER IF EXISTS {name} ON {table}"
                for name, table in [
                    ("pipeline_opportunity_insert", OPPORTUNITY),
                    ("pipeline_opportunity_update", OPPORTUNITY),
                    ("pipeline_opportunity_truncate", OPPORTUNITY),
                    ("pipeline_entry_insert", ENTRY),
                    ("pipeline_entry_update", ENTRY),
                    ("pipeline_entry_delete", ENTRY),
                    ("pipeline_entry_truncate", ENTRY),
                ]
            ),
            *(
                f"DROP FUNCTION IF EXISTS {name}()"
                for name in (
                    "pipeline_opportunity_insert",
                    "pipeline_opportunity_update",
                    "pipeline_entry_insert",
                    "pipeline_entry_update",
                    "pipeline_entry_delete",
                    "pipeline_forget",
                )
            ),
        ]
    return [
        f"DROP TRIGGER IF EXISTS {name}"
        for name in (
            "pipeline_opportunity_insert",
            "pipeline_opportunity_update",
            "pipeline_opportunity_delete",
            "pipeline_entry_insert",
            "pipeline_entry_update",
            "pipeline_entry_delete",
        )
    ]


def _postgres_triggers() -> list[str]:
    d = Dialect("postgresql")
    changed = _distinct(d, OPPORTUNITY_COLUMNS, "o", "n")
    moved = _distinct(d, DIMENSIONS, "o", "n")
    entry_changed = _distinct(d, ENTRY_COLUMNS, "OLD", "NEW")
    closing = "{row}.active AND {row}.action_taken IN ('won', 'lost')"
    stay = "NOT {row}.active AND {row}.stage_id IS NOT NULL"
    counts = f"({closing} OR {stay})"
    # The opportunity of a row, as a one-row relation `p`.
    owner = f"(SELECT id, sales_cycle_id, salesperson_id, priority FROM {OPPORTUNITY})"
    old_entry = "(SELECT OLD.*)"
    new_entry = "(SELECT NEW.*)"
    return [
        # Statement-level with transition tables: one set-based append per statement, whatever
        # its number of rows (a bulk COPY as well as one service's UPDATE).
        f"""CREATE FUNCTION pipeline_opportunity_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {append(opportunity_figures(d, "new_rows", "1"))};
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER pipeline_opportunity_insert AFTER INSERT ON {OPPORTUNITY}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION pipeline_opportunity_insert()""",
        f"""CREATE FUNCTION pipeline_opportunity_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {
            append(
                opportunity_figures(
                    d,
                    f"(SELECT o.* FROM old_rows o JOIN new_rows n USING (id) WHERE {changed})",
                    "-1",
                )
                + " UNION ALL "
                + opportunity_figures(
                    d,
                    f"(SELECT n.* FROM old_rows o JOIN new_rows n USING (id) WHERE {changed})",
                    "1",
                )
                + " UNION ALL "
                + entry_figures(
                    d,
                    ENTRY,
                    f"(SELECT o.* FROM old_rows o JOIN new_rows n USING (id) WHERE {moved})",
                    "-1",
                )
                + " UNION ALL "
                + entry_figures(
                    d,
                    ENTRY,
                    f"(SELECT n.* FROM old_rows o JOIN new_rows n USING (id) WHERE {moved})",
                    "1",
                )
            )
        };
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER pipeline_opportunity_update AFTER UPDATE ON {OPPORTUNITY}
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION pipeline_opportunity_update()""",
        # A deletion takes away the opportunity's figures and its entries', read before the
        # rows go (the entries go by the foreign key's cascade): a rule, run ahead of the
        # DELETE on exactly the rows it deletes, one statement for any number of them.
        f"""CREATE RULE pipeline_opportunity_delete AS ON DELETE TO {OPPORTUNITY} DO ALSO
            {
            append(
                opportunity_figures(d, None, "-1")
                + " UNION ALL "
                + entry_figures(d, ENTRY, None, "-1")
            )
        }""",
        # Entries: row-level, filtered in the trigger's WHEN, so that only the rows that count
        # call a function (the application writes one or two entries per statement).
        f"""CREATE FUNCTION pipeline_entry_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- While the figures are stale (a bulk load truncated the tables) they will be
            -- built from the data: nothing to append, and no read of the opportunities, whose
            -- table the load may hold.
            IF EXISTS (SELECT 1 FROM {STATE} WHERE stale) THEN
                RETURN NULL;
            END IF;
            {append(entry_figures(d, new_entry, owner, "1"))};
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER pipeline_entry_insert AFTER INSERT ON {ENTRY}
            FOR EACH ROW WHEN ({closing.format(row="NEW")})
            EXECUTE FUNCTION pipeline_entry_insert()""",
        f"""CREATE FUNCTION pipeline_entry_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- While the figures are stale (a bulk load truncated the tables) they will be
            -- built from the data: nothing to append, and no read of the opportunities, whose
            -- table the load may hold.
            IF EXISTS (SELECT 1 FROM {STATE} WHERE stale) THEN
                RETURN NULL;
            END IF;
            {
            append(
                entry_figures(d, old_entry, owner, "-1")
                + " UNION ALL "
                + entry_figures(d, new_entry, owner, "1")
            )
        };
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER pipeline_entry_update AFTER UPDATE ON {ENTRY}
            FOR EACH ROW WHEN (({entry_changed}) AND
                ({counts.format(row="OLD")} OR {counts.format(row="NEW")}))
            EXECUTE FUNCTION pipeline_entry_update()""",
        # An entry deleted with its opportunity was taken away by the rule above: the
        # cascade runs inside the foreign key's trigger (depth 1) and is left out here.
        f"""CREATE FUNCTION pipeline_entry_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- While the figures are stale (a bulk load truncated the tables) they will be
            -- built from the data: nothing to append, and no read of the opportunities, whose
            -- table the load may hold.
            IF EXISTS (SELECT 1 FROM {STATE} WHERE stale) THEN
                RETURN NULL;
            END IF;
            {append(entry_figures(d, old_entry, owner, "-1"))};
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER pipeline_entry_delete AFTER DELETE ON {ENTRY}
            FOR EACH ROW WHEN (pg_trigger_depth() < 1 AND {counts.format(row="OLD")})
            EXECUTE FUNCTION pipeline_entry_delete()""",
        # A TRUNCATE (a bulk load, a test flush) cannot be followed row by row: the next read
        # builds the figures again. An insert, not a delete: concurrent loaders truncating
        # their tables in parallel transactions never wait for one another here.
        f"""CREATE FUNCTION pipeline_forget() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {STATE} (built_at, stale) VALUES (CURRENT_TIMESTAMP, true);
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER pipeline_opportunity_truncate AFTER TRUNCATE ON {OPPORTUNITY}
            FOR EACH STATEMENT EXECUTE FUNCTION pipeline_forget()""",
        f"""CREATE TRIGGER pipeline_entry_truncate AFTER TRUNCATE ON {ENTRY}
            FOR EACH STATEMENT EXECUTE FUNCTION pipeline_forget()""",
    ]


def _row(prefix: str, columns) -> str:
    return "(SELECT " + ", ".join(f"{prefix}.{c} AS {c}" for c in columns) + ")"


def _sqlite_triggers() -> list[str]:
    d = Dialect("sqlite")
    opportunity_columns = ("id", *OPPORTUNITY_COLUMNS)
    entry_columns = ("id", *ENTRY_COLUMNS)
    old, new = _row("OLD", opportunity_columns), _row("NEW", opportunity_columns)
    old_entry, new_entry = _row("OLD", entry_columns), _row("NEW", entry_columns)
    owner = f"(SELECT id, sales_cycle_id, salesperson_id, priority FROM {OPPORTUNITY})"
    closing = "({row}.active = 1 AND {row}.action_taken IN ('won', 'lost'))"
    stay = "({row}.active = 0 AND {row}.stage_id IS NOT NULL)"
    counts = f"({closing} OR {stay})"
    return [
        f"""CREATE TRIGGER pipeline_opportunity_insert AFTER INSERT ON {OPPORTUNITY}
        BEGIN {append(opportunity_figures(d, new, "1"))}; END""",
        f"""CREATE TRIGGER pipeline_opportunity_update AFTER UPDATE ON {OPPORTUNITY}
        WHEN {_distinct(d, OPPORTUNITY_COLUMNS, "OLD", "NEW")}
        BEGIN {
            append(
                opportunity_figures(d, old, "-1")
                + " UNION ALL "
                + opportunity_figures(d, new, "1")
                + " UNION ALL "
                + entry_figures(d, ENTRY, old, "-1")
                + " UNION ALL "
                + entry_figures(d, ENTRY, new, "1")
            )
        }; END""",
        # Before the row goes, while its entries are there (the cascade deletes them after).
        f"""CREATE TRIGGER pipeline_opportunity_delete BEFORE DELETE ON {OPPORTUNITY}
        BEGIN {
            append(
                opportunity_figures(d, old, "-1")
                + " UNION ALL "
                + entry_figures(d, ENTRY, old, "-1")
            )
        }; END""",
        f"""CREATE TRIGGER pipeline_entry_insert AFTER INSERT ON {ENTRY}
        WHEN {closing.format(row="NEW")}
        BEGIN {append(entry_figures(d, new_entry, owner, "1"))}; END""",
        f"""CREATE TRIGGER pipeline_entry_update AFTER UPDATE ON {ENTRY}
        WHEN ({_distinct(d, ENTRY_COLUMNS, "OLD", "NEW")})
            AND ({counts.format(row="OLD")} OR {counts.format(row="NEW")})
        BEGIN {
            append(
                entry_figures(d, old_entry, owner, "-1")
                + " UNION ALL "
                + entry_figures(d, new_entry, owner, "1")
            )
        }; END""",
        # In a cascade the opportunity is already gone (and was taken away with its entries).
        f"""CREATE TRIGGER pipeline_entry_delete AFTER DELETE ON {ENTRY}
        WHEN {counts.format(row="OLD")}
            AND EXISTS (SELECT 1 FROM {OPPORTUNITY} WHERE id = OLD.opportunity_id)
        BEGIN {append(entry_figures(d, old_entry, owner, "-1"))}; END""",
    ]


# --- folding the changes into the totals --------------------------------------------------------


def fold(vendor: str) -> list[str]:
    """Move the changes into the totals and drop the totals that came to zero."""
    sums = ", ".join(f"{c} = {FIGURE}.{c} + excluded.{c}" for c in SUMS.split(", "))
    zero = (
        f"DELETE FROM {FIGURE} "
        "WHERE count = 0 AND estimated_cents = 0 AND current_cents = 0 AND days = 0"
    )
    if vendor == "postgresql":
        # One statement: it takes exactly the changes it sees, and a change committed while
        # it runs stays for the next fold.
        return [
            f"""WITH moved AS (DELETE FROM {CHANGE} RETURNING {COLUMNS})
            INSERT INTO {FIGURE} ({COLUMNS})
            SELECT {KEY}, SUM(count), SUM(estimated_cents), SUM(current_cents), SUM(days)
            FROM moved GROUP BY {KEY} ORDER BY {KEY}
            ON CONFLICT ({KEY}) DO UPDATE SET {sums}""",
            zero,
        ]
    # SQLite: the caller holds the write lock (writers queue), so "every change" is stable.
    return [
        f"""INSERT INTO {FIGURE} ({COLUMNS})
        SELECT {KEY}, SUM(count), SUM(estimated_cents), SUM(current_cents), SUM(days)
        FROM {CHANGE} WHERE true GROUP BY {KEY}
        ON CONFLICT ({KEY}) DO UPDATE SET {sums}""",
        f"DELETE FROM {CHANGE}",
        zero,
    ]
