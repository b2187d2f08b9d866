"""The load test's figures: a dictionary for the JSON file and a table for the terminal."""

from bench.measure import percentile
from loadtest.users import Stats

KINDS = ["list", "card", "update dialog", "close dialog", "action", "message page"]


def milliseconds(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def summary(stats: Stats, elapsed: float, verdict: dict) -> dict:
    kinds = {}
    timed = []
    for kind in [*KINDS, *sorted(set(stats.latencies) - {*KINDS, "login"}), "login"]:
        latencies = stats.latencies.get(kind, [])
        if not latencies:
            continue
        statuses = stats.statuses[kind]
        kinds[kind] = {
            "requests": len(latencies),
            "2xx/3xx": sum(n for status, n in statuses.items() if status < 400),
            "4xx": sum(n for status, n in statuses.items() if 400 <= status < 500),
            "5xx": sum(n for status, n in statuses.items() if status >= 500),
            "p50_ms": milliseconds(percentile(latencies, 0.50)),
            "p95_ms": milliseconds(percentile(latencies, 0.95)),
            "max_ms": milliseconds(max(latencies)),
        }
        if kind != "login":
            timed += latencies
    actions = {action: dict(outcomes) for action, outcomes in sorted(stats.outcomes.items())}
    totals = {
        "requests": len(timed),
        "seconds": round(elapsed, 1),
        "requests_per_second": round(len(timed) / elapsed, 1) if elapsed else None,
        "p50_ms": milliseconds(percentile(timed, 0.50)),
        "p95_ms": milliseconds(percentile(timed, 0.95)),
        "server_errors": len(stats.server_errors),
        "socket_errors": len(stats.socket_errors),
        "unexpected": len(stats.unexpected),
        "actions_ok": sum(outcomes.get("ok", 0) for outcomes in actions.values()),
        "actions_refused": sum(outcomes.get("refused", 0) for outcomes in actions.values()),
        "stale_refusals": stats.refusals.get("stale", 0),
    }
    failures = {
        "server errors": stats.server_errors,
        "socket errors": stats.socket_errors,
        "unexpected answers": stats.unexpected,
        "lost updates": verdict["lost_updates"],
        "writes no user saw succeed": verdict["unseen_writes"],
        "versions off": verdict["versions_off"],
        "ledger problems": verdict["ledger_problems"],
    }
    if verdict["entries_by_others"]:
        failures["entries by other users"] = [str(verdict["entries_by_others"])]
    if not totals["actions_ok"]:
        failures["no action succeeded"] = ["the run tested nothing"]
    return {
        "passed": not any(failures.values()),
        "totals": totals,
        "kinds": kinds,
        "actions": actions,
        "refusals": dict(stats.refusals.most_common()),
        "failures": {name: items[:50] for name, items in failures.items() if items},
    }


def print_report(results: dict) -> None:
    run, totals = results["run"], results["totals"]
    print(
        f"\nLoad test: {run['users']} users, {totals['seconds']} s, {run['workers']} gunicorn "
        f"workers; {run['machine']}; {run['postgresql']}"
    )
    header = f"{'kind':<16}{'requests':>9}{'2xx/3xx':>9}{'4xx':>6}{'5xx':>6}"
    print(f"\n{header}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for kind, row in results["kinds"].items():
        print(
            f"{kind:<16}{row['requests']:>9}{row['2xx/3xx']:>9}{row['4xx']:>6}{row['5xx']:>6}"
            f"{row['p50_ms']:>9}{row['p95_ms']:>9}{row['max_ms']:>9}"
        )
    print(
        f"{'all but login':<16}{totals['requests']:>9}{'':>21}"
        f"{totals['p50_ms']!s:>9}{totals['p95_ms']!s:>9}"
    )
    print(f"\n{'action':<16}{'ok':>6}{'refused':>9}{'other':>7}")
    for action, outcomes in results["actions"].items():
        other = sum(n for outcome, n in outcomes.items() if outcome not in ("ok", "refused"))
        print(f"{action:<16}{outcomes.get('ok', 0):>6}{outcomes.get('refused', 0):>9}{other:>7}")
    if results["refusals"]:
        print("\nrefusals: " + "; ".join(f"{k}: {n}" for k, n in results["refusals"].items()))
    verdict = results["verdict"]
    print(
        f"\n{totals['requests_per_second']} requests/s; {totals['server_errors']} server errors, "
        f"{totals['socket_errors']} socket errors, {totals['unexpected']} unexpected answers; "
        f"{verdict['successes_seen']} successes seen, {verdict['new_entries']} new ledger "
        f"entries on {verdict['opportunities_changed']} opportunities; "
        f"{len(verdict['lost_updates'])} lost updates; "
        f"{len(verdict['ledger_problems'])} ledger problems"
    )
    for name, items in results["failures"].items():
        print(f"\nFAILED: {name} ({len(items)})")
        for item in items[:10]:
            print(f"  {item}")
    print("\nPASSED" if results["passed"] else "\nFAILED")
