"""The totals under the opportunity list (`opportunities:totals`): count and sums over every
matching row, for each filter the list is measured with, against the same SQL through the raw
connection (as `bench.pages` measures pages), and on PostgreSQL the rows the aggregate reads."""

import time
from urllib.parse import urlencode

from django.urls import reverse

from bench import pages
from bench.context import Bench
from bench.measure import Recorder, Samples
from bench.raw import raw_page
from bench.report import Goal

TOTALS_URL = "opportunities:totals"
TOTALS_GOAL = Goal("ratio_max", 1.6)
# As the list fetches them: htmx asks for the figures' partial, not a whole page.
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "list-totals"}


def fetch(bench: Bench, url: str):
    response = bench.client.get(url, **HTMX)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def time_totals(bench: Bench, url: str, statements) -> tuple[Samples, Samples]:
    """Ours and the raw statements alternating, as `bench.pages.time_page` does."""
    ours, raw = Samples(), Samples()
    for _warmup in range(2):
        fetch(bench, url)
        raw_page(bench.raw, statements, vendor=bench.vendor)
    for repetition in range(bench.reps):
        for which in (0, 1) if repetition % 2 == 0 else (1, 0):
            start = time.perf_counter()
            if which == 0:
                fetch(bench, url)
                ours.add(time.perf_counter() - start)
            else:
                raw_page(bench.raw, statements, vendor=bench.vendor)
                raw.add(time.perf_counter() - start)
    return ours, raw


def measure_totals(bench: Bench) -> None:
    results = bench.results
    details = results.details.setdefault("totals", {})
    read = {}
    for label, params, rows in pages.list_filters():
        url = reverse(TOTALS_URL)
        url = f"{url}?{urlencode(params)}" if params else url
        with Recorder() as recorder:
            response = bench.client.get(url, **HTMX)
        statements = recorder.statements
        count = rows.count()
        results.check(
            f"list totals, {label}: counts its {count:,} rows",
            response.status_code == 200 and f">{count:,}<".encode() in response.content,
            f"GET {url}: {response.status_code}",
        )
        bench.progress(f"list totals, {label}: {url}")
        ours, raw = time_totals(bench, url, statements)
        name = f"list totals, {label}"
        results.row(f"{name}: p50", "ms", ours.p50 * 1000, raw.p50 * 1000, goal=TOTALS_GOAL)
        on_table = [sql for sql, _params in statements if f'"{pages.OPPORTUNITY_TABLE}"' in sql]
        details[name] = {
            "url": url,
            "rows_selected": count,
            "ours": ours.as_dict(),
            "raw": raw.as_dict(),
            "sql": on_table,
        }
        if bench.vendor == "postgresql":
            read[label] = max(
                (
                    pages.plan_rows_read(pages.explain(bench, sql, analyze_json=True)[0]["Plan"])
                    for sql in on_table
                ),
                default=0,
            )
    if read:
        worst = max(read, key=read.get)
        results.row(
            "list totals: rows read, worst filter",
            "rows",
            read[worst],
            note=f"worst filter: {worst}; " + ", ".join(f"{k}: {v:,}" for k, v in read.items()),
        )
