"""One factory per model."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from contacts.models import Contact, Customer, Salesperson
from opportunities.models import CloseOpportunityCode, Opportunity, Quote, QuoteLine
from salescycles.models import SalesCycle, SalesCycleStage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("secret-password")


class SalespersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Salesperson
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SP{n}")
    name = factory.Faker("name")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    name = factory.Faker("company")
    type = Contact.Type.COMPANY
    salesperson = factory.SubFactory(SalespersonFactory)


class PersonFactory(ContactFactory):
    name = factory.Faker("name")
    type = Contact.Type.PERSON


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    contact = factory.SubFactory(ContactFactory)
    name = factory.LazyAttribute(lambda customer: customer.contact.name)


class SalesCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesCycle
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CYC{n}")
    description = factory.Sequence(lambda n: f"Cycle {n}")


class SalesCycleStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesCycleStage

    sales_cycle = factory.SubFactory(SalesCycleFactory)
    stage = factory.Sequence(lambda n: n + 1)
    description = factory.Sequence(lambda n: f"Stage {n + 1}")
    completed = Decimal(10)
    chances_of_success = Decimal(20)


class CloseOpportunityCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CloseOpportunityCode
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"W{n}")
    description = factory.Sequence(lambda n: f"Reason {n}")
    type = CloseOpportunityCode.Type.WON


class OpportunityFactory(factory.django.DjangoModelFactory):
    """A not-started opportunity; use the services to move it."""

    class Meta:
        model = Opportunity

    description = factory.Sequence(lambda n: f"Deal {n}")
    contact = factory.SubFactory(ContactFactory)
    salesperson = factory.LazyAttribute(lambda opp: opp.contact.salesperson)
    sales_cycle = factory.SubFactory(SalesCycleFactory)
    creation_date = datetime.date(2024, 1, 15)


class QuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quote

    contact = factory.SubFactory(ContactFactory)
    salesperson = factory.LazyAttribute(lambda quote: quote.contact.salesperson)
    order_date = datetime.date(2024, 2, 3)


class QuoteLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuoteLine

    quote = factory.SubFactory(QuoteFactory)
    description = factory.Sequence(lambda n: f"Item {n}")
    quantity = Decimal(1)
    unit_price = Decimal(100)
