"""Exporting the whole opportunity list to CSV, against PostgreSQL's own COPY of the same query.

Ours: `GET /opportunities/export/` (no filter, the list's default sort) through the logged-in
client, its streamed body consumed in process. The baseline: `COPY (the export's SQL) TO
STDOUT WITH CSV` on a raw psycopg connection, every block read in Python. They alternate run by
run and the best run of each is kept (a million rows take seconds; the machine is shared). The
peak Python memory of the export is measured in a separate, untimed run under tracemalloc
(tracing slows Python down). A last untimed pass reads both files side by side: every row of
ours must be COPY's row, cell by cell (COPY writes booleans as t and f).
"""

import codecs
import csv
import time
import tracemalloc
from collections.abc import Iterator
from itertools import zip_longest

from django.db import connection
from django.urls import reverse

from bench.context import Bench
from bench.report import Goal
from exports import tables
from opportunities.filters import DEFAULT_SORT
from opportunities.models import Opportunity

RATE_GOAL = Goal("ratio_min", 0.2)
MEMORY_GOAL = Goal("less", 50, timing=False)
URL = reverse("exports:opportunities")


def runs(size: int) -> int:
    return 2 if size >= 1_000_000 else 3


def copy_statement(bench: Bench) -> str:
    """The SQL the export runs, as its literal text, inside a COPY."""
    rows = tables.opportunity_rows(Opportunity.objects.all(), DEFAULT_SORT)
    sql, params = rows.query.sql_with_params()
    with bench.raw.cursor() as cursor:
        return f"COPY ({cursor.mogrify(sql, params)}) TO STDOUT WITH CSV"


def copy_blocks(bench: Bench, statement: str) -> Iterator[bytes]:
    with bench.raw.cursor() as cursor, cursor.copy(statement) as copy:
        for block in copy:
            yield bytes(block)


def export_chunks(bench: Bench) -> Iterator[bytes]:
    response = bench.client.get(URL)
    if response.status_code != 200:
        raise RuntimeError(f"{URL} answered {response.status_code}")
    try:
        yield from response.streaming_content
    finally:
        response.close()


def timed(chunks: Iterator[bytes]) -> tuple[float, int]:
    """Seconds to read every chunk, and the lines read."""
    start = time.perf_counter()
    lines = sum(chunk.count(b"\n") for chunk in chunks)
    return time.perf_counter() - start, lines


def csv_records(chunks: Iterator[bytes], *, header: bool) -> Iterator[list[str]]:
    """The rows of a CSV stream, read as it comes (a line at a time, never the whole file)."""
    reader = csv.reader(_lines(chunks))
    if header:
        next(reader)
    return reader


def _lines(chunks: Iterator[bytes]) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    rest = ""
    for chunk in chunks:
        *lines, rest = (rest + decoder.decode(chunk)).split("\n")
        for line in lines:
            yield line + "\n"
    rest += decoder.decode(b"", final=True)
    if rest:
        yield rest


def differences(bench: Bench, statement: str) -> tuple[int, list[str]]:
    """Rows compared, and the first rows where ours and COPY's differ."""
    booleans = {"t": "True", "f": "False"}
    ours = csv_records(export_chunks(bench), header=True)
    theirs = csv_records(copy_blocks(bench, statement), header=False)
    compared, found = 0, []
    for mine, raw in zip_longest(ours, theirs):
        compared += 1
        expected = raw and [booleans.get(cell, cell) for cell in raw]
        if mine != expected and len(found) < 3:
            found.append(f"row {compared}: {mine} <> {expected}")
    return compared, found


def measure_export(bench: Bench) -> None:
    results = bench.results
    total = Opportunity.objects.count()
    statement = copy_statement(bench)
    count = runs(bench.size)
    bench.progress(f"export: {total:,} opportunities to CSV, best of {count} runs each")

    ours, baseline, lines = [], [], set()
    for _run in range(count):
        seconds, read = timed(export_chunks(bench))
        ours.append(seconds)
        lines.add(read)
        seconds, _read = timed(copy_blocks(bench, statement))
        baseline.append(seconds)
    results.check(
        "export: every opportunity in the CSV, after its header",
        lines == {total + 1},
        f"{sorted(lines)} lines for {total} opportunities",
    )

    connection.close()
    tracemalloc.start()
    timed(export_chunks(bench))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    compared, found = differences(bench, statement)
    results.check(
        "export: the CSV holds the rows of COPY (same query), cell by cell, in its order",
        compared == total and not found,
        f"{compared} rows compared; {found}",
    )
    results.row(
        "export opportunities to CSV: rows per second",
        "rows/s",
        total / min(ours),
        total / min(baseline),
        goal=RATE_GOAL,
        note=f"{total:,} opportunities; baseline: COPY (same query) TO STDOUT WITH CSV",
    )
    results.row(
        "export opportunities to CSV: peak Python memory",
        "MiB",
        peak / 2**20,
        goal=MEMORY_GOAL,
        note=f"{total:,} opportunities",
    )
    results.details["export"] = {
        "opportunities": total,
        "seconds": ours,
        "copy_seconds": baseline,
        "peak_bytes": peak,
    }
