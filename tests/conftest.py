"""Shared fixtures: the setup data every scenario starts from, users, and test-speed settings."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import translation

from contacts.models import Contact, Customer, Salesperson
from opportunities import services
from opportunities.models import CloseOpportunityCode
from opportunities.roles import SALES_MANAGER, SALESPERSON, create_roles
from salescycles import demo
from tests.factories import UserFactory

TODAY = datetime.date(2024, 1, 15)


def ensure_roles() -> None:
    """The role groups, as the data migration made them. Transactional tests flush them: only
    then are they made again (`create_roles` costs about 90 queries, once per role user)."""
    if Group.objects.filter(name__in=[SALESPERSON, SALES_MANAGER]).count() < 2:
        create_roles(apps)


def user_with_role(username: str, role: str, salesperson=None):
    ensure_roles()
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


@pytest.fixture
def manager(fx):
    """A sales manager (salesperson AH): acts on every opportunity, deletes in batches."""
    return user_with_role("manager", SALES_MANAGER, fx.AH)


@pytest.fixture
def boss(fx):
    """A sales manager who is no salesperson: oversees the team, sells nothing."""
    return user_with_role("boss", SALES_MANAGER)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(manager) -> Client:
    return logged_in(manager)


@pytest.fixture
def seller_client(seller) -> Client:
    return logged_in(seller)


@pytest.fixture
def boss_client(boss) -> Client:
    return logged_in(boss)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """A request in French leaves French active in the thread (the locale middleware does not
    switch back): the next test would read its messages in French."""
    yield
    translation.deactivate()


class Fixture:
    """The setup data every scenario starts from, by the names the tests use: salespeople JO,
    AH and BLK (blocked); companies CT100 (customer C10000) and CT200, with persons CT101 and
    CT201, and CT300, a person without a company; the sales cycles STD (five stages) and OLD
    (blocked); the close codes W-PRICE, W-REL, L-PRICE and L-COMP. OPP-A is `create_opp_a`."""

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
        self.STD, self.stages = demo.create_cycle(demo.STD)
        self.OLD, _no_stages = demo.create_cycle(demo.OLD)
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
