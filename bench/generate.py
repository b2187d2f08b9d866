"""The benchmark's data: every row of every table, generated from a seed, and the fast loaders.

The data set is consistent with the rules (SPEC 3): opportunities in every status, about ten
ledger entries per started opportunity with exactly one active, the opportunity's figures
copied from its active entry, open quotes where a stage required one, converted quotes and
orders for won deals, customers for the contacts that buy. Statuses and entry counts repeat
as a shuffled pattern in blocks of `BLOCK` opportunities, so any two number ranges aligned on
a block hold exactly the same number of closed opportunities and entries: the batch deletion
and its raw baseline delete comparable data.

PostgreSQL is loaded with COPY (one connection per big table, all streams open at once, into
tables emptied in the same transaction so that COPY FREEZE applies), with the secondary
indexes and foreign keys dropped during the load and rebuilt after. SQLite is loaded with
executemany in one transaction.
"""

import contextlib
import datetime
import random
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from salescycles import formulas

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

# code, description, probability calculation, blocked, stages:
# (stage, description, completed, chances, quote required, allow skip, date formula)
CYCLES = [
    (
        "STD",
        "Standard sale",
        "multiply",
        False,
        [
            (1, "Initial contact", 10, 20, False, False, "1W"),
            (2, "Qualification", 20, 30, False, True, "2W"),
            (3, "Needs analysis", 35, 40, False, True, "2W"),
            (4, "Proposal", 50, 50, False, True, "1M"),
            (5, "Negotiation", 75, 70, False, False, "2W"),
            (6, "Signing", 90, 85, False, False, "1W"),
        ],
    ),
    (
        "FAST",
        "Quick sale",
        "add",
        False,
        [
            (10, "Lead", 10, 25, False, False, "1W"),
            (20, "Demonstration", 40, 50, False, True, "1W"),
            (30, "Offer", 60, 60, False, True, "2W"),
            (40, "Closing", 85, 80, False, False, "CM"),
            (50, "Signed", 95, 90, False, False, ""),
        ],
    ),
    (
        "LARGE",
        "Large project",
        "chances",
        False,
        [
            (1, "First meeting", 5, 10, False, False, "2W"),
            (2, "Analysis", 15, 25, False, True, "1M"),
            (3, "Design", 30, 35, False, False, "1M"),
            (4, "Presentation", 50, 50, False, False, "2W"),
            (5, "Quotation", 70, 60, True, True, "1M"),
            (6, "Contract", 90, 80, False, False, "2W"),
        ],
    ),
    (
        "OLD",
        "Former cycle",
        "completed",
        True,
        [
            (1, "Contact", 10, 10, False, False, ""),
            (2, "Offer", 50, 50, False, False, "1M"),
        ],
    ),
]
QUOTE_CYCLE = "LARGE"
CLOSE_CODES = [
    ("W-PRICE", "Best price", "won"),
    ("W-REL", "Relationship", "won"),
    ("W-PRODUCT", "Best product", "won"),
    ("L-PRICE", "Too expensive", "lost"),
    ("L-COMP", "Lost to a competitor", "lost"),
    ("L-BUDGET", "No budget", "lost"),
    ("L-TIMING", "Bad timing", "lost"),
]

# The columns written, per model (checked against the models before loading).
COLUMNS = {
    "contacts.Salesperson": ("id", "code", "name", "email", "blocked", "user_id"),
    "contacts.Contact": (
        "id",
        "number",
        "name",
        "type",
        "company_id",
        "salesperson_id",
        "email",
        "phone",
    ),
    "contacts.Customer": ("id", "number", "name", "contact_id"),
    "salescycles.SalesCycle": ("id", "code", "description", "probability_calculation", "blocked"),
    "salescycles.SalesCycleStage": (
        "id",
        "sales_cycle_id",
        "stage",
        "description",
        "completed",
        "chances_of_success",
        "quote_required",
        "allow_skip",
        "date_formula",
    ),
    "opportunities.CloseOpportunityCode": ("id", "code", "description", "type"),
    "opportunities.Quote": (
        "id",
        "number",
        "order_date",
        "contact_id",
        "customer_id",
        "salesperson_id",
        "status",
    ),
    "opportunities.QuoteLine": (
        "id",
        "quote_id",
        "line_no",
        "description",
        "quantity",
        "unit_price",
    ),
    "opportunities.SalesOrder": (
        "id",
        "number",
        "order_date",
        "quote_id",
        "contact_id",
        "customer_id",
        "salesperson_id",
    ),
    "opportunities.SalesOrderLine": (
        "id",
        "order_id",
        "line_no",
        "description",
        "quantity",
        "unit_price",
    ),
    "opportunities.Opportunity": (
        "id",
        "number",
        "description",
        "contact_id",
        "salesperson_id",
        "sales_cycle_id",
        "priority",
        "status",
        "creation_date",
        "date_closed",
        "current_stage_id",
        "estimated_value",
        "chances_of_success",
        "completed",
        "probability",
        "calcd_current_value",
        "estimated_close_date",
        "quote_id",
        "order_id",
        "version",
    ),
    "opportunities.OpportunityEntry": (
        "id",
        "opportunity_id",
        "sales_cycle_id",
        "stage_id",
        "stage_description",
        "previous_stage",
        "contact_id",
        "salesperson_id",
        "date_of_change",
        "active",
        "date_closed",
        "days_open",
        "action_taken",
        "estimated_value",
        "calcd_current_value",
        "completed",
        "chances_of_success",
        "probability",
        "close_code_id",
        "estimated_close_date",
        "created_by_id",
        "created_at",
    ),
    "numbering.NumberSeries": ("code", "prefix", "width", "last_number"),
}
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


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def percent(value: int) -> str:
    return f"{value}.00"


def probability_text(micro: int) -> str:
    """A probability held in millionths of a percent, as the field's six decimals."""
    return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"


def probability_micro(method: str, chances: int, completed: int) -> int:
    """SPEC 3.2, exactly, in millionths of a percent."""
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
    id: int
    cycle_id: int
    stage: int
    description: str
    completed: int
    chances: int
    quote_required: bool
    allow_skip: bool
    formula: str
    probability: int = 0  # millionths of a percent, by the cycle's method
    texts: tuple = ()


@dataclass
class Cycle:
    id: int
    code: str
    method: str
    stages: list[Stage] = field(default_factory=list)


@dataclass
class Batch:
    """The rows of one slice of opportunities, with everything that hangs on them."""

    rows: dict[str, list[tuple]]
    first_number: int
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
        self._dates: dict[datetime.date, str] = {}
        self._formula_cache: dict[tuple[str, datetime.date], datetime.date] = {}
        self._build_setup()

    # --- setup data -----------------------------------------------------------------------

    def _build_setup(self) -> None:
        rng = random.Random(self.seed)
        self.salespeople = [
            (i, f"SP{i:02d}", f"Salesperson {i:02d}", f"sp{i:02d}@example.com", False, None)
            for i in range(1, SALESPEOPLE + 1)
        ]
        n = self.contact_count
        companies = max(4, n * 2 // 5)
        attached = n // 2
        self.contacts = []
        self.company_of: dict[int, int | None] = {}
        self.contact_salesperson: dict[int, int] = {}
        for i in range(1, n + 1):
            salesperson = rng.randint(1, SALESPEOPLE)
            if i <= companies:
                row = (i, f"CT{i:06d}", f"Company {i:04d}", "company", None, salesperson, "", "")
                self.company_of[i] = i
            elif i <= companies + attached:
                company = rng.randint(1, companies)
                row = (i, f"CT{i:06d}", f"Person {i:04d}", "person", company, salesperson, "", "")
                self.company_of[i] = company
            else:
                row = (i, f"CT{i:06d}", f"Person {i:04d}", "person", None, salesperson, "", "")
                self.company_of[i] = None
            self.contacts.append(row)
            self.contact_salesperson[i] = salesperson
        self.companies = list(range(1, companies + 1))
        # Buyers: every company and every person without one (won deals made them customers).
        self.customers = []
        self.customer_of: dict[int, int] = {}
        for contact_id, *_rest in self.contacts:
            buyer = self.company_of[contact_id] or contact_id
            if buyer == contact_id:
                customer_id = len(self.customers) + 1
                name = self.contacts[contact_id - 1][2]
                self.customers.append((customer_id, f"CU{customer_id:06d}", name, contact_id))
                self.customer_of[contact_id] = customer_id
        for contact_id in self.company_of:
            buyer = self.company_of[contact_id] or contact_id
            self.customer_of[contact_id] = self.customer_of[buyer]
        self.cycles: dict[str, Cycle] = {}
        self.sales_cycles = []
        self.stages = []
        stage_id = 0
        for cycle_id, (code, description, method, blocked, stages) in enumerate(CYCLES, 1):
            self.sales_cycles.append((cycle_id, code, description, method, blocked))
            cycle = Cycle(cycle_id, code, method)
            for number, text, completed, chances, quote, skip, formula in stages:
                stage_id += 1
                stage = Stage(
                    stage_id, cycle_id, number, text, completed, chances, quote, skip, formula
                )
                stage.probability = probability_micro(method, chances, completed)
                stage.texts = (
                    percent(completed),
                    percent(chances),
                    probability_text(stage.probability),
                )
                cycle.stages.append(stage)
                self.stages.append(
                    (
                        stage_id,
                        cycle_id,
                        number,
                        text,
                        percent(completed),
                        percent(chances),
                        quote,
                        skip,
                        formula,
                    )
                )
            self.cycles[code] = cycle
        self.close_codes = [
            (i, code, description, kind)
            for i, (code, description, kind) in enumerate(CLOSE_CODES, 1)
        ]
        self.won_codes = [row[0] for row in self.close_codes if row[3] == "won"]
        self.lost_codes = [row[0] for row in self.close_codes if row[3] == "lost"]

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
        first_number = 1
        for index in range(self.size):
            if index % BLOCK == 0:
                pattern = BLOCK_PATTERN[:]
                rng.shuffle(pattern)
            status, count = pattern[index % BLOCK]
            number = index + 1
            self._opportunity(rng, number, status, count, rows, ids)
            if number % batch_size == 0 or number == self.size:
                yield Batch(rows, first_number, number)
                rows = {model: [] for model in BULK_MODELS}
                first_number = number + 1
        self.last_ids = ids

    def _opportunity(self, rng, number, status, count, rows, ids) -> None:
        cycle_choice = rng.random()
        if cycle_choice < 0.25:
            # Quotes need a company: the cycle with a quote stage sells to companies only.
            contact = rng.choices(self.companies, cum_weights=self._company_weights)[0]
            cycle = self.cycles[QUOTE_CYCLE]
        else:
            contact = rng.choices(self._contact_ids, cum_weights=self._contact_weights)[0]
            cycle = self.cycles["STD"] if cycle_choice < 0.75 else self.cycles["FAST"]
        salesperson = (
            self.contact_salesperson[contact] if rng.random() < 0.7 else rng.randint(1, SALESPEOPLE)
        )
        priority = rng.choices(("low", "normal", "high"), weights=(2, 6, 2))[0]
        created = self._first_day + datetime.timedelta(
            days=(number * self._span) // self.size + rng.randint(0, 3)
        )
        description = f"{PRODUCTS[rng.randrange(len(PRODUCTS))]} {number}"
        opportunity_id = number
        opportunity_number = f"OP{number:06d}"
        quote_id = order_id = None
        if status == "not_started":
            rows["opportunities.Opportunity"].append(
                (
                    opportunity_id,
                    opportunity_number,
                    description,
                    contact,
                    salesperson,
                    cycle.id,
                    priority,
                    status,
                    self._date(created),
                    None,
                    None,
                    "0.00",
                    "0.00",
                    "0.00",
                    "0.000000",
                    "0.00",
                    None,
                    None,
                    None,
                    1,
                )
            )
            return
        stages = cycle.stages
        closing = status in ("won", "lost")
        stage_entries = count - 1 if closing else count
        target = rng.randrange(len(stages))
        moves = set(rng.sample(range(1, stage_entries), target))
        estimated = rng.randint(50_000, 25_000_000)  # cents
        entries = rows["opportunities.OpportunityEntry"]
        position = 0
        day = created
        previous_stage_number = None
        previous_entry: list | None = None
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
            if previous_entry is not None:
                previous_entry[9] = False  # active
                previous_entry[11] = (day - previous_entry[-1]).days  # days open
                entries.append(tuple(previous_entry[:-1]))
            ids["entry"] += 1
            completed_text, chances_text, probability = stage.texts
            close_date = self._close_date(stage.formula, day)
            previous_entry = [
                ids["entry"],
                opportunity_id,
                cycle.id,
                stage.id,
                stage.description,
                previous_stage_number,
                contact,
                salesperson,
                self._date(day),
                True,
                None,
                0,
                action,
                money(estimated),
                money(current_value_cents(estimated, stage.probability)),
                completed_text,
                chances_text,
                probability,
                None,
                self._date(close_date),
                None,
                self._timestamp(day, sequence),
                day,
            ]
            previous_stage_number = stage.stage
        assert previous_entry is not None
        last_stage = stages[position]
        if quote_needed:
            quote_id, order_id = self._documents(
                ids, rows, contact, salesperson, created, estimated, status
            )
        if not closing:
            entries.append(tuple(previous_entry[:-1]))
            current = previous_entry
            stage_id = last_stage.id
            date_closed = None
            version = 1 + count
        else:
            closed_on = day + datetime.timedelta(days=rng.randint(1, 20))
            previous_entry[9] = False
            previous_entry[11] = (closed_on - day).days
            entries.append(tuple(previous_entry[:-1]))
            won = status == "won"
            code = rng.choice(self.won_codes if won else self.lost_codes)
            ids["entry"] += 1
            closed_text = self._date(closed_on)
            current = [
                ids["entry"],
                opportunity_id,
                cycle.id,
                None,
                "",
                last_stage.stage,
                contact,
                salesperson,
                closed_text,
                True,
                closed_text,
                0,
                status,
                money(estimated),
                money(estimated) if won else "0.00",
                "100.00",
                "100.00" if won else "0.00",
                "100.000000" if won else "0.000000",
                code,
                closed_text,
                None,
                self._timestamp(closed_on, stage_entries),
            ]
            entries.append(tuple(current))
            stage_id = None
            date_closed = closed_text
            version = 1 + count
        rows["opportunities.Opportunity"].append(
            (
                opportunity_id,
                opportunity_number,
                description,
                contact,
                salesperson,
                cycle.id,
                priority,
                status,
                self._date(created),
                date_closed,
                stage_id,
                current[13],
                current[16],
                current[15],
                current[17],
                current[14],
                current[19],
                quote_id,
                order_id,
                version,
            )
        )

    def _documents(self, ids, rows, contact, salesperson, created, estimated, status):
        """A quote for a stage that required one; won deals turned it into an order."""
        customer = self.customer_of[contact]
        ids["quote"] += 1
        quote_id = ids["quote"]
        converted = status == "won"
        order_date = self._date(created)
        rows["opportunities.Quote"].append(
            (
                quote_id,
                f"SQ{quote_id:06d}",
                order_date,
                contact,
                customer,
                salesperson,
                "converted" if converted else "open",
            )
        )
        ids["quote_line"] += 1
        rows["opportunities.QuoteLine"].append(
            (ids["quote_line"], quote_id, 10000, "Project", "1.00", money(estimated))
        )
        if not converted:
            return quote_id, None
        ids["order"] += 1
        order_id = ids["order"]
        rows["opportunities.SalesOrder"].append(
            (order_id, f"SO{order_id:06d}", order_date, quote_id, contact, customer, salesperson)
        )
        ids["order_line"] += 1
        rows["opportunities.SalesOrderLine"].append(
            (ids["order_line"], order_id, 10000, "Project", "1.00", money(estimated))
        )
        return quote_id, order_id

    def number_series(self) -> list[tuple]:
        ids = self.last_ids
        return [
            ("OP", "OP", 6, self.size),
            ("CT", "CT", 6, self.contact_count),
            ("CU", "CU", 6, len(self.customers)),
            ("SQ", "SQ", 6, ids["quote"]),
            ("SO", "SO", 6, ids["order"]),
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


def _models():
    from django.apps import apps

    return {label: apps.get_model(label) for label in COLUMNS}


def check_columns() -> dict[str, str]:
    """The table of each model, after checking that the generator writes every column."""
    tables = {}
    for label, model in _models().items():
        columns = {f.column for f in model._meta.concrete_fields}
        written = set(COLUMNS[label])
        if columns != written:
            raise RuntimeError(
                f"bench/generate.py is out of date for {label}: the table has "
                f"{sorted(columns - written)} that are not generated and the generator writes "
                f"{sorted(written - columns)} that the table lacks."
            )
        tables[label] = model._meta.db_table
    return tables


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_postgres(
    conninfo: str, dataset: Dataset, *, log: Callable[[str], None] = print
) -> dict[str, int]:
    """Load the data set into the migrated, empty database at `conninfo` with COPY."""
    import psycopg

    tables = check_columns()
    counts: dict[str, int] = {}
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute("SET maintenance_work_mem = '512MB'")
        bulk = [tables[label] for label in BULK_MODELS]
        dropped = _drop_postgres_constraints(admin, bulk)
        with admin.transaction():
            admin.execute("SET LOCAL synchronous_commit = off")
            for label, rows in dataset.setup_rows().items():
                _copy(admin, tables[label], COLUMNS[label], rows)
                counts[label] = len(rows)
        with contextlib.ExitStack() as stack:
            streams, connections = {}, []
            for label in BULK_MODELS:
                connection = stack.enter_context(psycopg.connect(conninfo))
                connections.append(connection)
                connection.execute("SET synchronous_commit = off")
                # Emptied in the same transaction as the COPY, so that COPY FREEZE applies.
                connection.execute(f"TRUNCATE {_quote(tables[label])}")
                columns = ", ".join(_quote(c) for c in COLUMNS[label])
                streams[label] = stack.enter_context(
                    connection.cursor().copy(
                        f"COPY {_quote(tables[label])} ({columns}) FROM STDIN WITH (FREEZE)"
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
            _copy(
                admin,
                tables["numbering.NumberSeries"],
                COLUMNS["numbering.NumberSeries"],
                dataset.number_series(),
            )
        for label, table in tables.items():
            if "id" in COLUMNS[label]:
                admin.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {_quote(table)}), false)",
                    (table,),
                )
        admin.execute("ANALYZE")
    return counts


def _copy(connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    names = ", ".join(_quote(c) for c in columns)
    with connection.cursor().copy(f"COPY {_quote(table)} ({names}) FROM STDIN") as copy:
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
    tables = check_columns()
    counts: dict[str, int] = {}
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA foreign_keys=OFF")
        bulk = [tables[label] for label in BULK_MODELS]
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
            columns = COLUMNS[label]
            names = ", ".join(_quote(c) for c in columns)
            connection.executemany(
                f"INSERT INTO {_quote(tables[label])} ({names}) "
                f"VALUES ({', '.join('?' * len(columns))})",
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
        insert("numbering.NumberSeries", dataset.number_series())
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
