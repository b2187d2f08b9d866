"""A picture of every row the services write, to assert that a refused or failed action wrote
nothing, and `assert_refused`, the one check of a refusal that every test uses."""

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from contacts.models import Contact, Customer, Salesperson
from numbering.models import NumberSeries
from opportunities.models import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    Quote,
    QuoteLine,
    SalesOrder,
    SalesOrderLine,
)
from salescycles.models import SalesCycle, SalesCycleStage

MODELS = [
    Opportunity,
    OpportunityEntry,
    Quote,
    QuoteLine,
    SalesOrder,
    SalesOrderLine,
    Customer,
    NumberSeries,
]
# The setup data, which no action may change either.
SETUP_MODELS = [Contact, Salesperson, SalesCycle, SalesCycleStage, CloseOpportunityCode]


def database_state(*, setup: bool = False) -> dict:
    """Every column of every row (`.values()`: also the fields forms leave out, such as
    `version` and `created_at`); with `setup`, the setup data and the users too."""
    models = [*MODELS, *SETUP_MODELS, get_user_model()] if setup else MODELS
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def assert_refused(code: str, action, /, *args, **kwargs):
    """Call `action(*args, **kwargs)`: it must be refused with `code`, say why in a message, and
    leave every row as it was (the setup data and the users too).

    A service or a model refuses by raising a `ValidationError`: the error is returned, to read
    its message. A page refuses by answering with the refusal among its form's errors (or as
    its `refusal`): the response is returned, to read what the user sees.
    """
    before = database_state(setup=True)
    try:
        answer = action(*args, **kwargs)
    except ValidationError as error:
        answer = error
        refusals = [error]
    else:
        refusals = refusals_on(answer)
    assert refusals, f"not refused: {answer!r}"
    assert [getattr(refusal, "code", None) for refusal in refusals] == [code], refusals
    assert all(message.strip() for refusal in refusals for message in refusal.messages)
    after = database_state(setup=True)
    # The row counts first: a row written or deleted reads more clearly than a long diff.
    assert {name: len(rows) for name, rows in after.items()} == {
        name: len(rows) for name, rows in before.items()
    }
    assert after == before
    return answer


def refusals_on(response) -> list[ValidationError]:
    """The refusals a page answered with: its form's errors that belong to no field, or the
    `refusal` it shows beside a form (the quote page)."""
    context = getattr(response, "context", None)
    if context is None:
        return []
    if context.get("refusal"):
        return [context["refusal"]]
    form = context.get("form")
    if form is None:
        return []
    return form.errors.as_data().get(NON_FIELD_ERRORS, [])
