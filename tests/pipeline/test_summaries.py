"""The summaries behind the board and the dashboard stay exact through every write."""

import pytest
from django.db import connection

from jobs.services import enqueue_deletion
from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, UpdateAction
from pipeline import figures, sql
from pipeline.figures import Scope
from pipeline.models import ALL_PRIORITIES, ALL_SALESPEOPLE, Figure, FigureChange, FigureState
from tests.jobs.workers import run_jobs
from tests.pipeline.scenario import expected_rows, random_history, summary_rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", range(6))
def test_the_summaries_equal_the_figures_computed_from_scratch_after_random_histories(fx, seed):
    figures.build()
    random_history(fx, seed, steps=70)
    assert summary_rows() == expected_rows()


def test_folding_the_changes_keeps_every_figure_and_empties_the_changes(fx):
    figures.build()
    random_history(fx, 11, steps=50)
    before = expected_rows()
    figures.fold()
    assert not FigureChange.objects.exists()
    assert summary_rows() == before
    random_history(fx, 12, steps=30)
    assert summary_rows() == expected_rows()


def test_building_from_the_data_gives_the_figures_the_triggers_kept(fx):
    figures.build()
    random_history(fx, 21, steps=60)
    kept = summary_rows()
    figures.build()
    assert not FigureChange.objects.exists()
    assert summary_rows() == kept == expected_rows()


def test_reading_builds_the_summaries_when_they_are_not_built(fx):
    random_history(fx, 31, steps=20)
    FigureState.objects.all().delete()
    Figure.objects.all().delete()
    figures.prepare()
    assert FigureState.objects.count() == 1
    assert summary_rows() == expected_rows()


def test_many_changes_are_folded_before_a_read(fx, monkeypatch):
    figures.build()
    monkeypatch.setattr(figures, "FOLD_AT", 3)
    random_history(fx, 41, steps=25)
    assert FigureChange.objects.count() > 3
    expected = expected_rows()
    figures.prepare()
    assert not FigureChange.objects.exists()
    assert summary_rows() == expected


def test_deleting_closed_opportunities_takes_their_entries_figures_away(fx, opp_a):
    figures.build()
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=fx.today)
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP, today=fx.today)
    assert summary_rows() != {}
    assert services.delete_closed_opportunities() == 1
    assert summary_rows() == expected_rows() == {}


def test_a_truncate_marks_the_figures_stale_and_the_next_read_builds_them(fx):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE triggers are PostgreSQL's (SQLite has no TRUNCATE)")
    figures.build()
    random_history(fx, 51, steps=30)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check left to run
        cursor.execute(f"TRUNCATE {OpportunityEntry._meta.db_table}")
    assert FigureState.objects.filter(stale=True).exists()
    figures.prepare()
    assert not FigureState.objects.filter(stale=True).exists()
    assert summary_rows() == expected_rows()


def test_figures_without_the_salesperson_and_priority_filters_read_only_rolled_up_rows(fx):
    figures.build()
    random_history(fx, 61, steps=60)
    figures.fold()
    scope = Scope(sales_cycle_id=fx.STD.pk, month_from=200001, month_to=299912, today=fx.today)
    before = figures.read(scope)
    assert before.stages and before.closed_by_salesperson and before.closed_by_code
    # The rows of one salesperson and one priority are left out of such a read.
    detailed = Figure.objects.exclude(salesperson_id=ALL_SALESPEOPLE).exclude(
        priority=ALL_PRIORITIES
    )
    assert detailed.delete()[0] > 0
    assert figures.read(scope) == before


def test_a_bulk_statement_appends_its_rows_and_their_roll_ups_summed_by_key(fx):
    figures.build()
    random_history(fx, 71, steps=40)
    figures.fold()
    Opportunity.objects.filter(sales_cycle=fx.STD).update(priority="high")
    assert FigureChange.objects.filter(salesperson_id=ALL_SALESPEOPLE).exists()
    assert summary_rows() == expected_rows()


def test_a_deletion_job_folds_the_figures_changes_when_it_ends(fx, monkeypatch):
    figures.build()
    monkeypatch.setattr(figures, "FOLD_AT", 3)
    for index in range(6):
        opportunity = fx.create_opp_a(description=f"Lost {index}")
        services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)
    fx.create_opp_a(description="Open")
    job = enqueue_deletion(user=None, filters={"salesperson": fx.JO}, chunk_size=2)
    run_jobs()
    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 6)
    assert not FigureChange.objects.exists()
    assert summary_rows() == expected_rows() != {}


@pytest.mark.django_db(transaction=True)
def test_a_build_outside_a_transaction_vacuums_the_changes_it_emptied(fx):
    if connection.vendor != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")
    random_history(fx, 81, steps=20)
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        before = cursor.fetchone()[0]
    FigureState.objects.create(stale=True)
    figures.prepare()
    assert not FigureChange.objects.exists()
    assert summary_rows() == expected_rows()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = %s", [sql.CHANGE]
        )
        assert cursor.fetchone()[0] >= before
