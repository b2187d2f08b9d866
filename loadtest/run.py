"""The load test, from a fresh database to the verdict.

1. A fresh PostgreSQL database (dropped first when it exists), migrated, with the demo data
   and the demo logins; static files collected.
2. gunicorn (`config.wsgi`, `--workers` workers, DEBUG off, WhiteNoise) on 127.0.0.1, on a
   free port.
3. `--users` users log in (manager and jo in turn), then work for `--seconds` seconds
   (`loadtest.users`).
4. gunicorn is stopped and the database checked: every action a user saw succeed made exactly
   one new ledger entry on that opportunity and moved its version by one, nothing else wrote,
   and the whole ledger is consistent (`opportunities.ledger`).

A table goes to the terminal and everything to a JSON file. The exit status is 1 on any server
error, socket error, unexpected answer, lost or unseen update, or ledger inconsistency; 2 when
the run could not be made (no PostgreSQL, a setup step failed, the hard timeout).
"""

import argparse
import datetime
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import database
from bench.server import Gunicorn
from loadtest.report import print_report, summary
from loadtest.users import Stats, User

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crm_load"
LOGINS = ("manager", "jo")
SETUP_TIMEOUT = 300


class RunFailed(Exception):
    """The run could not be made; the message says why."""


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20, help="simulated users (default 20)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the run (60)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="where the results go (load-results/...)")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    parser.add_argument(
        "--timeout",
        type=int,
        help="hard limit for the whole run in seconds (default: the run's length + 600)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 200 or not 1 <= args.seconds <= 3600:
        parser.error("--users is 1..200 and --seconds 1..3600")
    args.timeout = args.timeout or int(args.seconds) + 600
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    args.json = args.json or BASE_DIR / "load-results" / f"load-{stamp}.json"
    return args


def main(argv=None) -> int:
    args = arguments(argv)

    def out_of_time(signum, frame):
        raise RunFailed(f"the hard timeout of {args.timeout} s was reached")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(args.timeout)
    problem = database.reachable(args.database_url)
    if problem:
        print(f"PostgreSQL is not reachable at {args.database_url}: {problem}", file=sys.stderr)
        return 2
    args.json.parent.mkdir(parents=True, exist_ok=True)
    log_path = args.json.with_suffix(".gunicorn.log")
    server = None
    try:
        step(f"fresh database {database.database_name(args.database_url)} with the demo data")
        database.recreate(args.database_url)
        prepare(args.database_url)
        mark = ledger_mark(args.database_url)
        step(f"gunicorn, {args.workers} workers")
        server = start_server(args.database_url, args.workers, log_path)
        step(f"{args.users} users for {args.seconds:g} s")
        stats, elapsed, login_seconds = work(server.port, args.users, args.seconds, args.seed)
        server.stop()
        step("the ledger")
        verdict = check_ledger(mark, stats)
    except RunFailed as error:
        print(f"load test not run: {error}", file=sys.stderr)
        return 2
    finally:
        signal.alarm(0)
        if server is not None:
            server.stop()
        if args.drop:
            database.drop(args.database_url)
    results = summary(stats, elapsed, verdict)
    results["run"] = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "users": args.users,
        "seconds": args.seconds,
        "workers": args.workers,
        "login_seconds": round(login_seconds, 2),
        "machine": machine(),
        "postgresql": verdict.pop("postgresql"),
        "database": database.database_name(args.database_url),
        "gunicorn_log": str(log_path),
    }
    results["verdict"] = verdict
    args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print_report(results)
    print(f"\nresults: {args.json}")
    return 0 if results["passed"] else 1


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


# --- 1. the database ----------------------------------------------------------------------------


def manage(database_url: str, *command: str, production: bool = False) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    if production:
        env |= production_env(database_url)
    try:
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=SETUP_TIMEOUT,
        )
    except subprocess.CalledProcessError as error:
        raise RunFailed(f"manage.py {' '.join(command)}: {error.stderr[-2000:]}") from error
    except subprocess.TimeoutExpired as error:
        raise RunFailed(f"manage.py {' '.join(command)} took over {SETUP_TIMEOUT} s") from error


def prepare(database_url: str) -> None:
    manage(database_url, "migrate", "--no-input", "-v0")
    manage(database_url, "load_demo_data")
    manage(database_url, "ensure_demo_logins")  # the local setup's logins: DEBUG is on here
    manage(database_url, "collectstatic", "--no-input", "-v0", production=True)


def production_env(database_url: str) -> dict:
    """What `make serve` runs with, on plain HTTP at 127.0.0.1."""
    return {
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
    }


def use_database(database_url: str) -> None:
    """Django in this process, on the load test's database (for the checks)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def ledger_mark(database_url: str) -> dict:
    """Where the ledger and the versions stand before the users start."""
    use_database(database_url)
    from django.db.models import Max

    from opportunities.models import Opportunity, OpportunityEntry

    last_entry = OpportunityEntry.objects.aggregate(last=Max("pk"))["last"] or 0
    versions = dict(Opportunity.objects.values_list("number", "version"))
    return {"last_entry": last_entry, "versions": versions}


# --- 2. the server ------------------------------------------------------------------------------


def start_server(database_url: str, workers: int, log_path: Path) -> Gunicorn:
    """gunicorn as `make serve` starts it, on a free port, once the login page answers."""
    server = Gunicorn(
        "config.wsgi",
        workers=workers,
        env=production_env(database_url),
        options=("--timeout", "30", "--graceful-timeout", "10"),
        log=log_path,
    )
    server.start()
    try:
        server.wait_until_ready("/accounts/login/")
    except RuntimeError as error:
        server.stop()
        raise RunFailed(str(error)) from error
    return server


# --- 3. the users -------------------------------------------------------------------------------


def work(port: int, users: int, seconds: float, seed: int) -> tuple[Stats, float, float]:
    stats = Stats()
    people = [
        User(index, LOGINS[index % len(LOGINS)], "127.0.0.1", port, stats, seed)
        for index in range(users)
    ]
    started = time.monotonic()
    run_threads(people, lambda user: user.log_in(), timeout=120)
    login_seconds = time.monotonic() - started
    logged_in = [user for user in people if "sessionid" in user.browser.cookies]
    stats.timed = True
    started = time.monotonic()
    deadline = started + seconds
    run_threads(logged_in, lambda user: user.run_until(deadline), timeout=seconds + 60)
    return stats, time.monotonic() - started, login_seconds


def run_threads(users: list[User], task, *, timeout: float) -> None:
    def guarded(user):
        try:
            task(user)
        except Exception as error:  # counted, so that the run fails rather than hides it
            user.stats.unexpected.append(f"user {user.index}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=guarded, args=(user,), daemon=True) for user in users]
    for thread in threads:
        thread.start()
    end = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise RunFailed("users still busy after their time was up")


# --- 4. the verdict -----------------------------------------------------------------------------


def check_ledger(mark: dict, stats: Stats) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count

    from opportunities.ledger import ledger_problems
    from opportunities.models import Opportunity, OpportunityEntry

    new_entries = OpportunityEntry.objects.filter(pk__gt=mark["last_entry"])
    load_users = set(get_user_model().objects.filter(username__in=LOGINS).values_list("pk"))
    written = dict(
        new_entries.values("opportunity__number")
        .annotate(count=Count("pk"))
        .values_list("opportunity__number", "count")
    )
    strangers = new_entries.exclude(created_by__in=[pk for (pk,) in load_users]).count()
    versions = dict(Opportunity.objects.values_list("number", "version"))
    lost, unseen, versions_off = [], [], []
    for number in sorted(set(stats.successes) | set(written)):
        seen, entries = stats.successes.get(number, 0), written.get(number, 0)
        if seen > entries:
            lost.append(f"{number}: {seen} successes seen, {entries} new entries")
        elif entries > seen:
            unseen.append(f"{number}: {entries} new entries, {seen} successes seen")
        moved = versions.get(number, 0) - mark["versions"].get(number, 0)
        if moved != seen:
            versions_off.append(f"{number}: version moved by {moved}, {seen} successes seen")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (postgresql,) = cursor.fetchone()
    return {
        "new_entries": sum(written.values()),
        "successes_seen": sum(stats.successes.values()),
        "opportunities_changed": len(written),
        "lost_updates": lost,
        "unseen_writes": unseen,
        "versions_off": versions_off,
        "entries_by_others": strangers,
        "ledger_problems": ledger_problems(),
        "postgresql": postgresql.split(" on ")[0],
    }


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}"
