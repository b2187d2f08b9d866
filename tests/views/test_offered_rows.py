"""The commands of the opportunity table's rows and of the card come from `services.offered`:
a row never offers what the service would refuse."""

import pytest
from django.urls import reverse

from tests.factories import OpportunityFactory, SalesCycleFactory

pytestmark = pytest.mark.django_db
LIST = reverse("opportunities:list")


@pytest.fixture
def without_stages(fx):
    """A not-started opportunity on a cycle that has no stages."""
    return OpportunityFactory(contact=fx.CT100, salesperson=fx.JO, sales_cycle=SalesCycleFactory())


@pytest.fixture
def not_started(fx):
    return OpportunityFactory(contact=fx.CT100, salesperson=fx.JO, sales_cycle=fx.STD)


def commands(response) -> dict[str, set]:
    return {row.number: row.commands for row in response.context["rows"]}


def test_the_list_offers_no_activation_on_a_cycle_without_stages(
    fx, client, without_stages, not_started
):
    rows = commands(client.get(LIST))
    assert rows[without_stages.number] == {"close"}
    assert rows[not_started.number] == {"activate", "close"}
    assert reverse("opportunities:activate", args=[without_stages.number]) not in (
        client.get(LIST).content.decode()
    )


@pytest.mark.parametrize("card", ["contacts:contact_detail", "contacts:salesperson_detail"])
def test_the_cards_tables_offer_no_activation_on_a_cycle_without_stages(
    fx, client, without_stages, not_started, card
):
    key = fx.CT100.number if card == "contacts:contact_detail" else fx.JO.code
    rows = commands(client.get(reverse(card, args=[key])))
    assert rows[without_stages.number] == {"close"}
    assert rows[not_started.number] == {"activate", "close"}


def test_the_opportunity_card_offers_no_activation_on_a_cycle_without_stages(
    fx, client, without_stages
):
    response = client.get(without_stages.get_absolute_url())
    assert response.context["commands"] == {"close"}
