"""`python -m bench`: generate the data, measure, print the table, write JSON and Markdown.

    python -m bench [--size tiny|100k|1m] [--database-url URL] [--skip-http] [--skip-sqlite]
                    [--reps N] [--json PATH]

PostgreSQL gets `--size` opportunities (a database of its own, dropped and recreated); SQLite
gets 100,000 (or the tiny size with `--size tiny`). Each database is measured in its own
process (bench.worker). Every figure is compared with a baseline measured in the same run.

The exit status is 1 when a correctness check fails (a page that does not show its rows, an
action whose replay differs, a deletion that deleted the wrong rows...), 0 otherwise: goals
that are not met are shown in the table, they do not fail the run. `--size tiny` is the smoke
run of CI: it judges no timing goal, only correctness and query counts.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import database

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench-results"
SIZES = {"tiny": 2_000, "100k": 100_000, "1m": 1_000_000}
REPS = {"tiny": 2, "100k": 30, "1m": 15}
SQLITE_SIZE = {"tiny": 2_000, "100k": 100_000, "1m": 100_000}


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.split("\n\n")[0].strip("`")
    )
    parser.add_argument("--size", choices=list(SIZES), default="100k")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", database.DEFAULT_URL),
        help="the PostgreSQL database to create (dropped first!), default %(default)s",
    )
    parser.add_argument("--sqlite-path", help="default bench-results/bench-SIZE.sqlite3")
    parser.add_argument("--skip-http", action="store_true", help="no gunicorn/wrk measurement")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--reps", type=int, help="repetitions per measurement")
    parser.add_argument("--http-seconds", type=float, help="seconds per wrk run (default 5)")
    parser.add_argument("--json", help="default bench-results/bench-SIZE.json")
    parser.add_argument("--markdown", help="default: the JSON's path with .md")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    return parser.parse_args(argv)


def run_worker(
    vendor: str, target: str, size: int, args, out: Path, title: str, folder: Path
) -> dict:
    command = [
        sys.executable,
        "-m",
        "bench.worker",
        vendor,
        "--database",
        target,
        "--size",
        str(size),
        "--reps",
        str(args.reps or REPS[args.size]),
        "--out",
        str(out),
        "--title",
        title,
        "--http-seconds",
        str(args.http_seconds or (1 if args.size == "tiny" else 5)),
    ]
    if args.size != "tiny":
        command.append("--judge-timing")
    if args.skip_http:
        command.append("--skip-http")
    if vendor == "postgresql":
        command += ["--explain", str(folder / f"explain-{args.size}.txt")]
    out.unlink(missing_ok=True)
    status = subprocess.run(command, cwd=BASE_DIR, check=False).returncode
    if not out.exists():
        return {
            "section": title,
            "rows": [],
            "checks": [{"name": f"{title}: worker", "ok": False, "detail": f"exit {status}"}],
            "details": {},
        }
    return json.loads(out.read_text(encoding="utf-8"))


def main(argv=None) -> int:
    from bench.report import table_lines

    args = parse(argv)
    started = time.perf_counter()
    json_path = Path(args.json) if args.json else RESULTS_DIR / f"bench-{args.size}.json"
    md_path = Path(args.markdown) if args.markdown else json_path.with_suffix(".md")
    folder = json_path.parent  # the workers' files and the EXPLAIN output go there too
    folder.mkdir(parents=True, exist_ok=True)
    size = SIZES[args.size]
    sections = []
    if not args.skip_postgres:
        problem = database.reachable(args.database_url)
        if problem:
            print(f"PostgreSQL at {args.database_url} is not reachable: {problem}")
            return 2
        title = f"PostgreSQL, {size:,} opportunities"
        out = folder / f"worker-postgresql-{args.size}.json"
        sections.append(run_worker("postgresql", args.database_url, size, args, out, title, folder))
        if args.drop:
            database.drop(args.database_url)
    if not args.skip_sqlite:
        sqlite_size = SQLITE_SIZE[args.size]
        path = args.sqlite_path or str(folder / f"bench-{args.size}.sqlite3")
        title = f"SQLite, {sqlite_size:,} opportunities"
        out = folder / f"worker-sqlite-{args.size}.json"
        sections.append(run_worker("sqlite", path, sqlite_size, args, out, title, folder))
        if args.drop:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    for section in sections:
        section["title"] = section["section"]
    wall = time.perf_counter() - started
    checks = [check for section in sections for check in section["checks"]]
    failed = [check for check in checks if not check["ok"]]
    rows = [row for section in sections for row in section["rows"]]
    judged = [row for row in rows if row["ok"] is not None]
    summary = {
        "size": args.size,
        "finished": datetime.datetime.now().isoformat(timespec="seconds"),
        "wall_seconds": wall,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "checks_failed": [f"{c['name']}: {c['detail']}" for c in failed],
        "goals_met": sum(1 for row in judged if row["ok"]),
        "goals_judged": len(judged),
        "sections": sections,
    }
    json_path.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    print()
    print("\n".join(table_lines(sections, markdown=False)))
    markdown = table_lines(sections, markdown=True)
    markdown.append(
        f"{summary['goals_met']} of {summary['goals_judged']} goals met; "
        f"{len(checks) - len(failed)} of {len(checks)} correctness checks passed; "
        f"whole run {wall / 60:.1f} min on {os.cpu_count()} CPUs "
        f"({summary['finished']})."
    )
    md_path.write_text("\n".join(markdown) + "\n", encoding="utf-8")
    print(markdown[-1])
    print(f"JSON: {json_path}\nMarkdown: {md_path}")
    if failed:
        print("\nCorrectness checks failed:")
        for line in summary["checks_failed"]:
            print(f"  - {line}")
        return 1
    return 0
