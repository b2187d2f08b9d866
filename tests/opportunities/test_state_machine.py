"""Random sequences of actions on an opportunity in a random sales cycle (Hypothesis).

Every example builds a fresh cycle (random stage numbers with gaps, allow skip, quote required,
date formulas), a contact and an opportunity inside a savepoint that is rolled back at the end,
then runs random actions, refused ones included. Before each action the test works out from
the rules alone, without the services' code, what must happen: the refusal code (the checks in
their fixed order, the first failure wins) or the entry's figures; the service must agree.
After every step the ledger's invariants are checked.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from contacts.models import Contact, Customer, Salesperson
from opportunities import services
from opportunities.ledger import problems_of
from opportunities.models import (
    CloseOpportunityCode,
    EntryAction,
    Opportunity,
    OpportunityEntry,
    Quote,
    UpdateAction,
)
from salescycles import formulas
from salescycles.models import SalesCycle, SalesCycleStage
from tests.snapshots import database_state

START = datetime.date(2024, 1, 15)
CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
FORMULAS = ["", "1D", "1W", "2W", "1M", "CM", "CM+1D", "1Q", "WD5", "<2W>"]


class Refused(Exception):
    """What the rules say the service must answer: a refusal with this code."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


percent = st.integers(0, 100).map(Decimal) | st.decimals("0", "100", places=2)
stage_specs = st.fixed_dictionaries(
    {
        "completed": percent,
        # A stage's default chances are above 0: activation later takes them as they are.
        "chances_of_success": st.integers(1, 100).map(Decimal),
        "quote_required": st.sampled_from([False, False, False, True]),
        "allow_skip": st.booleans(),
        "date_formula": st.sampled_from(FORMULAS),
    }
)
# One cycle in ten has no stages.
stage_numbers = st.integers(0, 9).flatmap(
    lambda n: (
        st.just([]) if n == 0 else st.lists(st.integers(1, 40), unique=True, min_size=2, max_size=7)
    )
)
cycles = stage_numbers.flatmap(
    lambda numbers: st.tuples(
        st.just(sorted(numbers)),
        st.lists(stage_specs, min_size=len(numbers), max_size=len(numbers)),
    )
)

values = (
    st.none()
    | st.sampled_from([Decimal(0), CENT, Decimal(-5), Decimal(1000)])
    | st.decimals("1", "1000000", places=2)
)
chances = (
    st.none()
    | st.sampled_from(
        [Decimal(0), CENT, Decimal("33.33"), Decimal(100), Decimal("100.01"), Decimal(-1)]
    )
    | st.integers(1, 100).map(Decimal)
)
offsets = st.none() | st.sampled_from([-3, -1, 0, 1, 7, 45])
positive_values = st.decimals("0.01", "1000000", places=2)


class OpportunityMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example works inside a savepoint of the test's transaction, rolled back in
        # teardown, so every example starts from an empty database.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.quote_pks: list[int] = []
        self._seen: Opportunity | None = None

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- setup -------------------------------------------------------------------------------

    @initialize(
        cycle=cycles,
        method=st.sampled_from(SalesCycle.ProbabilityCalculation.values),
        contact_kind=st.sampled_from(["customer", "company", "person of company", "person"]),
        activate=st.booleans(),
        value=values | positive_values,
        chances=chances,
        close_offset=st.none() | st.sampled_from([0, 10, 100]),
    )
    def create(self, cycle, method, contact_kind, activate, value, chances, close_offset):
        self.today = START
        numbers, specs = cycle
        self.cycle = SalesCycle.objects.create(
            code="RND", description="Random", probability_calculation=method
        )
        self.stages = [
            SalesCycleStage.objects.create(
                sales_cycle=self.cycle, stage=number, description=f"Stage {number}", **spec
            )
            for number, spec in zip(numbers, specs, strict=True)
        ]
        other = SalesCycle.objects.create(code="OTHER", description="Other")
        self.foreign_stage = SalesCycleStage.objects.create(
            sales_cycle=other, stage=1, description="Foreign", completed=1, chances_of_success=1
        )
        salesperson = Salesperson.objects.create(code="SP", name="Sales")
        company = Contact.objects.create(name="Company", salesperson=salesperson)
        if contact_kind == "customer":
            Customer.objects.create(name="Company", contact=company)
        if contact_kind == "person of company":
            contact = Contact.objects.create(
                name="Person", type=Contact.Type.PERSON, company=company, salesperson=salesperson
            )
        elif contact_kind == "person":
            contact = Contact.objects.create(
                name="Loner", type=Contact.Type.PERSON, salesperson=salesperson
            )
        else:
            contact = company
        self.codes = {
            "won": CloseOpportunityCode.objects.create(code="W", description="Won", type="won"),
            "lost": CloseOpportunityCode.objects.create(code="L", description="Lost", type="lost"),
        }
        arguments = {
            "description": "Random deal",
            "contact": contact,
            "sales_cycle": self.cycle,
            "today": self.today,
        }
        if activate:
            close_date = None if close_offset is None else self.today + days(close_offset)
            failures = self.creation_failures(value, chances, close_date)
            arguments |= {
                "activate_first_stage": True,
                "estimated_value": value,
                "chances_of_success": chances,
                "estimated_close_date": close_date,
            }
            before = database_state()
            try:
                opportunity = services.create_opportunity(**arguments)
            except ValidationError as error:
                # The checks of a creation have no fixed order: any failing one may answer.
                assert error.code in failures, (error.code, failures)
                assert database_state() == before
                opportunity = None
            else:
                assert not failures, failures
                self.check_entry(
                    opportunity.active_entry,
                    self.stage_entry(
                        self.stages[0],
                        EntryAction.FIRST,
                        self.today,
                        Decimal(value),
                        chances,
                        close_date,
                    ),
                )
        if not activate or opportunity is None:
            arguments["activate_first_stage"] = False
            opportunity = services.create_opportunity(**arguments)
        self.pk = opportunity.pk

    def creation_failures(self, value, chances, close_date) -> set[str]:
        failures = set()
        if not self.stages:
            return {"no_stages"}
        stage = self.stages[0]
        if value is None or value <= 0:
            failures.add("estimated_value_required")
        if not ZERO < (stage.chances_of_success if chances is None else chances) <= HUNDRED:
            failures.add("chances_invalid")
        if close_date is not None and close_date < self.today:
            failures.add("close_date_before_change")
        return failures

    # --- reading the state ------------------------------------------------------------------

    @property
    def opportunity(self) -> Opportunity:
        return Opportunity.objects.select_related("quote", "current_stage").get(pk=self.pk)

    def seen(self) -> Opportunity:
        """The opportunity as the last service call left it, for the preconditions: Hypothesis
        asks them several times a step, and only `attempt` writes after `create`."""
        if self._seen is None:
            self._seen = Opportunity.objects.select_related("contact__customer").get(pk=self.pk)
        return self._seen

    def active(self) -> OpportunityEntry | None:
        return OpportunityEntry.objects.filter(opportunity_id=self.pk, active=True).first()

    def offered(self, opportunity) -> dict[str, list[SalesCycleStage]]:
        """The actions offered in this state and their targets: next and skip forward (skip up to
        the first stage that does not allow skip), previous and jump back, update in place."""
        stages = self.stages
        if opportunity.closed:
            return {}
        if opportunity.current_stage_id is None:
            return {UpdateAction.FIRST: stages[:1]} if stages else {}
        i = next(n for n, stage in enumerate(stages) if stage.pk == opportunity.current_stage_id)
        actions = {UpdateAction.UPDATE: [stages[i]]}
        if i + 1 < len(stages):
            actions[UpdateAction.NEXT] = [stages[i + 1]]
            if stages[i + 1].allow_skip:
                targets = []
                for stage in stages[i + 1 :]:
                    targets.append(stage)
                    if not stage.allow_skip:
                        break
                if len(targets) >= 2:
                    actions[UpdateAction.SKIP] = targets
        if i >= 1:
            actions[UpdateAction.PREVIOUS] = [stages[i - 1]]
        if i >= 2:
            actions[UpdateAction.JUMP] = stages[:i]
        return actions

    def open_quote(self, opportunity) -> Quote | None:
        quote = opportunity.quote
        return quote if quote is not None and quote.status == Quote.Status.OPEN else None

    def default_date(self, active) -> datetime.date:
        if active is not None and active.date_of_change > self.today:
            return active.date_of_change
        return self.today

    def given_date(self, active, offset) -> datetime.date | None:
        if offset is None:
            return None
        base = active.date_of_change if active is not None else self.today
        return base + days(offset)

    def probability(self, chances: Decimal, completed: Decimal) -> Decimal:
        match self.cycle.probability_calculation:
            case "multiply":
                return chances * completed / HUNDRED
            case "add":
                return (chances + completed) / 2
            case "chances":
                return chances
            case _:
                return completed

    def stage_entry(self, stage, action, date, value, chances, close_date) -> dict:
        """The figures of an entry on `stage`: completed from the stage, the chances given or the
        stage's default, the probability by the cycle's method and the current value from it,
        the closing date given or the stage's formula applied to the date of change."""
        chances = stage.chances_of_success if chances is None else chances
        probability = self.probability(chances, stage.completed)
        return {
            "stage_id": stage.pk,
            "action_taken": action,
            "date_of_change": date,
            "estimated_value": value,
            "chances_of_success": chances,
            "completed": stage.completed,
            "probability": probability,
            "calcd_current_value": (value * probability / HUNDRED).quantize(CENT, ROUND_HALF_UP),
            "estimated_close_date": close_date or formulas.apply(stage.date_formula, date),
            "date_closed": None,
            "close_code_id": None,
        }

    def check_entry(self, entry, expected: dict) -> None:
        entry = OpportunityEntry.objects.get(pk=entry.pk)
        actual = {field: getattr(entry, field) for field in expected}
        assert actual == expected
        assert entry.active

    def attempt(self, name, call, expected):
        """Run a service call; it must refuse exactly when `expected` is a `Refused`."""
        before = database_state()
        was = self.opportunity
        entries_before = OpportunityEntry.objects.filter(opportunity_id=self.pk).count()
        self._seen = None
        try:
            result = call()
        except ValidationError as error:
            assert isinstance(expected, Refused), f"refused {error.code}, expected {expected}"
            assert error.code == expected.code
            assert database_state() == before, "a refused action wrote something"
            event(f"{name} refused: {error.code}")
            return None
        assert not isinstance(expected, Refused), f"went through, expected {expected.code}"
        event(f"{name} went through")
        if was.closed:
            # A closed opportunity never moves (an order may still set its current value).
            now = self.opportunity
            assert now.status == was.status
            assert now.current_stage_id == was.current_stage_id is None
            assert now.date_closed == was.date_closed
            entries = OpportunityEntry.objects.filter(opportunity_id=self.pk).count()
            assert entries == entries_before
        return result

    # --- the rules ----------------------------------------------------------------------------

    @rule(days_later=st.integers(0, 40))
    def time_passes(self, days_later):
        self.today += days(days_later)

    @rule(
        action=st.sampled_from([*UpdateAction, "sideways"]),
        stage_index=st.none() | st.integers(0, 6),
        date_offset=offsets,
        value=values,
        chances=chances,
        close_offset=offsets,
        stale=st.sampled_from([False, False, False, True]),
    )
    def update(self, action, stage_index, date_offset, value, chances, close_offset, stale):
        """Any update, offered or not, with any arguments."""
        if stage_index is None:
            to_stage = None
        elif stage_index < len(self.stages):
            to_stage = self.stages[stage_index]
        else:
            to_stage = self.foreign_stage
        self.run_update(action, to_stage, date_offset, value, chances, close_offset, stale)

    @rule(data=st.data())
    def move(self, data):
        """An offered action to one of its targets, with plausible arguments."""
        self.move_plausibly(data)

    @rule(data=st.data())
    def move_again(self, data):
        """The same as `move`: two rules give plausible moves twice the weight of the others."""
        self.move_plausibly(data)

    def move_plausibly(self, data):
        opportunity = self.opportunity
        offered = self.offered(opportunity)
        if not offered:
            return
        action = data.draw(st.sampled_from(sorted(offered)), label="action")
        to_stage = data.draw(st.none() | st.sampled_from(offered[action]), label="to_stage")
        active = self.active()
        if active is not None and active.estimated_value > 0:
            value = data.draw(st.none() | positive_values, label="value")
        else:
            value = data.draw(positive_values, label="value")
        self.run_update(
            action,
            to_stage,
            data.draw(st.none() | st.sampled_from([0, 1, 7, 30]), label="date_offset"),
            value,
            data.draw(st.none() | st.integers(1, 100).map(Decimal), label="chances"),
            data.draw(st.none() | st.integers(0, 90), label="close_offset"),
            stale=False,
        )

    def run_update(self, action, to_stage, date_offset, value, chances, close_offset, stale):
        opportunity = self.opportunity
        active = self.active()
        date = self.given_date(active, date_offset)
        date_of_change = date or self.default_date(active)
        close_date = None if close_offset is None else date_of_change + days(close_offset)
        version = opportunity.version - 1 if stale and opportunity.version > 1 else None
        previous_stage = opportunity.current_stage.stage if opportunity.current_stage else None
        expected = self.expect_update(
            opportunity, active, action, to_stage, date, value, chances, close_date, version
        )
        entry = self.attempt(
            f"update {action}",
            lambda: services.update_opportunity(
                opportunity,
                action=action,
                to_stage=to_stage,
                date_of_change=date,
                estimated_value=value,
                chances_of_success=chances,
                estimated_close_date=close_date,
                today=self.today,
                expected_version=version,
            ),
            expected,
        )
        if entry is not None:
            self.check_entry(entry, expected)
            assert entry.previous_stage == previous_stage

    def expect_update(
        self, opportunity, active, action, to_stage, date, value, chances, close_date, version
    ):
        if version is not None:
            return Refused("stale")
        if opportunity.closed:
            return Refused("closed")
        targets = self.offered(opportunity).get(action)
        if not targets:
            return Refused("action_not_offered")
        if date is not None and active is not None and date < active.date_of_change:
            return Refused("date_before_last_change")
        date = date or self.default_date(active)
        if to_stage is None:
            target = (
                targets[-1] if action in (UpdateAction.PREVIOUS, UpdateAction.JUMP) else targets[0]
            )
        elif to_stage in targets:
            target = to_stage
        else:
            return Refused("invalid_target")
        if (
            action in (UpdateAction.NEXT, UpdateAction.SKIP)
            and target.quote_required
            and self.open_quote(opportunity) is None
        ):
            return Refused("quote_required")
        if value is None:
            value = active.estimated_value if active is not None else ZERO
        if value <= 0:
            return Refused("estimated_value_required")
        given_chances = target.chances_of_success if chances is None else chances
        if not ZERO < given_chances <= HUNDRED:
            return Refused("chances_invalid")
        close_date = close_date or formulas.apply(target.date_formula, date)
        if close_date < date:
            return Refused("close_date_before_change")
        if action == UpdateAction.FIRST:
            taken = EntryAction.FIRST
        elif action == UpdateAction.UPDATE:
            taken = EntryAction.UPDATED
        else:
            position = self.stages.index(opportunity.current_stage)
            step = 1 if action in (UpdateAction.NEXT, UpdateAction.SKIP) else -1
            neighbour = self.stages[position + step]
            taken = EntryAction.NEXT if step == 1 else EntryAction.PREVIOUS
            if target != neighbour:
                taken = EntryAction.JUMPED
        return self.stage_entry(target, taken, date, Decimal(value), chances, close_date)

    @precondition(lambda self: not self.seen().started)
    @rule()
    def activate(self):
        opportunity = self.opportunity
        if opportunity.closed:
            expected = Refused("closed")
        elif opportunity.started:
            expected = Refused("action_not_offered")
        elif not self.stages:
            expected = Refused("no_stages")
        else:
            expected = self.stage_entry(
                self.stages[0], EntryAction.FIRST, self.today, ZERO, None, None
            )
        entry = self.attempt(
            "activate",
            lambda: services.activate_first_stage(opportunity, today=self.today),
            expected,
        )
        if entry is not None:
            self.check_entry(entry, expected)

    @rule(
        outcome=st.sampled_from(["won", "lost", "draw"]),
        code=st.sampled_from(["same", "same", "other", None]),
        date_offset=offsets,
        sales_value=values | positive_values,
    )
    def close(self, outcome, code, date_offset, sales_value):
        if code is not None:
            same = outcome if outcome in ("won", "lost") else "won"
            code = same if code == "same" else {"won": "lost", "lost": "won"}[same]
        opportunity = self.opportunity
        active = self.active()
        date = self.given_date(active, date_offset)
        expected = self.expect_close(opportunity, active, outcome, code, date, sales_value)
        entry = self.attempt(
            f"close {outcome}",
            lambda: services.close_opportunity(
                opportunity,
                outcome=outcome,
                close_code=code and self.codes[code],
                date_closed=date,
                sales_value=sales_value,
                today=self.today,
            ),
            expected,
        )
        if entry is not None:
            self.check_entry(entry, expected)
            self.check_won_customer(opportunity)

    def expect_close(self, opportunity, active, outcome, code, date, sales_value):
        if opportunity.closed:
            return Refused("closed")
        if outcome not in ("won", "lost"):
            return Refused("outcome_invalid")
        if code is None:
            return Refused("close_code_required")
        if code != outcome:
            return Refused("close_code_type")
        if date is not None and active is not None and date < active.date_of_change:
            return Refused("date_before_last_change")
        date = date or self.default_date(active)
        won = outcome == "won"
        if won:
            quote = self.open_quote(opportunity)
            if quote is not None:
                sales_value = quote.total
            if sales_value is None or sales_value <= 0:
                return Refused("sales_value_required")
        return {
            "stage_id": None,
            "action_taken": outcome,
            "date_of_change": date,
            "date_closed": date,
            "estimated_close_date": date,
            "estimated_value": opportunity.estimated_value,
            "completed": HUNDRED,
            "chances_of_success": HUNDRED if won else ZERO,
            "probability": HUNDRED if won else ZERO,
            "calcd_current_value": sales_value.quantize(CENT, ROUND_HALF_UP) if won else ZERO,
            "close_code_id": self.codes[code].pk,
            "previous_stage": opportunity.current_stage.stage
            if opportunity.current_stage
            else None,
        }

    def check_won_customer(self, opportunity):
        if self.opportunity.status == Opportunity.Status.WON:
            contact = opportunity.contact
            buyer = contact.company_contact or contact
            assert Customer.objects.filter(contact=buyer).exists()

    @rule()
    def create_quote(self):
        opportunity = self.opportunity
        if opportunity.status != Opportunity.Status.IN_PROGRESS:
            expected = Refused("not_in_progress")
        elif not opportunity.contact.is_company:
            expected = Refused("contact_not_company")
        elif opportunity.quote_id is not None:
            expected = Refused("quote_exists")
        else:
            expected = {"order_date": opportunity.estimated_close_date}
        quote = self.attempt(
            "create_quote", lambda: services.create_quote(opportunity, today=self.today), expected
        )
        if quote is not None:
            assert quote.order_date == expected["order_date"]
            assert quote.status == Quote.Status.OPEN
            assert self.opportunity.quote_id == quote.pk
            self.quote_pks.append(quote.pk)

    @precondition(lambda self: self.quote_pks)
    @rule(
        index=st.integers(0, 5),
        quantity=st.integers(0, 20),
        price=st.decimals("0", "999", places=2),
    )
    def add_quote_line(self, index, quantity, price):
        quote = self.quote_at(index)
        if quote is None:
            return
        expected = Refused("quote_not_open") if not quote.is_open else {}
        self.attempt(
            "add_quote_line",
            lambda: services.add_quote_line(
                quote, description="Item", quantity=Decimal(quantity), unit_price=price
            ),
            expected,
        )

    @precondition(lambda self: self.quote_pks)
    @rule(index=st.integers(0, 5))
    def delete_quote(self, index):
        quote = self.quote_at(index)
        if quote is None:
            return
        linked = self.opportunity.quote_id == quote.pk
        entries = OpportunityEntry.objects.filter(opportunity_id=self.pk).count()
        expected = Refused("quote_not_open") if not quote.is_open else {}
        if (
            self.attempt("delete_quote", lambda: services.delete_quote(quote), expected) is None
            and expected == {}
        ):
            assert not Quote.objects.filter(pk=quote.pk).exists()
            if linked:
                assert self.opportunity.quote_id is None
            assert OpportunityEntry.objects.filter(opportunity_id=self.pk).count() == entries

    @precondition(lambda self: self.quote_pks)
    @rule(
        index=st.integers(0, 5),
        code=st.sampled_from(["won", "won", "won", "lost", None]),
        date_offset=offsets,
    )
    def make_order(self, index, code, date_offset):
        quote = self.quote_at(index)
        if quote is None:
            return
        opportunity = self.opportunity
        linked = opportunity.quote_id == quote.pk
        active = self.active()
        date = self.given_date(active, date_offset)
        customer = quote.customer or Customer.objects.filter(contact=quote.contact).first()
        if not quote.is_open:
            expected = Refused("quote_not_open")
        elif customer is None:
            expected = Refused("customer_required")
        elif linked and opportunity.status == Opportunity.Status.IN_PROGRESS:
            expected = self.expect_close(opportunity, active, "won", code, date, None)
        else:
            expected = None
        order = self.attempt(
            "make_order",
            lambda: services.make_order(
                quote, close_code=code and self.codes[code], date_closed=date, today=self.today
            ),
            expected if isinstance(expected, Refused) else {},
        )
        if order is None:
            return
        total = quote.total
        assert order.total == total
        assert Quote.objects.get(pk=quote.pk).status == Quote.Status.CONVERTED
        now = self.opportunity
        if linked and now.status == Opportunity.Status.WON:
            assert now.order_id == order.pk
            assert now.calcd_current_value == total
        if expected is not None:
            self.check_entry(self.active(), expected | {"calcd_current_value": total})
        if linked and opportunity.status == Opportunity.Status.LOST:
            assert now.quote_id is None

    @precondition(lambda self: not self.seen().contact.is_customer)
    @rule()
    def create_customer(self):
        contact = self.opportunity.contact
        expected = Refused("customer_exists") if contact.is_customer else {}
        customer = self.attempt(
            "create_customer", lambda: services.create_customer(contact), expected
        )
        if customer is not None:
            assert customer.contact_id == contact.pk

    def quote_at(self, index) -> Quote | None:
        pk = self.quote_pks[index % len(self.quote_pks)]
        return Quote.objects.filter(pk=pk).first()

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def the_offered_actions_are_the_spec_s(self):
        opportunity = self.opportunity
        offered = {
            action: [stage.pk for stage in targets]
            for action, targets in services.available_actions(opportunity).items()
        }
        expected = {
            action: [stage.pk for stage in targets]
            for action, targets in self.offered(opportunity).items()
        }
        assert offered == expected

    @invariant()
    def the_ledger_is_consistent(self):
        entries = list(OpportunityEntry.objects.filter(opportunity_id=self.pk).order_by("pk"))
        assert problems_of(self.opportunity, entries) == []


def days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


@pytest.mark.django_db
def test_random_action_sequences_keep_the_ledger_consistent():
    run_state_machine_as_test(
        OpportunityMachine,
        settings=settings(
            max_examples=50,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
