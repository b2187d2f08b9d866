"""The pipeline board and the dashboard, in process, against the same SQL with a minimal page.

- board, first render of the main cycle (STD) and "load more" on its fullest column;
- the dashboard of that cycle (every chart, the period the last 12 months);
each with its raw baseline (its recorded statements through psycopg or sqlite3, rows rendered
into a bare table) and, as the goals judge them, against the list's first page of this run:
the board within 1.5x, the dashboard within 2x. Their statement counts must not change with
the cycle (its stages, its opportunities). A drop (a move to the next stage through the
board) is timed against the same move through the Update dialog: its POST and the board it
returns to. On PostgreSQL, the rows the dashboard's statements read (EXPLAIN ANALYZE) show
that it does not scan the opportunities or their entries.
"""

import html
import re
import time

from django.urls import reverse

from bench.context import Bench
from bench.measure import Samples
from bench.pages import capture, explain, get, plan_rows_read, time_page
from bench.report import Goal
from opportunities import services
from opportunities.models import Opportunity, UpdateAction
from salescycles import demo
from salescycles.models import SalesCycle

BOARD_GOAL = Goal("ratio_max", 1.5)
DASHBOARD_GOAL = Goal("ratio_max", 2.0)
DROP_GOAL = Goal("ratio_max", 1.2)
SAME_COUNT = Goal("max", 0, timing=False)
# The dashboard must read summaries, not the opportunities: far fewer rows than a scan.
ROWS_GOAL = Goal("max", 50_000, timing=False)
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "board-columns"}


def list_first_page_p50(bench: Bench) -> float | None:
    found = bench.results.details.get("list", {}).get("list no filter, first page")
    return found["ours"]["p50_ms"] if found else None


def measure_page(bench: Bench, name: str, url: str, *, expect: bytes, goal=None) -> dict:
    response, statements = capture(bench, url)
    bench.results.check(
        f"{name}: shows its figures",
        response.status_code == 200 and expect in response.content,
        f"GET {url}: {response.status_code}",
    )
    bench.progress(f"{name}: {url} ({len(statements)} statements)")
    ours, raw = time_page(bench, url, statements)
    bench.results.row(f"{name}: p50", "ms", ours.p50 * 1000, raw.p50 * 1000)
    bench.results.row(f"{name}: p95", "ms", ours.p95 * 1000, raw.p95 * 1000)
    listed = list_first_page_p50(bench)
    if goal is not None and listed:
        bench.results.row(
            f"{name} vs list first page: p50", "ms", ours.p50 * 1000, listed, goal=goal
        )
    bench.results.row(f"{name}: statements", "queries", len(statements))
    detail = {
        "url": url,
        "ours": ours.as_dict(),
        "raw": raw.as_dict(),
        "sql": [sql for sql, _params in statements],
    }
    bench.results.details.setdefault("pipeline", {})[name] = detail
    return {"response": response, "statements": statements}


def statement_count(bench: Bench, url: str) -> int:
    response, statements = capture(bench, url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return len(statements)


def measure_pipeline(bench: Bench) -> None:
    results = bench.results
    cycle = SalesCycle.objects.get(code=demo.STD.code)
    board_url = reverse("pipeline:board", args=[cycle.code])
    dashboard_url = f"{reverse('pipeline:dashboard')}?sales_cycle={cycle.code}"
    started = time.perf_counter()
    get(bench, board_url)  # after the bulk load's TRUNCATE, the first read builds the summaries
    results.row(
        "pipeline summaries: first build after the bulk load", "s", time.perf_counter() - started
    )

    board = measure_page(
        bench, "board first render", board_url, expect=b"board-card", goal=BOARD_GOAL
    )
    # The fullest column's "load more" (the board's own link, as a browser follows it).
    links = re.findall(rb'id="more-\d+"[^>]* href="([^"]+)"', board["response"].content)
    if links:
        more = html.unescape(links[0].decode())
        measure_page(bench, "board load more", more, expect=b"board-card")
    measure_page(bench, "dashboard", dashboard_url, expect=b"chart-drawing", goal=DASHBOARD_GOAL)

    # The statements of a board and of a dashboard, whatever the cycle (its stages, its size).
    counts = {}
    for other in SalesCycle.objects.filter(
        code__in=[demo.STD.code, demo.LARGE.code, demo.QUICK.code]
    ):
        counts[other.code] = (
            statement_count(bench, reverse("pipeline:board", args=[other.code])),
            statement_count(bench, f"{reverse('pipeline:dashboard')}?sales_cycle={other.code}"),
        )
    for index, page in enumerate(("board", "dashboard")):
        found = [value[index] for value in counts.values()]
        results.row(
            f"{page} statements, most minus fewest over the cycles",
            "queries",
            max(found) - min(found),
            goal=SAME_COUNT,
            note=", ".join(f"{code}: {value[index]}" for code, value in counts.items()),
        )

    if bench.vendor == "postgresql":
        measure_rows_read(bench)
    measure_drop(bench, cycle)


def measure_rows_read(bench: Bench) -> None:
    read = {}
    for name in ("dashboard", "board first render"):
        sqls = bench.results.details["pipeline"][name]["sql"]
        worst = 0
        for sql in sqls:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            plan = explain(bench, sql, analyze_json=True)[0]["Plan"]
            worst = max(worst, plan_rows_read(plan))
        read[name] = worst
        bench.results.row(
            f"{name}: rows read by its largest scan (EXPLAIN ANALYZE)",
            "rows",
            worst,
            goal=ROWS_GOAL,
        )


def candidates(cycle: SalesCycle, count: int) -> list[Opportunity]:
    """In-progress opportunities on the cycle's first stage, without a quote (the next stage
    needs none), newest first: each is moved once."""
    first = cycle.stages.order_by("stage").first()
    return list(
        Opportunity.objects.filter(
            status=Opportunity.Status.IN_PROGRESS,
            current_stage=first,
            quote__isnull=True,
            estimated_value__gt=0,
        ).order_by("-pk")[:count]
    )


def measure_drop(bench: Bench, cycle: SalesCycle) -> None:
    """A move to the next stage by a drop, against the Update dialog's POST and the board the
    browser shows after it; each on a fresh opportunity, alternating."""
    stages = list(cycle.stages.order_by("stage"))
    board_url = reverse("pipeline:board", args=[cycle.code])
    move_url = reverse("pipeline:move", args=[cycle.code])
    reps = bench.reps
    found = candidates(cycle, 2 * (reps + 2))
    if len(found) < 2 * (reps + 2):
        bench.results.check("drop: enough candidates", False, f"{len(found)} found")
        return
    drop, dialog, dialog_post = Samples(), Samples(), Samples()
    moved_ok = True
    for index in range(reps + 2):
        by_board, by_dialog = found[2 * index], found[2 * index + 1]
        update_url = reverse("opportunities:update", args=[by_dialog.number])
        # What the dialog pre-fills (its form's initial values), read untimed.
        defaults = services.update_defaults(by_dialog, action=UpdateAction.NEXT)
        data = {
            "version": str(by_dialog.version),
            "action": UpdateAction.NEXT.value,
            **{
                key: "" if value is None else str(getattr(value, "pk", value))
                for key, value in defaults.items()
            },
        }
        data["next"] = board_url
        order = (0, 1) if index % 2 == 0 else (1, 0)
        for which in order:
            start = time.perf_counter()
            if which == 0:
                response = bench.client.post(
                    move_url,
                    {
                        "number": by_board.number,
                        "version": by_board.version,
                        "target": stages[1].pk,
                    },
                    **HTMX,
                )
                elapsed = time.perf_counter() - start
                moved_ok &= response.status_code == 200 and b"moved to" in response.content
                if index >= 2:
                    drop.add(elapsed)
            else:
                response = bench.client.post(update_url, data)
                posted = time.perf_counter() - start
                page = (
                    bench.client.get(response["Location"]) if response.status_code == 302 else None
                )
                elapsed = time.perf_counter() - start
                moved_ok &= response.status_code == 302 and page is not None
                if index >= 2:
                    dialog.add(elapsed)
                    dialog_post.add(posted)
    moved = Opportunity.objects.filter(
        pk__in=[o.pk for o in found], current_stage=stages[1]
    ).count()
    bench.results.check(
        "drop and Update dialog: every opportunity moved to the next stage",
        moved_ok and moved == len(found),
        f"{moved} of {len(found)} moved",
    )
    bench.results.row(
        "drop on the next stage vs Update dialog (POST and the board after it): p50",
        "ms",
        drop.p50 * 1000,
        dialog.p50 * 1000,
        goal=DROP_GOAL,
    )
    bench.results.row(
        "drop on the next stage vs the Update dialog's POST alone: p50",
        "ms",
        drop.p50 * 1000,
        dialog_post.p50 * 1000,
    )
    bench.results.details.setdefault("pipeline", {})["drop"] = {
        "drop": drop.as_dict(),
        "dialog": dialog.as_dict(),
        "dialog_post": dialog_post.as_dict(),
    }
