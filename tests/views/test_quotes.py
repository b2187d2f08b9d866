"""Quotes and orders: create quote, lines with a live total, make order, customers, deletion."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Customer
from opportunities import services
from opportunities.models import Opportunity, Quote, SalesOrder, UpdateAction
from tests.snapshots import assert_refused, database_state
from tests.views.conftest import dialog_urls

pytestmark = pytest.mark.django_db
JAN_20 = datetime.date(2024, 1, 20)


@pytest.fixture
def quote(opp_a):
    quote = services.create_quote(opp_a)
    services.add_quote_line(quote, description="Desks", quantity=Decimal(10), unit_price=950)
    opp_a.refresh_from_db()
    return quote


def test_create_quote_from_the_list(fx, client, opp_a):
    response = client.post(
        reverse("opportunities:create_quote", args=[opp_a.number]),
        {"version": opp_a.version, "next": "/"},
    )
    quote = Quote.objects.get()
    assert response["Location"] == quote.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert f"Quote {quote.number} created for OP000001. Add its lines." in page


def test_create_quote_for_a_person_is_refused(fx, client):
    opportunity = fx.create_opp_a(contact=fx.CT300)
    response = client.post(
        reverse("opportunities:create_quote", args=[opportunity.number]),
        {"version": opportunity.version},
        follow=True,
    )
    assert "whose contact type is Company" in response.content.decode()
    assert not Quote.objects.exists()


def test_the_quote_page_shows_lines_and_total(fx, client, quote):
    response = client.get(quote.get_absolute_url())
    content = response.content.decode()
    assert "Desks" in content
    assert "9,500.00" in content
    assert response.context["editable"]
    assert response.context["can_order"]


def test_add_change_and_remove_lines(fx, client, quote):
    add = reverse("opportunities:quote_line_add", args=[quote.number])
    client.post(add, {"new-description": "Chairs", "new-quantity": "4", "new-unit_price": "125"})
    assert quote.total == Decimal(10000)
    line = quote.lines.get(description="Chairs")
    client.post(
        reverse("opportunities:quote_line_update", args=[quote.number, line.pk]),
        {
            f"line-{line.pk}-description": "Chairs",
            f"line-{line.pk}-quantity": "2",
            f"line-{line.pk}-unit_price": "125",
        },
    )
    assert quote.total == Decimal(9750)
    response = client.post(
        reverse("opportunities:quote_line_delete", args=[quote.number, line.pk]), follow=True
    )
    assert "Line removed." in response.content.decode()
    assert quote.total == Decimal(9500)


def test_htmx_line_changes_return_the_lines_with_the_new_total(fx, client, quote):
    response = client.post(
        reverse("opportunities:quote_line_add", args=[quote.number]),
        {"new-description": "Lamps", "new-quantity": "5", "new-unit_price": "100"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="quote-lines",
    )
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="quote-lines"' in content
    assert "10,000.00" in content


def test_a_bad_line_is_a_form_error_and_writes_nothing(fx, client, quote):
    response = assert_refused(
        "invalid",
        client.post,
        reverse("opportunities:quote_line_add", args=[quote.number]),
        {"new-description": "Lamps", "new-quantity": "five", "new-unit_price": "-1"},
    )
    assert response.status_code == 200
    assert response.context["new_form"].errors


def test_lines_of_another_quote_are_a_404(fx, client, quote):
    other = services.create_quote(fx.create_opp_a(description="Other"))
    line = quote.lines.get()
    url = reverse("opportunities:quote_line_delete", args=[other.number, line.pk])
    assert client.post(url).status_code == 404


def test_make_order_closes_the_in_progress_opportunity_as_won(fx, client, opp_a, quote):
    url = reverse("opportunities:make_order", args=[quote.number])
    form = client.get(url).context["form"]
    assert form.closes
    response = client.post(
        url,
        {"version": opp_a.version, "close_code": "W-PRICE", "date_closed": "2024-02-10"},
        follow=True,
    )
    order = SalesOrder.objects.get()
    assert response.resolver_match.view_name == "opportunities:order_detail"
    assert f"Order {order.number} made from quote {quote.number}." in response.content.decode()
    opp_a.refresh_from_db()
    assert opp_a.status == "won"
    assert opp_a.order == order
    assert opp_a.calcd_current_value == Decimal(9500)
    quote.refresh_from_db()
    assert quote.status == Quote.Status.CONVERTED


def test_make_order_without_a_won_code_is_refused(fx, client, opp_a, quote):
    response = assert_refused(
        "close_code_required",
        client.post,
        reverse("opportunities:make_order", args=[quote.number]),
        {"version": opp_a.version, "close_code": "", "date_closed": "2024-02-10"},
    )
    assert "A close code is required." in response.content.decode()


def test_make_order_offers_to_create_the_customer_first(fx, client):
    opportunity = fx.create_opp_a(contact=fx.CT200)
    quote = services.create_quote(opportunity)
    url = reverse("opportunities:make_order", args=[quote.number])
    page = client.get(url).content.decode()
    assert "Contact CT200 is not a customer yet: create the customer first." in page
    assert 'name="create_customer"' in page  # posted to the dialog itself
    refused = client.post(
        url,
        {"version": opportunity.version, "close_code": "W-PRICE", "date_closed": "2024-02-10"},
    )
    assert "create the customer first" in refused.content.decode()
    response = client.post(reverse("contacts:create_customer", args=["CT200"]) + f"?next={url}")
    assert response["Location"] == url
    assert Customer.objects.filter(contact=fx.CT200).exists()
    form = client.get(url).context["form"]
    assert form.closes


def test_a_stale_make_order_is_refused(fx, client, opp_a, quote):
    seen = opp_a.version
    services.update_opportunity(opp_a, action=UpdateAction.UPDATE, estimated_value=Decimal(11000))
    response = assert_refused(
        "stale",
        client.post,
        reverse("opportunities:make_order", args=[quote.number]),
        {"version": seen, "close_code": "W-PRICE", "date_closed": "2024-02-10"},
    )
    assert "was changed by someone else" in response.content.decode()


def test_a_converted_quote_is_read_only(fx, client, opp_a, quote):
    services.make_order(quote, close_code=fx.W_PRICE)
    response = client.get(quote.get_absolute_url())
    assert not response.context["editable"]
    assert not response.context["can_delete_quote"]
    refused = client.post(
        reverse("opportunities:quote_line_add", args=[quote.number]),
        {"new-description": "More", "new-quantity": "1", "new-unit_price": "1"},
        follow=True,
    )
    assert "is converted to an order and cannot change" in refused.content.decode()
    deleted = client.post(reverse("opportunities:quote_delete", args=[quote.number]))
    assert "is converted to an order and cannot change" in deleted.content.decode()


def test_delete_an_open_quote(fx, client, opp_a, quote):
    url = reverse("opportunities:quote_delete", args=[quote.number])
    assert "Delete quote" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert f"Quote {quote.number} deleted." in response.content.decode()
    opp_a.refresh_from_db()
    assert opp_a.quote is None
    assert opp_a.status == "in_progress"


def test_delete_an_order_turns_the_opportunity_lost(fx, client, opp_a, quote):
    order = services.make_order(quote, close_code=fx.W_PRICE)
    url = reverse("opportunities:order_delete", args=[order.number])
    page = client.get(url).content.decode()
    assert "OP000001 was won with this order: it becomes lost." in page
    response = client.post(url, follow=True)
    assert f"Order {order.number} deleted. OP000001 is now lost." in response.content.decode()
    opp_a.refresh_from_db()
    assert opp_a.status == Opportunity.Status.LOST
    assert not SalesOrder.objects.exists()


def test_the_order_page(fx, client, opp_a, quote):
    order = services.make_order(quote, close_code=fx.W_PRICE)
    response = client.get(order.get_absolute_url())
    content = response.content.decode()
    assert "C10000" in content
    assert "9,500.00" in content
    assert response.context["opportunity"] == opp_a


def test_a_salesperson_cannot_touch_someone_elses_quote(fx, seller_client):
    theirs = fx.create_opp_a(salesperson=fx.AH)
    quote = services.create_quote(theirs)
    assert not seller_client.get(quote.get_absolute_url()).context["editable"]
    url = reverse("opportunities:quote_line_add", args=[quote.number])
    assert seller_client.post(url, {}).status_code == 403
    assert (
        seller_client.get(reverse("opportunities:make_order", args=[quote.number])).status_code
        == 403
    )


def test_create_quote_from_a_stale_page_is_refused(fx, client, opp_a):
    seen = opp_a.version
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=JAN_20)
    response = client.post(
        reverse("opportunities:create_quote", args=[opp_a.number]), {"version": seen}, follow=True
    )
    assert "was changed by someone else" in response.content.decode()
    assert not Quote.objects.exists()


def without_opportunity(fx, opportunity) -> None:
    """The opportunity is closed and deleted; its quote and order stay."""
    if not Opportunity.objects.get(pk=opportunity.pk).closed:
        services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)
    services.delete_opportunity(Opportunity.objects.get(pk=opportunity.pk))


def test_a_salesperson_keeps_their_own_quote_left_without_opportunity(
    fx, seller_client, opp_a, quote
):
    without_opportunity(fx, opp_a)
    page = seller_client.get(quote.get_absolute_url())
    assert page.context["opportunity"] is None
    assert page.context["editable"]
    assert page.context["can_order"]
    response = seller_client.post(
        reverse("opportunities:quote_line_add", args=[quote.number]),
        {"new-description": "Lamps", "new-quantity": "1", "new-unit_price": "50"},
    )
    assert response.status_code == 302
    assert quote.total == Decimal(9550)


def test_a_salesperson_cannot_touch_someone_elses_quote_left_without_opportunity(fx, seller_client):
    theirs = fx.create_opp_a(salesperson=fx.AH)
    quote = services.create_quote(theirs)
    services.add_quote_line(quote, description="Desk", quantity=Decimal(1), unit_price=100)
    without_opportunity(fx, theirs)
    add = reverse("opportunities:quote_line_add", args=[quote.number])
    line = {"new-description": "Lamps", "new-quantity": "1", "new-unit_price": "50"}
    assert_refused("permission_denied", seller_client.post, add, line)
    make_order = reverse("opportunities:make_order", args=[quote.number])
    assert seller_client.get(make_order).status_code == 403
    assert_refused("permission_denied", seller_client.post, make_order, {"version": "1"})
    delete = reverse("opportunities:quote_delete", args=[quote.number])
    assert_refused("permission_denied", seller_client.post, delete)
    page = seller_client.get(quote.get_absolute_url())
    assert not page.context["editable"]
    assert not page.context["can_order"]
    assert not page.context["can_delete_quote"]


def test_a_salesperson_cannot_delete_someone_elses_order_left_without_opportunity(
    fx, seller_client
):
    theirs = fx.create_opp_a(salesperson=fx.AH)
    quote = services.create_quote(theirs)
    services.add_quote_line(quote, description="Desk", quantity=Decimal(1), unit_price=100)
    order = services.make_order(quote, close_code=fx.W_PRICE)
    without_opportunity(fx, theirs)
    url = reverse("opportunities:order_delete", args=[order.number])
    assert seller_client.get(url).status_code == 403
    assert_refused("permission_denied", seller_client.post, url)
    assert not seller_client.get(order.get_absolute_url()).context["can_delete_order"]


def test_a_salesperson_deletes_their_own_order_left_without_opportunity(
    fx, seller_client, opp_a, quote
):
    order = services.make_order(quote, close_code=fx.W_PRICE)
    without_opportunity(fx, opp_a)
    url = reverse("opportunities:order_delete", args=[order.number])
    assert seller_client.get(order.get_absolute_url()).context["can_delete_order"]
    response = seller_client.post(url, follow=True)
    assert f"Order {order.number} deleted." in response.content.decode()
    assert not SalesOrder.objects.exists()


def test_make_order_offers_no_customer_creation_for_someone_elses_contact(fx, seller_client):
    fx.CT200.salesperson = fx.AH
    fx.CT200.save(update_fields=["salesperson"])
    opportunity = fx.create_opp_a(contact=fx.CT200)  # JO's, on AH's contact
    quote = services.create_quote(opportunity)
    create_customer = reverse("contacts:create_customer", args=["CT200"])
    dialog = seller_client.get(reverse("opportunities:make_order", args=[quote.number]))
    assert not dialog.context["can_create_customer"]
    content = dialog.content.decode()
    assert "create the customer first" in content
    assert create_customer not in content
    assert 'name="create_customer"' not in content
    assert "or a sales manager can create the customer" in content
    page = seller_client.get(quote.get_absolute_url())
    assert not page.context["can_create_customer"]
    assert create_customer not in page.content.decode()


def test_make_order_offers_customer_creation_for_the_salespersons_own_contact(fx, seller_client):
    opportunity = fx.create_opp_a(contact=fx.CT200)
    quote = services.create_quote(opportunity)
    create_customer = reverse("contacts:create_customer", args=["CT200"])
    dialog = seller_client.get(reverse("opportunities:make_order", args=[quote.number]))
    assert 'name="create_customer"' in dialog.content.decode()
    assert create_customer in seller_client.get(quote.get_absolute_url()).content.decode()


def test_make_order_requires_the_closing_date_prefilled_with_the_default(fx, client, opp_a, quote):
    url = reverse("opportunities:make_order", args=[quote.number])
    response = client.get(url)
    field = response.context["form"]["date_closed"]
    assert field.field.required
    assert field.value() == timezone.localdate()  # today: later than the last change
    content = response.content.decode()
    assert re.search(r'<input type="date" name="date_closed"[^>]* required', content)
    mark = r'<span class="required-mark" aria-hidden="true">\*</span>'
    assert re.search(r"Closing date\s*" + mark, content)
    refused = assert_refused(
        "required",
        client.post,
        url,
        {"version": opp_a.version, "close_code": "W-PRICE", "date_closed": ""},
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["date_closed"] == ["This field is required."]


# --- amounts at the edges of the money columns ----------------------------------------------

MAXIMA = {"quantity": "9999999999.99", "unit_price": "9999999999999999.99"}
TOO_LARGE = "The amount is too large"


@pytest.mark.parametrize("htmx", [False, True])
def test_a_line_at_the_fields_maxima_is_refused_on_the_quote_page(fx, client, quote, htmx):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "quote-lines"} if htmx else {}
    before = database_state()
    url = reverse("opportunities:quote_line_add", args=[quote.number])
    line = {"new-description": "Everything", **{f"new-{k}": v for k, v in MAXIMA.items()}}
    response = client.post(url, line, follow=not htmx, **headers)
    assert response.status_code == 200
    assert TOO_LARGE in response.content.decode()
    assert database_state() == before
    opportunity = Opportunity.objects.get(quote=quote)
    for page in dialog_urls(opportunity):
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
    for page in dialog_urls(opportunity):
        assert client.get(page).status_code == 200, page
    assert "9,999,999,999,999.99" in client.get(quote.get_absolute_url()).content.decode()
    update = reverse("opportunities:update", args=[opportunity.number])
    form = client.get(update).context["form"]
    assert form.initial["estimated_value"] == Decimal("9999999999999.99")
