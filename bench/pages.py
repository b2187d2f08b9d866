"""The opportunity list and card, in process, against the same SQL with a minimal page.

Each page is requested through django.test.Client (the whole middleware stack, logged in as a
superuser). Its statements are recorded once; the baseline runs exactly those statements
through a raw connection and renders every row into a bare HTML table. Ours and the baseline
alternate, repetition by repetition, so that drift on a shared machine hits both alike.

The list URL and its parameters are the list view's: `opportunities:list` with the filter
names of `opportunities.filters.OpportunityFilter` and Django's `?page=` (a number or
"last"). When the list moves to keyset pagination, `page_params` is the place to adapt.
"""

import json
import math
import time
from contextlib import contextmanager
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, Q
from django.urls import resolve, reverse

from bench import floor
from bench.context import Bench
from bench.measure import Recorder, Samples
from bench.raw import raw_page
from bench.report import Goal
from contacts.models import Contact, Salesperson
from opportunities.models import Opportunity
from salescycles.models import SalesCycleStage

LIST_URL = "opportunities:list"
CARD_URL = "opportunities:detail"
NEW_URL = "opportunities:create"
# The contacts the new opportunity page is measured with (fewer at the smoke run's size).
MANY_CONTACTS = 100_000
ADDED_SERIES = "CB"  # the added contacts' numbers: CB0000000...
SIZE_GOAL = Goal("ratio_max", 1.01, timing=False)
STATEMENTS_GOAL = Goal("equal", timing=False)
OPPORTUNITY_TABLE = Opportunity._meta.db_table
COUNT_CAP = 10_000
# Part of a number, as users type it: a hundred opportunities at 100,000, a thousand at 1m.
SEARCH = "OP0500"

PAGE_GOAL = Goal("ratio_max", 1.6)
DEPTH_GOAL = Goal("ratio_max", 1.3)
QUERY_GOAL = Goal("max", 2, timing=False)
GROWTH_GOAL = Goal("max", 0, timing=False)
COUNT_GOAL = Goal("max", COUNT_CAP + 1, timing=False)


def list_view_class():
    return resolve(reverse(LIST_URL)).func.view_class


@contextmanager
def rows_per_page(count: int):
    """The list view with `count` rows per page (its class attribute, for this process)."""
    view = list_view_class()
    saved = view.paginate_by
    view.paginate_by = count
    try:
        yield
    finally:
        view.paginate_by = saved


def list_filters() -> list[tuple[str, dict, object]]:
    """(label, query parameters, the rows they select) for each measured filter.

    The values are the heaviest of their kind: the salesperson, company and stage with the
    most opportunities.
    """
    top = (
        Opportunity.objects.values("salesperson")
        .annotate(n=Count("pk"))
        .order_by("-n", "salesperson")
        .first()
    )
    salesperson = Salesperson.objects.get(pk=top["salesperson"])
    per_contact = dict(
        Opportunity.objects.values_list("contact").annotate(n=Count("pk")).order_by()
    )
    per_company: dict[int, int] = {}
    for contact_id, company_id in Contact.objects.values_list("pk", "company"):
        company = company_id or contact_id
        per_company[company] = per_company.get(company, 0) + per_contact.get(contact_id, 0)
    # The company filter takes in its persons' opportunities: measured on a company with persons.
    companies = Contact.objects.filter(
        type=Contact.Type.COMPANY, persons__isnull=False
    ).values_list("pk", flat=True)
    company = Contact.objects.get(pk=max(companies, key=lambda pk: (per_company.get(pk, 0), -pk)))
    stage_top = (
        Opportunity.objects.filter(current_stage__isnull=False)
        .values("current_stage")
        .annotate(n=Count("pk"))
        .order_by("-n", "current_stage")
        .first()
    )
    stage = SalesCycleStage.objects.get(pk=stage_top["current_stage"])
    rows = Opportunity.objects.all()
    return [
        ("no filter", {}, rows),
        ("salesperson", {"salesperson": salesperson.code}, rows.for_salesperson(salesperson)),
        ("contact", {"contact": company.number}, rows.for_contact(company)),
        ("status", {"status": "in_progress"}, rows.in_progress()),
        ("current stage", {"current_stage": stage.pk}, rows.filter(current_stage=stage)),
        (
            "search",
            {"q": SEARCH},
            rows.filter(Q(number__icontains=SEARCH) | Q(description__icontains=SEARCH)),
        ),
        (
            "salesperson + open",
            {"salesperson": salesperson.code, "status": "open"},
            rows.for_salesperson(salesperson).open(),
        ),
    ]


def page_params(rows, count: int, per_page: int) -> list[tuple[str, dict, int]]:
    """(label, query parameters, 0-based offset of the page's first row) per measured page.

    The list pages by keyset in its default order (newest id first): the deep page is the one
    after the row just before it (`?after=<id>`); the last page is the last `per_page` rows.
    """
    pages = max(1, math.ceil(count / per_page))
    deep = max(1, (pages + 1) // 2)
    offset = (deep - 1) * per_page
    deep_params = {}
    if offset:
        deep_params = {"after": rows.order_by("-pk").values_list("pk", flat=True)[offset - 1]}
    return [
        ("first page", {}, 0),
        (f"deep page ({deep:,})", deep_params, offset),
        (f"last page ({pages:,})", {"page": "last"}, max(0, count - per_page)),
    ]


def list_url(params: dict) -> str:
    url = reverse(LIST_URL)
    return f"{url}?{urlencode(params)}" if params else url


def get(bench: Bench, url: str):
    response = bench.client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def capture(bench: Bench, url: str):
    """One request with its statements recorded."""
    with Recorder() as recorder:
        response = bench.client.get(url)
    return response, recorder.statements


def time_page(bench: Bench, url: str, statements) -> tuple[Samples, Samples]:
    ours, raw = Samples(), Samples()
    vendor = bench.vendor
    for _warmup in range(2):
        get(bench, url)
        raw_page(bench.raw, statements, vendor=vendor)
    for repetition in range(bench.reps):
        order = (0, 1) if repetition % 2 == 0 else (1, 0)
        for which in order:
            start = time.perf_counter()
            if which == 0:
                get(bench, url)
                ours.add(time.perf_counter() - start)
            else:
                raw_page(bench.raw, statements, vendor=vendor)
                raw.add(time.perf_counter() - start)
    return ours, raw


def measure_floor(bench: Bench, name: str, statements) -> None:
    """The same statements in a bare Django view behind the whole middleware (bench.floor)."""
    floor.PAGE_STATEMENTS[:] = floor.page_statements(statements)
    url = reverse("bench_floor")
    ours, raw = time_page(bench, url, statements)
    bench.results.row(f"{name}: Django floor p50", "ms", ours.p50 * 1000, raw.p50 * 1000)
    bench.results.details[f"{name}: Django floor"] = {"ours": ours.as_dict(), "raw": raw.as_dict()}


def measure_list(bench: Bench) -> None:
    results = bench.results
    per_page = list_view_class().paginate_by
    filters = list_filters()
    details = results.details.setdefault("list", {})
    http_statements = None
    for label, params, rows in filters:
        count = rows.count()
        ordered = rows.order_by("-pk").values_list("number", flat=True)
        firsts = {}
        for page_label, extra, offset in page_params(rows, count, per_page):
            url = list_url({**params, **extra})
            response, statements = capture(bench, url)
            expected = ordered[offset] if count else None
            ok = response.status_code == 200 and (
                expected is None or expected.encode() in response.content
            )
            results.check(
                f"list {label}, {page_label}: shows its rows",
                ok,
                f"GET {url}: {response.status_code}, expected {expected}",
            )
            if label == "no filter" and page_label == "first page":
                http_statements = statements
            if page_label.startswith("last") and count:
                oldest = rows.order_by("pk").values_list("number", flat=True).first()
                results.check(
                    f"list {label}, last page: shows the oldest opportunity",
                    oldest.encode() in response.content,
                    f"{oldest} not on {url}",
                )
            bench.progress(f"list {label}, {page_label}: {url}")
            ours, raw = time_page(bench, url, statements)
            name = f"list {label}, {page_label}"
            results.row(f"{name}: p50", "ms", ours.p50 * 1000, raw.p50 * 1000, goal=PAGE_GOAL)
            results.row(f"{name}: p95", "ms", ours.p95 * 1000, raw.p95 * 1000)
            details[name] = {
                "url": url,
                "rows_selected": count,
                "ours": ours.as_dict(),
                "raw": raw.as_dict(),
                "statements": len(statements),
                "sql": [sql for sql, _params in statements],
            }
            firsts[page_label.split(" ")[0]] = ours.p50
            if page_label == "first page":
                measure_floor(bench, name, statements)
        for depth in ("deep", "last"):
            results.row(
                f"list {label}, {depth} page vs first page: p50",
                "ms",
                firsts[depth] * 1000,
                firsts["first"] * 1000,
                goal=DEPTH_GOAL,
            )
    bench.shared["list_statements"] = http_statements
    bench.shared["list_url"] = list_url({})
    measure_list_queries(bench, filters)


def classify(statements) -> dict:
    """How many statements read the opportunity table, and how many of those count."""
    on_table = [sql for sql, _params in statements if f'"{OPPORTUNITY_TABLE}"' in sql]
    counts = [sql for sql in on_table if "COUNT(" in sql.upper()]
    return {
        "all": len(statements),
        "opportunity": len(on_table),
        "count": len(counts),
        "count_sql": counts,
        "page_sql": [sql for sql in on_table if sql not in counts],
    }


def measure_list_queries(bench: Bench, filters) -> None:
    results = bench.results
    by_size: dict[int, dict[str, dict]] = {}
    for per_page in (10, 100):
        by_size[per_page] = {}
        with rows_per_page(per_page):
            for label, params, _rows in filters:
                response, statements = capture(bench, list_url(params))
                results.check(
                    f"list {label}, {per_page} rows per page: answers 200",
                    response.status_code == 200,
                    str(response.status_code),
                )
                by_size[per_page][label] = classify(statements)
    for per_page, found in by_size.items():
        worst = max(found, key=lambda label: found[label]["opportunity"])
        results.row(
            f"list queries on opportunities (page + count), {per_page} rows/page",
            "queries",
            found[worst]["opportunity"],
            goal=QUERY_GOAL,
            note=f"worst filter: {worst}; all statements: {found[worst]['all']}",
        )
        bad = [label for label, f in found.items() if f["count"] > 1]
        results.check(
            f"list, {per_page} rows/page: at most one count per page",
            not bad,
            ", ".join(bad),
        )
    growth = {
        label: by_size[100][label]["all"] - by_size[10][label]["all"] for label in by_size[10]
    }
    worst = max(growth, key=growth.get)
    results.row(
        "list statements, 100 rows/page minus 10 rows/page",
        "queries",
        growth[worst],
        goal=GROWTH_GOAL,
        note=f"worst filter: {worst}; statements at 10 rows/page: {by_size[10][worst]['all']}",
    )
    bench.results.details["list_queries"] = {
        str(per_page): {
            label: {k: v for k, v in found.items() if not k.endswith("_sql")}
            for label, found in by_size[per_page].items()
        }
        for per_page in by_size
    }
    if bench.vendor == "postgresql":
        measure_count_scans(bench, by_size[10])


def plan_rows_read(plan: dict) -> int:
    """The most rows any scan node of an EXPLAIN ANALYZE plan read (kept or filtered out)."""
    most = 0
    if "Scan" in plan.get("Node Type", ""):
        loops = plan.get("Actual Loops", 1)
        read = (
            plan.get("Actual Rows", 0)
            + plan.get("Rows Removed by Filter", 0)
            + plan.get("Rows Removed by Index Recheck", 0)
        )
        most = read * loops
    for child in plan.get("Plans", []):
        most = max(most, plan_rows_read(child))
    return most


def explain(bench: Bench, sql: str, *, analyze_json: bool = False) -> object:
    with bench.raw.cursor() as cursor:
        if analyze_json:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            value = cursor.fetchone()[0]
            return value if isinstance(value, list) else json.loads(value)
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def measure_count_scans(bench: Bench, found: dict[str, dict]) -> None:
    """How many rows the list's count reads, per filter (EXPLAIN ANALYZE)."""
    read = {}
    for label, classified in found.items():
        read[label] = max(
            (
                plan_rows_read(explain(bench, sql, analyze_json=True)[0]["Plan"])
                for sql in classified["count_sql"]
            ),
            default=0,
        )
    worst = max(read, key=read.get)
    bench.results.row(
        "list count: rows read, worst filter",
        "rows",
        read[worst],
        goal=COUNT_GOAL,
        note=f"worst filter: {worst}; " + ", ".join(f"{k}: {v:,}" for k, v in read.items()),
    )
    bench.results.details["count_rows_read"] = read


def explain_list(bench: Bench) -> str:
    """EXPLAIN ANALYZE of every measured list page's statements on the opportunity table."""
    parts = []
    for name, detail in bench.results.details.get("list", {}).items():
        for sql in detail["sql"]:
            if f'"{OPPORTUNITY_TABLE}"' not in sql:
                continue
            parts.append(f"-- {name}\n-- {sql}\n{explain(bench, sql)}\n")
    return "\n".join(parts)


def measure_card(bench: Bench) -> None:
    """The opportunity card of an opportunity with a quote and about ten entries."""
    results = bench.results
    opportunity = (
        Opportunity.objects.filter(status=Opportunity.Status.IN_PROGRESS, quote__isnull=False)
        .order_by("-pk")
        .first()
    ) or Opportunity.objects.filter(status=Opportunity.Status.IN_PROGRESS).order_by("-pk").first()
    url = reverse(CARD_URL, args=[opportunity.number])
    response, statements = capture(bench, url)
    entries = opportunity.entries.count()
    results.check(
        "card shows the opportunity",
        response.status_code == 200 and opportunity.number.encode() in response.content,
        f"GET {url}: {response.status_code}",
    )
    bench.progress(f"card {url} ({entries} entries)")
    ours, raw = time_page(bench, url, statements)
    results.row("card: p50", "ms", ours.p50 * 1000, raw.p50 * 1000, note=f"{entries} entries")
    results.row("card: p95", "ms", ours.p95 * 1000, raw.p95 * 1000)
    results.row("card: statements", "queries", len(statements))
    results.details["card"] = {
        "url": url,
        "entries": entries,
        "ours": ours.as_dict(),
        "raw": raw.as_dict(),
        "sql": [sql for sql, _params in statements],
    }


def measure_new_page(bench: Bench) -> None:
    """The new opportunity page with the data's contacts, then with `MANY_CONTACTS` (added for
    the measurement, deleted after it): its size and statements must not grow, its contact
    field being a picker that holds the chosen contact only."""
    results = bench.results
    url = reverse(NEW_URL)
    many = MANY_CONTACTS if bench.size >= 100_000 else 10_000
    few = Contact.objects.count()
    response, statements = capture(bench, url)
    results.check("new opportunity page answers 200", response.status_code == 200)
    few_size, few_statements = len(response.content), len(statements)
    few_time, _raw = time_page(bench, url, statements)
    # Committed, so that the raw baseline's connection sees them too; deleted afterwards.
    Contact.objects.bulk_create(
        (
            Contact(
                number=f"{ADDED_SERIES}{index:07d}", name=f"Bench contact {index}", type="company"
            )
            for index in range(max(0, many - few))
        ),
        batch_size=5000,
    )
    try:
        if bench.vendor == "postgresql":
            with connection.cursor() as cursor:  # as a settled table would be
                cursor.execute(f"ANALYZE {Contact._meta.db_table}")
                cursor.execute("SELECT gin_clean_pending_list('contact_name_trgm_idx'::regclass)")
        bench.progress(f"new opportunity page with {many:,} contacts")
        measure_contact_search(bench, many)
        response, statements = capture(bench, url)
        results.check(
            f"new opportunity page with {many:,} contacts answers 200",
            response.status_code == 200,
        )
        many_time, _raw = time_page(bench, url, statements)
    finally:
        with connection.cursor() as cursor:  # no opportunity refers to them
            cursor.execute(
                f"DELETE FROM {Contact._meta.db_table} WHERE number LIKE %s",
                [f"{ADDED_SERIES}%"],
            )
    note = f"{many:,} contacts against {few:,}"
    results.row(
        "new opportunity page: bytes",
        "bytes",
        len(response.content),
        few_size,
        goal=SIZE_GOAL,
        note=note,
    )
    results.row(
        "new opportunity page: statements",
        "queries",
        len(statements),
        few_statements,
        goal=STATEMENTS_GOAL,
        note=note,
    )
    results.row(
        "new opportunity page: p50", "ms", many_time.p50 * 1000, few_time.p50 * 1000, note=note
    )
    results.details["new_page"] = {
        "url": url,
        "contacts": [few, many],
        "bytes": [few_size, len(response.content)],
        "statements": [few_statements, len(statements)],
        "ours": many_time.as_dict(),
        "with_few_contacts": few_time.as_dict(),
    }


# What a user types into the contact picker: a number's start, a name's part (common, rare).
SEARCHES = {"number": "CB000123", "name": "contact 4711", "common name": "Bench"}


def measure_contact_search(bench: Bench, contacts: int) -> None:
    """The picker's suggestions (`contacts:search`) among `contacts` contacts, each against
    its own statements replayed raw."""
    for label, text in SEARCHES.items():
        url = f"{reverse('contacts:search')}?{urlencode({'q': text})}"
        response, statements = capture(bench, url)
        bench.results.check(
            f"contact search by {label} answers 200 with options",
            response.status_code == 200 and b"<option" in response.content,
            f"GET {url}: {response.status_code}",
        )
        ours, raw = time_page(bench, url, statements)
        bench.results.row(
            f"contact search by {label} ({contacts:,} contacts): p50",
            "ms",
            ours.p50 * 1000,
            raw.p50 * 1000,
            note=f"q={text}",
        )
