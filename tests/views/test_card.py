"""The opportunity card: fields, figures, sales documents and entries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities import services
from opportunities.models import UpdateAction

pytestmark = pytest.mark.django_db


def card(client, opportunity):
    return client.get(reverse("opportunities:detail", args=[opportunity.number]))


def test_the_card_shows_fields_figures_and_entries_newest_first(fx, client, opp_a, manager):
    services.update_opportunity(
        opp_a, action=UpdateAction.NEXT, today=datetime.date(2024, 1, 20), user=manager
    )
    response = card(client, opp_a)
    content = response.content.decode()
    for text in (
        "OP000001",
        "Deal A",
        "CT100 Adatum",
        "JO Jo Ortega",
        "STD Standard",
        "Normal",
        "2 Needs",
        "10,000.00",
        "1,000.00",
        "02/03/2024",
    ):
        assert text in content
    entries = list(response.context["entries"])
    assert [entry.action_taken for entry in entries] == ["next", "first"]
    assert entries[0].created_by == manager
    assert "manager" in content
    assert response.context["commands"] == {"update", "close", "create_quote"}


def test_the_card_links_the_quote_and_offers_make_order(fx, client, opp_a):
    quote = services.create_quote(opp_a)
    content = card(client, opp_a).content.decode()
    assert reverse("opportunities:quote_detail", args=[quote.number]) in content
    assert reverse("opportunities:make_order", args=[quote.number]) in content


def test_a_closed_card_offers_delete_only(fx, client, opp_a):
    services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000)
    )
    response = card(client, opp_a)
    assert response.context["commands"] == {"delete"}
    content = response.content.decode()
    assert reverse("opportunities:update", args=[opp_a.number]) not in content
    assert "W-PRICE" in content


def test_an_unknown_number_is_a_404(client, fx):
    assert client.get(reverse("opportunities:detail", args=["OP404"])).status_code == 404
