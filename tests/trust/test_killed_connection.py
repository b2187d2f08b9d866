"""The database connection killed in the middle of an action (PostgreSQL).

While an action runs, the server terminates its connection (`pg_terminate_backend`, sent from
a second connection, which waits until the backend is gone) just before a chosen statement, or
between the last statement and the COMMIT. A service call fails with an OperationalError or
InterfaceError, nothing of it is in the database (read on a new connection), Django drops the
dead connection at the end of the request, and the next call works. Each action is killed at
every one of its statements and at its COMMIT.

Through the web, at every statement of the whole request: the site closes the dead connection
and runs the view once more on a new one, and the action is done, once. Killed again in that
retry, or killed at the COMMIT (which the server may or may not have applied), the answer is a
503 with a Retry-After: "nothing was changed", or "check whether it was saved"; never the 500
page, never half an action. Pages (GET) are retried the same way.
"""

import contextlib
import datetime
import itertools
from decimal import Decimal

import psycopg
import pytest
from django.db import (
    DEFAULT_DB_ALIAS,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    connections,
)
from django.test import Client
from django.urls import reverse

from opportunities import services
from opportunities.ledger import ledger_problems
from opportunities.models import Opportunity, Quote, UpdateAction
from tests.postgres import require_postgresql_database
from tests.snapshots import database_state
from tests.trust.faults import KillAt, KillTwiceAt
from tests.trust.test_faults import (
    WEB_ACTIONS,
    assert_done_whole,
    assert_every_statement_fault_of_a_post_is_handled,
    assert_unavailable,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = datetime.date(2024, 1, 20)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql_database(
        "a connection killed by the server (pg_terminate_backend) has no SQLite equivalent"
    )


@pytest.fixture
def terminate(_postgresql_only):
    """Terminate a backend from a connection of its own; returns once the backend is gone."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:

        def terminate(backend_pid: int) -> None:
            # With a timeout the function waits for the backend to exit (PostgreSQL 14+).
            (gone,) = other.execute(
                "SELECT pg_terminate_backend(%s, 10000)", [backend_pid]
            ).fetchone()
            assert gone, f"backend {backend_pid} survived pg_terminate_backend"

        yield terminate


@contextlib.contextmanager
def killed_at_commit(terminate):
    """The backend is terminated between the action's last statement and its COMMIT."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    real_commit = wrapper._commit
    calls = []

    def commit():
        calls.append(wrapper.connection.info.backend_pid)
        terminate(calls[-1])
        return real_commit()

    wrapper._commit = commit
    try:
        yield calls
    finally:
        del wrapper._commit


def assert_dropped_and_nothing_written(before, what) -> None:
    close_old_connections()  # as at the end of a request
    # Django dropped the dead connection (and may already hold a new one).
    assert connection.connection is None or connection.is_usable(), what
    assert database_state() == before, f"half-written after {what}"


def in_progress(fx) -> Opportunity:
    return fx.create_opp_a()


def on_stage_3(fx) -> Opportunity:
    opportunity = fx.create_opp_a()
    for _ in range(2):
        services.update_opportunity(opportunity, action=UpdateAction.NEXT, today=DAY)
    return opportunity


def quoted(fx) -> Quote:
    quote = services.create_quote(fx.create_opp_a(), today=DAY)
    services.add_quote_line(quote, description="Desk", quantity=Decimal(2), unit_price=Decimal(500))
    return quote


# name: (a fresh subject, the action on a copy of it loaded from the database)
ACTIONS = {
    "next": (
        in_progress,
        lambda fx, opp: services.update_opportunity(opp, action=UpdateAction.NEXT),
    ),
    "skip": (
        in_progress,
        lambda fx, opp: services.update_opportunity(
            opp, action=UpdateAction.SKIP, to_stage=fx.stages[3]
        ),
    ),
    "jump": (
        on_stage_3,
        lambda fx, opp: services.update_opportunity(
            opp, action=UpdateAction.JUMP, to_stage=fx.stages[1]
        ),
    ),
    "update": (
        in_progress,
        lambda fx, opp: services.update_opportunity(
            opp, action=UpdateAction.UPDATE, estimated_value=Decimal(12000)
        ),
    ),
    "close won": (
        in_progress,
        lambda fx, opp: services.close_opportunity(
            opp, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000)
        ),
    ),
    "close lost": (
        in_progress,
        lambda fx, opp: services.close_opportunity(opp, outcome="lost", close_code=fx.L_COMP),
    ),
    "make order": (quoted, lambda fx, quote: services.make_order(quote, close_code=fx.W_PRICE)),
}


def reloaded(subject):
    return type(subject).objects.get(pk=subject.pk)


@pytest.mark.parametrize("name", ACTIONS)
def test_an_action_killed_at_any_statement_or_at_its_commit_writes_nothing_and_the_next_works(
    fx, terminate, name
):
    make, act = ACTIONS[name]
    subject = make(fx)
    before = database_state()
    with killed_at_commit(terminate) as commits, pytest.raises((OperationalError, InterfaceError)):
        act(fx, reloaded(subject))
    assert len(commits) == 1
    assert_dropped_and_nothing_written(before, "a kill at the COMMIT")
    kills = []
    for position in itertools.count():
        kill = KillAt(position, terminate)
        copy = reloaded(subject)
        try:
            with connection.execute_wrapper(kill):
                act(fx, copy)
        except (OperationalError, InterfaceError):
            assert kill.fired, kill
            assert_dropped_and_nothing_written(before, kill)
            kills.append(kill)
            continue
        # The action ran out of statements before the kill: this was the normal run, and the
        # connection Django opened after the last kill served it.
        assert not kill.fired, kill
        break
    assert len(kills) >= 5
    assert any(kill.hit_a_write for kill in kills), kills
    assert database_state() != before
    assert ledger_problems() == []


@pytest.mark.parametrize(
    "name", ["next", "skip", "jump", "update", "close won", "close lost", "make order"]
)
def test_a_post_whose_connection_is_killed_at_any_statement_is_retried_once_and_done_once(
    fx, manager, terminate, name
):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    kills = assert_every_statement_fault_of_a_post_is_handled(
        client,
        lambda: WEB_ACTIONS[name](fx),
        lambda position: KillAt(position, terminate),
        request_end=close_old_connections,
        lost_connection=True,
    )
    assert len(kills) >= 7


@pytest.mark.parametrize("name", ["next", "close won", "make order", "create quote", "delete"])
def test_a_post_whose_connection_is_killed_again_in_the_retry_answers_503_and_writes_nothing(
    fx, manager, terminate, name
):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    kills = []
    for position in itertools.count():
        posted = WEB_ACTIONS[name](fx)
        before = database_state()
        kill = KillTwiceAt(position, terminate)
        with connection.execute_wrapper(kill):
            response = client.post(posted.url, posted.data)
        close_old_connections()
        if not kill.fired:
            assert response.status_code == 302, response.status_code
            break
        kills.append(kill)
        assert kill.twice, kill
        assert_unavailable(response, maybe_saved=False, what=kill)
        assert database_state() == before, f"half-written after {kill}"
        again = client.post(posted.url, posted.data)
        close_old_connections()
        assert again.status_code == 302, f"{kill}, then {again.status_code}"
        assert_done_whole(posted, f"the post after {kill}")
    assert len(kills) >= 7
    assert any(kill.hit_a_write for kill in kills), kills


@pytest.mark.parametrize("name", ["next", "close lost", "make order", "delete", "batch delete"])
def test_a_post_whose_commit_is_cut_off_answers_503_asking_to_check(fx, manager, terminate, name):
    """The COMMIT may or may not have been applied when the connection dies: no retry (an
    action without a version, such as a creation, could be done twice), but a page that says
    to check. Here the server never received the COMMIT, so nothing is there."""
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    posted = WEB_ACTIONS[name](fx)
    before = database_state()
    with killed_at_commit(terminate) as commits:
        response = client.post(posted.url, posted.data)
    close_old_connections()
    assert len(commits) == 1
    assert_unavailable(response, maybe_saved=True, what="a kill at the COMMIT")
    assert database_state() == before
    again = client.post(posted.url, posted.data)
    assert again.status_code == 302, again.status_code
    assert_done_whole(posted, "the post after a kill at the COMMIT")


def pages(fx):
    opportunity = on_stage_3(fx)
    return [
        (reverse("opportunities:list"), opportunity.number),
        (opportunity.get_absolute_url(), opportunity.description),
        (reverse("opportunities:update", args=[opportunity.number]), 'name="version"'),
    ]


def test_a_page_whose_connection_is_killed_at_any_statement_is_shown_after_one_retry(
    fx, manager, terminate
):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    for url, shown in pages(fx):
        kills = []
        for position in itertools.count():
            kill = KillAt(position, terminate)
            with connection.execute_wrapper(kill):
                response = client.get(url)
            close_old_connections()
            assert response.status_code == 200, (url, kill, response.status_code)
            assert shown in response.content.decode(), (url, kill)
            if not kill.fired:
                break
            kills.append(kill)
        assert len(kills) >= 3, url


def test_a_page_whose_connection_is_killed_twice_answers_503(fx, manager, terminate):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    for url, _shown in pages(fx):
        for position in itertools.count():
            kill = KillTwiceAt(position, terminate)
            with connection.execute_wrapper(kill):
                response = client.get(url)
            close_old_connections()
            if not kill.fired:
                assert response.status_code == 200, (url, response.status_code)
                break
            assert_unavailable(response, maybe_saved=False, what=(url, kill))
