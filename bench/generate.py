"""The benchmark's data: every row of every table, generated from a seed, and the fast loaders.

The data set is consistent with the rules: opportunities in every status, about ten
ledger entries per started opportunity with exactly one active, the opportunity's figures
copied from its active entry, open quotes where a stage required one, converted quotes and
orders for won deals, customers for the contacts that buy. The sales cycles are the demo
data's (salescycles.demo). Statuses and entry counts repeat as a shuffled pattern in blocks
of `BLOCK` opportunities, so any two number ranges aligned on a block hold exactly the same
number of closed opportunities and entries: the batch deletion and its raw baseline delete
comparable data.

A row is given by column name and written in the order of its model's concrete fields
(`Table`): a column that the generator does not fill, or a name that is no column, stops the
load with that name, so a model change breaks the benchmark here and nowhere else.

PostgreSQL is loaded with COPY (one connection per big table, all streams open at once, into
tables emptied in the same transaction so that COPY FREEZE applies), with the secondary
indexes and foreign keys dropped during the load and rebuilt after. SQLite is loaded with
executemany in one transaction.
"""

import contextlib
import datetime
import operator
import random
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps

from salescycles import demo, formulas

BLOCK = 20
# One block: (status, number of entries); the not started have none. Shuffled in each block.
_STARTED = ["in_progress"] * 7 + ["won"] * 7 + ["lost"] * 4
BLOCK_PATTERN = [("not_started", 0)] * 2 + [
    (status, 8 + index % 5) for index, status in enumerate(_STARTED)
]
assert len(BLOCK_PATTERN) == BLOCK

SALESPEOPLE = 50
PRODUCTS = [
    "Office furniture",
    "Conference room setup",
    "Laptops",
    "Support contract",
    "Training days",
    "Cloud migration",
    "Network upgrade",
    "Printers",
    "Software licences",
    "Consulting",
]
# A quarter of the opportunities are large accounts' (companies), half standard, a quarter
# quick sales. Quotes are made for companies only: a person's opportunity stops before the
# first stage that requires one.
COMPANY_CYCLE, MAIN_CYCLE, SMALL_CYCLE = demo.LARGE.code, demo.STD.code, demo.QUICK.code
CLOSE_CODES = [
    ("W-PRICE", "Best price", "won"),
    ("W-REL", "Relationship", "won"),
    ("W-PRODUCT", "Best product", "won"),
    ("L-PRICE", "Too expensive", "lost"),
    ("L-COMP", "Lost to a competitor", "lost"),
    ("L-BUDGET", "No budget", "lost"),
    ("L-TIMING", "Bad timing", "lost"),
]

SETUP_MODELS = [
    "contacts.Salesperson",
    "contacts.Contact",
    "contacts.Customer",
    "salescycles.SalesCycle",
    "salescycles.SalesCycleStage",
    "opportunities.CloseOpportunityCode",
]
BULK_MODELS = [
    "opportunities.Quote",
    "opportunities.QuoteLine",
    "opportunities.SalesOrder",
    "opportunities.SalesOrderLine",
    "opportunities.Opportunity",
    "opportunities.OpportunityEntry",
]
SERIES_MODEL = "numbering.NumberSeries"
# A not-started opportunity's figures; a started one's are its active entry's.
NOT_STARTED_FIGURES = {
    "estimated_value": "0.00",
    "chances_of_success": "0.00",
    "completed": "0.00",
    "probability": "0.000000",
    "calcd_current_value": "0.00",
    "estimated_close_date": None,
}


class ColumnMismatch(RuntimeError):
    """The generator and a model disagree about the model's columns."""


class Table:
    """A model's table: its name and its columns (the model's concrete fields, in order)."""

    def __init__(self, label: str):
        model = apps.get_model(label)
        self.label = label
        self.name = model._meta.db_table
        self.columns = tuple(field.column for field in model._meta.concrete_fields)
        self._in_order = operator.itemgetter(*self.columns)

    def row(self, values: dict) -> tuple:
        """The values, given by column name, in the column order; every column exactly once."""
        if len(values) == len(self.columns):
            try:
                return self._in_order(values)
            except KeyError:
                pass
        missing = [column for column in self.columns if column not in values]
        unknown = [name for name in values if name not in self.columns]
        raise ColumnMismatch(
            f"bench/generate.py is out of date for {self.label} (table {self.name}): "
            f"no value for the columns {missing}; not columns: {unknown}"
        )


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def percent(value: int) -> str:
    return f"{value}.00"


def probability_text(micro: int) -> str:
    """A probability held in millionths of a percent, as the field's six decimals."""
    return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"


def probability_micro(method: str, chances: int, completed: int) -> int:
    """An entry's probability by its cycle's method, exactly, in millionths of a percent."""
    if method == "add":
        return (chances + completed) * 500_000
    if method == "chances":
        return chances * 1_000_000
    if method == "completed":
        return completed * 1_000_000
    return chances * completed * 10_000


def current_value_cents(estimated_cents: int, micro: int) -> int:
    """estimated value x probability / 100, rounded half up to the cent."""
    return (estimated_cents * micro * 2 + 100_000_000) // 200_000_000


@dataclass
class Stage:
    """A stage of salescycles.demo with its row id and its figures as the columns take them."""

    id: int
    stage: int
    description: str
    quote_required: bool
    formula: str
    probability: int  # millionths of a percent, by the cycle's method
    completed: str
    chances: str
    probability_text: str


@dataclass
class Cycle:
    id: int
    stages: list[Stage]
    person_stages: list[Stage]  # those before the first stage that requires a quote


@dataclass
class Batch:
    """The rows of one slice of opportunities, with everything that hangs on them."""

    rows: dict[str, list[tuple]]
    last_number: int


class Dataset:
    """Every row of the benchmark's data, from a seed; `today` is the business date."""

    def __init__(
        self,
        opportunities: int,
        *,
        today: datetime.date,
        seed: int = 20240101,
        contacts: int | None = None,
        vendor: str = "postgresql",
    ):
        self.size = opportunities
        self.today = today
        self.seed = seed
        self.vendor = vendor
        self.contact_count = contacts or max(40, min(2000, opportunities // 10))
        self.tables = {label: Table(label) for label in [*SETUP_MODELS, *BULK_MODELS, SERIES_MODEL]}
        self._dates: dict[datetime.date, str] = {}
        self._formula_cache: dict[tuple[str, datetime.date], datetime.date] = {}
        self._build_setup()

    def _row(self, label: str) -> Callable[[dict], tuple]:
        return self.tables[label].row

    # --- setup data -----------------------------------------------------------------------

    def _build_setup(self) -> None:
        rng = random.Random(self.seed)
        salesperson = self._row("contacts.Salesperson")
        self.salespeople = [
            salesperson(
                {
                    "id": i,
                    "code": f"SP{i:02d}",
                    "name": f"Salesperson {i:02d}",
                    "email": f"sp{i:02d}@example.com",
                    "blocked": False,
                    "user_id": None,
                }
            )
            for i in range(1, SALESPEOPLE + 1)
        ]
        n = self.contact_count
        companies = max(4, n * 2 // 5)
        attached = n // 2
        contact = self._row("contacts.Contact")
        self.contacts = []
        self.company_of: dict[int, int | None] = {}
        self.contact_salesperson: dict[int, int] = {}
        names = {}
        for i in range(1, n + 1):
            salesperson_id = rng.randint(1, SALESPEOPLE)
            if i <= companies:
                kind, company, names[i] = "company", None, f"Company {i:04d}"
                self.company_of[i] = i
            elif i <= companies + attached:
                kind, company, names[i] = "person", rng.randint(1, companies), f"Person {i:04d}"
                self.company_of[i] = company
            else:
                kind, company, names[i] = "person", None, f"Person {i:04d}"
                self.company_of[i] = None
            self.contacts.append(
                contact(
                    {
                        "id": i,
                        "number": f"CT{i:06d}",
                        "name": names[i],
                        "type": kind,
                        "company_id": company,
                        "salesperson_id": salesperson_id,
                        "email": "",
                        "phone": "",
                    }
                )
            )
            self.contact_salesperson[i] = salesperson_id
        self.companies = list(range(1, companies + 1))
        # Buyers: every company and every person without one (won deals made them customers).
        customer = self._row("contacts.Customer")
        self.customers = []
        self.customer_of: dict[int, int] = {}
        for contact_id, company in self.company_of.items():
            if (company or contact_id) == contact_id:
                customer_id = len(self.customers) + 1
                self.customers.append(
                    customer(
                        {
                            "id": customer_id,
                            "number": f"CU{customer_id:06d}",
                            "name": names[contact_id],
                            "contact_id": contact_id,
                        }
                    )
                )
                self.customer_of[contact_id] = customer_id
        for contact_id, company in self.company_of.items():
            self.customer_of[contact_id] = self.customer_of[company or contact_id]
        self._build_cycles()
        close_code = self._row("opportunities.CloseOpportunityCode")
        self.close_codes = [
            close_code({"id": i, "code": code, "description": description, "type": kind})
            for i, (code, description, kind) in enumerate(CLOSE_CODES, 1)
        ]
        self.won_codes = [i for i, (*_, kind) in enumerate(CLOSE_CODES, 1) if kind == "won"]
        self.lost_codes = [i for i, (*_, kind) in enumerate(CLOSE_CODES, 1) if kind == "lost"]

    def _build_cycles(self) -> None:
        sales_cycle = self._row("salescycles.SalesCycle")
        stage_row = self._row("salescycles.SalesCycleStage")
        self.cycles: dict[str, Cycle] = {}
        self.sales_cycles, self.stages = [], []
        for cycle_id, definition in enumerate(demo.DEMO_CYCLES, 1):
            method = definition.probability_calculation
            self.sales_cycles.append(
                sales_cycle(
                    {
                        "id": cycle_id,
                        "code": definition.code,
                        "description": definition.description,
                        "probability_calculation": method,
                        "blocked": definition.blocked,
                    }
                )
            )
            stages = []
            for s in definition.stages:
                stage_id = len(self.stages) + 1
                self.stages.append(
                    stage_row(
                        s._asdict()
                        | {
                            "id": stage_id,
                            "sales_cycle_id": cycle_id,
                            "completed": percent(s.completed),
                            "chances_of_success": percent(s.chances_of_success),
                        }
                    )
                )
                micro = probability_micro(method, s.chances_of_success, s.completed)
                stages.append(
                    Stage(
                        id=stage_id,
                        stage=s.stage,
                        description=s.description,
                        quote_required=s.quote_required,
                        formula=s.date_formula,
                        probability=micro,
                        completed=percent(s.completed),
                        chances=percent(s.chances_of_success),
                        probability_text=probability_text(micro),
                    )
                )
            quoted = [index for index, stage in enumerate(stages) if stage.quote_required]
            self.cycles[definition.code] = Cycle(
                cycle_id, stages, stages[: min(quoted, default=None)]
            )

    def setup_rows(self) -> dict[str, list[tuple]]:
        return {
            "contacts.Salesperson": self.salespeople,
            "contacts.Contact": self.contacts,
            "contacts.Customer": self.customers,
            "salescycles.SalesCycle": self.sales_cycles,
            "salescycles.SalesCycleStage": self.stages,
            "opportunities.CloseOpportunityCode": self.close_codes,
        }

    # --- helpers --------------------------------------------------------------------------

    def _date(self, value: datetime.date) -> str:
        text = self._dates.get(value)
        if text is None:
            text = self._dates[value] = value.isoformat()
        return text

    def _close_date(self, formula: str, value: datetime.date) -> datetime.date:
        key = (formula, value)
        result = self._formula_cache.get(key)
        if result is None:
            result = self._formula_cache[key] = formulas.apply(formula, value)
        return result

    def _timestamp(self, value: datetime.date, sequence: int) -> str:
        suffix = "+00" if self.vendor == "postgresql" else ""
        return f"{self._date(value)} 09:{sequence % 60:02d}:00{suffix}"

    # --- the opportunities ----------------------------------------------------------------

    def batches(self, batch_size: int = 5000) -> Iterator[Batch]:
        """The opportunities in number order, `batch_size` at a time, with their rows."""
        rng = random.Random(self.seed + 1)
        # A few contacts have many opportunities, most have a few (weights 1/sqrt(rank)).
        weights = [1 / (rank + 1) ** 0.5 for rank in range(self.contact_count)]
        rng.shuffle(weights)
        self._contact_ids = list(range(1, self.contact_count + 1))
        self._contact_weights = _cumulative(weights)
        self._company_weights = _cumulative([weights[c - 1] for c in self.companies])
        self._first_day = self.today - datetime.timedelta(days=1100)
        self._span = 1100 - 260  # the last entries stay before today
        ids = {"entry": 0, "quote": 0, "quote_line": 0, "order": 0, "order_line": 0}
        pattern: list[tuple[str, int]] = []
        rows: dict[str, list[tuple]] = {model: [] for model in BULK_MODELS}
        for index in range(self.size):
            if index % BLOCK == 0:
                pattern = BLOCK_PATTERN[:]
                rng.shuffle(pattern)
            status, count = pattern[index % BLOCK]
            number = index + 1
            self._opportunity(rng, number, status, count, rows, ids)
            if number % batch_size == 0 or number == self.size:
                yield Batch(rows, number)
                rows = {model: [] for model in BULK_MODELS}
        self.last_ids = ids

    def _opportunity(self, rng, number, status, count, rows, ids) -> None:
        cycle_choice = rng.random()
        if cycle_choice < 0.25:
            contact = rng.choices(self.companies, cum_weights=self._company_weights)[0]
            cycle = self.cycles[COMPANY_CYCLE]
        else:
            contact = rng.choices(self._contact_ids, cum_weights=self._contact_weights)[0]
            cycle = self.cycles[MAIN_CYCLE if cycle_choice < 0.75 else SMALL_CYCLE]
        salesperson = (
            self.contact_salesperson[contact] if rng.random() < 0.7 else rng.randint(1, SALESPEOPLE)
        )
        priority = rng.choices(("low", "normal", "high"), weights=(2, 6, 2))[0]
        created = self._first_day + datetime.timedelta(
            days=(number * self._span) // self.size + rng.randint(0, 3)
        )
        opportunity = {
            "id": number,
            "number": f"OP{number:06d}",
            "description": f"{PRODUCTS[rng.randrange(len(PRODUCTS))]} {number}",
            "contact_id": contact,
            "company_id": self.company_of[contact],
            "salesperson_id": salesperson,
            "sales_cycle_id": cycle.id,
            "priority": priority,
            "status": status,
            "creation_date": self._date(created),
            "date_closed": None,
            "current_stage_id": None,
            "quote_id": None,
            "order_id": None,
            "version": 1,
            **NOT_STARTED_FIGURES,
        }
        if status != "not_started":
            self._ledger(rng, opportunity, cycle, count, created, rows, ids)
        rows["opportunities.Opportunity"].append(
            self.tables["opportunities.Opportunity"].row(opportunity)
        )

    def _ledger(self, rng, opportunity, cycle, count, created, rows, ids) -> None:
        """A started opportunity's entries (and documents); its figures from the active one."""
        contact, salesperson = opportunity["contact_id"], opportunity["salesperson_id"]
        status = opportunity["status"]
        stages = cycle.stages if self.company_of[contact] == contact else cycle.person_stages
        closing = status in ("won", "lost")
        stage_entries = count - 1 if closing else count
        target = rng.randrange(len(stages))
        moves = set(rng.sample(range(1, stage_entries), target))
        estimated = rng.randint(50_000, 25_000_000)  # cents
        estimated_text = money(estimated)
        entry = self.tables["opportunities.OpportunityEntry"].row
        entries = rows["opportunities.OpportunityEntry"]
        position = 0
        day = created
        previous: dict | None = None  # the last entry, written once the next one starts
        previous_day, previous_number = day, None
        quote_needed = False
        for sequence in range(stage_entries):
            if sequence > 0:
                day = day + datetime.timedelta(days=rng.randint(1, 20))
                if sequence in moves:
                    position += 1
                    action = "next"
                else:
                    action = "updated"
            else:
                action = "first"
            stage = stages[position]
            if stage.quote_required:
                quote_needed = True
            if previous is not None:
                previous["active"] = False
                previous["days_open"] = (day - previous_day).days
                entries.append(entry(previous))
            ids["entry"] += 1
            previous = {
                "id": ids["entry"],
                "opportunity_id": opportunity["id"],
                "sales_cycle_id": cycle.id,
                "stage_id": stage.id,
                "stage_description": stage.description,
                "previous_stage": previous_number,
                "contact_id": contact,
                "salesperson_id": salesperson,
                "date_of_change": self._date(day),
                "active": True,
                "date_closed": None,
                "days_open": 0,
                "action_taken": action,
                "estimated_value": estimated_text,
                "calcd_current_value": money(current_value_cents(estimated, stage.probability)),
                "completed": stage.completed,
                "chances_of_success": stage.chances,
                "probability": stage.probability_text,
                "close_code_id": None,
                "estimated_close_date": self._date(self._close_date(stage.formula, day)),
                "created_by_id": None,
                "created_at": self._timestamp(day, sequence),
            }
            previous_day, previous_number = day, stage.stage
        if quote_needed:
            opportunity["quote_id"], opportunity["order_id"] = self._documents(
                ids, rows, contact, salesperson, created, estimated, status
            )
        active = previous
        if closing:
            closed_on = day + datetime.timedelta(days=rng.randint(1, 20))
            previous["active"] = False
            previous["days_open"] = (closed_on - day).days
            entries.append(entry(previous))
            won = status == "won"
            ids["entry"] += 1
            closed_text = self._date(closed_on)
            active = previous | {
                "id": ids["entry"],
                "stage_id": None,
                "stage_description": "",
                "previous_stage": previous_number,
                "date_of_change": closed_text,
                "active": True,
                "date_closed": closed_text,
                "days_open": 0,
                "action_taken": status,
                "calcd_current_value": estimated_text if won else "0.00",
                "completed": "100.00",
                "chances_of_success": "100.00" if won else "0.00",
                "probability": "100.000000" if won else "0.000000",
                "close_code_id": rng.choice(self.won_codes if won else self.lost_codes),
                "estimated_close_date": closed_text,
                "created_at": self._timestamp(closed_on, stage_entries),
            }
            opportunity["date_closed"] = closed_text
        else:
            opportunity["current_stage_id"] = stages[position].id
        entries.append(entry(active))
        opportunity["version"] = 1 + count
        for name in NOT_STARTED_FIGURES:  # the figures, now the active entry's
            opportunity[name] = active[name]

    def _documents(self, ids, rows, contact, salesperson, created, estimated, status):
        """A quote for a stage that required one; won deals turned it into an order."""
        customer = self.customer_of[contact]
        ids["quote"] += 1
        quote_id = ids["quote"]
        converted = status == "won"
        order_date = self._date(created)
        parties = {"contact_id": contact, "customer_id": customer, "salesperson_id": salesperson}
        line = {"line_no": 10000, "description": "Project", "quantity": "1.00"}
        line["unit_price"] = money(estimated)
        rows["opportunities.Quote"].append(
            self.tables["opportunities.Quote"].row(
                {
                    "id": quote_id,
                    "number": f"SQ{quote_id:06d}",
                    "order_date": order_date,
                    "status": "converted" if converted else "open",
                    **parties,
                }
            )
        )
        ids["quote_line"] += 1
        rows["opportunities.QuoteLine"].append(
            self.tables["opportunities.QuoteLine"].row(
                {"id": ids["quote_line"], "quote_id": quote_id, **line}
            )
        )
        if not converted:
            return quote_id, None
        ids["order"] += 1
        order_id = ids["order"]
        rows["opportunities.SalesOrder"].append(
            self.tables["opportunities.SalesOrder"].row(
                {
                    "id": order_id,
                    "number": f"SO{order_id:06d}",
                    "order_date": order_date,
                    "quote_id": quote_id,
                    **parties,
                }
            )
        )
        ids["order_line"] += 1
        rows["opportunities.SalesOrderLine"].append(
            self.tables["opportunities.SalesOrderLine"].row(
                {"id": ids["order_line"], "order_id": order_id, **line}
            )
        )
        return quote_id, order_id

    def number_series(self) -> list[tuple]:
        """The number series, set so that automatic numbers continue after the loaded ones."""
        last = {
            "OP": self.size,
            "CT": self.contact_count,
            "CU": len(self.customers),
            "SQ": self.last_ids["quote"],
            "SO": self.last_ids["order"],
        }
        series = self.tables[SERIES_MODEL].row
        return [
            series({"code": code, "prefix": code, "width": 6, "last_number": number})
            for code, number in last.items()
        ]


def _cumulative(weights: list[float]) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


def block_range(first_block: int, blocks: int) -> tuple[str, str]:
    """The numbers of `blocks` whole blocks from block `first_block` (0-based)."""
    first = first_block * BLOCK + 1
    last = (first_block + blocks) * BLOCK
    return f"OP{first:06d}", f"OP{last:06d}"


# --- loaders ------------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _names(table: Table) -> str:
    return ", ".join(_quote(column) for column in table.columns)


def load_postgres(
    conninfo: str, dataset: Dataset, *, log: Callable[[str], None] = print
) -> dict[str, int]:
    """Load the data set into the migrated, empty database at `conninfo` with COPY."""
    import psycopg

    tables = dataset.tables
    counts: dict[str, int] = {}
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute("SET maintenance_work_mem = '512MB'")
        dropped = _drop_postgres_constraints(admin, [tables[label].name for label in BULK_MODELS])
        with admin.transaction():
            admin.execute("SET LOCAL synchronous_commit = off")
            for label, rows in dataset.setup_rows().items():
                _copy(admin, tables[label], rows)
                counts[label] = len(rows)
        with contextlib.ExitStack() as stack:
            streams = {}
            for label in BULK_MODELS:
                table = tables[label]
                connection = stack.enter_context(psycopg.connect(conninfo))
                connection.execute("SET synchronous_commit = off")
                # Emptied in the same transaction as the COPY, so that COPY FREEZE applies.
                connection.execute(f"TRUNCATE {_quote(table.name)}")
                streams[label] = stack.enter_context(
                    connection.cursor().copy(
                        f"COPY {_quote(table.name)} ({_names(table)}) FROM STDIN WITH (FREEZE)"
                    )
                )
                counts[label] = 0
            for batch in dataset.batches():
                for label, rows in batch.rows.items():
                    write = streams[label].write_row
                    for row in rows:
                        write(row)
                    counts[label] += len(rows)
                if batch.last_number % 100_000 == 0:
                    log(f"  generated {batch.last_number:,} opportunities")
        # Leaving the stack ended each COPY, then committed each connection's transaction.
        log("  rebuilding indexes and foreign keys")
        for statement in dropped:
            admin.execute(statement)
        with admin.transaction():
            _copy(admin, tables[SERIES_MODEL], dataset.number_series())
        for table in tables.values():
            if "id" in table.columns:
                admin.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {_quote(table.name)}), false)",
                    (table.name,),
                )
        admin.execute("ANALYZE")
    return counts


def _copy(connection, table: Table, rows: list[tuple]) -> None:
    with connection.cursor().copy(
        f"COPY {_quote(table.name)} ({_names(table)}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)


def _drop_postgres_constraints(connection, tables: list[str]) -> list[str]:
    """Drop the bulk tables' foreign keys, unique constraints and secondary indexes.

    Returns the statements that rebuild them: indexes first, then unique constraints on those
    indexes, then foreign keys (each validated by one query instead of one check per row).
    """
    indexes, uniques, foreign_keys, drops = [], [], [], []
    # Foreign keys from or to the bulk tables.
    for name, table, definition in connection.execute(
        """
        SELECT c.conname, c.conrelid::regclass::text, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.contype = 'f'
          AND (c.conrelid::regclass::text = ANY(%s) OR c.confrelid::regclass::text = ANY(%s))
        """,
        (tables, tables),
    ).fetchall():
        drops.append(f"ALTER TABLE {table} DROP CONSTRAINT {_quote(name)}")
        foreign_keys.append(f"ALTER TABLE {table} ADD CONSTRAINT {_quote(name)} {definition}")
    for name, table, index_definition in connection.execute(
        """
        SELECT c.conname, c.conrelid::regclass::text, pg_get_indexdef(c.conindid)
        FROM pg_constraint c
        WHERE c.contype = 'u' AND c.conrelid::regclass::text = ANY(%s)
        """,
        (tables,),
    ).fetchall():
        drops.append(f"ALTER TABLE {table} DROP CONSTRAINT {_quote(name)}")
        indexes.append(index_definition)
        uniques.append(
            f"ALTER TABLE {table} ADD CONSTRAINT {_quote(name)} UNIQUE USING INDEX {_quote(name)}"
        )
    for name, definition in connection.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid::regclass::text = ANY(%s)
          AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        (tables,),
    ).fetchall():
        drops.append(f"DROP INDEX {name}")
        indexes.append(definition)
    for statement in drops:
        connection.execute(statement)
    return indexes + uniques + foreign_keys


def load_sqlite(path: str, dataset: Dataset, *, log: Callable[[str], None] = print) -> dict:
    """Load the data set into the migrated, empty SQLite file at `path`."""
    tables = dataset.tables
    counts: dict[str, int] = {}
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA foreign_keys=OFF")
        bulk = [tables[label].name for label in BULK_MODELS]
        marks = ", ".join("?" * len(bulk))
        indexes = connection.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            bulk,
        ).fetchall()
        for name, _sql in indexes:
            connection.execute(f"DROP INDEX {_quote(name)}")
        connection.execute("BEGIN")

        def insert(label: str, rows: list[tuple]) -> None:
            table = tables[label]
            connection.executemany(
                f"INSERT INTO {_quote(table.name)} ({_names(table)}) "
                f"VALUES ({', '.join('?' * len(table.columns))})",
                rows,
            )
            counts[label] = counts.get(label, 0) + len(rows)

        for label, rows in dataset.setup_rows().items():
            insert(label, rows)
        for batch in dataset.batches():
            for label, rows in batch.rows.items():
                insert(label, rows)
            if batch.last_number % 100_000 == 0:
                log(f"  generated {batch.last_number:,} opportunities")
        insert(SERIES_MODEL, dataset.number_series())
        connection.execute("COMMIT")
        for _name, sql in indexes:
            connection.execute(sql)
        problems = connection.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken after loading: {problems[:5]}")
        connection.execute("ANALYZE")
    finally:
        connection.close()
    return counts
