"""The load test, short: 20 users for 10 seconds on gunicorn and PostgreSQL, no server error, no
socket error, no lost update, a consistent ledger."""

import json
import sys

import pytest

from tests.postgres import postgresql_server_database, run_own_servers


@pytest.fixture
def postgres_url() -> str:
    return postgresql_server_database(
        "crm_load_test", "the load test runs in the suite's PostgreSQL pass"
    )


@pytest.mark.postgres
@pytest.mark.standalone
@pytest.mark.timeout(240)
def test_twenty_users_for_ten_seconds_get_no_server_error_and_lose_no_update(
    postgres_url, tmp_path
):
    output = tmp_path / "load.json"
    command = [sys.executable, "-m", "loadtest", "--users", "20", "--seconds", "10"]
    command += ["--database-url", postgres_url, "--json", str(output), "--drop"]
    completed = run_own_servers([*command, "--timeout", "200"], timeout=230)
    log = completed.stdout[-6000:] + completed.stderr[-6000:]
    assert completed.returncode == 0, log

    results = json.loads(output.read_text(encoding="utf-8"))
    totals, verdict = results["totals"], results["verdict"]
    assert results["passed"], log
    assert totals["server_errors"] == totals["socket_errors"] == totals["unexpected"] == 0
    assert verdict["lost_updates"] == verdict["unseen_writes"] == verdict["versions_off"] == []
    assert verdict["ledger_problems"] == []
    # The users did work: lists, cards and actions, and the ledger holds each success once.
    assert {"list", "card", "update dialog", "action"} <= set(results["kinds"]), log
    assert totals["requests"] >= 200, log
    assert totals["actions_ok"] >= 20, log
    assert verdict["new_entries"] == verdict["successes_seen"] == totals["actions_ok"]
