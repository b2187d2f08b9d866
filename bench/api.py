"""The REST API against the pages it stands beside, in the same run.

- The opportunity list, first and last page: `GET /api/v1/opportunities/` (and its `last` link)
  against the HTML list page (`?page=last`); the detail `GET /api/v1/opportunities/NUMBER/`
  against the card. Goal: no slower (<= 1.0x): JSON needs no template.
- An action: "next" through `POST .../update/` against the same action through the update
  dialog's POST. Goal: within 1.2x. Each repetition runs both on the same in-progress
  opportunity of STD on stage 2, put back as it was after each (bench.actions.State).

The API is called as an integration calls it, with `Authorization: Token KEY` (the key's lookup
with the login limits' check, and the two throttle counters' upsert included); the pages
with the benchmark's logged-in session. The throttle rates are raised for the run, so that the
counters are read and written as usual but never refuse. The two sides alternate, repetition by
repetition.
"""

import time

from django.test import Client, override_settings
from django.urls import reverse

from api.models import ApiToken
from bench.actions import State
from bench.context import Bench
from bench.measure import Samples
from bench.report import Goal
from opportunities.models import Opportunity
from salescycles import demo
from salescycles.models import SalesCycle

READ_GOAL = Goal("ratio_max", 1.0)
ACTION_GOAL = Goal("ratio_max", 1.2)
WARMUPS = 2
API = "/api/v1/opportunities/"


def api_client(bench: Bench) -> Client:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="bench")
    _token, key = ApiToken.create_for(user, name="bench")
    return Client(headers={"authorization": f"Token {key}"})


def alternate(bench: Bench, ours, baseline) -> tuple[Samples, Samples]:
    """Time `ours()` and `baseline()` in turns; each must answer as expected (it raises)."""
    samples, base = Samples(), Samples()
    for _warmup in range(WARMUPS):
        ours()
        baseline()
    for repetition in range(bench.reps):
        order = (0, 1) if repetition % 2 == 0 else (1, 0)
        for which in order:
            start = time.perf_counter()
            (ours if which == 0 else baseline)()
            (samples if which == 0 else base).add(time.perf_counter() - start)
    return samples, base


def expect(response, status: int, what: str):
    if response.status_code != status:
        raise RuntimeError(f"{what}: {response.status_code} {response.content[:300]!r}")
    return response


def measure_reads(bench: Bench, client: Client) -> None:
    results = bench.results
    list_url = reverse("opportunities:list")
    first = expect(client.get(API), 200, "API list").json()
    newest = Opportunity.objects.order_by("-pk").values_list("number", flat=True).first()
    oldest = Opportunity.objects.order_by("pk").values_list("number", flat=True).first()
    last_url = first["last"]
    last = expect(client.get(last_url), 200, "API last page").json()
    results.check(
        "API list: the first page starts with the newest opportunity, the last ends with the "
        "oldest",
        first["results"][0]["number"] == newest and last["results"][-1]["number"] == oldest,
        f"{first['results'][0]['number']} / {last['results'][-1]['number']}",
    )
    card = (
        Opportunity.objects.filter(status=Opportunity.Status.IN_PROGRESS, quote__isnull=False)
        .order_by("-pk")
        .first()
    ) or Opportunity.objects.filter(status=Opportunity.Status.IN_PROGRESS).order_by("-pk").first()
    pages = [
        ("list, first page", API, list_url),
        ("list, last page", last_url, f"{list_url}?page=last"),
        ("detail", f"{API}{card.number}/", reverse("opportunities:detail", args=[card.number])),
    ]
    details = results.details.setdefault("api", {})
    for name, api_url, page_url in pages:
        bench.progress(f"API {name}: {api_url} against {page_url}")
        ours, page = alternate(
            bench,
            lambda url=api_url: expect(client.get(url), 200, url),
            lambda url=page_url: expect(bench.client.get(url), 200, url),
        )
        label = "card" if name == "detail" else f"HTML {name}"
        results.row(
            f"API {name} vs the {label}: p50",
            "ms",
            ours.p50 * 1000,
            page.p50 * 1000,
            goal=READ_GOAL,
        )
        details[name] = {"api": ours.as_dict(), "page": page.as_dict(), "url": api_url}


def measure_action(bench: Bench, client: Client) -> None:
    """Next from stage 2 of STD: through the API, and through the update dialog."""
    results = bench.results
    cycle = SalesCycle.objects.get(code=demo.STD.code)
    stages = list(cycle.stages.order_by("stage"))
    candidates = list(
        Opportunity.objects.filter(
            status=Opportunity.Status.IN_PROGRESS,
            sales_cycle=cycle,
            current_stage=stages[1],
            quote__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[: bench.reps + WARMUPS]
    )
    if not candidates:
        results.check("API action: candidates", False, "no opportunity on STD's stage 2")
        return
    failures = []
    ours, dialog = Samples(), Samples()
    for repetition in range(bench.reps + WARMUPS):
        pk = candidates[repetition % len(candidates)]
        state = State(bench, pk)
        opportunity = Opportunity.objects.get(pk=pk)
        api_url = f"{API}{opportunity.number}/update/"
        dialog_url = reverse("opportunities:update", args=[opportunity.number])
        version = opportunity.version
        runs = [
            (
                ours,
                lambda url=api_url, version=version: client.post(
                    url,
                    {"action": "next"},
                    content_type="application/json",
                    headers={"if-match": f'"{version}"'},
                ),
                200,
            ),
            (
                dialog,
                lambda url=dialog_url, version=version: bench.client.post(
                    url, {"version": version, "action": "next"}
                ),
                302,
            ),
        ]
        if repetition % 2:
            runs.reverse()
        for samples, call, status in runs:
            start = time.perf_counter()
            response = call()
            elapsed = time.perf_counter() - start
            moved = Opportunity.objects.filter(pk=pk, current_stage=stages[2]).exists()
            if response.status_code != status or not moved:
                failures.append(f"{opportunity.number}: {response.status_code}, moved {moved}")
            state.restore()
            if repetition >= WARMUPS:
                samples.add(elapsed)
    results.check(
        "API action next: moves the opportunity as the dialog does",
        not failures,
        "; ".join(failures[:5]),
    )
    if ours.values:
        results.row(
            "API action next vs the update dialog: p50",
            "ms",
            ours.p50 * 1000,
            dialog.p50 * 1000,
            goal=ACTION_GOAL,
        )
        results.details.setdefault("api", {})["action next"] = {
            "api": ours.as_dict(),
            "dialog": dialog.as_dict(),
        }


def measure_api(bench: Bench) -> None:
    from django.conf import settings

    rates = {"token": "1000000/minute", "user": "1000000/minute"}
    framework = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    with override_settings(REST_FRAMEWORK=framework):
        client = api_client(bench)
        measure_reads(bench, client)
        measure_action(bench, client)
