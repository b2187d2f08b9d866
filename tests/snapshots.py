"""A picture of every row the services write, to assert that a refused or failed action wrote
nothing."""

from contacts.models import Customer
from numbering.models import NumberSeries
from opportunities.models import (
    Opportunity,
    OpportunityEntry,
    Quote,
    QuoteLine,
    SalesOrder,
    SalesOrderLine,
)

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


def database_state() -> dict:
    """Every column of every row (`.values()`: also the fields forms leave out, such as
    `version` and `created_at`)."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}
