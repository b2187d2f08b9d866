"""The load test, short: 20 users for 10 seconds on gunicorn and PostgreSQL, no server error, no
socket error, no lost update, a consistent ledger. And the ledger check it ends with, which must
see what it is there to see.
"""

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from loadtest import database
from loadtest.ledger import ledger_problems
from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry

BASE_DIR = Path(__file__).resolve().parents[2]


# --- the ledger check ---------------------------------------------------------------------------


@pytest.fixture
def moved(fx):
    """An opportunity moved through the ways the ledger records: next, update, closed."""
    opportunity = fx.create_opp_a()
    services.update_opportunity(opportunity, action="next")
    services.update_opportunity(opportunity, action="update", estimated_value=Decimal(12000))
    return opportunity


def test_the_ledger_check_passes_what_the_services_wrote(fx, moved):
    fx.create_opp_a(activate_first_stage=False)
    services.close_opportunity(fx.create_opp_a(), outcome="lost", close_code=fx.L_COMP)
    statuses = set(Opportunity.objects.values_list("status", flat=True))
    assert statuses == {"not_started", "in_progress", "lost"}
    assert ledger_problems() == []


def test_the_ledger_check_sees_figures_that_are_not_the_active_entrys(fx, moved):
    Opportunity.objects.filter(pk=moved.pk).update(estimated_value=Decimal(1))
    assert ledger_problems() == [f"{moved.number}: estimated_value 1.00 != entry's 12000.00"]


def test_the_ledger_check_sees_an_opportunity_without_its_active_entry(fx, moved):
    moved.entries.filter(active=True).update(active=False)
    assert ledger_problems() == [f"{moved.number}: 0 active entries"]


def test_the_ledger_check_sees_a_broken_chain_of_days_open(fx, moved):
    first = moved.entries.order_by("pk").first()
    OpportunityEntry.objects.filter(pk=first.pk).update(days_open=first.days_open + 3)
    assert ledger_problems() == [
        f"{moved.number}: entry {first.pk} has {first.days_open + 3} days open"
    ]


def test_the_ledger_check_sees_a_closed_opportunity_whose_active_entry_is_not_closing(fx, moved):
    Opportunity.objects.filter(pk=moved.pk).update(status="lost", date_closed=moved.creation_date)
    assert f"{moved.number}: lost but the active entry is updated" in ledger_problems()


# --- the load test ------------------------------------------------------------------------------


def load_database_url() -> str:
    """A database of its own on the suite's PostgreSQL server (or the local default one)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = database.DEFAULT_URL
    return urlunsplit(urlsplit(url)._replace(path=f"/crm_load_test_{os.getpid()}"))


@pytest.fixture
def postgres_url() -> str:
    url = load_database_url()
    problem = database.unreachable(url)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL must be reachable in CI ({url}): {problem}")
        pytest.skip(f"the load test needs PostgreSQL, not reachable at {url}: {problem}")
    return url


@pytest.mark.postgres
@pytest.mark.timeout(240)
def test_twenty_users_for_ten_seconds_get_no_server_error_and_lose_no_update(
    postgres_url, tmp_path
):
    output = tmp_path / "load.json"
    command = [sys.executable, "-m", "loadtest", "--users", "20", "--seconds", "10"]
    command += ["--database-url", postgres_url, "--json", str(output), "--drop"]
    completed = subprocess.run(
        [*command, "--timeout", "200"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=230,
        check=False,
    )
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
