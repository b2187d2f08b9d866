"""One database's part of the benchmark, in its own process.

Django reads DATABASE_URL when it starts, so each database gets a process: `bench.run` starts
`python -m bench.worker postgresql|sqlite ...` and reads the JSON it writes.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(message, flush=True)


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("vendor", choices=["postgresql", "sqlite"])
    parser.add_argument("--database", required=True, help="database URL, or SQLite file path")
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--reps", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--title", required=True)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--http-seconds", type=float, default=5.0)
    parser.add_argument("--judge-timing", action="store_true")
    parser.add_argument("--explain", help="write EXPLAIN ANALYZE of the list's queries here")
    return parser.parse_args(argv)


def prepare_database(args) -> str:
    """A fresh database; returns its DATABASE_URL."""
    if args.vendor == "postgresql":
        from bench import database

        database.recreate(args.database)
        return args.database
    path = Path(args.database).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def main(argv=None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    url = prepare_database(args)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    static_root = BASE_DIR / "bench-results" / "static"
    static_root.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("BENCH_STATIC_ROOT", str(static_root))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from bench import (
        actions,
        deletion,
        export,
        generate,
        http,
        jobs,
        pages,
        pipeline,
        raw,
        totals,
    )
    from bench.api import measure_api
    from bench.context import Bench
    from bench.report import Results

    results = Results(section=args.title, judge_timing=args.judge_timing)
    vendor = connection.vendor
    dataset = generate.Dataset(args.size, today=timezone.localdate(), vendor=vendor)
    connection.close()
    log(f"{args.title}: loading {args.size:,} opportunities")
    if vendor == "postgresql":
        counts = generate.load_postgres(args.database, dataset, log=log)
    else:
        counts = generate.load_sqlite(args.database, dataset, log=log)
    loaded = time.perf_counter()
    entries = counts["opportunities.OpportunityEntry"]
    log(
        f"{args.title}: loaded {args.size:,} opportunities and {entries:,} entries "
        f"in {loaded - migrated:.1f} s"
    )
    check_data(results, dataset)
    results.row("data load (opportunities, entries, documents)", "s", loaded - migrated)

    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench")
    client = Client()
    client.force_login(user)
    connection_raw = (
        raw.connect_postgres(args.database)
        if vendor == "postgresql"
        else raw.connect_sqlite(args.database)
    )
    bench = Bench(
        vendor=vendor,
        database=args.database,
        results=results,
        reps=args.reps,
        client=client,
        raw=connection_raw,
        size=args.size,
        http_seconds=args.http_seconds,
        log=log,
    )
    failed = None
    try:
        log(f"{args.title}: list pages ({args.reps} repetitions each)")
        pages.measure_list(bench)
        if args.explain and vendor == "postgresql":
            Path(args.explain).write_text(pages.explain_list(bench), encoding="utf-8")
        pages.measure_card(bench)
        log(f"{args.title}: the list's totals")
        totals.measure_totals(bench)
        pages.measure_new_page(bench)
        log(f"{args.title}: actions")
        actions.measure_actions(bench)
        log(f"{args.title}: pipeline board and dashboard")
        pipeline.measure_pipeline(bench)
        log(f"{args.title}: the API against its pages")
        measure_api(bench)
        if vendor == "postgresql" and not args.skip_http:
            log(f"{args.title}: HTTP")
            http.measure_http(bench)
        if vendor == "postgresql":
            log(f"{args.title}: export to CSV")
            export.measure_export(bench)
            log(f"{args.title}: batch deletion")
            deletion.measure_deletion(bench)
            log(f"{args.title}: batch deletion as a job")
            jobs.measure_job_deletion(bench)
    except Exception as error:  # reported as a failed check, with what was measured so far
        import traceback

        traceback.print_exc()
        failed = f"{error.__class__.__name__}: {error}"
        results.check("benchmark ran to the end", False, failed)
    finally:
        connection_raw.close()
        connection.close()
    report = results.as_dict() | {
        "vendor": vendor,
        "size": args.size,
        "reps": args.reps,
        "counts": counts,
        "seconds": {
            "migrate": migrated - started,
            "load": loaded - migrated,
            "total": time.perf_counter() - started,
        },
    }
    Path(args.out).write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return 1 if failed else 0


def check_data(results, dataset) -> None:
    """The generated data obeys the rules the services keep."""
    from django.db import connection

    from numbering.models import NumberSeries
    from opportunities.models import Opportunity, OpportunityEntry

    started = Opportunity.objects.exclude(status=Opportunity.Status.NOT_STARTED).count()
    active = OpportunityEntry.objects.filter(active=True).count()
    results.check(
        "data: one active entry per started opportunity",
        started == active
        and not OpportunityEntry.objects.filter(opportunity__status="not_started").exists(),
        f"{started} started, {active} active entries",
    )
    pairs = [
        ("estimated_value", "estimated_value"),
        ("chances_of_success", "chances_of_success"),
        ("completed", "completed"),
        ("probability", "probability"),
        ("calcd_current_value", "calcd_current_value"),
        ("estimated_close_date", "estimated_close_date"),
        ("date_closed", "date_closed"),
    ]
    differs = " OR ".join(f"o.{a} <> e.{b} OR (o.{a} IS NULL) <> (e.{b} IS NULL)" for a, b in pairs)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {Opportunity._meta.db_table} o "
            f"JOIN {OpportunityEntry._meta.db_table} e ON e.opportunity_id = o.id AND e.active "
            f"WHERE {differs} OR coalesce(o.current_stage_id, 0) <> coalesce(e.stage_id, 0)"
        )
        mismatched = cursor.fetchone()[0]
    results.check(
        "data: the opportunities' figures are their active entry's",
        mismatched == 0,
        f"{mismatched} differ",
    )
    series = NumberSeries.objects.get(code="OP")
    results.check(
        "data: automatic numbers continue after the loaded ones",
        series.last_number == dataset.size
        and not Opportunity.objects.filter(number=series.format(series.last_number + 1)).exists(),
        f"OP series at {series.last_number}",
    )


if __name__ == "__main__":
    sys.exit(main())
