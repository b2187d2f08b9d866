"""Every aria-labelledby and aria-describedby of a page names elements that are on that page,
full pages and the dialogs htmx asks for alike, in English and in French."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(fx, opp_a):
    """An open quote on OPP-A, and a second opportunity won with its quote and order."""
    quote = services.create_quote(opp_a)
    services.add_quote_line(quote, description="Desks", quantity=Decimal(2), unit_price=500)
    won = fx.create_opp_a(description="Deal B")
    won_quote = services.create_quote(won)
    services.add_quote_line(won_quote, description="Desks", quantity=Decimal(1), unit_price=90)
    order = services.make_order(won_quote, close_code=fx.W_PRICE)
    return opp_a, quote, order


def pages(opportunity, quote, order) -> list[str]:
    number = opportunity.number
    return [
        "/",
        reverse("pipeline:board_index"),
        reverse("opportunities:list"),
        reverse("opportunities:create"),
        reverse("opportunities:batch_delete"),
        reverse("opportunities:detail", args=[number]),
        reverse("opportunities:edit", args=[number]),
        reverse("opportunities:update", args=[number]),
        reverse("opportunities:close", args=[number]),
        reverse("opportunities:delete", args=[number]),
        reverse("opportunities:quote_detail", args=[quote.number]),
        reverse("opportunities:make_order", args=[quote.number]),
        reverse("opportunities:quote_delete", args=[quote.number]),
        reverse("opportunities:order_detail", args=[order.number]),
        reverse("opportunities:order_delete", args=[order.number]),
        reverse("contacts:contact_list"),
        reverse("contacts:contact_detail", args=["CT100"]),
        reverse("contacts:salesperson_list"),
        reverse("contacts:salesperson_detail", args=["JO"]),
        reverse("salescycles:list"),
        reverse("salescycles:detail", args=["STD"]),
        reverse("api_tokens:list"),
        reverse("jobs:list"),
    ]


def missing_references(content: str) -> set[str]:
    ids = set(re.findall(r'\bid="([^"]+)"', content))
    references = re.findall(r'aria-(?:labelledby|describedby)="([^"]*)"', content)
    return {one for value in references for one in value.split() if one not in ids}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("htmx_request", [False, True], ids=["page", "htmx"])
def test_every_aria_reference_points_at_an_element_of_the_page(
    client, documents, language, htmx_request
):
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    if htmx_request:
        headers |= {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "dialog-content"}
    missing = {}
    for url in pages(*documents):
        response = client.get(url, **headers)
        assert response.status_code == 200, url
        if found := missing_references(response.content.decode()):
            missing[url] = found
    assert missing == {}
