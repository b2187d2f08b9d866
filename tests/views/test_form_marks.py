"""Required fields are marked the same way on every form (an asterisk with a word for screen
readers, and one line saying what it means); a refused field is outlined with its message under
it, and the message is also at the top of the form."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from opportunities import services
from opportunities.models import Opportunity, UpdateAction
from tests.snapshots import assert_refused

pytestmark = pytest.mark.django_db

MARK = (
    '<span class="required-mark" aria-hidden="true">*</span>'
    '<span class="visually-hidden"> required</span>'
)
LEGEND = '<p class="required-legend"><span class="required-mark" aria-hidden="true">*</span>'


def marked_labels(content: str) -> list[str]:
    """The fields whose label (or legend, or column heading) carries the mark, by their text."""
    found = re.findall(r">\s*([^<>]+?)\s*" + re.escape(MARK), content)
    return [" ".join(text.split()) for text in found]


def field_block(content: str, name: str) -> str:
    """A crispy field: its wrapper, label, widget and messages."""
    found = re.search(rf'<div id="div_id_{name}".*?(?=<div id="div_id_|</form>)', content, re.S)
    assert found, name
    return found.group()


def test_the_new_opportunity_dialog_marks_its_required_fields(client):
    content = client.get(reverse("opportunities:create")).content.decode()
    assert marked_labels(content) == ["Description", "Contact", "Sales cycle", "Priority"]
    assert content.count(LEGEND) == 1


def test_the_update_dialog_marks_the_action_only(fx, client, opp_a):
    content = client.get(reverse("opportunities:update", args=[opp_a.number])).content.decode()
    assert marked_labels(content) == ["Action type"]
    assert content.count(LEGEND) == 1


def test_the_close_dialog_marks_what_the_rules_require_too(fx, client, opp_a):
    url = reverse("opportunities:close", args=[opp_a.number])
    content = client.get(url).content.decode()
    # The code and the sales value of a won opportunity are the rules' (the service says why).
    labels = marked_labels(content)
    assert labels[:4] == ["Outcome", "Close opportunity code", "Closing date", "Sales value"]
    assert content.count(LEGEND) == 1  # not again in the "New close code" part
    lost = client.get(url, {"outcome": "lost"}).content.decode()
    assert "Sales value" not in marked_labels(lost)


def test_the_edit_dialog_marks_its_required_fields(fx, client, opp_a):
    content = client.get(reverse("opportunities:edit", args=[opp_a.number])).content.decode()
    assert {"Description", "Contact", "Priority"} <= set(marked_labels(content))
    assert content.count(LEGEND) == 1


def test_make_order_and_the_quote_lines_mark_their_required_fields(fx, client, opp_a):
    quote = services.create_quote(opp_a)
    order = client.get(reverse("opportunities:make_order", args=[quote.number]))
    assert marked_labels(order.content.decode()) == ["Close opportunity code", "Closing date"]
    lines = client.get(quote.get_absolute_url()).content.decode()
    assert marked_labels(lines) == ["Description", "Quantity", "Unit price"]
    assert lines.count(LEGEND) == 1


def test_the_login_page_marks_its_fields(db):
    content = Client().get(reverse("login")).content.decode()
    assert marked_labels(content) == ["Username", "Password"]
    assert content.count(LEGEND) == 1


def test_the_batch_page_has_no_required_field_and_says_nothing_of_it(fx, client):
    content = client.get(reverse("opportunities:batch_delete")).content.decode()
    assert marked_labels(content) == []
    assert LEGEND not in content


def test_the_mark_and_its_legend_read_in_french(fx, client, opp_a):
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    content = client.get(reverse("opportunities:close", args=[opp_a.number])).content.decode()
    assert '<span class="visually-hidden"> obligatoire</span>' in content
    assert "Champ obligatoire</p>" in content


def test_a_refused_value_is_outlined_with_the_rule_s_message_under_it(fx, client, opp_a):
    url = reverse("opportunities:update", args=[opp_a.number])
    response = assert_refused(
        "estimated_value_required",
        client.post,
        url,
        {"version": opp_a.version, "action": UpdateAction.NEXT, "estimated_value": "0"},
    )
    content = response.content.decode()
    block = field_block(content, "estimated_value")
    assert re.search(r'<input[^>]*class="[^"]*is-invalid', block)
    assert "The estimated value must be greater than zero." in block
    # At the top too, naming the field and leading to it.
    alert = re.search(r'<div class="alert alert-danger" role="alert">.*?</div>', content, re.S)
    assert 'Estimated value: <a href="#id_estimated_value" class="alert-link">' in alert.group()
    assert "is-invalid" not in field_block(content, "date_of_change")


def test_a_date_before_the_last_change_outlines_the_date_of_change(fx, client, opp_a):
    response = assert_refused(
        "date_before_last_change",
        client.post,
        reverse("opportunities:update", args=[opp_a.number]),
        {"version": opp_a.version, "action": UpdateAction.NEXT, "date_of_change": "2024-01-10"},
    )
    block = field_block(response.content.decode(), "date_of_change")
    assert "is-invalid" in block and "is before the last change of the opportunity" in block


def test_a_stage_that_needs_a_quote_outlines_the_action(fx, client, opp_a):
    for _ in range(2):
        target = services.available_actions(opp_a)[UpdateAction.NEXT][0]
        services.update_opportunity(opp_a, action=UpdateAction.NEXT, to_stage=target)
        opp_a.refresh_from_db()
    response = assert_refused(
        "quote_required",
        client.post,
        reverse("opportunities:update", args=[opp_a.number]),
        {"version": opp_a.version, "action": UpdateAction.NEXT},
    )
    block = field_block(response.content.decode(), "action")
    assert re.search(r'<select[^>]*class="[^"]*is-invalid', block)
    assert "requires a quote" in block


def test_closing_without_a_code_outlines_the_code(fx, client, opp_a):
    response = assert_refused(
        "close_code_required",
        client.post,
        reverse("opportunities:close", args=[opp_a.number]),
        {
            "version": opp_a.version,
            "outcome": "won",
            "date_closed": "2024-02-01",
            "sales_value": "100",
        },
    )
    block = field_block(response.content.decode(), "close_code")
    assert "is-invalid" in block and "A close code is required." in block
    assert Opportunity.objects.get(pk=opp_a.pk).status == Opportunity.Status.IN_PROGRESS


def test_a_date_out_of_range_outlines_the_field_that_holds_it(fx, client, opp_a):
    response = assert_refused(
        "date_out_of_range",
        client.post,
        reverse("opportunities:update", args=[opp_a.number]),
        {
            "version": opp_a.version,
            "action": UpdateAction.NEXT,
            "estimated_close_date": "9999-12-31",
        },
    )
    block = field_block(response.content.decode(), "estimated_close_date")
    assert "is-invalid" in block and "is out of range" in block


def test_a_form_error_is_outlined_the_same_way(fx, client):
    response = assert_refused(
        "required",
        client.post,
        reverse("opportunities:create"),
        {"contact": fx.CT100.number, "sales_cycle": fx.STD.code, "priority": "normal"},
    )
    content = response.content.decode()
    assert "is-invalid" in field_block(content, "description")
    assert 'Description: <a href="#id_description" class="alert-link">' in content


def test_a_refusal_of_no_field_stays_above_the_form(fx, client, opp_a):
    seen = opp_a.version
    services.update_opportunity(opp_a, action=UpdateAction.NEXT)  # someone else
    response = assert_refused(
        "stale",
        client.post,
        reverse("opportunities:update", args=[opp_a.number]),
        {"version": seen, "action": UpdateAction.NEXT},
    )
    content = response.content.decode()
    assert "was changed by someone else" in content
    assert "is-invalid" not in content


def test_a_refused_quote_line_is_outlined_with_its_message(fx, client, opp_a):
    quote = services.create_quote(opp_a)
    response = client.post(
        reverse("opportunities:quote_line_add", args=[quote.number]),
        {"new-description": "Lamps", "new-quantity": "five", "new-unit_price": "1"},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    field = re.search(r'<input[^>]*name="new-quantity"[^>]*>', content).group()
    assert "is-invalid" in field and 'aria-describedby="id_new-quantity-error"' in field
    assert re.search(r'<div class="invalid-feedback d-block" id="id_new-quantity-error">', content)
    assert quote.lines.count() == 0
    assert Decimal(0) == sum((line.amount for line in quote.lines.all()), Decimal(0))
