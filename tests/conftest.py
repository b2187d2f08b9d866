"""Shared fixtures: the ACCEPTANCE.md setup, users, and test-speed settings."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from contacts.models import Contact, Customer, Salesperson
from opportunities import services
from opportunities.models import CloseOpportunityCode
from opportunities.roles import SALESPERSON, create_roles
from salescycles.models import SalesCycle, SalesCycleStage
from tests.factories import UserFactory

TODAY = datetime.date(2024, 1, 15)

STD_STAGES = [
    # stage, description, completed, chances, quote required, allow skip, formula
    (1, "Initial", 10, 20, False, False, "1W"),
    (2, "Needs", 25, 40, False, True, "2W"),
    (3, "Proposal", 50, 50, False, True, "1M"),
    (4, "Presentation", 70, 60, True, False, "2W"),
    (5, "Signing", 90, 80, False, False, "1W"),
]


def user_with_role(username: str, role: str, salesperson=None):
    create_roles(apps)  # transactional tests flush the groups the data migration made
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    if salesperson is not None:
        salesperson.user = user
        salesperson.save(update_fields=["user"])
    return user


@pytest.fixture
def seller(fx):
    """A salesperson (JO): acts on JO's opportunities only."""
    return user_with_role("jo", SALESPERSON, fx.JO)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Fixture:
    """The objects of ACCEPTANCE.md's fixture, by their names there."""

    today = TODAY

    def __init__(self):
        self.JO = Salesperson.objects.create(code="JO", name="Jo Ortega")
        self.AH = Salesperson.objects.create(code="AH", name="Annette Hill")
        self.BLK = Salesperson.objects.create(code="BLK", name="Blocked Person", blocked=True)
        company, person = Contact.Type.COMPANY, Contact.Type.PERSON
        self.CT100 = Contact.objects.create(
            number="CT100", name="Adatum", type=company, salesperson=self.JO
        )
        self.C10000 = Customer.objects.create(number="C10000", name="Adatum", contact=self.CT100)
        self.CT101 = Contact.objects.create(
            number="CT101", name="Robert", type=person, company=self.CT100, salesperson=self.JO
        )
        self.CT200 = Contact.objects.create(
            number="CT200", name="Litware", type=company, salesperson=self.JO
        )
        self.CT201 = Contact.objects.create(
            number="CT201", name="Jane", type=person, company=self.CT200, salesperson=self.JO
        )
        self.CT300 = Contact.objects.create(
            number="CT300", name="Sam", type=person, salesperson=self.JO
        )
        self.STD = SalesCycle.objects.create(code="STD", description="Standard")
        self.OLD = SalesCycle.objects.create(code="OLD", description="Old", blocked=True)
        self.stages = {}
        for number, description, completed, chances, quote, skip, formula in STD_STAGES:
            self.stages[number] = SalesCycleStage.objects.create(
                sales_cycle=self.STD,
                stage=number,
                description=description,
                completed=Decimal(completed),
                chances_of_success=Decimal(chances),
                quote_required=quote,
                allow_skip=skip,
                date_formula=formula,
            )
        won, lost = CloseOpportunityCode.Type.WON, CloseOpportunityCode.Type.LOST
        self.W_PRICE = CloseOpportunityCode.objects.create(
            code="W-PRICE", description="Best price", type=won
        )
        self.W_REL = CloseOpportunityCode.objects.create(
            code="W-REL", description="Relationship", type=won
        )
        self.L_PRICE = CloseOpportunityCode.objects.create(
            code="L-PRICE", description="Too expensive", type=lost
        )
        self.L_COMP = CloseOpportunityCode.objects.create(
            code="L-COMP", description="Lost to competitor", type=lost
        )

    def create_opp_a(self, **overrides):
        arguments = {
            "description": "Deal A",
            "contact": self.CT100,
            "salesperson": self.JO,
            "sales_cycle": self.STD,
            "activate_first_stage": True,
            "estimated_value": Decimal(10000),
            "chances_of_success": Decimal(30),
            "estimated_close_date": datetime.date(2024, 3, 31),
            "today": TODAY,
        }
        arguments.update(overrides)
        return services.create_opportunity(**arguments)


@pytest.fixture
def fx(db) -> Fixture:
    return Fixture()


@pytest.fixture
def opp_a(fx):
    return fx.create_opp_a()
