"""The quote page's total counts the saved lines only: what is typed in the new line shows as
that line's amount, and adds to the total once the line is added; a refused new line never
does."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from opportunities import services
from opportunities.roles import SALES_MANAGER, create_roles
from tests.browser.pages import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quote(fx, opp_a):
    create_roles(apps)
    manager = UserFactory(username="manager")
    manager.groups.add(Group.objects.get(name=SALES_MANAGER))
    quote = services.create_quote(opp_a)
    services.add_quote_line(quote, description="Desks", quantity=Decimal(2), unit_price=500)
    return quote


def test_the_new_line_adds_to_the_total_only_once_it_is_saved(browser_page, quote):
    page = browser_page
    log_in(page, "manager", quote.get_absolute_url())
    total, mirror = page.locator("[data-total]"), page.locator("[data-total-mirror]")
    new_amount = page.locator("tr.new-line [data-line-amount]")
    expect(total).to_have_text("1,000.00")

    # Typed, not saved: the line shows its amount, the total stays what is saved.
    page.fill("#id_new-quantity", "3")
    page.fill("#id_new-unit_price", "100")
    expect(new_amount).to_have_text("300.00")
    expect(total).to_have_text("1,000.00")
    expect(mirror).to_have_text("1,000.00")

    # Refused (a blank description): still not in the total, even when typed in again.
    page.fill("#id_new-description", "   ")
    page.get_by_role("button", name="Add line").click()
    expect(page.locator("#quote-lines .invalid-feedback")).to_be_visible()
    expect(total).to_have_text("1,000.00")
    page.fill("#id_new-quantity", "4")
    expect(new_amount).to_have_text("400.00")
    expect(total).to_have_text("1,000.00")
    expect(mirror).to_have_text("1,000.00")

    # Saved: now it counts.
    page.fill("#id_new-description", "Chairs")
    page.get_by_role("button", name="Add line").click()
    expect(page.locator("#quote-lines tr[data-line-row]:not(.new-line)")).to_have_count(2)
    expect(total).to_have_text("1,400.00")
    expect(mirror).to_have_text("1,400.00")


def test_a_saved_line_being_changed_shows_in_the_total(browser_page, quote):
    page = browser_page
    log_in(page, "manager", quote.get_absolute_url())
    line = quote.lines.get()
    page.fill(f"#id_line-{line.pk}-quantity", "3")
    expect(page.locator("[data-total]")).to_have_text("1,500.00")
