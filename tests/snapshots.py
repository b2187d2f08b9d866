"""A picture of every row the services write, to assert that a refused or failed action wrote
nothing."""

from django.forms.models import model_to_dict

from contacts.models import Customer
from numbering.models import NumberSeries
from opportunities.models import Opportunity, OpportunityEntry, Quote, QuoteLine, SalesOrder


def database_state() -> dict:
    models = [Opportunity, OpportunityEntry, Quote, QuoteLine, SalesOrder, Customer, NumberSeries]
    return {
        model.__name__: [model_to_dict(row) for row in model.objects.order_by("pk")]
        for model in models
    }
