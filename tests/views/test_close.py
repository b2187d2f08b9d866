"""The close dialog (Terminer opportunité): won or lost, close codes, sales value."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from opportunities import services
from opportunities.models import CloseOpportunityCode, UpdateAction
from tests.snapshots import assert_refused

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
    ("data", "code", "message"),
    [
        (
            {"outcome": "won", "close_code": "L-PRICE", "sales_value": "10", "date_closed": FEB_10},
            "close_code_type",
            "is not a code for won",
        ),
        (
            {"outcome": "won", "close_code": "", "sales_value": "10", "date_closed": FEB_10},
            "close_code_required",
            "A close code is required.",
        ),
        (
            {"outcome": "won", "close_code": "W-PRICE", "sales_value": "0", "date_closed": FEB_10},
            "sales_value_required",
            "The sales value of a won opportunity must be greater than zero.",
        ),
        (
            {"outcome": "lost", "close_code": "L-COMP", "date_closed": "2024-01-01"},
            "date_before_last_change",
            "is before the last change",
        ),
    ],
)
def test_a_refused_close_shows_the_rule_and_writes_nothing(fx, client, opp_a, data, code, message):
    response = assert_refused(code, client.post, url(opp_a), {"version": opp_a.version, **data})
    assert message in response.content.decode()


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


def code_url(opportunity):
    return reverse("opportunities:close_code_add", args=[opportunity.number])


def new_code(opportunity, **code) -> dict:
    """What the close dialog posts to add a close code: its own fields and the new code's."""
    return {
        "version": opportunity.version,
        "outcome": "lost",
        "date_closed": FEB_10,
        "sales_value": "7500",
        **{f"new-{name}": value for name, value in code.items()},
    }


def test_a_new_close_code_is_added_and_chosen_in_the_close_dialog(fx, client, opp_a):
    data = new_code(opp_a, code="w-fast", type="won", description="Fast delivery")
    response = client.post(code_url(opp_a), data)
    assert response.status_code == 302
    assert response["Location"].startswith(url(opp_a) + "?")
    dialog = client.get(response["Location"])
    assert "Close code W-FAST added." in dialog.content.decode()
    form = dialog.context["form"]
    # The new code's outcome, the new code chosen, and what the user had typed kept.
    assert form.initial["outcome"] == "won"
    assert form.initial["close_code"] == "W-FAST"
    assert form.initial["version"] == opp_a.version
    assert str(form.initial["date_closed"]) == FEB_10
    assert form.initial["sales_value"] == "7500"
    assert "W-FAST" in code_choices(dialog)
    assert CloseOpportunityCode.objects.get(code="W-FAST").type == "won"
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


def test_a_close_code_added_in_the_modal_shows_the_dialog_again_with_the_notice(fx, client, opp_a):
    # htmx posts the close form from the modal and swaps the form itself for the answer.
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "close-form"}
    data = {**new_code(opp_a, code="L-LATE", type="lost", description="Too late"), "modal": "1"}
    response = client.post(code_url(opp_a), data, follow=True, **htmx)
    content = response.content.decode()
    assert "<html" not in content  # the dialog only, in place of the one in the modal
    assert re.search(r'class="alert alert-success"[^>]*>Close code L-LATE added\.', content)
    assert response.context["modal"]
    assert response.context["form"].initial["close_code"] == "L-LATE"


def test_a_duplicate_close_code_is_refused_with_its_message_and_adds_nothing(fx, client, opp_a):
    response = assert_refused(
        "unique",
        client.post,
        code_url(opp_a),
        new_code(opp_a, code="w-price", type="won", description="Again"),
    )
    assert response.status_code == 200
    assert response.context["code_form"].errors["code"] == [
        "Close opportunity code W-PRICE already exists."
    ]
    content = response.content.decode()
    assert "Close opportunity code W-PRICE already exists." in content
    # The close dialog again, as the user had filled it, still closing through its own URL.
    assert response.context["form"].initial["outcome"] == "lost"
    assert f'action="{url(opp_a)}"' in content


def test_a_salesperson_cannot_add_close_codes(fx, seller_client, opp_a):
    response = seller_client.get(url(opp_a))
    assert response.context["code_form"] is None
    assert_refused(
        "permission_denied",
        seller_client.post,
        code_url(opp_a),
        new_code(opp_a, code="X", type="won"),
    )


def test_a_stale_close_is_refused(fx, client, opp_a):
    seen = opp_a.version
    services.update_opportunity(opp_a, action=UpdateAction.UPDATE, estimated_value=Decimal(12000))
    response = assert_refused(
        "stale",
        client.post,
        url(opp_a),
        {"version": seen, "outcome": "lost", "close_code": "L-COMP", "date_closed": FEB_10},
    )
    assert "was changed by someone else" in response.content.decode()
    assert "12,000.00" in response.content.decode()


def test_an_unknown_close_code_is_a_form_error(fx, client, opp_a):
    response = assert_refused(
        "invalid_choice",
        client.post,
        url(opp_a),
        {"version": opp_a.version, "outcome": "won", "close_code": "NOPE"},
    )
    assert "close_code" in response.context["form"].errors


def test_a_closed_opportunity_cannot_be_closed_again(fx, client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP)
    assert "is already closed" in client.get(url(opp_a)).content.decode()
    response = assert_refused(
        "closed",
        client.post,
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
    mark = r'<span class="required-mark" aria-hidden="true">\*</span>'
    assert re.search(r"Closing date\s*" + mark, content)


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_a_blank_closing_date_is_refused_and_writes_nothing(fx, client, opp_a, outcome):
    response = assert_refused(
        "required",
        client.post,
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
