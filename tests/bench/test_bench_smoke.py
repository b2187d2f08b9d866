"""The benchmark at a tiny size, so that it never rots.

`python -m bench --size tiny` generates about 2,000 opportunities on PostgreSQL and on SQLite
and runs every measurement twice. Timings are not judged at this size; what must hold is that
every correctness check passes (each page shows its rows, each action's raw replay leaves the
service's state, the deletion deletes exactly the closed rows) and that the goals that do not
depend on timing are met: the list's query counts, the HTTP error count, the deletion's memory.
"""

import json
import shutil
import sys

import pytest

from tests.postgres import postgresql_server_database, run_own_servers


@pytest.fixture
def postgres_url() -> str:
    return postgresql_server_database(
        "crm_bench_smoke", "the benchmark's smoke run runs in the suite's PostgreSQL pass"
    )


@pytest.mark.postgres
@pytest.mark.standalone
@pytest.mark.timeout(900)
def test_the_benchmark_runs_at_tiny_size_with_its_checks_and_query_counts(postgres_url, tmp_path):
    output = tmp_path / "bench.json"
    command = [
        sys.executable,
        "-m",
        "bench",
        "--size",
        "tiny",
        "--database-url",
        postgres_url,
        "--sqlite-path",
        str(tmp_path / "bench.sqlite3"),
        "--json",
        str(output),
        "--drop",
    ]
    with_http = shutil.which("wrk") is not None
    if not with_http:
        command.append("--skip-http")
    completed = run_own_servers(command, timeout=850)
    log = completed.stdout[-8000:] + completed.stderr[-8000:]
    assert completed.returncode == 0, log

    results = json.loads(output.read_text(encoding="utf-8"))
    assert results["checks_failed"] == [], log
    sections = {section["section"].split(",")[0]: section for section in results["sections"]}
    assert set(sections) == {"PostgreSQL", "SQLite"}
    for name, section in sections.items():
        metrics = [row["metric"] for row in section["rows"]]
        for expected in (
            "list no filter, first page: p50",
            "list salesperson + open, last page vs first page: p50",
            "list queries on opportunities (page + count), 100 rows/page",
            "card: p50",
            "action next: p50",
            "action close lost: p50",
        ):
            assert expected in metrics, f"{name}: {expected} is missing"
        untimed = [row for row in section["rows"] if row["goal"] and not row["timing"]]
        assert untimed, name
        failed = [
            f"{row['metric']}: {row['ours']} ({row['goal']})" for row in untimed if not row["ok"]
        ]
        assert failed == [], f"{name}: {failed}"
        timed = [row for row in section["rows"] if row["timing"]]
        assert all(row["ok"] is None for row in timed), "timings are not judged at tiny size"
    postgres = [row["metric"] for row in sections["PostgreSQL"]["rows"]]
    assert "batch deletion: rows per second (opportunities + entries)" in postgres
    assert "batch deletion as a job (enqueue to done): rows per second" in postgres
    assert "list count: rows read, worst filter" in postgres
    assert "export opportunities to CSV: rows per second" in postgres
    if with_http:
        assert "HTTP errors (not 2xx, socket errors)" in postgres
