"""HTTP throughput of the list page: gunicorn (2 workers) under wrk, on 127.0.0.1 only.

Ours is the project's WSGI app with bench.settings; the baseline is bench.rawapp, served by the
same gunicorn settings, running the same SQL. The load is bounded: wrk with 2 threads and 10
connections for a few seconds per run, ours and the baseline alternating.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

from bench.context import Bench
from bench.report import Goal
from bench.server import Gunicorn

WORKERS = 2
THROUGHPUT_GOAL = Goal("ratio_min", 0.5)
ERRORS_GOAL = Goal("max", 0, timing=False)
LUA = Path(__file__).with_name("wrk_status.lua")


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk(url: str, cookie: str, seconds: float) -> dict:
    """One bounded wrk run; requests per second, errors and latency percentiles."""
    command = [
        "wrk",
        "--threads",
        "2",
        "--connections",
        "10",
        "--duration",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "--script",
        str(LUA),
        "--header",
        f"Cookie: {cookie}",
        url,
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> dict:
    def number(pattern: str, default=0.0) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else default

    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    latency = {}
    for percent, value, unit in re.findall(
        r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M
    ):
        factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        latency[f"p{percent}_ms"] = float(value) * factor
    return {
        "requests_per_second": number(r"Requests/sec:\s+([\d.]+)"),
        "requests": int(number(r"(\d+) requests in")),
        "not_2xx": int(number(r"bench-not-2xx: (\d+)")),
        "socket_errors": socket_errors,
        "latency": latency,
        "output": output,
    }


def measure_http(bench: Bench) -> None:
    results = bench.results
    if not wrk_available():
        results.details["http"] = {"skipped": "wrk is not installed (apt-get install wrk)"}
        bench.progress("HTTP: skipped, wrk is not installed")
        return
    cookie_name = settings.SESSION_COOKIE_NAME
    cookie = f"{cookie_name}={bench.client.cookies[cookie_name].value}"
    path = bench.shared["list_url"]
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", prefix="bench-statements-", delete=False
    ) as statements_file:
        json.dump(bench.shared["list_statements"], statements_file)
    common = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "WEB_CONCURRENCY": str(WORKERS),
    }
    raw_env = {"BENCH_RAW_STATEMENTS": statements_file.name, "BENCH_RAW_CONNINFO": bench.database}
    servers = [
        Gunicorn(app, workers=WORKERS, env=common | env, options=("--log-level", "warning"))
        for app, env in (("config.wsgi", {}), ("bench.rawapp:application", raw_env))
    ]
    rounds = 2 if bench.size >= 100_000 else 1
    runs = {"ours": [], "raw": []}
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_until_ready(path, {"Cookie": cookie})
        ours_url, raw_url = (server.url(path) for server in servers)
        wrk(ours_url, cookie, 1)  # warm-up: templates, connections, caches
        wrk(raw_url, cookie, 1)
        for _round in range(rounds):
            runs["ours"].append(wrk(ours_url, cookie, bench.http_seconds))
            runs["raw"].append(wrk(raw_url, cookie, bench.http_seconds))
    finally:
        for server in servers:
            server.stop()
        os.unlink(statements_file.name)

    def total(which: str, key: str) -> float:
        return sum(run[key] for run in runs[which])

    ours_rps = sum(run["requests_per_second"] for run in runs["ours"]) / rounds
    raw_rps = sum(run["requests_per_second"] for run in runs["raw"]) / rounds
    ours_errors = total("ours", "not_2xx") + total("ours", "socket_errors")
    raw_errors = total("raw", "not_2xx") + total("raw", "socket_errors")
    bench.progress(f"HTTP: ours {ours_rps:.0f} req/s, raw {raw_rps:.0f} req/s")
    results.row(
        "HTTP list page (gunicorn 2 workers, wrk 2 threads x 10 connections)",
        "req/s",
        ours_rps,
        raw_rps,
        goal=THROUGHPUT_GOAL,
        note=f"{rounds} x {bench.http_seconds:g} s each",
    )
    p50 = [run["latency"].get("p50_ms") for run in runs["ours"]]
    raw_p50 = [run["latency"].get("p50_ms") for run in runs["raw"]]
    if all(p50) and all(raw_p50):
        results.row(
            "HTTP list page latency under load: p50",
            "ms",
            sum(p50) / len(p50),
            sum(raw_p50) / len(raw_p50),
        )
    results.row(
        "HTTP errors (not 2xx, socket errors)", "errors", ours_errors, raw_errors, goal=ERRORS_GOAL
    )
    results.check("HTTP: requests were served", total("ours", "requests") > 0, str(runs["ours"]))
    results.details["http"] = {
        which: [{k: v for k, v in run.items() if k != "output"} for run in runs[which]]
        for which in runs
    } | {"url": path, "wrk_output_ours": runs["ours"][-1]["output"]}
