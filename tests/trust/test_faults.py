"""A database failure at any statement of an action leaves nothing half-written.

First at the level of the services: a DatabaseError injected at each statement of each service
call (and of a deletion chunk) writes nothing, and the next attempt goes through. Then through
the web: the real form of each action is posted with a failure at each statement of the whole
request (session, permissions, reads, the action's transaction, the session saved afterwards):
the answer is the site's error page, nothing is half-written, and the same form posted again
works. The positions are not counted beforehand: a fault at position 0, 1, 2... is injected
until the request or call runs out of statements, and that last run is the normal one.
"""

import datetime
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, OperationalError, connection
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from jobs.models import Job
from opportunities import services
from opportunities.forms import BatchDeleteForm
from opportunities.ledger import ledger_problems
from opportunities.models import Opportunity, OpportunityEntry, Quote, SalesOrder, UpdateAction
from opportunities.views import batch
from tests.snapshots import database_state
from tests.trust.faults import FailAt, Fault

DAY = datetime.date(2024, 1, 20)

# --- services -----------------------------------------------------------------------------------


def assert_every_statement_failure_is_clean(action) -> list[Fault]:
    """Fail each statement of `action` in turn: nothing is written; then it goes through."""
    before = database_state()
    faults = []
    for position in itertools.count():
        fault = FailAt(position)
        try:
            with connection.execute_wrapper(fault):
                action()
        except DatabaseError:
            assert fault.fired, f"a failure that was not injected: {fault}"
            assert database_state() == before, f"half-written after a failure at {fault}"
            faults.append(fault)
            continue
        assert not fault.fired, f"{fault} was swallowed"
        break  # the action ran out of statements: this run was the normal one, and it worked
    assert database_state() != before
    assert any(fault.hit_a_write for fault in faults), faults
    return faults


def fresh(fx):
    return Opportunity.objects.get(pk=fx.create_opp_a().pk)


ACTIONS = {
    "next": lambda fx, opp: services.update_opportunity(opp, action=UpdateAction.NEXT, today=DAY),
    "skip": lambda fx, opp: services.update_opportunity(
        opp, action=UpdateAction.SKIP, to_stage=fx.stages[3], today=DAY
    ),
    "update": lambda fx, opp: services.update_opportunity(
        opp, action=UpdateAction.UPDATE, estimated_value=Decimal(12000), today=DAY
    ),
    "close won": lambda fx, opp: services.close_opportunity(
        opp, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=DAY
    ),
    "close lost": lambda fx, opp: services.close_opportunity(
        opp, outcome="lost", close_code=fx.L_COMP, today=DAY
    ),
    "create quote": lambda fx, opp: services.create_quote(opp, today=DAY),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACTIONS)
def test_a_failure_at_any_statement_of_an_action_writes_nothing(fx, name):
    opportunity = fresh(fx)
    action = ACTIONS[name]
    faults = assert_every_statement_failure_is_clean(
        lambda: action(fx, Opportunity.objects.get(pk=opportunity.pk))
    )
    assert len(faults) >= 3


@pytest.mark.django_db
def test_a_failure_at_any_statement_of_make_order_writes_nothing(fx):
    opportunity = fresh(fx)
    quote = services.create_quote(opportunity, today=DAY)
    services.add_quote_line(quote, description="Desk", quantity=Decimal(2), unit_price=Decimal(500))
    faults = assert_every_statement_failure_is_clean(
        lambda: services.make_order(
            Quote.objects.get(pk=quote.pk), close_code=fx.W_PRICE, today=DAY
        )
    )
    assert SalesOrder.objects.count() == 1
    assert len(faults) >= 8


@pytest.mark.django_db
def test_a_failure_at_any_statement_of_a_deletion_chunk_writes_nothing_of_that_chunk(fx):
    for _ in range(3):
        opportunity = fresh(fx)
        services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP, today=DAY)
    faults = assert_every_statement_failure_is_clean(
        lambda: services.delete_closed_opportunities(chunk_size=10)
    )
    assert len(faults) >= 2
    assert not Opportunity.objects.exists()
    assert not OpportunityEntry.objects.exists()


# --- the web ------------------------------------------------------------------------------------


@dataclass
class Posted:
    """What a browser posts for an action on a fresh subject, and how to see that it was done."""

    url: str
    data: dict
    done: Callable[[], bool]
    opportunity_pk: int | None = None  # whose ledger must be consistent afterwards
    version_step: int = 1  # how far the action moves the opportunity's version on


def current(opportunity: Opportunity) -> Opportunity | None:
    return Opportunity.objects.filter(pk=opportunity.pk).select_related("current_stage").first()


def on_stage(fx, opportunity: Opportunity, stage: int) -> Opportunity:
    while opportunity.current_stage.stage < stage:
        services.update_opportunity(opportunity, action=UpdateAction.NEXT)
    return opportunity


def update(fx, opportunity: Opportunity, done, **data) -> Posted:
    return Posted(
        reverse("opportunities:update", args=[opportunity.number]),
        {"version": opportunity.version, **data},
        done,
        opportunity.pk,
    )


def close(fx, opportunity: Opportunity, outcome: str, **data) -> Posted:
    return Posted(
        reverse("opportunities:close", args=[opportunity.number]),
        {
            "version": opportunity.version,
            "outcome": outcome,
            "date_closed": DAY.isoformat(),  # required, as the dialog pre-fills it
            **data,
        },
        lambda: current(opportunity).status == outcome,
        opportunity.pk,
    )


def web_next(fx) -> Posted:
    opp = fx.create_opp_a()
    return update(
        fx, opp, lambda: current(opp).current_stage == fx.stages[2], action=UpdateAction.NEXT
    )


def web_skip(fx) -> Posted:
    opp = fx.create_opp_a()
    to_stage = fx.stages[3]
    return update(
        fx,
        opp,
        lambda: current(opp).current_stage == to_stage,
        action=UpdateAction.SKIP,
        to_stage=to_stage.pk,
    )


def web_previous(fx) -> Posted:
    opp = on_stage(fx, fx.create_opp_a(), 2)
    return update(
        fx, opp, lambda: current(opp).current_stage == fx.stages[1], action=UpdateAction.PREVIOUS
    )


def web_jump(fx) -> Posted:
    opp = on_stage(fx, fx.create_opp_a(), 3)
    to_stage = fx.stages[1]
    return update(
        fx,
        opp,
        lambda: current(opp).current_stage == to_stage,
        action=UpdateAction.JUMP,
        to_stage=to_stage.pk,
    )


def web_update(fx) -> Posted:
    opp = fx.create_opp_a()
    return update(
        fx,
        opp,
        lambda: current(opp).estimated_value == Decimal(12000),
        action=UpdateAction.UPDATE,
        estimated_value="12000",
    )


def web_close_won(fx) -> Posted:
    return close(fx, fx.create_opp_a(), "won", close_code="W-PRICE", sales_value="9000")


def web_close_lost(fx) -> Posted:
    return close(fx, fx.create_opp_a(), "lost", close_code="L-COMP")


def web_activate(fx) -> Posted:
    opp = fx.create_opp_a(activate_first_stage=False)
    return Posted(
        reverse("opportunities:activate", args=[opp.number]),
        {"version": opp.version},
        lambda: current(opp).status == Opportunity.Status.IN_PROGRESS,
        opp.pk,
    )


def web_create_quote(fx) -> Posted:
    opp = fx.create_opp_a()
    return Posted(
        reverse("opportunities:create_quote", args=[opp.number]),
        {"version": opp.version},
        lambda: current(opp).quote_id is not None,
        opp.pk,
    )


def web_make_order(fx) -> Posted:
    opp = fx.create_opp_a()
    quote = services.create_quote(opp)
    services.add_quote_line(quote, description="Desk", quantity=Decimal(2), unit_price=Decimal(500))
    opp.refresh_from_db()
    return Posted(
        reverse("opportunities:make_order", args=[quote.number]),
        {"version": opp.version, "close_code": "W-PRICE", "date_closed": DAY.isoformat()},
        lambda: current(opp).order_id is not None and current(opp).status == "won",
        opp.pk,
        version_step=2,  # closed as won, then linked to its order
    )


def web_delete(fx) -> Posted:
    opp = fx.create_opp_a()
    services.close_opportunity(opp, outcome="lost", close_code=fx.L_COMP)
    return Posted(
        reverse("opportunities:delete", args=[opp.number]),
        {"version": opp.version},
        lambda: current(opp) is None,
    )


def web_batch_delete(fx) -> Posted:
    """Three closed opportunities; an open one that must stay. Posted: the manager's
    confirmation of the preview of all closed opportunities, which queues the deletion as a
    job, once, with its task (the worker's part is tested in tests/jobs)."""
    fx.create_opp_a(description="Kept open")
    for _ in range(3):
        services.close_opportunity(fx.create_opp_a(), outcome="lost", close_code=fx.L_COMP)
    form = BatchDeleteForm({"all_closed": "on"})
    assert form.is_valid(), form.errors
    manager = get_user_model().objects.get(username="manager")
    # The jobs of earlier posts are not run: their opportunities are still there to count.
    count = Opportunity.objects.closed().count()
    confirmation = batch.batch_confirmation(manager, form.selection(), count=count)
    digest = hashlib.sha256(confirmation.encode()).hexdigest()

    def queued() -> bool:
        jobs = Job.objects.filter(confirmation=digest)
        return (
            jobs.count() == 1
            and DBTaskResult.objects.filter(id=jobs.get().task_id, status="READY").exists()
        )

    return Posted(
        reverse("opportunities:batch_delete"),
        {**form.selection(), "confirmation": confirmation},
        queued,
    )


WEB_ACTIONS = {
    "next": web_next,
    "skip": web_skip,
    "previous": web_previous,
    "jump": web_jump,
    "update": web_update,
    "close won": web_close_won,
    "close lost": web_close_lost,
    "activate": web_activate,
    "create quote": web_create_quote,
    "make order": web_make_order,
    "delete": web_delete,
    "batch delete": web_batch_delete,
}


def assert_error_page(response, fault: Fault) -> None:
    """The site's error page. A failure once the action is committed can only be the session's
    save, and Django reads any database error there as the session having been deleted by a
    concurrent request (SessionInterrupted): a 400, with the site's page for it."""
    status, template = (400, "400.html") if fault.after_commit else (500, "500.html")
    assert response.status_code == status, f"{fault}: {response.status_code}"
    assert template in [used.name for used in response.templates], fault
    assert 'class="error-page' in response.content.decode(), fault


def assert_unavailable(response, *, maybe_saved: bool, what) -> None:
    """The site's 503 page for a lost database connection, with a Retry-After: "nothing was
    changed", or, when the failure came as the change could have been committed, "check"."""
    assert response.status_code == 503, f"{what}: {response.status_code}"
    assert int(response["Retry-After"]) > 0, what
    assert "503.html" in [used.name for used in response.templates], what
    page = response.content.decode()
    assert 'class="error-page' in page, what
    if maybe_saved:
        assert "check whether it was saved" in page, what
    else:
        assert "Nothing was changed" in page, what


def assert_done_whole(posted: Posted, fault) -> None:
    """Done, and done once: the opportunity's version moved on by one action's step."""
    assert posted.done(), f"not done after {fault}"
    if posted.opportunity_pk is not None:
        version = Opportunity.objects.get(pk=posted.opportunity_pk).version
        if "version" in posted.data:
            expected = int(posted.data["version"]) + posted.version_step
            assert version == expected, f"{version}, not {expected}: done twice? {fault}"
        assert ledger_problems(Opportunity.objects.filter(pk=posted.opportunity_pk)) == []


def assert_every_statement_fault_of_a_post_is_handled(
    client: Client,
    make: Callable[[], Posted],
    fault_at: Callable[[int], Fault],
    *,
    request_end: Callable[[], None] = lambda: None,
    lost_connection: bool = False,
) -> list[Fault]:
    """Post a fresh subject's form with a fault at each statement of the request in turn.

    A fault before the action committed: the error page, nothing written, and the same post
    again does the action; but a lost connection (`lost_connection`) is retried once on a new
    one, and the action is done, once. A fault after it committed: the error page (the 503
    asking to check, for a lost connection), the action is there whole, and the same post
    again writes nothing more. `request_end` runs after each request, as the server's end of
    request does.
    """
    faults = []
    for position in itertools.count():
        posted = make()
        before = database_state()
        fault = fault_at(position)
        with connection.execute_wrapper(fault):
            response = client.post(posted.url, posted.data)
        request_end()
        if not fault.fired:  # the request ran out of statements: it was a normal one
            assert response.status_code == 302, response.status_code
            assert_done_whole(posted, "a normal request")
            break
        faults.append(fault)
        if fault.after_commit:
            assert_done_whole(posted, fault)
            if lost_connection:
                assert_unavailable(response, maybe_saved=True, what=fault)
            else:
                assert_error_page(response, fault)
            after = database_state()
            again = client.post(posted.url, posted.data)
            request_end()
            assert again.status_code < 500, fault
            assert database_state() == after, f"done twice after {fault}"
        elif lost_connection:
            # The dead connection was closed and the view ran once more on a new one.
            assert response.status_code == 302, f"{fault}: {response.status_code}"
            assert_done_whole(posted, f"the retry after {fault}")
        else:
            assert database_state() == before, f"half-written after {fault}"
            assert_error_page(response, fault)
            again = client.post(posted.url, posted.data)
            request_end()
            assert again.status_code == 302, f"{fault}, then {again.status_code}"
            assert_done_whole(posted, f"the post after {fault}")
    assert any(fault.hit_a_write and not fault.after_commit for fault in faults), faults
    return faults


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", WEB_ACTIONS)
def test_a_failure_at_any_statement_of_an_action_post_shows_an_error_page_and_half_writes_nothing(
    fx, manager, name
):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    faults = assert_every_statement_fault_of_a_post_is_handled(
        client, lambda: WEB_ACTIONS[name](fx), FailAt
    )
    # The request's own statements (session, user, permissions) come before the action's reads
    # and writes.
    assert len(faults) >= 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["next", "make order"])
def test_an_operational_error_on_a_connection_that_still_works_is_an_error_page_not_a_retry(
    fx, manager, name
):
    """Only a lost connection is retried: an OperationalError (a lock timeout, say) on a
    connection that still answers keeps the error page, and nothing is written."""
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    faults = assert_every_statement_fault_of_a_post_is_handled(
        client,
        lambda: WEB_ACTIONS[name](fx),
        lambda position: FailAt(position, OperationalError),
    )
    assert len(faults) >= 6
