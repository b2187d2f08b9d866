"""Inputs at the edges of the calendar and of the money columns: the pages refuse them with the
rule's message, offer no default they would refuse, and never answer 500."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, Quote, UpdateAction
from tests.snapshots import assert_refused, database_state

pytestmark = pytest.mark.django_db
D = datetime.date
OUT_OF_RANGE = "is out of range"
TOO_LARGE = "The amount is too large"


def update_url(opportunity) -> str:
    return reverse("opportunities:update", args=[opportunity.number])


def dialogs(opportunity) -> list[str]:
    urls = [
        update_url(opportunity),
        reverse("opportunities:close", args=[opportunity.number]),
        opportunity.get_absolute_url(),
    ]
    if opportunity.quote_id:
        quote = opportunity.quote.number
        urls += [
            reverse("opportunities:quote_detail", args=[quote]),
            reverse("opportunities:make_order", args=[quote]),
        ]
    return urls


# --- far dates ------------------------------------------------------------------------------


@pytest.mark.parametrize("date", ["9999-12-31", "2199-12-31", "0001-01-01"])
def test_the_update_dialog_offers_no_closing_date_out_of_range(fx, client, opp_a, date):
    # Stage 2's formula, 2W, leaves the calendar from the first date, passes the last accepted
    # date from the second, and stays before the first accepted date from the third.
    response = client.get(update_url(opp_a), {"action": UpdateAction.NEXT, "date_of_change": date})
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["date_of_change"] == D.fromisoformat(date)
    assert initial["estimated_close_date"] is None


def test_an_update_dated_in_year_9999_is_refused_on_the_dialog(fx, client, opp_a):
    response = assert_refused(
        "date_out_of_range",
        client.post,
        update_url(opp_a),
        {
            "version": opp_a.version,
            "action": UpdateAction.UPDATE,
            "date_of_change": "9999-12-25",
            "estimated_close_date": "9999-12-31",
        },
    )
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()


def test_an_opportunity_dated_in_year_9999_still_opens_its_dialogs(fx, client, opp_a):
    # As rows written before the dates were checked can be.
    OpportunityEntry.objects.filter(opportunity=opp_a).update(date_of_change=D(9999, 12, 25))
    opportunity = Opportunity.objects.get(pk=opp_a.pk)
    for url in dialogs(opportunity):
        assert client.get(url).status_code == 200, url
    form = client.get(update_url(opportunity)).context["form"]
    assert form.initial["date_of_change"] == D(9999, 12, 25)
    assert form.initial["estimated_close_date"] is None
    response = assert_refused(
        "date_out_of_range",
        client.post,
        update_url(opportunity),
        {"version": opportunity.version, "action": UpdateAction.UPDATE},
    )
    assert OUT_OF_RANGE in response.content.decode()


def test_the_defaults_leave_out_a_closing_date_outside_the_calendar(fx, opp_a):
    defaults = services.update_defaults(
        opp_a, action=UpdateAction.NEXT, date_of_change=D(9999, 12, 31)
    )
    assert defaults["estimated_close_date"] is None
    assert defaults["to_stage"] == fx.stages[2]
    defaults = services.update_defaults(
        opp_a, action=UpdateAction.NEXT, date_of_change=D(2199, 12, 1)
    )
    assert defaults["estimated_close_date"] == D(2199, 12, 15)


# --- amounts --------------------------------------------------------------------------------

MAXIMA = {"quantity": "9999999999.99", "unit_price": "9999999999999999.99"}


@pytest.fixture
def quote(opp_a):
    quote = services.create_quote(opp_a)
    services.add_quote_line(quote, description="Desk", quantity=Decimal(1), unit_price=100)
    return Quote.objects.get(pk=quote.pk)


def new_line(values: dict) -> dict:
    return {"new-description": "Everything", **{f"new-{k}": v for k, v in values.items()}}


@pytest.mark.parametrize("htmx", [False, True])
def test_a_line_at_the_fields_maxima_is_refused_on_the_quote_page(fx, client, quote, htmx):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "quote-lines"} if htmx else {}
    before = database_state()
    url = reverse("opportunities:quote_line_add", args=[quote.number])
    response = client.post(url, new_line(MAXIMA), follow=not htmx, **headers)
    assert response.status_code == 200
    assert TOO_LARGE in response.content.decode()
    assert database_state() == before
    opportunity = Opportunity.objects.get(quote=quote)
    for page in dialogs(opportunity):
        assert client.get(page).status_code == 200, page


def test_changing_a_line_to_the_fields_maxima_is_refused_on_the_quote_page(fx, client, quote):
    line = quote.lines.get()
    before = database_state()
    response = client.post(
        reverse("opportunities:quote_line_update", args=[quote.number, line.pk]),
        {
            f"line-{line.pk}-description": "Desk",
            **{f"line-{line.pk}-{k}": v for k, v in MAXIMA.items()},
        },
        follow=True,
    )
    assert TOO_LARGE in response.content.decode()
    assert database_state() == before


def test_a_quote_of_the_largest_total_opens_every_page(fx, client, quote):
    line = quote.lines.get()
    services.update_quote_line(
        line, description="Desk", quantity=Decimal(1), unit_price=Decimal("9999999999999.99")
    )
    opportunity = Opportunity.objects.get(quote=quote)
    for page in dialogs(opportunity):
        assert client.get(page).status_code == 200, page
    assert "9,999,999,999,999.99" in client.get(quote.get_absolute_url()).content.decode()
    form = client.get(update_url(opportunity)).context["form"]
    assert form.initial["estimated_value"] == Decimal("9999999999999.99")


def test_an_estimated_value_past_the_largest_amount_is_refused_on_the_dialog(fx, client, opp_a):
    response = assert_refused(
        "amount_too_large",
        client.post,
        update_url(opp_a),
        {
            "version": opp_a.version,
            "action": UpdateAction.UPDATE,
            "estimated_value": MAXIMA["unit_price"],
        },
    )
    assert response.status_code == 200
    assert TOO_LARGE in response.content.decode()
    assert client.get(reverse("opportunities:list")).status_code == 200
