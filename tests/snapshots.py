"""A picture of every row the services write, to assert that a refused or failed action wrote
nothing."""

from django.contrib.auth import get_user_model

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
