"""The actions through the services, against the same statements replayed in a raw transaction.

Each repetition takes a fresh in-progress opportunity of the standard cycle on a stage where
the action is offered, and times the service call end to end (the opportunity instance is read
first, as a view would). Its statements are recorded; then the opportunity is put back as it
was (untimed) and the recorded statements run again in one raw transaction, which must leave
exactly the state the service left. Candidates come from the newest opportunities, far from
the number ranges the batch deletion uses.
"""

import time
from decimal import Decimal

from django.db import connection

from bench import floor
from bench.context import Bench
from bench.measure import Recorder, Samples
from bench.raw import run_statements, run_transaction
from bench.report import Goal
from opportunities import services
from opportunities.models import CloseOpportunityCode, Opportunity, OpportunityEntry, UpdateAction
from salescycles import demo
from salescycles.models import SalesCycle

ACTION_GOAL = Goal("ratio_max", 1.5)
WARMUPS = 2


def actions(stages, codes) -> list[tuple[str, int, object, str]]:
    """(name, 0-based stage position of the candidates, the call, the entry's action_taken).

    The candidates stand before STD's stage 4, which requires a quote: they have none.
    """
    return [
        (
            "next",
            1,
            lambda o: services.update_opportunity(o, action=UpdateAction.NEXT),
            OpportunityEntry.Action.NEXT,
        ),
        (
            "skip",
            0,
            lambda o: services.update_opportunity(o, action=UpdateAction.SKIP, to_stage=stages[2]),
            OpportunityEntry.Action.JUMPED,
        ),
        (
            "jump",
            2,
            lambda o: services.update_opportunity(o, action=UpdateAction.JUMP, to_stage=stages[0]),
            OpportunityEntry.Action.JUMPED,
        ),
        (
            "update",
            2,
            lambda o: services.update_opportunity(
                o,
                action=UpdateAction.UPDATE,
                estimated_value=Decimal("12345.67"),
                chances_of_success=Decimal("45"),
            ),
            OpportunityEntry.Action.UPDATED,
        ),
        (
            "close won",
            2,
            lambda o: services.close_opportunity(
                o, outcome="won", close_code=codes["W-PRICE"], sales_value=Decimal("50000.00")
            ),
            "won",
        ),
        (
            "close lost",
            2,
            lambda o: services.close_opportunity(o, outcome="lost", close_code=codes["L-PRICE"]),
            "lost",
        ),
    ]


class State:
    """An opportunity's row and its active entry, to put it back after the service ran."""

    def __init__(self, bench: Bench, pk: int):
        self.bench = bench
        self.pk = pk
        self.opportunity_table = Opportunity._meta.db_table
        self.entry_table = OpportunityEntry._meta.db_table
        self.columns = [f.column for f in Opportunity._meta.concrete_fields]
        self.row = self.opportunity()
        [(self.last_entry, self.active_id, self.days_open)] = self._rows(
            f'SELECT (SELECT max(id) FROM "{self.entry_table}" WHERE opportunity_id = %s), '
            f'id, days_open FROM "{self.entry_table}" WHERE opportunity_id = %s AND active',
            (pk, pk),
        )

    def _rows(self, sql: str, params: tuple) -> list[tuple]:
        return run_statements(self.bench.raw, [(sql, params)], vendor=self.bench.vendor)[0]

    def opportunity(self) -> tuple:
        names = ", ".join(f'"{c}"' for c in self.columns)
        sql = f'SELECT {names} FROM "{self.opportunity_table}" WHERE id = %s'
        return tuple(self._rows(sql, (self.pk,))[0])

    def entries(self) -> list[tuple]:
        """The entries without their ids (a replay gives the new one another id)."""
        sql = f'SELECT * FROM "{self.entry_table}" WHERE opportunity_id = %s ORDER BY id'
        return [tuple(row[1:]) for row in self._rows(sql, (self.pk,))]

    def restore(self) -> None:
        statements = [
            (
                f'DELETE FROM "{self.entry_table}" WHERE opportunity_id = %s AND id > %s',
                (self.pk, self.last_entry),
            ),
            (
                f'UPDATE "{self.entry_table}" SET active = %s, days_open = %s WHERE id = %s',
                (True, self.days_open, self.active_id),
            ),
            (
                f'UPDATE "{self.opportunity_table}" SET '
                + ", ".join(f'"{c}" = %s' for c in self.columns)
                + " WHERE id = %s",
                (*self.row, self.pk),
            ),
        ]
        run_transaction(self.bench.raw, statements, vendor=self.bench.vendor)


def measure_actions(bench: Bench) -> None:
    results = bench.results
    cycle = SalesCycle.objects.get(code=demo.STD.code)
    stages = list(cycle.stages.order_by("stage"))
    codes = {code.code: code for code in CloseOpportunityCode.objects.all()}
    pools: dict[int, list[int]] = {}
    plan = actions(stages, codes)
    needed = bench.reps + WARMUPS
    for _name, position, _call, _expected in plan:
        pools.setdefault(position, [])
    for position in pools:
        users = sum(1 for _n, p, _c, _e in plan if p == position)
        pools[position] = list(
            Opportunity.objects.filter(
                status=Opportunity.Status.IN_PROGRESS,
                sales_cycle=cycle,
                current_stage=stages[position],
                quote__isnull=True,
            )
            .order_by("-pk")
            .values_list("pk", flat=True)[: needed * users]
        )
    details = results.details.setdefault("actions", {})
    for name, position, call, expected in plan:
        ours, raw, framework = Samples(), Samples(), Samples()
        statements_seen = 0
        failures = []
        for repetition in range(needed):
            if not pools[position]:
                failures.append("not enough candidates")
                break
            pk = pools[position].pop()
            opportunity = Opportunity.objects.get(pk=pk)
            state = State(bench, pk)
            with Recorder() as recorder:
                start = time.perf_counter()
                entry = call(opportunity)
                elapsed = time.perf_counter() - start
            if entry.action_taken != expected:
                failures.append(f"{opportunity.number}: {entry.action_taken}, not {expected}")
            after, after_entries = state.opportunity(), state.entries()
            state.restore()
            start = time.perf_counter()
            run_transaction(bench.raw, recorder.statements, vendor=bench.vendor)
            raw_elapsed = time.perf_counter() - start
            if state.opportunity() != after or state.entries() != after_entries:
                failures.append(f"{opportunity.number}: the replay left another state")
            state.restore()
            start = time.perf_counter()
            floor.run_action(recorder.statements)
            floor_elapsed = time.perf_counter() - start
            if state.opportunity() != after or state.entries() != after_entries:
                failures.append(f"{opportunity.number}: the floor's replay left another state")
            statements_seen = len(recorder.statements)
            if repetition >= WARMUPS:
                ours.add(elapsed)
                raw.add(raw_elapsed)
                framework.add(floor_elapsed)
            if repetition == WARMUPS:
                details[name] = {"sql": recorder.sql}
        results.check(f"action {name}: correct and replayable", not failures, "; ".join(failures))
        if not ours.values:
            continue
        bench.progress(f"action {name}: {statements_seen} statements")
        results.row(f"action {name}: p50", "ms", ours.p50 * 1000, raw.p50 * 1000, goal=ACTION_GOAL)
        results.row(f"action {name}: p95", "ms", ours.p95 * 1000, raw.p95 * 1000)
        results.row(f"action {name}: Django floor p50", "ms", framework.p50 * 1000, raw.p50 * 1000)
        results.row(f"action {name}: statements", "queries", statements_seen)
        details[name] |= {
            "ours": ours.as_dict(),
            "raw": raw.as_dict(),
            "floor": framework.as_dict(),
        }
    connection.close()
