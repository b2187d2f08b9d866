"""Make order for a contact that is no customer yet: "Create the customer" makes it one and the
dialog stays open, now with the order's fields; OK then makes the order."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from contacts.models import Customer
from opportunities import services
from opportunities.models import SalesOrder
from opportunities.roles import SALES_MANAGER, create_roles
from tests.browser.pages import log_in, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def opportunity(fx):
    create_roles(apps)
    manager = UserFactory(username="manager")
    manager.groups.add(Group.objects.get(name=SALES_MANAGER))
    opportunity = fx.create_opp_a(contact=fx.CT200)  # Litware: no customer yet
    quote = services.create_quote(opportunity)
    services.add_quote_line(quote, description="Desks", quantity=Decimal(2), unit_price=500)
    return opportunity


def test_create_the_customer_stays_in_the_make_order_dialog(browser_page, opportunity, fx):
    page = browser_page
    log_in(page, "manager", opportunity.get_absolute_url())
    dialog = page.locator("#dialog")
    page.locator(".card-actions").get_by_role("link", name="Make order").click()
    expect(dialog.get_by_text("is not a customer yet")).to_be_visible()
    dialog.get_by_role("button", name="Create the customer").click()
    expect(dialog.locator(".alert-success")).to_contain_text(
        "Contact CT200 Litware is now customer"
    )
    expect(dialog).to_be_visible()
    expect(page).to_have_url(page.base_url + opportunity.get_absolute_url())
    assert Customer.objects.filter(contact=fx.CT200).exists()
    page.select_option("#id_close_code", "W-PRICE")
    screenshot(page, "make-order-customer")
    with page.expect_navigation():
        dialog.get_by_role("button", name="OK", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("made from quote")
    assert SalesOrder.objects.get().customer.contact == fx.CT200
