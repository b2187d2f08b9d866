"""`python -m bench.summary`: the README's table from the benchmark's JSON results.

    python -m bench.summary [bench-results/bench-100k.json bench-results/bench-1m.json]

One table per database: each metric's p50 (p95 rows are left to the full tables), with ours,
the baseline and their ratio for every result given side by side, the goal, and whether each
result met it.
"""

import json
import re
import sys
from pathlib import Path

from bench.report import figures, markdown_table
from bench.run import RESULTS_DIR

DEFAULT = [RESULTS_DIR / "bench-100k.json", RESULTS_DIR / "bench-1m.json"]
VENDORS = ("PostgreSQL", "SQLite")


def _ok(row: dict | None) -> str:
    if row is None or row["ok"] is None:
        return "-"
    return "pass" if row["ok"] else "FAIL"


def _cells(row: dict | None) -> list[str]:
    return ["", "", ""] if row is None else figures(row)


def _same_at_any_size(metric: str) -> str:
    """The metric without the page number that depends on the size: "deep page (2,000)"."""
    return re.sub(r" \([\d,]+\)", "", metric)


def table(results: list[dict], vendor: str) -> list[str]:
    """The rows of `vendor`'s sections, one column group per result."""
    sections = [
        next((s for s in result["sections"] if s["title"].startswith(vendor)), None)
        for result in results
    ]
    present = [(r, s) for r, s in zip(results, sections, strict=True) if s is not None]
    if not present:
        return []
    metrics: list[str] = []
    by_metric: list[dict[str, dict]] = []
    for _result, section in present:
        rows = {
            _same_at_any_size(row["metric"]): row
            for row in section["rows"]
            if not row["metric"].endswith("p95")
        }
        by_metric.append(rows)
        metrics += [metric for metric in rows if metric not in metrics]
    titles = [section["title"].split(", ", 1)[1] for _result, section in present]
    header = ["metric"]
    for title in titles:
        header += [f"ours ({title})", "baseline", "ratio"]
    header += ["goal", "met"]
    body = []
    for metric in metrics:
        rows = [found.get(metric) for found in by_metric]
        goal = next((row["goal"] for row in rows if row and row["goal"]), "-")
        cells = [metric]
        for row in rows:
            cells += _cells(row)
        body.append([*cells, goal, " / ".join(_ok(row) for row in rows)])
    return [f"**{vendor}**", "", *markdown_table(header, body), ""]


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or [path for path in DEFAULT if path.exists()]
    results = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    for result in results:
        print(
            f"- `--size {result['size']}`: {result['finished'][:10]}, "
            f"{result['goals_met']} of {result['goals_judged']} goals met, "
            f"{len(result['checks_failed'])} correctness checks failed, "
            f"{result['wall_seconds'] / 60:.1f} min on {result['machine']['cpus']} CPUs"
        )
    print()
    for vendor in VENDORS:
        print("\n".join(table(results, vendor)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
