"""The close dialog (Terminer opportunité): won or lost, close codes, sales value."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from opportunities import services
from opportunities.models import CloseOpportunityCode
from tests.snapshots import database_state

pytestmark = pytest.mark.django_db
FEB_10 = "2024-02-10"


def url(opportunity):
    return reverse("opportunities:close", args=[opportunity.number])


def code_choices(response) -> list[str]:
    return [value for value, _ in response.context["form"].fields["close_code"].widget.choices]


def test_the_codes_offered_are_those_of_the_outcome(fx, client, opp_a):
    assert code_choices(client.get(url(opp_a))) == ["", "W-PRICE", "W-REL"]
    assert code_choices(client.get(url(opp_a), {"outcome": "lost"})) == ["", "L-COMP", "L-PRICE"]


def test_the_only_code_of_a_type_is_preselected(fx, client, opp_a):
    fx.W_REL.delete()
    form = client.get(url(opp_a)).context["form"]
    assert form.initial["close_code"] == "W-PRICE"


def test_close_as_won(fx, client, opp_a, manager):
    response = client.post(
        url(opp_a),
        {
            "version": opp_a.version,
            "outcome": "won",
            "close_code": "W-PRICE",
            "date_closed": "2024-02-10",
            "sales_value": "9000",
        },
        follow=True,
    )
    assert "OP000001 closed as won." in response.content.decode()
    opp_a.refresh_from_db()
    assert opp_a.status == "won"
    assert opp_a.calcd_current_value == Decimal(9000)
    assert opp_a.entries.get(active=True).created_by == manager


def test_close_as_lost(fx, client, opp_a):
    client.post(
        url(opp_a),
        {
            "version": opp_a.version,
            "outcome": "lost",
            "close_code": "L-COMP",
            "date_closed": "2024-02-10",
        },
    )
    opp_a.refresh_from_db()
    assert opp_a.status == "lost"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"outcome": "won", "close_code": "L-PRICE", "sales_value": "10", "date_closed": FEB_10},
            "is not a code for won",
        ),
        (
            {"outcome": "won", "close_code": "", "sales_value": "10", "date_closed": FEB_10},
            "A close code is required.",
        ),
        (
            {"outcome": "won", "close_code": "W-PRICE", "sales_value": "0", "date_closed": FEB_10},
            "The sales value of a won opportunity must be greater than zero.",
        ),
        (
            {"outcome": "lost", "close_code": "L-COMP", "date_closed": "2024-01-01"},
            "is before the last change",
        ),
    ],
)
def test_a_refused_close_shows_the_rule_and_writes_nothing(fx, client, opp_a, data, message):
    before = database_state()
    response = client.post(url(opp_a), {"version": opp_a.version, **data})
    assert message in response.content.decode()
    assert database_state() == before


def test_a_linked_quote_gives_a_read_only_sales_value(fx, client, opp_a):
    quote = services.create_quote(opp_a)
    services.add_quote_line(quote, description="X", quantity=Decimal(1), unit_price=Decimal(9500))
    opp_a.refresh_from_db()
    form = client.get(url(opp_a)).context["form"]
    assert form.fields["sales_value"].disabled
    assert form.initial["sales_value"] == Decimal(9500)
    client.post(
        url(opp_a),
        {
            "version": opp_a.version,
            "outcome": "won",
            "close_code": "W-PRICE",
            "sales_value": "1",
            "date_closed": FEB_10,
        },
    )
    opp_a.refresh_from_db()
    assert opp_a.calcd_current_value == Decimal(9500)


def test_a_new_close_code_can_be_added_from_the_dialog(fx, client, opp_a):
    response = client.post(
        url(opp_a),
        {
            "version": opp_a.version,
            "outcome": "won",
            "add_code": "1",
            "new-code": "w-fast",
            "new-type": "won",
            "new-description": "Fast delivery",
        },
    )
    assert response.status_code == 200
    assert "Close code W-FAST added." in response.content.decode()
    assert response.context["form"].initial["close_code"] == "W-FAST"
    assert "W-FAST" in code_choices(response)
    opp_a.refresh_from_db()
    assert opp_a.status == "in_progress"  # adding a code closes nothing
    client.post(
        url(opp_a),
        {
            "version": opp_a.version,
            "outcome": "won",
            "close_code": "W-FAST",
            "sales_value": "5",
            "date_closed": FEB_10,
        },
    )
    opp_a.refresh_from_db()
    assert opp_a.entries.get(active=True).close_code.code == "W-FAST"


def test_a_duplicate_new_code_is_a_form_error(fx, client, opp_a):
    response = client.post(
        url(opp_a),
        {
            "version": opp_a.version,
            "outcome": "won",
            "add_code": "1",
            "new-code": "W-PRICE",
            "new-type": "won",
            "new-description": "Again",
        },
    )
    assert response.context["code_form"].errors
    assert CloseOpportunityCode.objects.filter(code="W-PRICE").count() == 1


def test_a_salesperson_cannot_add_close_codes(fx, seller_client, opp_a):
    response = seller_client.get(url(opp_a))
    assert response.context["code_form"] is None
    refused = seller_client.post(
        url(opp_a),
        {"version": opp_a.version, "add_code": "1", "new-code": "X", "new-type": "won"},
    )
    assert refused.status_code == 403


def test_a_stale_close_is_refused(fx, client, opp_a):
    seen = opp_a.version
    services.update_opportunity(opp_a, action="update", estimated_value=Decimal(12000))
    before = database_state()
    response = client.post(
        url(opp_a),
        {"version": seen, "outcome": "lost", "close_code": "L-COMP", "date_closed": FEB_10},
    )
    assert "was changed by someone else" in response.content.decode()
    assert database_state() == before
    assert "12,000.00" in response.content.decode()


def test_an_unknown_close_code_is_a_form_error(fx, client, opp_a):
    response = client.post(
        url(opp_a), {"version": opp_a.version, "outcome": "won", "close_code": "NOPE"}
    )
    assert "close_code" in response.context["form"].errors


def test_a_closed_opportunity_cannot_be_closed_again(fx, client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP)
    assert "is already closed" in client.get(url(opp_a)).content.decode()
    response = client.post(
        url(opp_a),
        {
            "version": opp_a.version,
            "outcome": "lost",
            "close_code": "L-COMP",
            "date_closed": FEB_10,
        },
    )
    assert "Opportunity OP000001 is closed and cannot change." in response.content.decode()


def test_the_closing_date_is_required_and_prefilled_with_the_default(fx, client, opp_a):
    response = client.get(url(opp_a))
    field = response.context["form"]["date_closed"]
    assert field.field.required
    assert field.value() == timezone.localdate()  # today: later than the last change
    content = response.content.decode()
    assert re.search(r'<input type="date" name="date_closed"[^>]* required', content)
    assert re.search(r'Closing date\s*<span class="asteriskField">\*</span>', content)


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_a_blank_closing_date_is_refused_and_writes_nothing(fx, client, opp_a, outcome):
    before = database_state()
    response = client.post(
        url(opp_a),
        {
            "version": opp_a.version,
            "outcome": outcome,
            "close_code": "W-PRICE" if outcome == "won" else "L-COMP",
            "sales_value": "9000",
            "date_closed": "",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date_closed"] == ["This field is required."]
    assert database_state() == before
